"""Four uvicorn worker processes on one SQLite file: twenty concurrent attempts to record the
whole of a tranche record it once, and twenty concurrent approvals pay it once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from grants import db as grants_db
from grants import migrate
from grants.disbursements import services as money
from grants.disbursements.models import Payment, Tranche
from grants.funds.models import FundEntry
from grants.settings import ROOT
from tests.disbursements.factories import confirmed, finance_pair, signed
from tests.platform.test_workers import free_port, logged_in

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="the SQLite multi-process case")


def test_four_workers_pay_a_tranche_once(tmp_path: Path, settings, monkeypatch):
    url = f"sqlite:///{tmp_path / 'money.sqlite3'}"
    engine = grants_db.make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        _w, agreements = confirmed(session, monkeypatch)
        agreement = signed(session, agreements[0])
        tranche = money.tranches_of(session, agreement)[0]
        maker, checker = finance_pair(session)
        ids = {"tranche": tranche.id, "amount": tranche.amount_fen, "agreement": agreement.id}
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "GRANTS_ENV": "test",
           "SECRET_KEY": "workers-test-secret-0123456789abcdef",
           "UPLOAD_DIR": str(tmp_path / "uploads"), "GRANTS_ENV_FILE": str(tmp_path / "none")}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "grants.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)

        def fire(username: str, url_path: str, forms: list[dict]) -> list[int]:
            client, token = logged_in(base, username, f"/agreements/{ids['agreement']}")
            cookies = dict(client.cookies)
            client.close()

            def post(form: dict) -> int:
                with httpx.Client(base_url=base, timeout=60, cookies=cookies) as c:
                    return c.post(url_path, data={**form, "csrf_token": token}).status_code

            with ThreadPoolExecutor(len(forms)) as pool:
                return list(pool.map(post, forms))

        amount = f"{ids['amount'] // 100}.{ids['amount'] % 100:02d}"
        statuses = fire(maker.username, f"/tranches/{ids['tranche']}/payments", [
            {"amount": amount, "paid_on": "2026-10-10", "bank_reference": f"R{i}",
             "form_key": f"key-{i}"} for i in range(20)])
        assert all(s < 500 for s in statuses) and Counter(statuses)[303] == 1, statuses
        with Session(engine) as session:
            payment_id = session.execute(select(Payment.id)).scalar_one()
        statuses = fire(checker.username, f"/payments/{payment_id}/decide",
                        [{"action": "approve"}] * 20)
        assert all(s < 500 for s in statuses) and Counter(statuses)[303] == 1, statuses
        with Session(engine) as session:
            tranche = session.get(Tranche, ids["tranche"])
            assert (tranche.status, tranche.paid_fen) == ("paid", ids["amount"])
            assert session.execute(select(func.sum(FundEntry.amount_fen)).where(
                FundEntry.kind == "disbursement")).scalar_one() == ids["amount"]
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        engine.dispose()
