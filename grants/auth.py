"""Authentication: password hashing, the current user, and the guards routes use."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import cache, wraps
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grants.accounts.models import LoginFailure, User, UserSession
from grants.audit import Actor
from grants.db import request_session
from grants.i18n import N_
from grants.notifications.models import Notice
from grants.permissions import can, hidden, state_refusal
from grants.settings import get_settings
from grants.timeutil import now
from grants.urls import path

MIN_PASSWORD_LENGTH = 10
# A user name's failures from all addresses together may reach this multiple of
# LOGIN_MAX_FAILURES before it is locked for everyone (a guard against slow distributed guessing).
GLOBAL_USERNAME_FACTOR = 10
# last_seen_at is written at most this often, so reading pages does not write every time.
SEEN_RESOLUTION = timedelta(minutes=1)


@cache
def _hasher() -> PasswordHasher:
    # The test suite creates hundreds of users: it uses cheap parameters, never production.
    if get_settings().env == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused (English msgid), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("A password needs at least 10 characters.")
    if len(password) > 256:
        return N_("A password can have at most 256 characters.")
    if password.isdigit() or password.isalpha():
        return N_("Use letters together with digits or symbols.")
    return None


def _failures_since(session: Session, *conditions: Any) -> int:
    window = now() - timedelta(minutes=get_settings().login_window_minutes)
    return session.execute(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.at >= window, *conditions)
    ).scalar_one()


def recent_failures(session: Session, username: str) -> int:
    return _failures_since(session, LoginFailure.username == username)


def is_throttled(session: Session, username: str, ip: str = "") -> bool:
    """Whether a login attempt for this user name from this address is refused for now.

    Three limits within LOGIN_WINDOW_MINUTES: the address's failures over all user names
    (LOGIN_MAX_FAILURES_PER_ADDRESS); this user name's failures from this address
    (LOGIN_MAX_FAILURES), so that someone elsewhere cannot lock the owner out; and this user
    name's failures from all addresses together, at GLOBAL_USERNAME_FACTOR times that.
    """
    settings = get_settings()
    if _failures_since(session, LoginFailure.ip == ip) >= settings.login_max_failures_per_address:
        return True
    if _failures_since(session, LoginFailure.username == username,
                       LoginFailure.ip == ip) >= settings.login_max_failures:
        return True
    ceiling = settings.login_max_failures * GLOBAL_USERNAME_FACTOR
    return recent_failures(session, username) >= ceiling


def authenticate(session: Session, username: str, password: str, ip: str) -> User | None:
    """The user for these credentials, or None (and the failure is counted)."""
    username = username.strip().lower()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is None:
            _hasher().hash(password)  # spend the same time whether or not the user exists
        session.add(LoginFailure(username=username, ip=ip))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = now()
    return user


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, ip: str = "") -> str:
    """Record a new signed-in session for the user; the returned key goes into the cookie."""
    key = secrets.token_urlsafe(32)
    if user.id is None:  # a user created in this request
        session.flush()
    session.add(UserSession(key_hash=_key_hash(key), user_id=user.id, ip=ip[:64]))
    return key


def end_session(session: Session, key: object) -> None:
    if isinstance(key, str) and key:
        session.execute(delete(UserSession).where(UserSession.key_hash == _key_hash(key)))


def end_all_sessions(session: Session, user: User) -> None:
    """Every signed-in session of the user ends (password reset, deactivation)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def _expired(row: UserSession, moment: Any) -> bool:
    settings = get_settings()
    return (row.last_seen_at < moment - timedelta(minutes=settings.session_idle_minutes)
            or row.created_at < moment - timedelta(hours=settings.session_max_hours))


def login_session(request: Request, user: User) -> None:
    """Sign the browser in as the user: a fresh server-side session (the old one ends)."""
    session = request_session(request)
    end_session(session, request.session.get("sid"))
    request.session.clear()
    ip = request.client.host if request.client else ""
    request.session["sid"] = start_session(session, user, ip)
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version
    request.session["_csrf"] = secrets.token_urlsafe(32)  # a fresh token for the new session
    if user.locale:
        request.session["locale"] = user.locale


def logout_session(request: Request) -> None:
    """End the browser's session on the server too: a copied cookie stops working."""
    end_session(request_session(request), request.session.get("sid"))
    request.session.clear()


@cache
def _session_statement() -> Any:
    """One statement, built once (it runs on every signed-in request): the browser's session,
    its user and the user's unread notices (which every page's header shows; render() takes
    the count from the request's state)."""
    unread = (select(func.count()).select_from(Notice)
              .where(Notice.user_id == User.id, Notice.read_at.is_(None))
              .scalar_subquery())
    return (select(UserSession, User, unread).join(User, User.id == UserSession.user_id)
            .where(UserSession.key_hash == bindparam("key_hash")))


def _session_user(request: Request) -> User | None:
    uid = request.session.get("uid")
    key = request.session.get("sid")
    if not isinstance(uid, int) or not isinstance(key, str):
        return None
    session = request_session(request)
    found = session.execute(_session_statement(), {"key_hash": _key_hash(key)}).first()
    if found is None:
        return None
    row: UserSession = found[0]
    user: User = found[1]
    unread_count = found[2]
    if row.user_id != uid:
        return None
    moment = now()
    if _expired(row, moment):
        session.delete(row)
        return None
    if not user.is_active or user.session_version != request.session.get("sv"):
        return None
    request.scope.setdefault("state", {})["unread_notices"] = int(unread_count)
    if row.last_seen_at < moment - SEEN_RESOLUTION:
        if request.method in ("GET", "HEAD"):
            # A page view only reads: the session's "last seen" is written after the page's
            # own work is committed, and skipped if the database is busy with a writer
            # (grants.middleware), so that viewing never fails on it.
            row_id = row.id
            request.scope["state"].setdefault("touches", []).append(
                lambda s: s.execute(update(UserSession).where(UserSession.id == row_id)
                                    .values(last_seen_at=moment)))
        else:
            row.last_seen_at = moment
    return user


def current_user(request: Request) -> User | None:
    """The logged-in user, loaded once per request. A session that was ended (logout, idle or
    absolute timeout, password change) or whose user was deactivated logs out."""
    if "user" in request.scope.get("state", {}):
        return request.scope["state"]["user"]
    user = None
    if "session" in request.scope:
        user = _session_user(request)
        if user is None and "uid" in request.session:
            for name in ("uid", "sid", "sv"):
                request.session.pop(name, None)
    request.scope.setdefault("state", {})["user"] = user
    return user


def actor(request: Request) -> Actor:
    user = current_user(request)
    ip = request.client.host if request.client else ""
    if user is None:
        return Actor(id=None, name="anonymous", ip=ip)
    return Actor(id=user.id, name=user.username, ip=ip)


Endpoint = Callable[[Request], Awaitable[Response]]


def login_required(endpoint: Endpoint) -> Endpoint:
    """Anonymous visitors go to the login page and come back afterwards."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(path("login") + f"?next={quote(target)}", status_code=303)
        if user.must_change_password and request.url.path not in {"/account/password",
                                                                  "/logout", "/lang"}:
            return RedirectResponse(path("password"), status_code=303)
        return await endpoint(request)

    return wrapper


class NotNow(HTTPException):
    """A move the user may make, but not in the object's present state (400, saying which;
    the error page calls it "not possible now")."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


def require(request: Request, action: str, obj: Any = None) -> User:
    """The current user if they may do `action` to `obj`; otherwise a 403 — or a 404 when
    the user may not even see `obj` (outside an organiser's scope, or refused its `view`), so
    that an address reveals nothing about whether something exists; or a 400 saying the
    object's state when the user could make the move, but not in that state."""
    user = current_user(request)
    if user is None or not can(user, action, obj):
        if hidden(user, action, obj):
            raise HTTPException(404)
        in_words = state_refusal(user, action, obj)
        if in_words:  # allowed, but not now: say why
            raise NotNow(in_words)
        raise HTTPException(403)
    return user
