"""The public vote under load: 4 uvicorn workers on a throwaway PostgreSQL, load from wrk.

1. Throughput of the public vote page and of vote submissions, against a bare Starlette +
   Jinja2 page served the same way in the same run (target: at least 0.4 of it).
   Submissions are valid votes: the voters' codes are confirmed and the proof-of-work
   challenges solved beforehand, so wrk (bench/vote.lua) posts votes the server accepts.
   Beside them, the floors on the same machine: the bare app answering a POST by inserting
   one row into the same PostgreSQL (psycopg, autocommit), the floor of any write; and a GET
   after one SELECT, the floor of any page that asks the database anything (a kept page asks
   for the tables' versions).
2. 100,000 votes submitted by concurrent clients: every accepted vote is recorded exactly
   once, no errors, and the counts equal the rows.

    python bench/bench_vote.py [--quick] [--votes N] [--seconds S] [--workers W]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pgserver import free_port, running_postgres  # noqa: E402

DIFFICULTY = 4  # the server checks one hash whatever the difficulty; low keeps setup quick
BARE_APP = '''
import os

from jinja2 import Environment, DictLoader
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = """<!doctype html><html><head><title>{{ title }}</title></head><body><main>
<h1>{{ title }}</h1>{% for p in projects %}<article><h3>{{ p.title }}</h3>
<dl><dt>Organisation</dt><dd>{{ p.org }}</dd><dt>Track</dt><dd>{{ p.track }}</dd></dl>
<p>{{ p.summary }}</p><form method="post"><input type="hidden" name="c" value="{{ p.c }}">
<button>Vote</button></form></article>{% endfor %}</main></body></html>"""
env = Environment(loader=DictLoader({"page": PAGE}), autoescape=True)
PROJECTS = [{"title": f"Project {i}", "org": "Org", "track": "Track", "summary": "x" * 60,
             "c": "c" * 60} for i in range(4)]


async def page(request):
    return HTMLResponse(env.get_template("page").render(title="Vote", projects=PROJECTS))


_connection = None


async def write(request):
    """The floor of any write: read a posted form, INSERT one row, commit (autocommit)."""
    global _connection
    import psycopg

    if _connection is None:
        _connection = await psycopg.AsyncConnection.connect(os.environ["FLOOR_URL"],
                                                            autocommit=True)
    form = await request.form()
    await _connection.execute("INSERT INTO bench_floor (v) VALUES (%s)", (form.get("c", ""),))
    return HTMLResponse("<p>ok</p>")


async def read(request):
    """The floor of any page that asks the database anything: the same page after one
    SELECT of one row (what a kept page pays to learn that nothing changed)."""
    global _connection
    import psycopg

    if _connection is None:
        _connection = await psycopg.AsyncConnection.connect(os.environ["FLOOR_URL"],
                                                            autocommit=True)
    await (await _connection.execute("SELECT 1")).fetchone()
    return HTMLResponse(env.get_template("page").render(title="Vote", projects=PROJECTS))


app = Starlette(routes=[Route("/", page), Route("/write", write, methods=["POST"]),
                        Route("/read", read)])
'''
FLOOR_LUA = '''
wrk.method = "POST"
wrk.body = "c=vote-for-project-1&nonce=12345"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
'''


def grants(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "grants.cli", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def wrk_get(url: str, seconds: int, headers: dict[str, str] | None = None,
            script: Path | None = None) -> float:
    args = ["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s", "--timeout", "10s"]
    if script is not None:
        args += ["-s", str(script)]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("Requests/sec"))
    if "Non-2xx" in out:
        raise SystemExit(f"errors while loading {url}:\n{out}")
    return float(line.split()[1])


def session_cookie(secret: str, data: dict) -> str:
    from itsdangerous import TimestampSigner

    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(secret).sign(payload).decode()


def make_votes(env: dict[str, str], secret: str, first: int, voters: int, folder: Path,
               name: str, threads: int) -> tuple[int, int]:
    """Confirmed voters, each voting once for every project; files for wrk's threads."""
    os.environ.update({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": secret,
                       "GRANTS_ENV": "development"})
    from datetime import timedelta

    from sqlalchemy import select
    from sqlmodel import Session

    from grants import db as grants_db
    from grants.timeutil import now
    from grants.votes import services
    from grants.votes.models import VoteSetup

    engine = grants_db.make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        setup = session.execute(select(VoteSetup).where(VoteSetup.status == "open")).scalar_one()
        setup.difficulty = DIFFICULTY
        setup.votes_per_day = len(setup.application_ids)
        session.commit()  # the rate limits stay as the demo has them (60 and 20 an hour)
        round_id, apps = setup.round_id, list(setup.application_ids)
        files = [open(folder / f"{name}.{k + 1}", "w") for k in range(threads)]  # noqa: SIM115
        n = 0
        for i in range(first, first + voters):
            device = f"bench-device-{i:010d}"
            csrf = secrets.token_urlsafe(16)
            cookie = (f"grants_device={device}; grants_session="
                      f"{session_cookie(secret, {'_csrf': csrf})}")
            token = services.voter_token(setup, services.keyed("email", f"v{i}@bench.test"),
                                         device)
            # Each voter from an address of their own, as the server sees them behind the
            # reverse proxy (docs/deployment.md): the server runs with --proxy-headers.
            address = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
            for app_id in apps:
                # Issued as if 50 minutes from now: the votes are prepared before the run,
                # which may outlast a challenge's 10 minutes. The server checks the signature,
                # the expiry and the proof of work as for any other challenge.
                challenge = services.issue_challenge(setup, now() + timedelta(minutes=50))
                body = urlencode({"csrf_token": csrf, "token": token, "challenge": challenge,
                                  "nonce": services.solve(challenge, DIFFICULTY)})
                files[n % threads].write(
                    f"/vote/{round_id}/projects/{app_id}\t{cookie}\t{address}\t{body}\n")
                n += 1
        for f in files:
            f.close()
    engine.dispose()
    return round_id, n


def run_votes(base: str, folder: Path, name: str, threads: int, seconds: int,
              until: Any = None) -> dict[str, int]:
    """wrk posting the prepared votes. wrk's main thread sleeps for the whole duration even when
    every thread has run out of votes, so with `until` (a callable that says whether all votes
    are in) the run is ended by SIGINT — which wrk handles by stopping and reporting — once it
    holds or stops moving."""
    import signal

    report = folder / f"{name}.report"
    command = ["wrk", "-t", str(threads), "-c", str(threads), "-d", f"{seconds}s",
               "--timeout", "10s", "-s", str(ROOT / "bench" / "vote.lua"), base]
    env = {**os.environ, "VOTE_FILES": str(folder / name), "VOTE_REPORT": str(report)}
    if until is None:
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    else:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        last, still = -1, 0
        while process.poll() is None:
            time.sleep(1)
            done, progress = until()
            still = still + 1 if progress == last else 0
            last = progress
            if done or still >= 30:
                time.sleep(1)
                process.send_signal(signal.SIGINT)
                process.wait(timeout=60)
    return {k: int(v) for k, v in (line.split() for line in report.read_text().splitlines())}


def verify(env: dict[str, str], round_id: int) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as c:
        rows = c.execute(text("SELECT count(*) FROM vote WHERE round_id = :r"),
                         {"r": round_id}).scalar_one()
        bench_rows = c.execute(text("SELECT count(*) FROM vote v JOIN vote_setup s ON "
                                    "s.round_id = v.round_id WHERE v.round_id = :r AND "
                                    "v.device_hash <> ''"), {"r": round_id}).scalar_one()
        duplicates = c.execute(text(
            "SELECT count(*) FROM (SELECT voter_hash, application_id, day FROM vote "
            "WHERE round_id = :r GROUP BY 1, 2, 3 HAVING count(*) > 1) d"),
            {"r": round_id}).scalar_one()
    engine.dispose()
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    from sqlmodel import Session

    from grants import db as grants_db
    from grants.votes import services

    engine = grants_db.make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        counted = sum(services.vote_counts(session, round_id).values())
        excluded = len(services.excluded_ids(session, round_id))
    engine.dispose()
    return {"rows": rows, "duplicates": duplicates, "counted": counted, "excluded": excluded,
            "bench_rows": bench_rows}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    seconds = 5 if args.quick else args.seconds
    total_votes = 4_000 if args.quick else args.votes
    threads = 8
    folder = Path(tempfile.mkdtemp(prefix="grants-vote-"))
    secret = secrets.token_urlsafe(48)
    (folder / "bare_app.py").write_text(BARE_APP)
    (folder / "floor.lua").write_text(FLOOR_LUA)
    with running_postgres() as url:
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "SECRET_KEY": secret,
               "GRANTS_ENV": "development", "UPLOAD_DIR": str(folder / "uploads")}
        env.pop("TEST_DATABASE_URL", None)
        grants(env, "db", "upgrade")
        grants(env, "demo", "--quiet")
        # Enough prepared votes for the timed run (4 projects per voter), then the 100,000.
        speed_voters = 15_000 if not args.quick else 2_000
        round_id, speed_n = make_votes(env, secret, 0, speed_voters, folder, "speed", threads)
        projects = speed_n // speed_voters
        bulk_voters = -(-total_votes // projects)
        _r, bulk_n = make_votes(env, secret, 10**7, bulk_voters, folder, "bulk", threads)
        port, bare_port = free_port(), free_port()
        server = subprocess.Popen([sys.executable, "-m", "grants.cli", "serve", "--port",
                                   str(port), "--workers", str(args.workers),
                                   "--proxy-headers"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from sqlalchemy import create_engine, text

        floor_db = create_engine(url)
        with floor_db.begin() as connection:
            connection.execute(text("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, v text)"))
        floor_db.dispose()
        bare = subprocess.Popen([sys.executable, "-m", "uvicorn", "bare_app:app", "--port",
                                 str(bare_port), "--host", "127.0.0.1", "--workers",
                                 str(args.workers), "--log-level", "warning"], cwd=folder,
                                env={**env, "FLOOR_URL": env["DATABASE_URL"]},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{base}/healthz")
            wait_ready(f"http://127.0.0.1:{bare_port}/")
            bare_rps = wrk_get(f"http://127.0.0.1:{bare_port}/", seconds)
            floor_rps = wrk_get(f"http://127.0.0.1:{bare_port}/write", seconds,
                                script=folder / "floor.lua")
            read_rps = wrk_get(f"http://127.0.0.1:{bare_port}/read", seconds)
            # A returning visitor who has not confirmed an address yet (a first visit starts
            # the session that holds the CSRF token of the page's forms; a confirmed voter's
            # page carries one-time challenges and is rendered every time).
            first = httpx.get(f"{base}/vote/{round_id}",
                              headers={"Cookie": "grants_device=bench-device-page-0001"})
            visitor = "; ".join([f"{k}={v}" for k, v in first.cookies.items()]
                                + ["grants_device=bench-device-page-0001"])
            page_rps = wrk_get(f"{base}/vote/{round_id}", seconds, {"Cookie": visitor})
            speed = run_votes(base, folder, "speed", threads, seconds)
            before = verify(env, round_id)
            started = time.monotonic()

            def all_in() -> tuple[bool, int]:
                rows = verify(env, round_id)["rows"]
                return rows - before["rows"] >= bulk_n, rows

            bulk = run_votes(base, folder, "bulk", threads, 1800, until=all_in)
            bulk_seconds = time.monotonic() - started
            after = verify(env, round_id)
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=30)
    vote_rps = speed["requests"] / (speed["duration_us"] / 1e6)
    added = after["rows"] - before["rows"]
    print(f"\nPublic vote ({args.workers} uvicorn workers, PostgreSQL, wrk on the same 2 cores)")
    print(f"{'':38}{'req/s':>10}{'ratio':>8}")
    print(f"{'bare Starlette + Jinja2 page':38}{bare_rps:>10.0f}{1:>8.2f}")
    print(f"{'bare write: one INSERT per POST':38}{floor_rps:>10.0f}{floor_rps / bare_rps:>8.2f}"
          "   (Starlette + psycopg, autocommit: the floor of any write)")
    print(f"{'bare read: one SELECT per GET':38}{read_rps:>10.0f}{read_rps / bare_rps:>8.2f}"
          "   (Starlette + psycopg: the floor of a page that asks the database)")
    print(f"{'public vote page (returning visitor)':38}{page_rps:>10.0f}{page_rps / bare_rps:>8.2f}")
    print(f"{'vote submission (valid votes)':38}{vote_rps:>10.0f}{vote_rps / bare_rps:>8.2f}"
          f"   ({speed['accepted']} accepted, {speed['refused']} refused, "
          f"p99 {speed['latency_p99_us'] / 1000:.0f} ms)")
    print(f"\n{bulk_n} votes by {threads} concurrent clients in {bulk_seconds:.0f} s "
          f"({bulk_n / bulk_seconds:.0f}/s): accepted {bulk['accepted']}, refused "
          f"{bulk['refused']}, other {bulk['other']}, socket errors {bulk['socket_errors']}")
    print(f"rows added {added}, duplicates {after['duplicates']}, counted "
          f"{after['counted']} = rows {after['rows']} - excluded {after['excluded']}")
    ok = (bulk["accepted"] == bulk_n == added and bulk["refused"] == bulk["other"] == 0
          and bulk["socket_errors"] == 0 and after["duplicates"] == 0
          and after["counted"] == after["rows"] - after["excluded"]
          and speed["other"] == 0 and speed["refused"] == 0)
    ratios_ok = page_rps / bare_rps >= 0.4 and vote_rps / bare_rps >= 0.4
    print("verified: every accepted vote recorded exactly once" if ok else "FAILED verification")
    print("ratios: at least 0.4 of the bare page" if ratios_ok else "ratios below 0.4")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
