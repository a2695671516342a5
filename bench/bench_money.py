"""Benchmark of fund statements: ``python bench/bench_money.py [--quick]``.

A fund with 100,000 ledger entries (contributions, commitments, disbursements, releases,
refunds and reversals over three years) in a throwaway SQLite file (or the database named by
BENCH_DATABASE_URL). Side by side in one run: the statement for the whole period and the
ledger export (xlsx) as the application computes them, beside the SQL alone (the same queries,
rows fetched, nothing else). Time is the best of three; statements are counted per request.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

KINDS = ("contribution", "commitment", "disbursement", "release", "refund")


def fill(session: Session, n: int) -> int:
    from grants.funds.models import Fund, FundEntry
    from grants.timeutil import now

    fund = Fund(name="基准测试基金", kind="fiscal", owner_name="基准")
    session.add(fund)
    session.flush()
    lots = random.Random(1)
    start = date(2024, 1, 1)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        kind = "contribution" if i % 10 == 0 else KINDS[1 + i % 4]
        rows.append({"fund_id": fund.id, "kind": kind, "amount_fen": lots.randint(1, 10_000),
                     "occurred_on": start + timedelta(days=i * 1095 // n),
                     "counterparty": f"机构{i % 300}", "memo": f"payment #{i}",
                     "ref_type": "payment", "ref_id": i, "status": "approved",
                     "created_at": now()})
    for chunk in range(0, n, 5_000):
        session.execute(insert(FundEntry), rows[chunk:chunk + 5_000])
    session.commit()
    return int(fund.id or 0)


def best(fn: Any, repeat: int = 3) -> float:
    out = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    n = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("GRANTS_ENV", "test")
        from grants import db as grants_db
        from grants import migrate, spreadsheets
        from grants.disbursements import services
        from grants.funds.models import Fund, FundEntry

        engine = grants_db.make_engine(url)
        migrate.upgrade(engine)
        statements = [0]
        event.listen(engine, "before_cursor_execute",
                     lambda *a, **k: statements.__setitem__(0, statements[0] + 1))
        with Session(engine) as session:
            fund_id = fill(session, n)
        first, last = date(2024, 1, 1), date(2026, 12, 31)

        def app_statement() -> Any:
            with Session(engine) as session:
                return services.statement(session, session.get(Fund, fund_id), first, last)

        def app_export() -> bytes:
            data = app_statement()
            book, sheet = spreadsheets.new_workbook("Ledger", ["date", "kind", "amount"])
            for m in data["moves"]:
                spreadsheets.append(sheet, [m.entry.occurred_on.isoformat(), m.entry.kind,
                                            m.signed_held / 100])
            return spreadsheets.to_bytes(book)

        def sql_alone() -> Any:
            with engine.connect() as c:
                c.execute(select(FundEntry.kind, func.sum(FundEntry.amount_fen)).where(
                    FundEntry.fund_id == fund_id, FundEntry.occurred_on < first)
                    .group_by(FundEntry.kind)).all()
                return c.execute(select(FundEntry.__table__).where(
                    FundEntry.fund_id == fund_id, FundEntry.occurred_on >= first,
                    FundEntry.occurred_on <= last).order_by(FundEntry.occurred_on,
                                                            FundEntry.id)).all()

        rows = []
        for label, fn in ((f"statement, {n:,} entries (application)", app_statement),
                          (f"ledger export xlsx, {n:,} entries", app_export),
                          ("the SQL alone (same queries, rows fetched)", sql_alone)):
            statements[0] = 0
            fn()
            count = statements[0]
            rows.append((label, best(fn), count))
        engine.dispose()
    print(f"{'case':<48}{'time (s)':>10}{'statements':>12}")
    for label, seconds, count in rows:
        print(f"{label:<48}{seconds:>10.2f}{count:>12}")
    print(f"\nstatement vs SQL alone: {rows[0][1] / rows[2][1]:.1f}x; "
          f"export vs SQL alone: {rows[1][1] / rows[2][1]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
