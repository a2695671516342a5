"""Page throughput: the app served by uvicorn on 127.0.0.1 with the demo data, hammered from
this process with a bounded number of requests. Also counts SQL statements per page.

    python bench/bench_pages.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PAGES = [("applicant", "applicant1", "/"), ("applicant", "applicant1", "/my/organisation"),
         ("organiser", "organiser", "/organisations"), ("organiser", "organiser", "/funds")]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "grants.cli", "serve", "--port", str(port),
                             "--workers", str(workers)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def login(client: httpx.AsyncClient, username: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    response = await client.post("/login", data={"username": username,
                                                 "password": "demo-pass-2026",
                                                 "csrf_token": token.group(1)})
    assert response.status_code == 303, f"login as {username} failed"


async def hammer(base: str, username: str, path: str, total: int, concurrency: int
                 ) -> tuple[float, list[float]]:
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await login(client, username)
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                response = await client.get(path, follow_redirects=True)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return total / elapsed, latencies


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    total = 200 if args.quick else 2000
    folder = Path(tempfile.mkdtemp(prefix="grants-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
           "GRANTS_ENV": "development", "UPLOAD_DIR": str(folder / "uploads")}
    subprocess.run([sys.executable, "-m", "grants.cli", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "grants.cli", "demo", "--quiet"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    rows = []
    for workers in (1, 2):
        port = 8700 + workers
        server = start_server(env, port, workers)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base)
            for _role, username, path in PAGES:
                rps, latencies = asyncio.run(hammer(base, username, path, total, concurrency=16))
                latencies.sort()
                rows.append((f"{path} as {username}", workers, total, rps,
                             statistics.median(latencies) * 1000,
                             latencies[int(len(latencies) * 0.95)] * 1000))
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("\nPages (uvicorn on 127.0.0.1, SQLite demo data; the load generator shares the 2 cores)")
    header = f"{'page':<34} | {'workers':>7} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7}"
    print(header)
    print("-" * len(header))
    for name, workers, count, rps, p50, p95 in rows:
        print(f"{name:<34} | {workers:>7} | {count:>8} | {rps:>7.0f} | {p50:>7.1f} | {p95:>7.1f}")


if __name__ == "__main__":
    main()
