"""The route table: which domain packages have pages, and the paths of named routes for code
that builds links (redirects, notification links).

Templates use the `path_for` global; Python code calls `path("fund_detail", id=fund.id)`.
The domain packages are named here, not imported: each is loaded by name on first use, after
every module has been imported (route modules import the services that build links, so the
table cannot be read at import time). The index by name exists because Starlette's own
`url_path_for` tries every route in turn and raises on each miss, which made a page with 40
links spend a third of its time finding them.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from starlette.routing import BaseRoute, Mount, NoMatchFound, Route
from starlette.staticfiles import StaticFiles

from grants.settings import ROOT

# Each domain package contributes `routes`; add a package here to mount its pages.
ROUTE_MODULES = [
    "grants.home.routes",
    "grants.accounts.routes",
    "grants.regions.routes",
    "grants.applications.routes",
    "grants.organisations.routes",
    "grants.funds.routes",
    "grants.rounds.routes",
    "grants.judging.routes",
    "grants.audit.routes",
    "grants.notifications.routes",
    "grants.votes.routes",
    "grants.awards.routes",
    "grants.calendar.routes",
    "grants.disbursements.routes",
    "grants.reports.routes",
    "grants.impact.routes",
]


def domain_routes() -> list[BaseRoute]:
    """Every domain package's `routes`, in the order above, then the static files."""
    routes: list[BaseRoute] = []
    for module_name in ROUTE_MODULES:
        routes.extend(importlib.import_module(module_name).routes)
    routes.append(Mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static"))
    return routes


@cache
def _index() -> dict[str, BaseRoute]:
    found: dict[str, BaseRoute] = {}
    for route in domain_routes():
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
