"""Two organisers raising different awards at once cannot over-commit the round's fund, on
SQLite and PostgreSQL: one change wins, the other is refused with a message."""

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.awards import services as awards
from grants.awards.models import Award, AwardAllocation
from grants.db import writing
from grants.rounds.models import RoundFund
from grants.validation import FormErrors
from tests.awards.factories import proposed
from tests.platform.test_concurrency import run_parallel

pytestmark = pytest.mark.db


def test_parallel_raises_never_over_commit_a_fund(engine, session):
    w, notice = proposed(session, budget_fen=150_000_00)  # awards 50k, 40k, 40k, 20k (partial)
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    awarded = list(session.execute(select(Award).where(Award.notice_id == notice.id)
                                   .order_by(Award.position)).scalars())
    assert [a.amount_fen for a in awarded] == [50_000_00, 40_000_00, 40_000_00, 20_000_00]
    # lower the first by 10k: 10k is free, and each of the two raises below needs all of it
    first, fourth = awarded[0], awarded[3]
    awards.edit(session, audit.SYSTEM, w.organiser, first, {fund_id: 40_000_00}, "", "调整")
    session.commit()
    organiser_id = w.organiser.id

    def raiser(award_id: int, amount: int):
        def job() -> str:
            with writing(), Session(engine, expire_on_commit=False) as s:
                try:
                    awards.edit(s, audit.SYSTEM, s.get(User, organiser_id),
                                s.get(Award, award_id), {fund_id: amount}, "", "补足")
                except FormErrors:
                    s.rollback()
                    return "refused"
                s.commit()
                return "changed"
        return job

    outcomes = run_parallel([raiser(first.id, 50_000_00), raiser(fourth.id, 30_000_00)])
    assert Counter(outcomes) == {"changed": 1, "refused": 1}, outcomes
    session.expire_all()
    total = session.execute(select(func.sum(AwardAllocation.amount_fen)).where(
        AwardAllocation.round_id == w.round.id)).scalar_one()
    assert total == 150_000_00
