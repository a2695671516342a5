"""The money after an award: agreements from the round's template, tranches that become due,
maker-checker payments, stopped tranches, refunds and write-offs — every yuan in the ledger."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grants import lifecycle
from grants.audit import SYSTEM, Actor, AuditEvent
from grants.disbursements import services as money
from grants.disbursements.models import Payment, Tranche, TrancheShare
from grants.funds import services as funds
from grants.funds.models import FundEntry
from grants.rounds.models import RoundFund
from grants.timeutil import today
from grants.validation import FormErrors
from tests import factories
from tests.disbursements.factories import confirmed, finance_pair, signed

pytestmark = pytest.mark.db


def _fund_id(session, w):
    return session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()


def _pay(session, user, tranche, amount, ref="CMB20261010001", **kw):
    return money.record_payment(session, Actor(user.id, user.username), user, tranche,
                                amount_fen=amount, paid_on=date(2026, 10, 10),
                                bank_reference=ref, **kw)


def test_agreements_follow_the_template_and_split_over_funds(session, monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)
    first = agreements[0]
    assert first.amount_fen == 50_000_00 and first.status == "draft"
    tranches = money.tranches_of(session, first)
    assert [(t.amount_fen, t.condition, t.status) for t in tranches] == [
        (25_000_00, "signing", "scheduled"), (15_000_00, "midterm_passed", "scheduled"),
        (10_000_00, "final_accepted", "scheduled")]
    shares = session.execute(select(func.sum(TrancheShare.amount_fen)).where(
        TrancheShare.tranche_id.in_([t.id for t in tranches]))).scalar_one()
    assert shares == 50_000_00
    assert money.split(10_00, [1, 1, 1]) == [334, 333, 333]
    assert sum(money.split(99_999_99, [7, 3, 11])) == 99_999_99


def test_signing_makes_the_first_tranche_due_and_the_schedule_can_change_before(
        session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = agreements[1]
    rows = [{"amount_fen": 20_000_00, "condition": "signing", "due_on": None},
            {"amount_fen": 20_000_00, "condition": "date", "due_on": date(2026, 10, 1)}]
    with pytest.raises(FormErrors):  # does not add up
        money.change_schedule(session, SYSTEM, w.organiser, agreement, rows[:1], "调整")
    with pytest.raises(lifecycle.Refused):  # needs a reason
        money.change_schedule(session, SYSTEM, w.organiser, agreement, rows, "  ")
    session.rollback()
    backwards = [{"amount_fen": 20_000_00, "condition": "final_accepted", "due_on": None},
                 {"amount_fen": 20_000_00, "condition": "signing", "due_on": None, "row": 2}]
    with pytest.raises(FormErrors) as refused:  # paid on signing after final acceptance
        money.change_schedule(session, SYSTEM, w.organiser, agreement, backwards, "调整")
    assert "order they are paid" in refused.value.errors["condition_2"]
    early = [rows[0], {**rows[1], "due_on": date(2020, 1, 1)}]
    with pytest.raises(FormErrors) as refused:  # confirmed on 2026-09-28
        money.change_schedule(session, SYSTEM, w.organiser, agreement, early, "调整")
    assert "2026-09-28" in refused.value.errors["due_on_2"]
    session.rollback()
    money.change_schedule(session, SYSTEM, w.organiser, agreement, rows, "按街道财务要求分两期")
    from grants.awards import documents
    from grants.awards.models import Award

    printed = documents.agreement(session, session.get(Award, agreement.award_id)).context
    assert [(t["amount_fen"], t["condition_label"]) for t in printed["tranches"]] == [
        (20_000_00, "协议签订后"), (20_000_00, "2026年10月1日")]  # the PDF follows the change
    signed(session, agreement)
    assert [t.status for t in money.tranches_of(session, agreement)] == ["due", "due"]
    maker, checker = finance_pair(session)
    money.approve(session, SYSTEM, checker, _pay(session, maker, money.tranches_of(
        session, agreement)[0], 1_000_00))
    session.commit()
    with pytest.raises(lifecycle.Refused) as refused:  # fixed once signed, payments untouched
        money.change_schedule(session, SYSTEM, w.organiser, agreement, rows, "再改")
    assert "Signed" in " ".join(refused.value.problems)
    session.rollback()
    assert len(money.tranches_of(session, agreement)) == 2


def test_a_payment_needs_a_second_person_and_moves_the_ledger(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    agreement = signed(session, agreements[0])
    tranche = money.tranches_of(session, agreement)[0]
    fund_id = _fund_id(session, w)
    before = funds.balances(session, [fund_id])[fund_id]
    payment = _pay(session, maker, tranche, 10_000_00)
    session.commit()
    assert tranche.status == "requested"
    with pytest.raises(lifecycle.Refused) as refused:  # nobody approves their own payment
        money.approve(session, SYSTEM, maker, payment)
    assert refused.value.problems == [  # ... and is told so, not just "you may not"
        "You recorded this payment: another finance user must approve or reject it."]
    session.rollback()
    outsider = factories.user(session, "applicant")
    with pytest.raises(lifecycle.Refused) as refused:
        money.approve(session, SYSTEM, outsider, session.get(Payment, payment.id))
    assert refused.value.problems == ["You may not do this."]
    session.rollback()
    money.approve(session, SYSTEM, checker, session.get(Payment, payment.id))
    session.commit()
    tranche = session.get(Tranche, tranche.id)
    assert (tranche.status, tranche.paid_fen) == ("due", 10_000_00)  # partial: due again
    second = _pay(session, maker, tranche, 15_000_00, ref="CMB20261011002")
    session.commit()
    with pytest.raises(FormErrors):  # nothing left beyond what awaits approval
        _pay(session, maker, tranche, 1)
    session.rollback()
    money.approve(session, SYSTEM, checker, session.get(Payment, second.id))
    session.commit()
    assert session.get(Tranche, tranche.id).status == "paid"
    after = funds.balances(session, [fund_id])[fund_id]
    assert after.disbursed - before.disbursed == 25_000_00
    assert before.committed - after.committed == 25_000_00
    assert after.available == before.available
    kinds = session.execute(select(FundEntry.kind, FundEntry.ref_type)
                            .where(FundEntry.ref_type == "payment")).all()
    assert kinds == [("disbursement", "payment")] * 2
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("payment.record", "payment.approve")))).scalar_one() == 4


def test_bad_payments_change_nothing(session, monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)
    maker, _checker = finance_pair(session)
    agreement = agreements[0]
    tranche = money.tranches_of(session, agreement)[0]
    with pytest.raises(lifecycle.Refused):  # not due before signing
        _pay(session, maker, tranche, 100)
    session.rollback()
    signed(session, agreement)
    tranche = money.tranches_of(session, agreement)[0]
    for kwargs in ({"amount": 0}, {"amount": -5}, {"amount": None}, {"amount": 25_000_01},
                   {"amount": 100, "ref": ""}, {"amount": 100, "ref": "x" * 61},
                   {"amount": 100, "ref": "a\x00b"}):
        amount = kwargs.pop("amount")
        with pytest.raises(FormErrors):
            _pay(session, maker, tranche, amount, **kwargs)
        session.rollback()
    with pytest.raises(FormErrors):
        money.record_payment(session, SYSTEM, maker, tranche, amount_fen=100,
                             paid_on=date(2099, 1, 1), bank_reference="X")
    session.rollback()
    assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == 0


def test_a_payment_is_not_dated_before_signing_nor_a_bank_reference_used_twice(
        session, monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    first, second = signed(session, agreements[0]), signed(session, agreements[1])
    tranche = money.tranches_of(session, first)[0]
    with pytest.raises(FormErrors) as refused:  # signed on 2026-10-08
        money.record_payment(session, SYSTEM, maker, tranche, amount_fen=100,
                             paid_on=date(2026, 10, 7), bank_reference="CMB1")
    assert "2026-10-08" in refused.value.errors["paid_on"]
    session.rollback()
    paid = _pay(session, maker, tranche, 100, ref="CMB1", form_key="form-1")
    session.commit()
    other = money.tranches_of(session, second)[0]
    with pytest.raises(FormErrors) as refused:  # the same transfer cannot pay two tranches
        _pay(session, maker, other, 100, ref="CMB1")
    message = refused.value.errors["bank_reference"]
    assert "CMB1" in message and first.number in message and "2026-10-10" in message
    session.rollback()
    with pytest.raises(money.DuplicatePayment):  # the same form sent again: already recorded
        _pay(session, maker, tranche, 100, ref="CMB1", form_key="form-1")
    session.rollback()
    for variant in ("cmb1", "CMB 1", "ＣＭＢ１", "CMB1\u200b"):  # the same transfer, typed otherwise
        with pytest.raises(FormErrors):
            _pay(session, maker, other, 100, ref=variant)
        session.rollback()
    assert money.normalise_reference(" ｃｍｂ 2026\u200b11 0001 ") == "CMB2026110001"
    money.reject(session, SYSTEM, checker, paid, reason="银行退回，重新转账。")
    session.commit()
    assert _pay(session, maker, other, 100, ref="cmb 1").bank_reference == "CMB1"  # stored plain


def test_a_failed_evaluation_stops_later_tranches_and_opens_a_refund(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    agreement = signed(session, agreements[0])
    first = money.tranches_of(session, agreement)[0]
    payment = _pay(session, maker, first, 25_000_00)
    money.approve(session, SYSTEM, checker, payment)
    session.commit()
    fund_id = _fund_id(session, w)
    committed_before = funds.balances(session, [fund_id])[fund_id].committed
    with pytest.raises(FormErrors):  # more than was paid
        money.record_evaluation(session, SYSTEM, w.organiser, agreement, "midterm", False,
                                "活动未按计划开展", refund_fen=25_000_01)
    session.rollback()
    money.record_evaluation(session, SYSTEM, w.organiser, agreement, "midterm", False,
                            "活动未按计划开展", refund_fen=5_000_00)
    session.commit()
    statuses = [t.status for t in money.tranches_of(session, agreement)]
    assert statuses == ["paid", "stopped", "stopped"]
    balance = funds.balances(session, [fund_id])[fund_id]
    assert committed_before - balance.committed == 25_000_00  # the stopped 15k + 10k released
    refund = session.execute(select(money.Refund)).scalar_one()
    assert refund.status == "due" and refund.amount_fen == 5_000_00
    # Writing it off needs a second person.
    money.request_write_off(session, SYSTEM, maker, refund, "机构已注销，无法追回")
    session.commit()
    with pytest.raises(lifecycle.Refused):
        money.decide_write_off(session, SYSTEM, maker, refund, True)
    session.rollback()
    refund = session.get(money.Refund, refund.id)
    money.decide_write_off(session, SYSTEM, checker, refund, False, "请先发函催收")
    assert refund.status == "due"
    with pytest.raises(FormErrors) as early:  # before the refund was asked for
        money.record_refund(session, SYSTEM, maker, refund, refunded_on=date(2026, 10, 1),
                            bank_reference="ICBC-R-001")
    assert "cannot have come back before" in early.value.errors["refunded_on"]
    with pytest.raises(FormErrors) as reused:  # the outgoing payment's reference
        money.record_refund(session, SYSTEM, maker, refund, refunded_on=today(),
                            bank_reference="CMB20261010001")
    assert agreement.number in reused.value.errors["bank_reference"]
    money.record_refund(session, SYSTEM, maker, refund, refunded_on=today(),
                        bank_reference="ICBC-R-001")
    session.commit()
    with pytest.raises(money.DuplicateRefund):  # the same form sent again: already recorded
        money.record_refund(session, SYSTEM, maker, refund, refunded_on=today(),
                            bank_reference="icbc-r-001")
    session.rollback()
    again = money._reference_problem(session, "ICBC-R-001", None)  # a second refund, or payment
    assert "refund of ¥5,000.00" in again and agreement.number in again
    after = funds.balances(session, [fund_id])[fund_id]
    assert after.refunded == 5_000_00 and after.available == balance.available + 5_000_00
    # The ledger's memos name what happened in the platform's language, with no database ids
    # ("payment #2 …" on a Chinese page).
    from grants.funds.models import FundEntry

    memos = [e.memo for e in session.execute(select(FundEntry).where(
        FundEntry.fund_id == fund_id, FundEntry.ref_type.is_not(None))).scalars()]
    assert any("第2期拨款停止拨付" in m for m in memos) and any("ICBC-R-001" in m for m in memos)
    assert not [m for m in memos if "#" in m]


def test_passing_the_midterm_makes_the_next_tranche_due(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[1])
    money.record_evaluation(session, SYSTEM, w.organiser, agreement, "midterm", True, "合格")
    assert [t.status for t in money.tranches_of(session, agreement)] == [
        "due", "due", "scheduled"]
    with pytest.raises(FormErrors):  # recorded once
        money.record_evaluation(session, SYSTEM, w.organiser, agreement, "midterm", True, "再评")


def test_revoking_an_award_cancels_its_unpaid_tranches(session, monkeypatch):
    from grants.awards import services as awards
    from grants.awards.models import Award

    w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    agreement = signed(session, agreements[0])
    first = money.tranches_of(session, agreement)[0]
    money.approve(session, SYSTEM, checker, _pay(session, maker, first, 25_000_00))
    from grants.organisations.models import Organisation

    member = factories.user(session, "applicant", organisation=session.get(
        Organisation, agreement.organisation_id))
    from grants.reports import services as reports

    midterm = reports.start(session, SYSTEM, member, agreement, "midterm")
    reports.save(session, SYSTEM, member, midterm, {
        "activities_held": "3", "people_served": "90", "volunteers": "4", "volunteer_hours": "20",
        "narrative": "开展了三次长者助餐活动，服务社区长者九十人次，居民反馈良好。"})
    reports.submit(session, SYSTEM, member, midterm)
    session.commit()
    assert midterm in reports.waiting_for(session, w.organiser)
    released = awards.revoke(session, SYSTEM, w.organiser,
                             session.get(Award, agreement.award_id), "发现虚假材料")
    session.commit()
    assert released == 25_000_00
    assert [t.status for t in money.tranches_of(session, agreement)] == [
        "paid", "cancelled", "cancelled"]
    # the agreement goes with its award: nothing more is reported, evaluated or paid under it,
    # and the organisation is told
    from grants.notifications.models import Notice

    assert agreement.status == "cancelled"
    # a report submitted before leaves the evaluation queue, and is neither returned nor graded
    assert midterm not in reports.waiting_for(session, w.organiser)
    for move in (lambda: reports.return_for_correction(session, SYSTEM, w.organiser, midterm,
                                                       "请补充台账"),
                 lambda: reports.evaluate(session, SYSTEM, w.organiser, midterm, grade="pass",
                                          score=None, comments="合格")):
        with pytest.raises(lifecycle.Refused) as refused:
            move()
        assert "no longer edited, submitted or evaluated" in " ".join(refused.value.problems)
        session.rollback()
    with pytest.raises(FormErrors) as refused:
        reports.start(session, SYSTEM, None, agreement, "final")
    assert "no more reports" in refused.value.errors["kind"]
    with pytest.raises(FormErrors):
        money.record_evaluation(session, SYSTEM, w.organiser, agreement, "final", True, "合格")
    notices = session.execute(select(Notice.title).where(Notice.user_id == member.id)
                              ).scalars().all()
    assert any("撤销" in title for title in notices), notices


def test_manual_entries_are_corrected_by_reversal_never_edited(session):
    fund = factories.fund(session, contributed_fen=10_000_00)
    entry = session.execute(select(FundEntry).where(FundEntry.fund_id == fund.id)).scalar_one()
    funds.reverse_entry(session, SYSTEM, entry, "重复录入")
    assert funds.balances(session, [fund.id])[fund.id].available == 0
    with pytest.raises(FormErrors):
        funds.reverse_entry(session, SYSTEM, entry, "再冲一次")
    assert session.execute(select(func.count()).select_from(FundEntry)).scalar_one() == 2


def test_an_agreement_is_not_signed_before_its_award_was_confirmed(session, monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)  # confirmed on 2026-09-28
    with pytest.raises(FormErrors) as refused:
        money.sign(session, SYSTEM, None, agreements[0], signed_on=date(2001, 1, 1),
                   signatories="张主任；王理事长")
    assert "2026-09-28" in refused.value.errors["signed_on"]
    session.rollback()
    assert money.sign(session, SYSTEM, None, agreements[0], signed_on=date(2026, 9, 28),
                      signatories="张主任；王理事长").signed_on == date(2026, 9, 28)
