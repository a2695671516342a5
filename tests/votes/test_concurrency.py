"""The daily vote limit holds when one voter's votes for different projects arrive at the same
moment (each request its own connection, as under several workers)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from grants.votes import services
from grants.votes.models import Vote, VoteSlot
from tests.votes.factories import proof, token_for, voting_round

pytestmark = pytest.mark.db


def test_simultaneous_votes_never_exceed_the_daily_limit(engine, session: Session) -> None:
    _round, setup, apps = voting_round(session, projects=8, votes_per_day=3)
    device = "device-parallel-000"
    token = token_for(session, setup, "parallel@example.org", device)
    session.commit()
    proofs = [proof(setup) for _ in apps]
    start = threading.Barrier(len(apps))
    outcomes: list[str] = []

    def cast(app_id: int, challenge: str, nonce: str) -> None:
        with Session(engine) as own:
            own_setup = own.get(type(setup), setup.id)
            start.wait()
            try:
                services.cast(own, own_setup, app_id, token=token, challenge=challenge,
                              nonce=nonce, ip="10.0.0.9", device=device)
                own.commit()
                outcomes.append("ok")
            except services.VoteRefused:
                own.rollback()
                outcomes.append("refused")
            except Exception as error:  # a lock timeout would be an outcome too
                own.rollback()
                outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=cast, args=(app.id, c, n))
               for app, (c, n) in zip(apps, proofs, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.expire_all()
    votes = session.execute(select(func.count()).select_from(Vote)).scalar_one()
    slots = session.execute(select(VoteSlot.slot).order_by(VoteSlot.slot)).scalars().all()
    assert outcomes.count("ok") == votes == 3, outcomes
    assert slots == [1, 2, 3]
