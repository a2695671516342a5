"""Paths of named routes for code that builds links (redirects, notification links).

Templates use the `path_for` global; Python code calls `path("fund_detail", id=fund.id)`.
The route table is read once, on first use (route modules import the services that call
this, so it cannot be read at import time)."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.routing import Router


@cache
def _router() -> Router:
    from grants.app import collect_routes

    return Router(routes=collect_routes())


def path(name: str, **params: Any) -> str:
    """The path of the route called `name` with these path parameters."""
    return str(_router().url_path_for(name, **params))
