"""Four uvicorn worker processes on one SQLite file: concurrent submissions keep the
per-organisation limit and the version numbers, and nothing answers 5xx."""

from __future__ import annotations

import os
import re
import socket
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
from grants.applications.models import Application, ApplicationVersion
from grants.settings import ROOT
from tests import factories
from tests.applications import factories as af

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="the SQLite multi-process case")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, settings):
    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    engine = grants_db.make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        limited = af.round_(session, max_applications_per_org=10)
        user = af.applicant(session)
        many = [af.application(session, limited, user, title=f"项目{i}") for i in range(10)]
        limited.max_applications_per_org = 2  # lowered after the drafts were started
        other = af.applicant(session)
        single = af.application(session, af.round_(session), other)
        session.commit()
        data = {"user": user.username, "other": other.username,
                "many": [a.id for a in many], "single": single.id}
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
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield base, engine, data
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        engine.dispose()


def logged_in(base: str, username: str, probe: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60, headers={"accept-language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303, response.text[:300]
    page = client.get(probe)  # logging in starts a new session with a new token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client, token


def fire(base: str, username: str, app_ids: list[int]) -> list[int]:
    client, token = logged_in(base, username, f"/applications/{app_ids[0]}/submit")
    cookies = dict(client.cookies)
    client.close()

    def post(app_id: int) -> int:
        with httpx.Client(base_url=base, timeout=60, cookies=cookies) as c:
            return c.post(f"/applications/{app_id}/submit",
                          data={"csrf_token": token}).status_code

    with ThreadPoolExecutor(len(app_ids)) as pool:
        return list(pool.map(post, app_ids))


def test_four_workers_keep_the_limit_and_one_version(server):
    base, engine, data = server
    started = time.monotonic()
    statuses = fire(base, data["user"], data["many"])
    assert all(s < 500 for s in statuses), statuses
    assert Counter(statuses)[303] == 2, statuses
    statuses = fire(base, data["other"], [data["single"]] * 20)
    assert all(s < 500 for s in statuses), statuses
    assert Counter(statuses)[303] == 1, statuses
    with Session(engine) as session:
        submitted = session.execute(select(func.count()).select_from(Application).where(
            Application.status == "submitted")).scalar_one()
        versions = session.execute(select(func.count()).select_from(ApplicationVersion)
                                   ).scalar_one()
    assert (submitted, versions) == (3, 3)
    print(f"30 concurrent submits over 4 workers in {time.monotonic() - started:.1f}s")
