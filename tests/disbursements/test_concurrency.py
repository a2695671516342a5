"""Twenty parallel attempts to pay or approve the same tranche pay it exactly once, on SQLite
and PostgreSQL, with real parallel connections."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from grants import lifecycle
from grants.accounts.models import User
from grants.audit import Actor
from grants.db import writing
from grants.disbursements import services as money
from grants.disbursements.models import Payment, Tranche
from grants.funds.models import FundEntry
from grants.validation import FormErrors
from tests import factories
from tests.disbursements.factories import confirmed, signed
from tests.platform.test_concurrency import run_parallel

pytestmark = pytest.mark.db


def test_twenty_parallel_recordings_and_approvals_pay_a_tranche_once(engine, session,
                                                                     monkeypatch):
    _w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    tranche_id = money.tranches_of(session, agreement)[0].id
    amount = session.get(Tranche, tranche_id).amount_fen
    makers = [factories.user(session, "finance") for _ in range(20)]
    checkers = [factories.user(session, "finance") for _ in range(20)]
    session.commit()

    def recorder(user_id: int, n: int):
        def job() -> str:
            with writing(), Session(engine, expire_on_commit=False) as s:
                user = s.get(User, user_id)
                try:
                    money.record_payment(s, Actor(user.id, user.username), user,
                                         s.get(Tranche, tranche_id), amount_fen=amount,
                                         paid_on=date(2026, 10, 10), bank_reference=f"REF{n}")
                except (FormErrors, lifecycle.Refused):
                    s.rollback()
                    return "refused"
                s.commit()
                return "recorded"
        return job

    outcomes = run_parallel([recorder(m.id, i) for i, m in enumerate(makers)])
    assert Counter(outcomes) == {"recorded": 1, "refused": 19}, outcomes
    payment_id = session.execute(select(Payment.id)).scalar_one()

    def approver(user_id: int):
        def job() -> str:
            with writing(), Session(engine, expire_on_commit=False) as s:
                user = s.get(User, user_id)
                try:
                    money.approve(s, Actor(user.id, user.username), user,
                                  s.get(Payment, payment_id))
                except (FormErrors, lifecycle.Refused):
                    s.rollback()
                    return "refused"
                s.commit()
                return "approved"
        return job

    outcomes = run_parallel([approver(c.id) for c in checkers])
    assert Counter(outcomes) == {"approved": 1, "refused": 19}, outcomes
    session.expire_all()
    tranche = session.get(Tranche, tranche_id)
    assert (tranche.status, tranche.paid_fen) == ("paid", amount)
    paid = session.execute(select(func.sum(FundEntry.amount_fen)).where(
        FundEntry.kind == "disbursement")).scalar_one()
    assert paid == amount
