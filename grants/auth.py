"""Authentication: password hashing, the current user, and the guards routes use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import cache, wraps
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from grants.accounts.models import LoginFailure, User
from grants.audit import Actor
from grants.settings import get_settings
from grants.timeutil import now

MIN_PASSWORD_LENGTH = 10


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
        return "A password needs at least 10 characters."
    if len(password) > 256:
        return "A password can have at most 256 characters."
    if password.isdigit() or password.isalpha():
        return "Use letters together with digits or symbols."
    return None


def recent_failures(session: Session, username: str) -> int:
    window = now() - timedelta(minutes=get_settings().login_window_minutes)
    return session.execute(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= window)  # type: ignore[arg-type]
    ).scalar_one()


def is_throttled(session: Session, username: str) -> bool:
    return recent_failures(session, username) >= get_settings().login_max_failures


def authenticate(session: Session, username: str, password: str, ip: str) -> User | None:
    """The user for these credentials, or None (and the failure is counted)."""
    username = username.strip().lower()
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is None:
            _hasher().hash(password)  # spend the same time whether or not the user exists
        session.add(LoginFailure(username=username, ip=ip))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))  # type: ignore[arg-type]
    user.last_login_at = now()
    return user


def login_session(request: Request, user: User) -> None:
    request.session.clear()
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version
    if user.locale:
        request.session["locale"] = user.locale


def current_user(request: Request) -> User | None:
    """The logged-in user, loaded once per request; a stale session version logs out."""
    if "user" in request.scope.get("state", {}):
        return request.scope["state"]["user"]
    user = None
    if "session" in request.scope:
        uid = request.session.get("uid")
        if isinstance(uid, int):
            from grants.web import db

            user = db(request).get(User, uid)
            if user is not None and (not user.is_active or
                                     user.session_version != request.session.get("sv")):
                request.session.pop("uid", None)
                user = None
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
            from urllib.parse import quote

            from grants.web import redirect

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return redirect(f"/login?next={quote(target)}")
        if user.must_change_password and request.url.path not in {"/account/password",
                                                                  "/logout", "/lang"}:
            from grants.web import redirect

            return redirect("/account/password")
        return await endpoint(request)

    return wrapper


def require(request: Request, action: str, obj: Any = None) -> User:
    """The current user if they may do `action` to `obj`; otherwise a 403 — or a 404 when
    `obj` lies outside an organiser's scope (its existence is not revealed)."""
    from grants.permissions import can, out_of_scope

    user = current_user(request)
    if user is None or not can(user, action, obj):
        if out_of_scope(user, obj):
            raise HTTPException(404)
        raise HTTPException(403)
    return user
