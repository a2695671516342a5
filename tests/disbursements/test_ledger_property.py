"""Property: after any sequence of money operations — contributions, signing, payments,
approvals, rejections, passed and failed evaluations with refunds, refunds paid back and
written off, revocations and reversals — the ledger balances:

- no fund's available money or commitments go below zero;
- what a fund has committed equals the unpaid part of its open tranches;
- what it disbursed equals the approved payments, refunds equal the refunds recorded;
- no tranche is paid more than its amount, and every money event is in the audit trail.
"""

import random
from datetime import date

import pytest
from sqlalchemy import func, select

from grants import lifecycle
from grants.audit import Actor, AuditEvent
from grants.awards import services as awards
from grants.awards.models import Award
from grants.disbursements import services as money
from grants.disbursements.models import Payment, Refund, Tranche, TrancheShare
from grants.funds import services as funds
from grants.funds.models import Fund, FundEntry
from grants.rounds.models import RoundFund
from grants.timeutil import today
from grants.validation import FormErrors
from tests.disbursements.factories import confirmed, finance_pair

pytestmark = pytest.mark.db


def check(session, fund_id):
    balance = funds.balances(session, [fund_id])[fund_id]
    assert balance.available >= 0 and balance.committed >= 0
    unpaid = session.execute(select(func.coalesce(func.sum(
        TrancheShare.amount_fen - TrancheShare.paid_fen), 0))
        .join(Tranche, Tranche.id == TrancheShare.tranche_id)
        .where(TrancheShare.fund_id == fund_id,
               Tranche.status.in_(("scheduled", "due", "requested")))).scalar_one()
    assert balance.committed == unpaid
    approved = session.execute(select(func.coalesce(func.sum(Payment.amount_fen), 0))
                               .where(Payment.status == "approved")).scalar_one()
    assert balance.disbursed == approved  # one fund pays every award in this world
    refunded = session.execute(select(func.coalesce(func.sum(Refund.amount_fen), 0))
                               .where(Refund.status == "refunded")).scalar_one()
    assert balance.refunded == refunded
    assert session.execute(select(func.count()).select_from(Tranche).where(
        Tranche.paid_fen > Tranche.amount_fen)).scalar_one() == 0
    entries = session.execute(select(func.count()).select_from(FundEntry)).scalar_one()
    audited = session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "fund_entry")).scalar_one()
    assert audited == entries


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_keep_the_ledger_balanced(session, monkeypatch, seed):
    lots = random.Random(seed)
    w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    as_maker, as_checker = Actor(maker.id, "maker"), Actor(checker.id, "checker")
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    check(session, fund_id)

    def sign():
        a = lots.choice(agreements)
        money.sign(session, as_maker, None, a, signed_on=date(2026, 10, 8), signatories="甲乙")

    def pay():
        open_ = [t for a in agreements for t in money.tranches_of(session, a)
                 if t.status in ("due", "requested")]
        t = lots.choice(open_)
        left = t.amount_fen - t.paid_fen - money.pending_on(session, t.id)
        amount = lots.choice([left, max(1, left // 2), left + 1, 0])
        money.record_payment(session, as_maker, maker, t, amount_fen=amount,
                             paid_on=date(2026, 10, 10), bank_reference=f"R{lots.random()}"[:20])

    def decide():
        pending = session.execute(select(Payment).where(Payment.status == "pending")
                                  ).scalars().all()
        p = lots.choice(pending)
        if lots.random() < 0.75:
            money.approve(session, as_checker, checker, p)
        else:
            money.reject(session, as_checker, checker, p, "金额有误")

    def evaluate():
        a = lots.choice(agreements)
        passed = lots.random() < 0.5
        paid = money.paid_total(session, a)
        refund = lots.randint(1, paid) if paid and not passed and lots.random() < 0.7 else None
        money.record_evaluation(session, as_maker, w.organiser, a, lots.choice(
            ("midterm", "final")), passed, "评估意见", refund_fen=refund)

    def settle_refund():
        r = lots.choice(session.execute(select(Refund).where(Refund.status == "due")
                                        ).scalars().all())
        if lots.random() < 0.6:
            money.record_refund(session, as_maker, maker, r, refunded_on=today(),
                                bank_reference="RF1")
        else:
            money.request_write_off(session, as_maker, maker, r, "无法追回")
            money.decide_write_off(session, as_checker, checker, r, lots.random() < 0.5, "意见")

    def contribute():
        funds.add_entry(session, as_maker, session.get(Fund, fund_id), kind="contribution",
                        amount_fen=lots.randint(1, 5_000_00), counterparty="区财政局")

    def reverse():
        manual = session.execute(select(FundEntry).where(
            FundEntry.kind == "contribution", FundEntry.reverses_id.is_(None),
            FundEntry.fund_id == fund_id)).scalars().all()
        funds.reverse_entry(session, as_maker, lots.choice(manual), "更正")

    def revoke():
        if lots.random() < 0.8:
            raise IndexError("revocations are rare")
        a = lots.choice(agreements)
        awards.revoke(session, as_maker, w.organiser, session.get(Award, a.award_id), "撤销")

    operations = [sign] * 3 + [pay] * 10 + [decide] * 8 + [evaluate] * 3 \
        + [settle_refund] * 3 + [contribute, reverse, revoke]
    done: dict[str, int] = {}
    for _step in range(160):
        operation = lots.choice(operations)
        try:
            operation()
        except (FormErrors, lifecycle.Refused, IndexError, ValueError):
            session.rollback()  # refused or nothing to act on: nothing changed
        else:
            session.commit()
            done[operation.__name__] = done.get(operation.__name__, 0) + 1
        check(session, fund_id)
    assert done.get("pay", 0) >= 3 and done.get("decide", 0) >= 3, done
    assert done.get("evaluate") and done.get("sign"), done
