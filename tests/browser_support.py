"""Shared fixtures for browser tests: the app served by uvicorn on a free loopback port and
Debian's Chromium driven through Playwright.

    from tests.browser_support import live_server, browser, page  # noqa: F401 (fixtures)

`live_server` serves the test's `app` (and so the test's database); `page` is a fresh page
with English as the browser language; `login(page, base_url, username)` signs in.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The base URL of the app served in a background thread; stopped after the test."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _record_errors(page: Any) -> list[str]:
    """Console errors and failed subresources (a page itself may answer 404 on purpose: the
    browser's own "Failed to load resource" line for it is not counted)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    return errors


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page in English. Any console error (a script failing, a style or script the
    Content-Security-Policy refused, a missing file) fails the test that used it."""
    context = browser.new_context(locale="en-US")
    created = context.new_page()
    created.set_default_timeout(15000)
    created.console_errors = _record_errors(created)
    yield created
    context.close()
    assert created.console_errors == [], f"console errors: {created.console_errors}"


@pytest.fixture
def phone_zh(browser: Any) -> Iterator[Any]:
    """A phone-sized page (390 × 844) in Chinese that records console errors."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    created = context.new_page()
    created.set_default_timeout(15000)
    created.console_errors = _record_errors(created)
    yield created
    context.close()
    assert created.console_errors == [], f"console errors: {created.console_errors}"


def fits_a_phone(page: Any) -> None:
    """Nothing on the page is wider than the phone (it would scroll sideways)."""
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide


def login(page: Any, base_url: str, username: str,
          password: str = "a-good-pass-123") -> None:  # noqa: S107 - the test password
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button.primary")
    page.wait_for_load_state("load")
