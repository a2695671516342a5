"""The ASGI application: routes from every domain package, middleware, error pages."""

from __future__ import annotations

import importlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

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
]

# Routes that accept file uploads: only multipart posts to these may be as large as
# MAX_UPLOAD_BYTES; every other body is limited to MAX_FORM_BYTES.
UPLOAD_ROUTES = frozenset({"attachment_add", "organisation_import"})


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module_name in ROUTE_MODULES:
        routes.extend(importlib.import_module(module_name).routes)
    routes.append(Mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static"))
    return routes


class GrantsApp(Starlette):
    """Starlette with the security headers outside its server-error handler, so that 500
    pages carry them too (user middleware sits inside that handler)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def create_app() -> Starlette:
    """Build the application from the environment's settings."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO if settings.is_production else logging.WARNING)
    routes = collect_routes()
    upload_routes = [r for r in routes if isinstance(r, Route) and r.name in UPLOAD_ROUTES]
    middleware = [
        Middleware(SessionMiddleware, secret_key=str(settings.secret_key),
                   session_cookie="grants_session", max_age=settings.session_max_hours * 3600,
                   same_site="lax", https_only=settings.is_production),
        # Outside CSRF and locale, so that refusals rendered there are cleaned up too.
        Middleware(DBSessionMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(CSRFMiddleware, upload_routes=upload_routes),
    ]
    return GrantsApp(
        debug=False,
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: errors.http_exception, 500: errors.server_error},
    )
