"""The ASGI application: routes from every domain package, middleware, error pages."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from grants import errors
from grants.middleware import (
    CSRFMiddleware,
    DBSessionMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from grants.settings import get_settings
from grants.urls import domain_routes

# Routes that accept file uploads: only multipart posts to these may be as large as
# MAX_UPLOAD_BYTES; every other body is limited to MAX_FORM_BYTES.
UPLOAD_ROUTES = frozenset({"attachment_add", "organisation_import", "judging_panel_import",
                           "public_objection", "agreement_sign", "tranche_pay",
                           "fund_reconcile", "report_file_add"})


def collect_routes(threaded: bool = True) -> list[BaseRoute]:
    """Every domain's routes (grants.urls.domain_routes); with `threaded`, async endpoints
    run in the threadpool."""
    routes = domain_routes()
    return [_threaded_route(r) for r in routes] if threaded else routes


_thread_loops = threading.local()


def in_thread(endpoint: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A sync endpoint that runs an `async def` endpoint on a private event loop.

    Starlette runs sync endpoints in its threadpool, so the blocking work of a route (the
    SQLAlchemy calls, password hashing, rendering) no longer holds the server's event loop:
    one slow request cannot stall the others on the same worker. The form is already read by
    the CSRF middleware on the main loop, and the returned response is sent from there too.
    """

    def run(request: Any) -> Any:
        loop = getattr(_thread_loops, "loop", None)
        if loop is None:  # one private loop per threadpool thread, reused
            loop = _thread_loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(endpoint(request))

    run.__name__ = getattr(endpoint, "__name__", "endpoint")
    run.__qualname__ = getattr(endpoint, "__qualname__", run.__name__)
    run.__doc__ = endpoint.__doc__
    run.__module__ = endpoint.__module__
    run.async_endpoint = endpoint
    return run


def _threaded_route(route: BaseRoute) -> BaseRoute:
    if not isinstance(route, Route) or not inspect.iscoroutinefunction(route.endpoint):
        return route
    methods = sorted((route.methods or set()) - {"HEAD"}) or None
    return Route(route.path, in_thread(route.endpoint), methods=methods, name=route.name,
                 include_in_schema=route.include_in_schema)


class GrantsApp(Starlette):
    """Starlette with the security headers outside its server-error handler, so that 500
    pages carry them too (user middleware sits inside that handler)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


def create_app(threaded: bool = True) -> Starlette:
    """Build the application from the environment's settings.

    `threaded=False` keeps the endpoints on the event loop (only for comparison: see
    bench/blocking_probe.py and docs/security.md)."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO if settings.is_production else logging.WARNING)
    routes = collect_routes(threaded)
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
        exception_handlers={HTTPException: errors.http_exception, IntegrityError: errors.conflict,
                            OperationalError: errors.conflict, 500: errors.server_error},
    )
