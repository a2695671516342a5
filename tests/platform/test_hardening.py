"""Hardening: request bodies are limited before parsing, error pages carry the security
headers, private pages are not cached, and one huge request cannot stall the server."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from starlette.routing import Route

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_an_anonymous_post_without_a_session_is_refused_before_its_body_is_read(client):
    body = b"a=&" * 400_000  # 1.2 MB of fields, far over every limit
    page = client.post("/login", content=body,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 403
    assert "expired or came from another site" in page.text


def test_too_many_url_encoded_fields_are_refused_before_parsing(client, settings):
    token = client.csrf_token()
    body = f"csrf_token={token}&".encode() + b"a=&" * settings.max_form_fields
    assert len(body) < settings.max_form_bytes
    page = client.post("/login", content=body,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413
    assert "too many fields" in page.text


def test_an_ordinary_form_is_limited_far_below_the_upload_size(client, session, settings):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    token = client.csrf_token()
    body = f"csrf_token={token}&name=".encode() + b"x" * (settings.max_form_bytes + 1)
    assert len(body) < settings.max_upload_bytes
    page = client.post("/organisations/new", content=body,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413
    assert "form is too large" in page.text
    # A multipart body to a page that takes no uploads gets the same small limit.
    page = client.post_form("/organisations/new", {"name": "x"},
                            files={"file": ("a.pdf", b"%PDF" + b"x" * settings.max_form_bytes)})
    assert page.status_code == 413


def test_upload_routes_still_take_large_files(client, session, settings):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    page = client.post_form("/organisations/import", {},
                            files={"file": ("list.xlsx", b"x" * (settings.max_form_bytes * 2))})
    assert page.status_code != 413


def test_a_header_token_that_is_wrong_is_refused_without_reading_the_body(client):
    client.csrf_token()
    page = client.post("/login", content=b"x" * 10, headers={"x-csrf-token": "forged"})
    assert page.status_code == 403


def test_server_error_pages_carry_the_security_headers(app, session):
    from tests.conftest import Client

    def boom(request):
        raise RuntimeError("boom")

    app.router.routes.append(Route("/boom-for-test", boom))
    with Client(app, raise_server_exceptions=False) as client:
        page = client.get("/boom-for-test")
    assert page.status_code == 500
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_one_time_password_page_and_signed_in_pages_are_not_stored(client, session):
    factories.user(session, "organiser", username="boss")
    target = factories.user(session, "judge", username="zhou")
    session.commit()
    assert "no-store" not in client.get("/login").headers.get("cache-control", "")
    client.login("boss")
    page = client.post_form(f"/admin/users/{target.id}/reset-password")
    assert BeautifulSoup(page.text, "html.parser").select_one("code.secret")
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/css/site.css").headers.get("cache-control", "")


# ---- a real server: one huge request must not stall the others ----------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env.update(GRANTS_ENV="test", DATABASE_URL=f"sqlite:///{tmp_path / 'live.sqlite3'}",
               UPLOAD_DIR=str(tmp_path / "uploads"),
               AUDIT_CHECKPOINT_DIR=str(tmp_path / "checkpoints"))
    subprocess.run([sys.executable, "-m", "grants.cli", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "grants.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _send_huge_login(port, outcome):
    """POST /login with no cookie and 9 MB of `a=&` fields, as the hostile probe did."""
    body = b"a=&" * 3_000_000
    head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        with contextlib.suppress(OSError):  # the server may refuse and close before the end
            sock.sendall(head + body)
        outcome["sent"] = time.monotonic()
        try:
            outcome["reply"] = sock.recv(200)
        except OSError as exc:
            outcome["reply"] = repr(exc).encode()


def test_a_huge_anonymous_form_does_not_stall_the_health_check(live_server):
    outcome: dict = {}
    attacker = threading.Thread(target=_send_huge_login, args=(live_server, outcome))
    attacker.start()
    deadline = time.monotonic() + 60
    while "sent" not in outcome and time.monotonic() < deadline:
        time.sleep(0.01)
    # The attacker's whole body is on its way (or refused): the health check must answer now.
    health = httpx.get(f"http://127.0.0.1:{live_server}/healthz", timeout=10)
    assert health.status_code == 200
    attacker.join(timeout=60)
    assert outcome["reply"].startswith(b"HTTP/1.1 403") or b"Error" in outcome["reply"]


def test_the_upload_routes_exist_and_every_multipart_form_posts_to_one():
    import re

    from grants.app import UPLOAD_ROUTES, collect_routes

    names = {getattr(r, "name", None) for r in collect_routes()}
    assert names >= UPLOAD_ROUTES
    for template in (ROOT / "templates").rglob("*.html"):
        for form in re.findall(r"<form[^>]*multipart/form-data[^>]*>", template.read_text()):
            assert any(n in form or n.replace("_", "/") in form for n in
                       ("attachments", "import")), f"{template}: {form} is not an upload route"
