"""Page speed, side by side: every page type of each role against a bare Starlette + Jinja2
page rendering a 20-row table, in the same run, each served by one uvicorn worker on
127.0.0.1 and loaded by wrk (Debian package) with 8 connections.

    python bench/bench_pages.py [--quick] [--seconds S]

Prints req/s, p99 and the ratio to the bare page; the target is ≥ 0.25 for every page (the
judge's pages ≥ 0.4) with p99 under 40 ms. Each page is measured twice, by two servers on the
same database: as configured (a page asked for again by the same session is served from the
page cache while no table it read has changed, grants/pagecache.py), and with
PAGE_CACHE_SECONDS=0, where every request renders the page, as a first view does. The number
of SQL statements per page is kept constant by tests/platform/test_query_counts.py.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pgserver import free_port  # noqa: E402

PASSWORD = "demo-pass-2026"
# The same bare page with its 20 rows read from the demo database by the chosen stack and
# nothing of the application's (bench/bare_app.py, read_app): the floor of any page that reads.
FLOORS = [("bare + one SQLAlchemy Core query", "/core"),
          ("bare + one SQLModel query (20 objects)", "/orm"),
          ("bare + session cookie, user, one query", "/signed-in")]
TARGET = 0.25


def serve(env: dict[str, str], app: str, port: int, factory: bool = True) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--no-access-log", "--log-level", "warning"]
    if factory:
        command.insert(4, "--factory")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def wrk(url: str, seconds: int, cookie: str = "") -> tuple[float, float, int]:
    """(requests per second, p99 in ms, non-2xx answers) for one URL."""
    command = ["wrk", "-t", "1", "-c", "8", "-d", f"{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, float(p99.group(1)) * scale, int(bad.group(1)) if bad else 0


def login(base: str, username: str) -> str:
    client = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 303, f"login as {username}: {answer.status_code}"
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def first_link(base: str, cookie: str, page: str, pattern: str) -> str | None:
    html = httpx.get(base + page, headers={"Cookie": cookie}, timeout=30).text
    found = re.search(rf'href="({pattern})"', html)
    return found.group(1) if found else None


def pages(base: str) -> list[tuple[str, str, str]]:
    """(username, label, path) for each page type, ids found by following links."""
    organiser = login(base, "organiser")
    applicant = login(base, "applicant3")
    judge = login(base, "judge1")
    # The public page as a returning visitor sees it: a first visit starts a session (the CSRF
    # token of the page's forms) and gives the device its cookie, so every request without
    # them renders the page.
    vote = first_link(base, "", "/public", r"/vote/\d+")
    visitor = httpx.get(f"{base}{vote}", timeout=30).cookies if vote else {}
    cookies = {"organiser": organiser, "applicant3": applicant, "finance": login(base, "finance"),
               "funder": login(base, "funder"), "judge1": judge,
               "public": "; ".join(f"{k}={v}" for k, v in visitor.items())}
    round_ = first_link(base, organiser, "/rounds", r"/rounds/\d+")
    org = first_link(base, organiser, "/organisations", r"/organisations/\d+")
    fund = first_link(base, organiser, "/funds", r"/funds/\d+")
    app = first_link(base, organiser, f"{round_}/applications", r"/applications/\d+")
    mine = first_link(base, applicant, "/applications/mine", r"/applications/\d+")
    funder_fund = first_link(base, cookies["funder"], "/funds", r"/funds/\d+")
    draft = None  # the form of one of applicant3's drafts (a submitted one is not editable)
    listing = httpx.get(base + "/applications/mine", headers={"Cookie": applicant}, timeout=30)
    for link in dict.fromkeys(re.findall(r'href="(/applications/\d+)"', listing.text)):
        detail = httpx.get(base + link, headers={"Cookie": applicant}, timeout=30).text
        if f'href="{link}/edit"' in detail:
            draft = f"{link}/edit"
            break
    sheet = first_link(base, judge, "/judging", r"/(?:sheets|assignments)/\d+")
    if sheet and sheet.startswith("/assignments/"):  # declared already: it leads to the sheet
        answer = httpx.get(base + sheet, headers={"Cookie": judge}, timeout=30)
        sheet = answer.headers.get("location", sheet) if answer.status_code == 303 else sheet
    live = first_link(base, judge, "/judging", r"/stages/\d+/live")
    stage = None  # a stage with results: its judging page shows them to the organiser
    for link in dict.fromkeys(re.findall(r'href="(/stages/\d+/judging)"', httpx.get(
            base + str(round_), headers={"Cookie": organiser}, timeout=30).text)):
        if 'id="results"' in httpx.get(base + link, headers={"Cookie": organiser},
                                       timeout=30).text:
            stage = link
    wanted = [
        ("organiser", "home", "/"), ("organiser", "organisation list", "/organisations"),
        ("organiser", "organisation", org), ("organiser", "fund list", "/funds"),
        ("organiser", "fund", fund), ("organiser", "round list", "/rounds"),
        ("organiser", "round", round_), ("organiser", "round editor", f"{round_}/edit/basics"),
        ("organiser", "applications of a round", f"{round_}/applications"),
        ("organiser", "application", app), ("organiser", "users", "/admin/users"),
        ("organiser", "regions", "/admin/regions"), ("organiser", "audit trail", "/admin/audit"),
        ("organiser", "notices", "/notices"),
        ("applicant3", "home", "/"), ("applicant3", "open rounds", "/rounds/open"),
        ("applicant3", "my applications", "/applications/mine"),
        ("applicant3", "application", mine), ("applicant3", "application form", draft),
        ("finance", "fund list", "/funds"), ("funder", "own fund", funder_fund),
        ("judge1", "judging list", "/judging"), ("judge1", "scoring page", sheet),
        ("judge1", "roadshow judge page", live), ("organiser", "stage results", stage),
        ("public", "public vote page", vote),
    ]
    return [(cookies[user], f"{label} ({user})", path) for user, label, path in wanted
            if path and "None" not in path]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    seconds = 2 if args.quick else args.seconds
    folder = Path(tempfile.mkdtemp(prefix="grants-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
           "GRANTS_ENV": "development", "UPLOAD_DIR": str(folder / "uploads")}
    for step in (["db", "upgrade"], ["demo", "--quiet"]):
        subprocess.run([sys.executable, "-m", "grants.cli", *step], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
    bare_port, app_port, cold_port, read_port = free_port(), free_port(), free_port(), free_port()
    bare = serve(env, "bench.bare_app:app", bare_port, factory=False)
    reader = serve(env, "bench.bare_app:read_app", read_port)
    app = serve(env, "grants.app:create_app", app_port)
    cold = serve({**env, "PAGE_CACHE_SECONDS": "0"}, "grants.app:create_app", cold_port)
    rows = []
    floors: list[tuple[str, float, float]] = []
    try:
        wait_ready(f"http://127.0.0.1:{bare_port}/")
        read_base = f"http://127.0.0.1:{read_port}"
        wait_ready(read_base + "/core")
        base, cold_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{cold_port}"
        wait_ready(base + "/healthz")
        wait_ready(cold_base + "/healthz")
        targets = pages(base)
        cold_targets = pages(cold_base)
        bare_rate, bare_p99, _ = wrk(f"http://127.0.0.1:{bare_port}/", seconds)
        signed = httpx.get(read_base + "/signed-in", timeout=30).cookies
        for label, path in FLOORS:
            rate, p99, _ = wrk(read_base + path, seconds,
                               "; ".join(f"{k}={v}" for k, v in signed.items()))
            floors.append((label, rate, p99))
        for (cookie, label, path), (cold_cookie, _label, cold_path) in zip(
                targets, cold_targets, strict=True):
            rate, p99, bad = wrk(base + path, seconds, cookie)
            cold_rate, cold_p99, cold_bad = wrk(cold_base + cold_path, seconds, cold_cookie)
            rows.append((label, path, rate, p99, cold_rate, cold_p99, bad + cold_bad))
    finally:
        for server in (bare, reader, app, cold):
            server.terminate()
            server.wait(timeout=20)
    print(f"\nPages: wrk, 1 connection thread, 8 connections, {seconds} s each; one uvicorn "
          "worker each; SQLite demo data; the load generator shares the 2 cores.\n"
          "'kept': as configured, the same session asking again (grants/pagecache.py); "
          "'rendered': PAGE_CACHE_SECONDS=0, every request renders the page (a first view)")
    header = (f"{'page':<40} | {'path':<22} | {'kept':>6} | {'p99 ms':>6} | {'ratio':>5} | "
              f"{'rendered':>8} | {'p99 ms':>6} | {'ratio':>5} | {'non-2xx':>7}")
    print(header)
    print("-" * len(header))
    print(f"{'bare Starlette + Jinja2, 20 rows':<40} | {'/':<22} | {bare_rate:>6.0f} | "
          f"{bare_p99:>6.1f} | {1:>5.2f} | {bare_rate:>8.0f} | {bare_p99:>6.1f} | {1:>5.2f} | "
          f"{0:>7}")
    for label, rate, p99 in floors:
        print(f"{label:<40} | {'(floor)':<22} | {rate:>6.0f} | {p99:>6.1f} | "
              f"{rate / bare_rate:>5.2f} | {rate:>8.0f} | {p99:>6.1f} | {rate / bare_rate:>5.2f} | "
              f"{0:>7}")
    slow = slow_cold = 0
    for label, path, rate, p99, cold_rate, cold_p99, bad in rows:
        ratio, cold_ratio = rate / bare_rate, cold_rate / bare_rate
        slow += ratio < TARGET or bad > 0
        slow_cold += cold_ratio < TARGET
        print(f"{label:<40} | {path:<22} | {rate:>6.0f} | {p99:>6.1f} | {ratio:>5.2f} | "
              f"{cold_rate:>8.0f} | {cold_p99:>6.1f} | {cold_ratio:>5.2f} | {bad:>7}")
    print(f"\nkept: {slow} of {len(rows)} pages below {TARGET} of the bare page (or answering "
          f"errors); rendered every time: {slow_cold} of {len(rows)} below {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
