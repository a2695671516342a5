"""Does one worker stay responsive under load? Async endpoints on the event loop versus the
same endpoints run in Starlette's threadpool (grants.app.in_thread, the default).

Not part of `make bench` (it starts servers). Run:

    .venv/bin/python bench/blocking_probe.py [--seconds 6] [--clients 4]

For each mode it starts one uvicorn worker on a free 127.0.0.1 port over a fresh SQLite
database (GRANTS_ENV=development, so passwords use the production argon2 parameters), then
for each load — clients logging in with a wrong password (argon2), clients reading the
organisation list while signed in — measures the load's throughput and the latency of
/healthz probes sent meanwhile. The numbers are printed as a table.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "probe-pass-2026"


def async_app():
    from grants.app import create_app

    return create_app(threaded=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _csrf(client: httpx.Client, base: str) -> str:
    import re

    page = client.get(f"{base}/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def _login_client(base: str, good: bool) -> httpx.Client:
    client = httpx.Client(timeout=60)
    token = _csrf(client, base)
    client.post(f"{base}/login", data={"username": "probe", "csrf_token": token,
                                       "password": PASSWORD if good else "wrong-pass-99"})
    return client


def _load(base: str, kind: str, clients: int, seconds: float) -> tuple[int, list[float]]:
    stop = time.monotonic() + seconds
    done = [0]
    lock = threading.Lock()

    def worker(i: int) -> None:
        if kind == "login":
            client = httpx.Client(timeout=60)
            token = _csrf(client, base)
        else:
            client = _login_client(base, good=True)
        while time.monotonic() < stop:
            if kind == "login":
                client.post(f"{base}/login", data={"username": f"nobody{i}", "csrf_token": token,
                                                   "password": "wrong-pass-99"})
            else:
                client.get(f"{base}/organisations")
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    probes: list[float] = []
    with httpx.Client(timeout=60) as probe:
        while time.monotonic() < stop - 0.2:
            began = time.monotonic()
            probe.get(f"{base}/healthz")
            probes.append((time.monotonic() - began) * 1000)
            time.sleep(0.05)
    for t in threads:
        t.join()
    return done[0], probes


def run_mode(mode: str, clients: int, seconds: float) -> list[tuple[str, str, float, float, float]]:
    tmp = Path(tempfile.mkdtemp(prefix="grants-probe-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env.update(GRANTS_ENV="development", DATABASE_URL=f"sqlite:///{tmp / 'probe.sqlite3'}",
               UPLOAD_DIR=str(tmp / "uploads"), AUDIT_CHECKPOINT_DIR=str(tmp / "checkpoints"),
               LOGIN_MAX_FAILURES="100000", LOGIN_MAX_FAILURES_PER_ADDRESS="100000",
               PYTHONPATH=str(ROOT))
    grants = [sys.executable, "-m", "grants.cli"]
    subprocess.run([*grants, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*grants, "create-user", "--username", "probe", "--role", "organiser",
                    "--password-stdin"], cwd=ROOT, env=env, check=True, capture_output=True,
                   input=PASSWORD + "\n", text=True)
    port = _free_port()
    factory = "grants.app:create_app" if mode == "threaded" else "bench.blocking_probe:async_app"
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", factory, "--factory", "--host",
                               "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        for kind in ("login", "pages"):
            count, probes = _load(base, kind, clients, seconds)
            probes.sort()
            rows.append((mode, kind, count / seconds, statistics.median(probes),
                         probes[int(len(probes) * 0.95) - 1]))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    rows = []
    for mode in ("async", "threaded"):
        rows += run_mode(mode, args.clients, args.seconds)
    print(f"\n{args.clients} clients, {args.seconds:.0f} s per load, one uvicorn worker\n")
    print(f"{'endpoints':<10} {'load':<8} {'load req/s':>10} {'healthz p50 ms':>15} "
          f"{'healthz p95 ms':>15}")
    for mode, kind, rate, p50, p95 in rows:
        print(f"{mode:<10} {kind:<8} {rate:>10.1f} {p50:>15.1f} {p95:>15.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
