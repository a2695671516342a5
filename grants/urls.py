"""Paths of named routes for code that builds links (redirects, notification links).

Templates use the `path_for` global; Python code calls `path("fund_detail", id=fund.id)`.
The route table is read once, on first use (route modules import the services that call
this, so it cannot be read at import time), into an index by name: Starlette's own
`url_path_for` tries every route in turn and raises on each miss, which made a page with 40
links spend a third of its time finding them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.routing import BaseRoute, Mount, NoMatchFound, Route


@cache
def _index() -> dict[str, BaseRoute]:
    from grants.app import collect_routes

    found: dict[str, BaseRoute] = {}
    for route in collect_routes():
        name = getattr(route, "name", None)
        if isinstance(route, Route | Mount) and name and name not in found:
            found[name] = route
    return found


def path(name: str, **params: Any) -> str:
    """The path of the route called `name` with these path parameters."""
    route = _index().get(name)
    if route is None:
        raise NoMatchFound(name, params)
    return str(route.url_path_for(name, **params))
