"""Mixed load: many simulated users against 4 uvicorn workers on a throwaway PostgreSQL.

Applicants autosave their drafts, organisers read lists, finance staff record contributions,
all at once, for 60 seconds (10 with --quick). Load comes from wrk (Debian package) driven by
bench/load.lua, one connection per simulated user. Afterwards the database is compared with
what the server acknowledged: every acknowledged ledger entry is stored exactly once, and every
draft holds the last text the server acknowledged for it.

    python bench/bench_load.py [--quick] [--users N] [--seconds S] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pgserver import free_port, running_postgres  # noqa: E402

PASSWORD = "load-pass-2026"


def grants(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "grants.cli", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def login(base: str, username: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 303, f"login as {username} failed: {answer.status_code}"
    client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/notices").text)
    assert token
    return client, token.group(1)


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def draft_body(client: httpx.Client, app_path: str) -> str:
    """The edit form's fields as a browser would post them, minus the summary and token."""
    page = BeautifulSoup(client.get(app_path).text, "html.parser")
    form = page.select_one("form#proposal") or page.select_one("form[method=post]")
    assert form is not None, f"no form at {app_path}"
    pairs = []
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if name in ("csrf_token", "summary", "next"):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            value = chosen.get("value", "") if chosen else ""
        elif field.name == "textarea":
            value = field.text
        elif field.get("type") in ("checkbox", "radio"):
            if not field.has_attr("checked"):
                continue
            value = field.get("value", "on")
        else:
            value = field.get("value", "")
        pairs.append((name, value))
    return urlencode(pairs)


def lua_users(users: list[dict]) -> str:
    def value(v: object) -> str:
        if isinstance(v, list):
            return "{" + ", ".join(value(x) for x in v) + "}"
        return json.dumps(v, ensure_ascii=False)

    rows = ["  {" + ", ".join(f"{k} = {value(v)}" for k, v in user.items()) + "}"
            for user in users]
    return "return {\n" + ",\n".join(rows) + "\n}\n"


def prepare(env: dict[str, str], base: str, n_users: int) -> list[dict]:
    """Create the simulated users and their drafts through the app itself."""
    organiser, _token = login(base, "organiser", "demo-pass-2026")
    round_page = BeautifulSoup(organiser.get("/rounds/open").text, "html.parser")
    rounds = sorted({a["href"] for a in round_page.select("a[href^='/rounds/']")
                     if re.fullmatch(r"/rounds/\d+", a["href"])})
    apply_links = [f"{r}/apply" for r in rounds]
    funds_page = BeautifulSoup(organiser.get("/funds").text, "html.parser")
    funds = sorted({a["href"] for a in funds_page.select("a[href^='/funds/']")
                    if re.fullmatch(r"/funds/\d+", a["href"])})
    applicants = iter(make_applicants(env, (n_users + 2) // 3))
    users: list[dict] = []
    organiser_paths = ["/organisations", "/funds", "/rounds", "/", *rounds[:2],
                       *[f"{r}/applications" for r in rounds[:2]]]
    for i in range(n_users):
        kind = ("applicant", "organiser", "finance")[i % 3]
        if kind == "organiser":
            client, token = login(base, "organiser", "demo-pass-2026")
            users.append({"kind": "organiser", "tag": f"org{i}", "cookie": cookie_header(client),
                          "csrf": token, "paths": organiser_paths})
        elif kind == "finance":
            client, token = login(base, "finance", "demo-pass-2026")
            fund = funds[i % len(funds)]
            users.append({"kind": "finance", "tag": f"load-fin{i}", "cookie": cookie_header(client),
                          "csrf": token, "page": fund, "path": f"{fund}/entries"})
        else:
            users.append(_applicant(base, i, next(applicants), apply_links))
    return users


def make_applicants(env: dict[str, str], n: int) -> list[str]:
    """n new organisations like the demo's 荔林关爱中心 (so they may apply to the open round),
    each with an applicant login; returns the usernames."""
    from sqlalchemy import select
    from sqlmodel import Session

    from grants import db as grants_db
    from grants.accounts.services import create_user
    from grants.audit import Actor
    from grants.organisations import services as organisations
    from grants.organisations.models import Organisation

    engine = grants_db.make_engine(env["DATABASE_URL"])
    actor = Actor(id=None, name="bench", ip="")
    names = []
    with Session(engine) as session:
        model = session.execute(select(Organisation).where(Organisation.name == "荔林关爱中心")
                                ).scalar_one()
        for i in range(n):
            data = {k: getattr(model, k) for k in organisations.EDITABLE}
            data.update(name=f"压力测试社会组织{i}", registration="filed", credit_code=None,
                        filing_number=f"LOAD-{i:04d}")
            org = organisations.create(session, actor, data)
            names.append(f"load-applicant-{i}")
            create_user(session, actor, username=names[-1], display_name=f"压力测试{i}",
                        role="applicant", password=PASSWORD, organisation=org, is_owner=True)
        session.commit()
    engine.dispose()
    return names


def _applicant(base: str, i: int, username: str, apply_links: list[str]) -> dict:
    """A fresh draft in an open round this organisation may apply to."""
    client, token = login(base, username, PASSWORD)
    for link in apply_links:
        form = BeautifulSoup(client.get(link).text, "html.parser")
        track = form.select_one("select[name=track_id] option[value]:not([value=''])")
        if track is None:
            continue
        answer = client.post(link, data={"csrf_token": token, "track_id": track["value"],
                                         "title": f"压力测试项目{i}"})
        if answer.status_code == 303:
            path = answer.headers["location"]
            return {"kind": "applicant", "tag": f"load-app{i}", "cookie": cookie_header(client),
                    "csrf": token, "path": path, "body": draft_body(client, path)}
    raise SystemExit(f"{username} could not start a draft in any open round")


def verify(env: dict[str, str], users: list[dict], report: dict) -> tuple[int, int]:
    """(lost or duplicated ledger entries, drafts not holding their last acknowledged text).

    Each simulated user waits for every answer before the next request, so the writes it
    sent are numbered 1..n and all but the last were answered when wrk stopped: the last one
    may or may not have reached the database, every other one must be there exactly once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    bad_ledger = bad_drafts = 0
    with engine.connect() as connection:
        for user in users:
            sent, acked, _errors, last_ok = report.get(user["tag"], (0, 0, 0, 0))
            if user["kind"] == "finance":
                counts = dict(connection.execute(text(
                    "SELECT memo, count(*) FROM fund_entry WHERE memo LIKE :tag GROUP BY memo"),
                    {"tag": user["tag"] + "-%"}).all())
                expected = {f"{user['tag']}-{n}" for n in range(1, acked + 1)}
                in_flight = {f"{user['tag']}-{sent}"} if sent > acked else set()
                bad_ledger += sum(n - 1 for n in counts.values())  # duplicated
                bad_ledger += len(expected - set(counts))  # acknowledged but lost
                bad_ledger += len(set(counts) - expected - in_flight)  # never sent
            elif user["kind"] == "applicant" and last_ok:
                app_id = int(user["path"].split("/")[2])
                summary = connection.execute(text("SELECT summary FROM application WHERE id = :i"),
                                             {"i": app_id}).scalar_one()
                allowed = {f"{user['tag']}-{last_ok}", f"{user['tag']}-{sent}"}
                bad_drafts += summary not in allowed
    engine.dispose()
    return bad_ledger, bad_drafts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    seconds = 10 if args.quick else args.seconds
    folder = Path(tempfile.mkdtemp(prefix="grants-load-"))
    with running_postgres() as url:
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""),
               "GRANTS_ENV": "development", "UPLOAD_DIR": str(folder / "uploads")}
        env.pop("TEST_DATABASE_URL", None)
        grants(env, "db", "upgrade")
        grants(env, "demo", "--quiet")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "grants.cli", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base)
            users = prepare(env, base, args.users)
            users_file, report_file = folder / "users.lua", folder / "report.txt"
            users_file.write_text(lua_users(users), encoding="utf-8")
            wrk = subprocess.run(
                ["wrk", "-t", str(len(users)), "-c", str(len(users)), "-d", f"{seconds}s",
                 "--timeout", "10s", "-s", str(ROOT / "bench" / "load.lua"), base],
                env={**os.environ, "LOAD_USERS": str(users_file), "LOAD_REPORT": str(report_file)},
                capture_output=True, text=True, check=False)
            if wrk.returncode != 0 or not report_file.exists():
                print(wrk.stdout, wrk.stderr)
                return 1
        finally:
            server.terminate()
            server.wait(timeout=20)
        report, totals = {}, {}
        for line in report_file.read_text().splitlines():
            parts = line.split()
            if len(parts) == 5:
                report[parts[0]] = tuple(int(p) for p in parts[1:])
            else:
                totals[parts[0]] = int(parts[1])
        bad_ledger, bad_drafts = verify(env, users, report)
    errors = sum(r[2] for r in report.values()) + totals["socket_errors"]
    kinds = {k: sum(1 for u in users if u["kind"] == k) for k in ("applicant", "organiser", "finance")}
    writes = sum(r[1] for t, r in report.items() if not t.startswith("org"))
    rate = totals["requests"] / (totals["duration_us"] / 1e6)
    print(f"\nMixed load: {len(users)} users ({kinds['applicant']} applicants autosaving, "
          f"{kinds['organiser']} organisers listing, {kinds['finance']} finance recording), "
          f"{args.workers} uvicorn workers, PostgreSQL, {seconds} s, wrk on the same 2 cores")
    header = (f"{'requests':>9} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | "
              f"{'acked writes':>12} | {'lost/duplicated':>15} | {'stale drafts':>12}")
    print(header)
    print("-" * len(header))
    print(f"{totals['requests']:>9} | {rate:>7.0f} | {totals['latency_p50_us'] / 1000:>7.1f} | "
          f"{totals['latency_p99_us'] / 1000:>7.1f} | {errors:>6} | {writes:>12} | "
          f"{bad_ledger:>15} | {bad_drafts:>12}")
    return 0 if errors == 0 and bad_ledger == 0 and bad_drafts == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
