"""Closing a big stage: ``python bench/bench_close.py [--quick]``.

A round with 10,000 applications, 300 judges and 70,000 submitted score sheets (seven per
application, six criteria) in a throwaway SQLite file, or the database named by
BENCH_DATABASE_URL (run it on PostgreSQL with
``python -m tests.pgserver -- bash -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL python bench/bench_close.py'``).

Side by side in one run:
- closing the stage as the application does it (`grants.judging.results.close_stage`: load the
  sheets, totals, aggregation, ranks with tie-breaks, judge calibration and agreement,
  funding confidence with 1,000 bootstrap resamples, sensitivity; store; commit);
- `scoring/` alone on the same arrays (the same calls, no database).
The target is under 10 s for closing on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

CRITERIA = (("need", 20), ("design", 25), ("feasibility", 20), ("budget", 15), ("team", 10),
            ("impact", 10))


def _rows(model: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every default the model would give them (Core inserts skip Python defaults)."""
    return [model(**item).model_dump(exclude={"id"}) for item in items]


def fill(session: Session, n_apps: int, n_judges: int, per_app: int) -> int:
    from grants.accounts.models import User
    from grants.applications.models import Application
    from grants.judging.models import Assignment, PanelMember, ScoreSheet, StageJudging
    from grants.organisations.models import Organisation
    from grants.rounds.models import Criterion, Round, Stage
    from grants.timeutil import now

    lots = random.Random(3)
    round_ = Round(name="基准大赛", organiser_unit="基准街道", year=2026, status="judging")
    session.add(round_)
    session.flush()
    stage = Stage(round_id=round_.id, kind="scoring", name="初审", position=1,
                  config={"aggregation": "drop_high_low", "min_sheets": 3,
                          "advancement": {"rule": "top_n", "value": n_apps // 10}})
    session.add(stage)
    session.flush()
    for i, (key, points) in enumerate(CRITERIA):
        session.add(Criterion(stage_id=stage.id, key=key, name=key, max_points=points,
                              position=i))
    session.add(StageJudging(stage_id=stage.id, round_id=round_.id, status="open"))
    orgs = _rows(Organisation, [{"name": f"机构{i}", "registration": "filed",
                                 "filing_number": f"F{i:07d}", "org_type": "community_org",
                                 "category": "charity"} for i in range(1_000)])
    session.execute(insert(Organisation), orgs)
    org_ids = list(session.execute(select(Organisation.id)).scalars())
    apps = _rows(Application, [{"round_id": round_.id, "organisation_id": org_ids[i % 1_000],
                                "status": "eligible", "title": f"项目{i}"}
                               for i in range(n_apps)])
    for chunk in range(0, n_apps, 5_000):
        session.execute(insert(Application), apps[chunk:chunk + 5_000])
    app_ids = list(session.execute(select(Application.id).where(
        Application.round_id == round_.id).order_by(Application.id)).scalars())
    judges = _rows(User, [{"username": f"judge{i:04d}", "display_name": f"评委{i}",
                           "role": "judge", "password_hash": "x"} for i in range(n_judges)])
    session.execute(insert(User), judges)
    judge_ids = list(session.execute(select(User.id).where(User.role == "judge")
                                     .order_by(User.id)).scalars())
    session.execute(insert(PanelMember), _rows(PanelMember, [
        {"round_id": round_.id, "user_id": j} for j in judge_ids]))
    quality = [lots.uniform(0.4, 0.95) for _ in app_ids]
    severity = [lots.uniform(-0.08, 0.08) for _ in judge_ids]
    assignments, pairs = [], []
    for a_i, app_id in enumerate(app_ids):
        for k in range(per_app):
            j_i = (a_i * per_app + k) % n_judges
            pairs.append((a_i, j_i))
            assignments.append({"stage_id": stage.id, "application_id": app_id,
                                "user_id": judge_ids[j_i], "status": "confirmed"})
    for chunk in range(0, len(assignments), 5_000):
        session.execute(insert(Assignment), _rows(Assignment, assignments[chunk:chunk + 5_000]))
    assignment_ids = list(session.execute(select(Assignment.id).where(
        Assignment.stage_id == stage.id).order_by(Assignment.id)).scalars())
    moment = now()
    sheets = []
    for (a_i, j_i), assignment_id in zip(pairs, assignment_ids, strict=True):
        share = min(1.0, max(0.0, quality[a_i] + severity[j_i] + lots.uniform(-0.05, 0.05)))
        points = {key: round(most * share * 2) / 2 for key, most in CRITERIA}
        sheets.append({"assignment_id": assignment_id, "stage_id": stage.id,
                       "application_id": app_ids[a_i], "user_id": judge_ids[j_i],
                       "status": "submitted", "points": points,
                       "total": float(sum(points.values())), "submitted_at": moment})
    for chunk in range(0, len(sheets), 5_000):
        session.execute(insert(ScoreSheet), _rows(ScoreSheet, sheets[chunk:chunk + 5_000]))
    session.commit()
    return int(stage.id or 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    n_apps, n_judges, per_app = (1_000, 60, 7) if args.quick else (10_000, 300, 7)
    os.environ.setdefault("GRANTS_ENV", "test")
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/close.sqlite3"
        os.environ["DATABASE_URL"] = url
        from grants import db as grants_db
        from grants import migrate
        from grants.audit import SYSTEM
        from grants.judging import results
        from grants.rounds.models import Stage
        from scoring import agreement, confidence, rank

        engine = grants_db.make_engine(url)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade(engine)
        grants_db.set_engine(engine)
        started = time.perf_counter()
        with Session(engine) as session:
            stage_id = fill(session, n_apps, n_judges, per_app)
        filled = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")
        with Session(engine) as session:
            stage = session.get(Stage, stage_id)
            _apps, _judges, totals, _points = results.matrix(session, stage)
        n_pass = n_apps // 10

        def scoring_alone() -> None:
            scores = results.aggregate_by("drop_high_low", totals)
            rank.rank(scores, seed=0)
            confidence.funding_probability(totals, confidence.TopN(n_pass), n_resamples=1000,
                                           seed=0, aggregate="drop_high_low")
            confidence.sensitivity(totals, confidence.TopN(n_pass))
            confidence.judge_report(totals)
            agreement.krippendorff_alpha(totals.T, "interval")
            results._icc(totals)

        t0 = time.perf_counter()
        scoring_alone()
        alone = time.perf_counter() - t0
        with Session(engine) as session:
            stage = session.get(Stage, stage_id)
            t0 = time.perf_counter()
            out = results.close_stage(session, SYSTEM, None, stage)
            session.commit()
            closing = time.perf_counter() - t0
        engine.dispose()
    sheets = n_apps * per_app
    print(f"{engine.dialect.name}: {n_apps:,} applications, {n_judges} judges, "
          f"{sheets:,} sheets (filled in {filled:.1f} s)")
    print(f"{'case':<58}{'time (s)':>10}")
    print(f"{'closing the stage (application, stored and committed)':<58}{closing:>10.2f}")
    print(f"{'scoring/ alone on the same arrays':<58}{alone:>10.2f}")
    print(f"\nclosing vs scoring/ alone: {closing / alone:.2f}x; "
          f"{len(out['applications']):,} results, {sum(a['passes'] for a in out['applications'])}"
          f" advancing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
