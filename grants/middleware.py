"""ASGI middleware: the request's transaction, CSRF, locale and security headers."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_to_bytes

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grants import i18n
from grants.db import neutral_writes, reading_page, write_intent
from grants.errors import CONFLICT_MESSAGE, NUL_MESSAGE, error_response
from grants.settings import get_settings

log = logging.getLogger(__name__)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _touch(session: Any, touches: list[Any]) -> None:
    """Best-effort bookkeeping of a page view (a session's "last seen"), after the page's own
    work is committed: skipped, not failed, while another request holds the write lock."""
    if not touches:
        return
    try:
        with neutral_writes():  # no page shows it: kept pages stay valid
            for touch in touches:
                touch(session)
            session.commit()
    except OperationalError as exc:
        session.rollback()
        log.info("page-view bookkeeping skipped: %s", exc)


class DBSessionMiddleware:
    """The request owns the transaction: commit before a success response starts, else roll back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        failed = False
        # Writers take SQLite's write lock at their first statement (see grants.db).
        intent = write_intent.set(scope["method"] in UNSAFE_METHODS)
        only_reads = reading_page.set(scope["method"] in ("GET", "HEAD"))

        async def send_wrapper(message: Message) -> None:
            nonlocal failed
            if failed:
                return
            if message["type"] == "http.response.start":
                session = state.pop("db", None)
                if session is not None:
                    try:
                        if message["status"] < 400:
                            session.commit()
                            _touch(session, state.pop("touches", []))
                        else:
                            session.rollback()
                    except Exception as exc:
                        session.rollback()
                        failed = True
                        status, text = 500, "Server error: the change was not saved."
                        if isinstance(exc, IntegrityError) or (
                                isinstance(exc, OperationalError) and "lock" in str(exc)):
                            log.warning("commit refused: %s", exc)
                            status, text = 409, i18n.gettext(CONFLICT_MESSAGE)
                        else:
                            log.exception("commit failed")
                        await send({"type": "http.response.start", "status": status,
                                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                        await send({"type": "http.response.body", "body": text.encode()})
                        return
                    finally:
                        session.close()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            write_intent.reset(intent)
            reading_page.reset(only_reads)
            session = state.pop("db", None)
            if session is not None:
                session.rollback()
                session.close()


class CSRFMiddleware:
    """Refuse unsafe requests without the session's CSRF token; read and keep their form.

    The token arrives as the `csrf_token` form field (pages work without JavaScript) or the
    `X-CSRF-Token` header (our scripts). Cheap refusals come first, before any body is read:
    a session without a CSRF token at all (nobody who loaded one of our pages), a wrong header
    token, a declared length over the limit. The body is then read with limits on its size
    (MAX_FORM_BYTES; MAX_UPLOAD_BYTES only for multipart posts to the upload routes) and, for
    url-encoded forms, on its number of fields, counted while it arrives. Only then is the form
    parsed, and kept in the request state so the route does not parse it twice.
    """

    def __init__(self, app: ASGIApp, upload_routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.upload_routes = tuple(upload_routes)

    def _is_upload_route(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in self.upload_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(unquote_to_bytes(scope.get("query_string", b""))):
            await _refuse(scope, receive, send, 400, i18n.gettext(NUL_MESSAGE))
            return
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        headers = Headers(scope=scope)
        expected = scope.get("session", {}).get("_csrf")
        header_token = headers.get("x-csrf-token")
        if not expected or (header_token is not None and not _same(header_token, expected)):
            await _refuse_forged(scope, receive, send)
            return
        content_type = headers.get("content-type", "").lower()
        multipart = content_type.startswith("multipart/form-data")
        urlencoded = content_type.startswith("application/x-www-form-urlencoded")
        upload = multipart and self._is_upload_route(scope)
        limit = settings.max_upload_bytes + 64 * 1024 if upload else settings.max_form_bytes
        max_fields = settings.max_form_fields
        declared = headers.get("content-length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            await _refuse_size(scope, receive, send, upload, limit)
            return
        body = bytearray()
        separators = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            body.extend(chunk)
            more = message.get("more_body", False)
            if len(body) > limit:
                await _refuse_size(scope, receive, send, upload, limit)
                return
            if urlencoded:
                separators += chunk.count(b"&")
                if separators >= max_fields:
                    await _refuse(scope, receive, send, 413, i18n.gettext(
                        "The form has too many fields (at most %(count)s).", count=max_fields))
                    return

        async def replay() -> Message:
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        form = None
        if urlencoded or multipart:
            try:
                form = await Request(scope, replay).form(max_files=20 if upload else 0,
                                                          max_fields=max_fields)
            except Exception:
                await _refuse(scope, receive, send, 400, i18n.gettext(
                    "The form could not be read. Please try again."))
                return
        sent = header_token or (form.get("csrf_token") if form else None)
        if not (isinstance(sent, str) and _same(sent, expected)):
            if form is not None:
                await form.close()
            await _refuse_forged(scope, receive, send)
            return
        if form is not None and any(
                _has_nul(value if isinstance(value, str) else (value.filename or ""))
                for _key, value in form.multi_items()):
            await form.close()
            await _refuse(scope, receive, send, 400, i18n.gettext(NUL_MESSAGE))
            return
        scope.setdefault("state", {})["form"] = form
        replayed_for_app = False

        async def replay_for_app() -> Message:
            nonlocal replayed_for_app
            if not replayed_for_app:
                replayed_for_app = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay_for_app, send)
        finally:
            if form is not None:
                await form.close()


def _has_nul(value: str | bytes) -> bool:
    return ("\x00" if isinstance(value, str) else b"\x00") in value


def _same(sent: str, expected: object) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())


async def _refuse_forged(scope: Scope, receive: Receive, send: Send) -> None:
    await _refuse(scope, receive, send, 403, i18n.gettext(
        "Your form expired or came from another site. Go back, reload the page "
        "and try again."))


async def _refuse_size(scope: Scope, receive: Receive, send: Send, upload: bool,
                       limit: int) -> None:
    if upload:
        message = i18n.gettext("The upload is too large (at most %(mb)s MB).",
                               mb=limit // (1024 * 1024))
    else:
        message = i18n.gettext("The form is too large (at most %(kb)s KB).", kb=limit // 1024)
    await _refuse(scope, receive, send, 413, message)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response = error_response(Request(scope, receive), status, message)
    await response(scope, receive, send)


class LocaleMiddleware:
    """Pick the language: the session's choice, the user's preference, the browser, the default."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = scope.get("session", {})
        locale = (
            i18n.normalise_locale(session.get("locale"))
            or i18n.pick_from_accept_language(Headers(scope=scope).get("accept-language"))
            or i18n.normalise_locale(get_settings().default_locale)
            or i18n.DEFAULT_LOCALE
        )
        token = i18n.current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)


def _signed_in(scope: Scope) -> bool:
    session = scope.get("session")
    return isinstance(session, dict) and "uid" in session


class SecurityHeadersMiddleware:
    """Security headers on every response, error pages included: the application installs it
    outside Starlette's server-error handler (see grants.app.GrantsApp)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        production = get_settings().is_production

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                    b"content-security-policy": (
                        b"default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        b"script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                        b"base-uri 'self'; object-src 'none'"
                    ),
                }
                if production:
                    extra[b"strict-transport-security"] = b"max-age=31536000; includeSubDomains"
                if _signed_in(scope) and not scope.get("path", "").startswith("/static/"):
                    # Pages for a signed-in user are private: no browser or proxy keeps them.
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
