"""Rendered pages kept for a few seconds, and forgotten the moment the data they show changes.

Many pages are asked for again and again with nothing changed in between: fifteen judges'
phones following a roadshow, a public vote page shared in a group chat, an organiser going
back and forth between a round and its applications. Each server process keeps the HTML it
rendered for a GET, keyed by everything the page depends on:

- the address (path and query), the host, the `Accept` header and the language;
- the browser's whole session (so the user, the CSRF token in its forms and any pending
  message) and its other cookies: a page is only ever served again to the session it was
  rendered for;
- the versions of the tables it read: one number per table in the database (`page_version`),
  raised in the same transaction as every commit that inserts, updates or deletes rows of
  that table, by any process (requests, CLI commands, jobs; see `grants.db.track_writes`).
  While a page renders, the tables its statements name are noted; a process reads the
  versions before serving a kept page, and serves it only if none of its tables has moved.
  Because a version rises inside the writing transaction, whoever still sees the old number
  cannot yet see the write either: a kept page can hold data newer than its versions, never
  older. A judge saving a score sheet makes the judging pages render again, not the lists of
  organisations or funds.

An entry also expires after PAGE_CACHE_SECONDS (default 10), which bounds how late a page
shows a change that comes from the clock alone (a deadline passing, an idle session ending).
Pages that change by the second (a running roadshow timer) call `no_page_cache(request)`.
A form that must record once (a ledger entry, a payment) carries a key made by
`one_time_key(request)`: a kept copy gets fresh keys each time it is served, so two tabs never
share one.
Only 200 HTML answers that set no cookie, do not say `Cache-Control: no-store` themselves and
leave the session as they found it are kept;
everything else (POSTs, redirects, errors, pages that show a one-time message) is rendered
every time. PAGE_CACHE_SECONDS=0 turns the cache off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Engine, event
from sqlmodel import Field, SQLModel
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grants import i18n
from grants.db import ANY_TABLE, get_engine, page_reads
from grants.settings import get_settings

log = logging.getLogger(__name__)

READ = "SELECT name, n FROM page_version"
SESSION_COOKIE = "grants_session"  # its content is part of the key, decoded (grants.app)


class PageVersion(SQLModel, table=True):
    """A table's version, raised by every commit that wrote to it (grants.db.track_writes);
    a table without a row has version 0."""

    __tablename__ = "page_version"

    name: str = Field(primary_key=True, max_length=64)
    n: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


def no_page_cache(request: Any) -> None:
    """Render this answer every time: it changes by the second, carries values the server
    must check (signed challenges), or reads something other than the database."""
    request.scope.setdefault("state", {})["no_page_cache"] = True


KEY_BYTES = 16


def one_time_key(request: Any) -> str:
    """A fresh random key for a form that must record once (the same form sent twice records
    one entry). A kept copy of the page is served with every such key replaced by a new one,
    so that no two views of it share a key."""
    key = secrets.token_hex(KEY_BYTES)
    request.scope.setdefault("state", {}).setdefault("one_time_keys", []).append(key)
    return key


def _fresh_keys(body: bytes, keys: tuple[bytes, ...]) -> bytes:
    for key in keys:
        body = body.replace(key, secrets.token_hex(KEY_BYTES).encode())
    return body


Versions = dict[str, int]


@dataclass(slots=True)
class Entry:
    depends: tuple[tuple[str, int], ...]  # the tables the page read, at their versions
    expires: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    keys: tuple[bytes, ...] = ()  # one-time keys in the body, replaced each time it is served


class VersionReader:
    """Reads the tables' versions on the event loop through one connection of its own, in
    autocommit (one small table; no pool checkout on the path of a kept page)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.connection: Any = None

    def read(self, engine: Engine) -> Versions | None:
        if engine is not self.engine:
            self.close()
            self.engine = engine
            event.listen(engine, "engine_disposed", lambda _engine: self.close())
        try:
            if self.connection is None:
                self.connection = _autocommit_connection(engine)
            cursor = self.connection.cursor()
            try:
                cursor.execute(READ)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        except Exception as exc:  # no table yet, a lost connection: serve without the cache
            log.info("page cache skipped: %s", exc)
            self.close()
            return None
        return {name: int(n) for name, n in rows}

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.connection.close()
        self.connection = None


def _autocommit_connection(engine: Engine) -> Any:
    """A connection of the engine's, taken out of its pool, reading in autocommit mode."""
    connection = engine.raw_connection()
    driver = connection.driver_connection
    connection.detach()
    driver.rollback()
    if engine.dialect.name == "sqlite":
        driver.isolation_level = None
    else:
        driver.autocommit = True
    return driver


class PageCache:
    """The pages of one server process, least recently used forgotten first: at most `entries`
    pages and `total_bytes` in all, none over `max_bytes`."""

    def __init__(self, entries: int, max_bytes: int = 1024 * 1024,
                 total_bytes: int = 64 * 1024 * 1024) -> None:
        self.entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self.limit = entries
        self.max_bytes = max_bytes
        self.total_limit = total_bytes
        self.total = 0

    def get(self, key: tuple[Any, ...], versions: Versions, moment: float) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.expires <= moment or any(versions.get(name, 0) != n
                                          for name, n in entry.depends):
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        if len(entry.body) > self.max_bytes:
            return
        if key in self.entries:
            self._drop(key)
        self.entries[key] = entry
        self.total += len(entry.body)
        while len(self.entries) > self.limit or self.total > self.total_limit:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        self.total -= len(self.entries.pop(key).body)


def _fingerprint(session: Any) -> str | None:
    if not isinstance(session, dict):
        return ""
    if session.get("_flashes"):
        return None  # the page shows a one-time message and removes it
    return json.dumps(session, sort_keys=True, separators=(",", ":"))


class PageCacheMiddleware:
    """Serve a GET from the cache when its entry is at the current version; keep what can be
    kept. Sits inside the session and locale middleware, which it reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        settings = get_settings()
        self.seconds = settings.page_cache_seconds
        self.cache = PageCache(settings.page_cache_entries)
        self.reader = VersionReader()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET" or self.seconds <= 0
                or scope["path"].startswith("/static/")):
            await self.app(scope, receive, send)
            return
        fingerprint = _fingerprint(scope.get("session"))
        if fingerprint is None:
            await self.app(scope, receive, send)
            return
        versions = self.reader.read(get_engine())
        if versions is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = headers.get("cookie", "")
        others = tuple(sorted((name, value) for name, value in cookie_parser(cookies).items()
                              if name != SESSION_COOKIE)) if cookies else ()
        key = (scope["path"], scope.get("query_string", b""), scope.get("scheme"),
               headers.get("host"), headers.get("accept"), i18n.current_locale.get(),
               fingerprint, others)
        moment = time.monotonic()
        entry = self.cache.get(key, versions, moment)
        if entry is not None:
            await send({"type": "http.response.start", "status": 200,
                        "headers": entry.headers})
            body = _fresh_keys(entry.body, entry.keys) if entry.keys else entry.body
            await send({"type": "http.response.body", "body": body})
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # A copy: the session and security middleware add their headers to the message
                start = {"status": message["status"], "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        reads: set[str] = {ANY_TABLE}
        token = page_reads.set(reads)
        try:
            await self.app(scope, receive, keep)
        finally:
            page_reads.reset(token)
        state = scope.get("state", {})
        if start is None or start["status"] != 200 or state.get("no_page_cache"):
            return
        kept_headers = list(start.get("headers", []))
        names = {name.lower() for name, _ in kept_headers}
        content_type = dict(kept_headers).get(b"content-type", b"")
        cache_control = b",".join(v for k, v in kept_headers if k.lower() == b"cache-control")
        if (b"set-cookie" in names or not content_type.startswith(b"text/html")
                or b"no-store" in cache_control.lower()  # the route asked for it
                or _fingerprint(scope.get("session")) != fingerprint):
            return
        depends = tuple((name, versions.get(name, 0)) for name in sorted(reads))
        keys = tuple(k.encode() for k in state.get("one_time_keys", ()))
        self.cache.put(key, Entry(depends, moment + self.seconds, kept_headers,
                                  b"".join(chunks), keys))
