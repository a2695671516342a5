"""The ASGI application: routes from every domain package, middleware, error pages."""

from __future__ import annotations

import importlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from grants import errors
from grants.middleware import (
    CSRFMiddleware,
    DBSessionMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from grants.settings import ROOT, get_settings

# Each domain package contributes `routes`; add a package here to mount its pages.
ROUTE_MODULES = [
    "grants.home.routes",
    "grants.accounts.routes",
    "grants.regions.routes",
    "grants.applications.routes",  # before organisations: /organisations/import
    "grants.organisations.routes",
    "grants.funds.routes",
    "grants.rounds.routes",
    "grants.audit_routes",
    "grants.notifications.routes",
    "grants.votes.routes",
]


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module_name in ROUTE_MODULES:
        routes.extend(importlib.import_module(module_name).routes)
    routes.append(Mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static"))
    return routes


def create_app() -> Starlette:
    """Build the application from the environment's settings."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO if settings.is_production else logging.WARNING)
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(SessionMiddleware, secret_key=str(settings.secret_key),
                   session_cookie="grants_session", max_age=12 * 3600, same_site="lax",
                   https_only=settings.is_production),
        # Outside CSRF and locale, so that refusals rendered there are cleaned up too.
        Middleware(DBSessionMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(CSRFMiddleware),
    ]
    return Starlette(
        debug=False,
        routes=collect_routes(),
        middleware=middleware,
        exception_handlers={HTTPException: errors.http_exception, 500: errors.server_error},
    )
