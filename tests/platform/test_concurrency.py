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
        except Exception as exc:
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
    rnd = af.round_(session, max_applications_per_org=10)
    user = af.applicant(session)
    apps = [af.application(session, rnd, user, title=f"项目{i}") for i in range(10)]
    rnd.max_applications_per_org = 2  # lowered after the drafts were started
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


def test_twenty_parallel_posts_of_one_contribution_form_record_one_entry(engine, session):
    from grants.funds import services as funds
    from grants.funds.models import Fund, FundEntry
    from tests import factories

    fund = factories.fund(session, contributed_fen=100_00)
    session.commit()

    def job() -> str:
        with writing(), Session(engine, expire_on_commit=False) as s:
            try:
                funds.add_entry(s, audit.SYSTEM, s.get(Fund, fund.id), kind="contribution",
                                amount_fen=1_000_00, form_key="one-form-key")
            except funds.DuplicateEntry:
                s.rollback()
                return "duplicate"
            s.commit()
            return "recorded"

    outcomes = run_parallel([job for _ in range(20)])
    assert Counter(outcomes) == {"recorded": 1, "duplicate": 19}, outcomes
    session.expire_all()
    assert session.execute(select(func.count()).select_from(FundEntry).where(
        FundEntry.form_key == "one-form-key")).scalar_one() == 1


def test_parallel_approvals_never_take_a_fund_below_zero(engine, session):
    from grants.funds import services as funds
    from grants.funds.models import FundEntry
    from tests import factories

    fund = factories.fund(session, contributed_fen=10_000_00)
    maker = factories.user(session, "finance")
    as_maker = audit.Actor(id=maker.id, name=maker.username)
    entries = [funds.add_entry(session, as_maker, fund, kind="adjustment_out",
                               amount_fen=4_000_00) for _ in range(6)]
    checkers = [factories.user(session, "finance") for _ in entries]
    session.commit()

    def approver(entry_id: int, checker_id: int) -> Any:
        def job() -> str:
            with writing(), Session(engine, expire_on_commit=False) as s:
                try:
                    funds.decide_entry(s, audit.SYSTEM, s.get(User, checker_id),
                                       s.get(FundEntry, entry_id), True)
                except funds.FormErrors:
                    s.rollback()
                    return "refused"
                s.commit()
                return "approved"
        return job

    outcomes = run_parallel([approver(e.id, c.id) for e, c in zip(entries, checkers, strict=False)])
    assert Counter(outcomes) == {"approved": 2, "refused": 4}, outcomes
    session.expire_all()
    assert funds.balances(session, [fund.id])[fund.id].available == 2_000_00
