"""Check-then-act under real parallel connections: per-organisation limits, version numbers
and fund balances hold on SQLite and PostgreSQL, and a lost race is refused, never a 500."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.applications import services
from grants.applications.models import Application, ApplicationVersion
from grants.db import writing
from grants.rounds.models import Round
from tests.applications import factories as af

pytestmark = pytest.mark.db


def run_parallel(work: list[Any], timeout: float = 60) -> list[str]:
    """Start every callable at once on its own thread (and connection); collect outcomes."""
    barrier = threading.Barrier(len(work))
    results: list[str] = []
    lock = threading.Lock()

    def runner(job: Any) -> None:
        barrier.wait()
        try:
            outcome = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects every kind
            outcome = f"error: {type(exc).__name__}: {exc}"[:300]
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=runner, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert len(results) == len(work), "a worker hung"
    return results


def submitter(engine: Any, app_id: int, user_id: int) -> Any:
    def job() -> str:
        with writing(), Session(engine, expire_on_commit=False) as s:
            app = s.get(Application, app_id)
            user = s.get(User, user_id)
            round_ = s.get(Round, app.round_id)
            try:
                services.submit(s, audit.SYSTEM, user, app, round_)
            except services.SubmissionRefused:
                s.rollback()
                return "refused"
            s.commit()
            return "submitted"
    return job


def test_ten_drafts_of_one_organisation_respect_a_limit_of_two(engine, session):
    rnd = af.round_(session, max_applications_per_org=2)
    user = af.applicant(session)
    apps = [af.application(session, rnd, user, title=f"项目{i}") for i in range(10)]
    session.commit()
    outcomes = run_parallel([submitter(engine, a.id, user.id) for a in apps])
    assert Counter(outcomes) == {"submitted": 2, "refused": 8}, outcomes
    session.expire_all()
    submitted = session.execute(select(func.count()).select_from(Application).where(
        Application.status == "submitted")).scalar_one()
    assert submitted == 2


def test_twenty_submits_of_one_application_freeze_one_version(engine, session):
    rnd = af.round_(session)
    user = af.applicant(session)
    app = af.application(session, rnd, user)
    session.commit()
    outcomes = run_parallel([submitter(engine, app.id, user.id) for _ in range(20)])
    assert Counter(outcomes) == {"submitted": 1, "refused": 19}, outcomes
    session.expire_all()
    assert session.execute(select(func.count()).select_from(ApplicationVersion)).scalar_one() == 1
