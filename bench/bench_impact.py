"""Benchmark of the impact page and the impact report: ``python bench/bench_impact.py [--quick]``.

A portfolio of confirmed awards over four years and eight rounds, each with a signed agreement,
three tranches and an evaluated mid-term and final report, in a throwaway SQLite file (or the
database named by BENCH_DATABASE_URL). A report per kind per agreement is the model (periodic
reports are not built), so 6,000 reports means 3,000 awards; the issue's 2,000 awards give
4,000 reports. Both sizes are measured.

Side by side in one run, per size:
- the impact page (GET /impact as a platform-wide organiser, through the application: the
  indicator queries, the sums, five pygal charts and the template);
- the impact report PDF (GET /impact/report.pdf) beside WeasyPrint alone on the same HTML;
- the underlying SQL alone: the very statements the page ran, replayed on the driver, rows
  fetched.
Time is the best of three; statements are counted per request.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlmodel import Session  # noqa: E402

AREAS = ("elderly", "youth", "disability", "poverty", "governance", "mental_health")
GROUPS = ("elderly", "children", "disabled", "women", "migrants", "low_income")


def fill(session: Session, awards: int) -> None:
    from grants.accounts import services as accounts
    from grants.applications.models import Application
    from grants.audit import SYSTEM
    from grants.awards.models import Award, AwardAllocation, AwardNotice
    from grants.disbursements.models import Agreement, Tranche
    from grants.funds.models import Fund
    from grants.organisations.models import Organisation
    from grants.regions.models import Region
    from grants.reports.models import Evaluation, Report
    from grants.rounds.models import Round, Track

    lots = random.Random(7)
    district = Region(name="基准区", level="district")
    session.add(district)
    session.flush()
    communities = [Region(name=f"第{i}社区", level="community", parent_id=district.id)
                   for i in range(40)]
    session.add_all(communities)
    session.flush()
    orgs = [Organisation(name=f"基准社会组织{i}", registration="filed", filing_number=f"B{i:06d}",
                         org_type="community_org", category="charity",
                         community_id=communities[i % 40].id) for i in range(400)]
    fund = Fund(name="基准基金", kind="fiscal", owner_name="基准")
    session.add_all([*orgs, fund])
    session.flush()
    rounds = []
    for i in range(8):
        round_ = Round(name=f"{2023 + i // 2}年基准大赛{i}", organiser_unit="基准街道",
                       year=2023 + i // 2, status="finished")
        session.add(round_)
        session.flush()
        tracks = [Track(round_id=round_.id, name=area, service_area=area, position=j)
                  for j, area in enumerate(AREAS)]
        session.add_all(tracks)
        notice = AwardNotice(round_id=round_.id, status="confirmed", title="公示")
        session.add(notice)
        session.flush()
        rounds.append((round_, tracks, notice))
    for n in range(awards):
        round_, tracks, notice = rounds[n % 8]
        org = orgs[n % 400]
        groups = lots.sample(GROUPS, 2)
        planned = (lots.randint(10, 60), lots.randint(300, 5000), lots.randint(5, 50))
        app = Application(round_id=round_.id, track_id=tracks[n % 6].id,
                          organisation_id=org.id, status="eligible", title=f"基准项目{n}",
                          target_groups=groups, community_ids=[org.community_id],
                          planned_activities=planned[0], planned_people=planned[1],
                          planned_volunteers=planned[2], request_fen=3_000_000)
        session.add(app)
        session.flush()
        award = Award(round_id=round_.id, notice_id=notice.id, application_id=app.id,
                      organisation_id=org.id, status="confirmed", position=n // 8 + 1,
                      amount_fen=lots.randint(10, 50) * 100_000, code=f"B{n:09d}")
        session.add(award)
        session.flush()
        session.add(AwardAllocation(award_id=award.id, round_id=round_.id, fund_id=fund.id,
                                    amount_fen=award.amount_fen))
        agreement = Agreement(award_id=award.id, round_id=round_.id, organisation_id=org.id,
                              status="signed", number=f"XY{n:08d}", midterm="passed",
                              amount_fen=award.amount_fen,
                              final="passed")
        session.add(agreement)
        session.flush()
        for position, percent in enumerate((50, 30, 20), start=1):
            amount = award.amount_fen * percent // 100
            session.add(Tranche(agreement_id=agreement.id, round_id=round_.id,
                                organisation_id=org.id, position=position, percent=percent,
                                amount_fen=amount, condition="signing", status="paid",
                                paid_fen=amount))
        for kind, share in (("midterm", 50), ("final", 100)):
            report = Report(agreement_id=agreement.id, award_id=award.id, round_id=round_.id,
                            organisation_id=org.id, kind=kind, status="accepted",
                            planned={}, activities_held=planned[0] * share // 100,
                            people_served=planned[1] * share // 100,
                            volunteers=planned[2], volunteer_hours=planned[2] * 20,
                            beneficiaries={g: lots.randint(10, 200) for g in groups},
                            spending=[{"line": "活动", "budget_fen": award.amount_fen,
                                       "spent_fen": award.amount_fen * share // 110}],
                            budget_fen=award.amount_fen,
                            spent_fen=award.amount_fen * share // 110,
                            narrative="基准")
            session.add(report)
            session.flush()
            session.add(Evaluation(report_id=report.id, round_id=round_.id, grade="good",
                                   comments="基准"))
    accounts.create_user(session, SYSTEM, username="benchorg", display_name="基准组织方",
                         role="organiser", password="bench-pass-2026")  # noqa: S106
    session.commit()


def best(fn: Any, repeat: int = 3) -> float:
    out = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - started)
    return out


def measure(url: str, awards: int, with_pdf: bool) -> list[tuple[str, float, int | str]]:
    from starlette.testclient import TestClient

    from grants import db as grants_db
    from grants import migrate, pdf
    from grants.app import create_app

    engine = grants_db.make_engine(url)
    if engine.dialect.name == "postgresql":  # one database for both sizes: start empty
        from sqlalchemy import text

        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    grants_db.set_engine(engine)
    with Session(engine) as session:
        fill(session, awards)
    if engine.dialect.name == "postgresql":  # the statistics autovacuum keeps in production
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    statements: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, parameters, *_a: statements.append(
                     (statement, parameters)))
    client = TestClient(create_app())
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.post("/login", data={"username": "benchorg", "password": "bench-pass-2026",
                                "csrf_token": token.group(1)})
    rows: list[tuple[str, float, int | str]] = []

    statements.clear()
    cold = time.perf_counter()
    response = client.get("/impact")
    cold = time.perf_counter() - cold
    assert response.status_code == 200, response.status_code
    page_statements = list(statements)
    rows.append((f"impact page, first request (cold: SQL compiled, charts drawn), {awards:,} awards", cold,
                 len(page_statements)))
    rows.append((f"impact page, {awards:,} awards / {2 * awards:,} reports (charts known)",
                 best(lambda: client.get("/impact")), len(page_statements)))

    def sql_alone() -> None:
        with engine.connect() as connection:
            for statement, parameters in page_statements:
                connection.exec_driver_sql(statement, parameters).fetchall()

    rows.append(("  the page's SQL alone (replayed, rows fetched)", best(sql_alone),
                 len(page_statements)))
    if with_pdf:
        statements.clear()
        document = client.get("/impact/report.pdf")
        assert document.content.startswith(b"%PDF-")
        count = len(statements)
        rows.append((f"impact report PDF, {awards:,} awards",
                     best(lambda: client.get("/impact/report.pdf"), repeat=2), count))
        html = client.get("/impact/report.pdf?format=html").text
        rows.append(("  WeasyPrint alone on the same HTML", best(lambda: pdf.write(html),
                                                                  repeat=2), "-"))
    client.close()
    grants_db.set_engine(None)
    engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    sizes = (200,) if args.quick else (2_000, 3_000)
    os.environ.setdefault("GRANTS_ENV", "test")
    table: list[tuple[str, float, int | str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/impact{size}.sqlite3"
            os.environ["DATABASE_URL"] = url
            from grants.settings import load_settings, reset_settings

            reset_settings(load_settings())
            table.extend(measure(url, size, with_pdf=True))
    print(f"{'case':<56}{'time (s)':>10}{'statements':>12}")
    for label, seconds, count in table:
        print(f"{label:<56}{seconds:>10.3f}{count!s:>12}")
    pages = [r for r in table if r[0].startswith("impact page") and "first" not in r[0]]
    sql = [r for r in table if "SQL alone" in r[0]]
    for page, alone in zip(pages, sql, strict=True):
        print(f"{page[0]}: {page[1] / alone[1]:.1f}x the SQL alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
