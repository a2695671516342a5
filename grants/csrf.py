"""The session's CSRF token: made on first use, sent in every form, checked by the CSRF
middleware (grants.middleware) and renewed at login (grants.auth)."""

from __future__ import annotations

import secrets
from typing import Any


def ensure_token(session: dict[str, Any]) -> str:
    """The token kept in the signed session cookie, made if there is none yet."""
    token = session.get("_csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["_csrf"] = token
    return str(token)


def token_of(request: Any) -> str:
    """The request's token for a form, or "" where the request has no session."""
    if "session" not in request.scope:
        return ""
    return ensure_token(request.session)
