"""The ASGI application: routes from every domain package, middleware, error pages."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

import grants.models  # noqa: F401 - every table: kept pages note the tables they read
from grants import errors, urls, web
from grants.middleware import (
    CSRFMiddleware,
    DBSessionMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from grants.pagecache import SESSION_COOKIE, PageCacheMiddleware
from grants.settings import get_settings
from grants.urls import domain_routes

# Routes that accept file uploads: only multipart posts to these may be as large as
# MAX_UPLOAD_BYTES; every other body is limited to MAX_FORM_BYTES.
UPLOAD_ROUTES = frozenset({"attachment_add", "organisation_import", "judging_panel_import",
                           "public_objection", "agreement_sign", "tranche_pay",
                           "fund_reconcile", "report_file_add"})


def collect_routes(threaded: bool = True) -> list[BaseRoute]:
    """Every domain's routes (grants.urls.domain_routes); with `threaded`, async endpoints
    run in worker threads."""
    routes = domain_routes()
    return [_threaded_route(r) for r in routes] if threaded else routes


# Work known to be slow — documents, spreadsheets, imports, uploads, password hashing, the
# judging computations — waits for threads of its own, so that it never holds the threads
# that serve pages (a page then waits for at most the pages ahead of it).
HEAVY_ROUTES = frozenset({
    "login", "password", "user_reset_password", "organisation_register", "organisation_join",
    "judge_invite", "judging_assign", "judging_close", "organisation_import",
    "judging_panel_import", "fund_reconcile", "attachment_add", "report_file_add",
    "agreement_sign", "tranche_pay", "public_objection"})


def is_heavy(route: Route) -> bool:
    return route.name in HEAVY_ROUTES or route.path.endswith((".pdf", ".xlsx"))


_thread_loops = threading.local()
_limiters: weakref.WeakKeyDictionary[Any, dict[str, anyio.CapacityLimiter]] = (
    weakref.WeakKeyDictionary())


def _limiter(kind: str) -> anyio.CapacityLimiter:
    """The running event loop's limiter of `kind` threads (tests run several loops)."""
    found = _limiters.setdefault(asyncio.get_running_loop(), {})
    if kind not in found:
        settings = get_settings()
        found[kind] = anyio.CapacityLimiter(
            settings.heavy_threads if kind == "heavy" else settings.page_threads)
    return found[kind]


def in_thread(endpoint: Callable[[Any], Any], kind: str = "page") -> Callable[[Any], Any]:
    """An endpoint that runs an `async def` endpoint in a worker thread, on that thread's
    private event loop.

    The blocking work of a route (the SQLAlchemy calls, password hashing, rendering) never
    holds the server's event loop, so one slow request cannot stall the others on the same
    worker. Requests wait in turn for a thread of their `kind` ("page" or "heavy"; a few of
    each, PAGE_THREADS and HEAVY_THREADS): the work holds Python's GIL, so more threads would
    not serve more requests, only slice them finer and make each one slower. The form is
    already read by the CSRF middleware on the main loop, and the returned response is sent
    from there too.
    """

    def run_here(request: Any) -> Any:
        loop = getattr(_thread_loops, "loop", None)
        if loop is None:  # one private loop per worker thread, reused
            loop = _thread_loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(endpoint(request))

    async def run(request: Any) -> Any:
        return await anyio.to_thread.run_sync(run_here, request, limiter=_limiter(kind))

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
    kind = "heavy" if is_heavy(route) else "page"
    return Route(route.path, in_thread(route.endpoint, kind), methods=methods, name=route.name,
                 include_in_schema=route.include_in_schema)


def warm_up() -> None:
    """Before the first request: compile every template and index the routes, then move
    everything made so far out of the garbage collector's way (gc.freeze). A full collection
    otherwise walks these long-lived objects again and again, and its pauses were what set
    the slowest 1% of page times (p99 100–160 ms at 8 connections; see bench_pages.py)."""
    configure_mappers()
    urls.path("home")  # builds the index of routes by name
    for name in web.env.list_templates(extensions=["html"]):
        web.env.get_template(name)
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await anyio.to_thread.run_sync(warm_up)
    yield


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
                   session_cookie=SESSION_COOKIE, max_age=settings.session_max_hours * 3600,
                   same_site="lax", https_only=settings.is_production),
        # Outside CSRF and locale, so that refusals rendered there are cleaned up too.
        Middleware(DBSessionMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(CSRFMiddleware, upload_routes=upload_routes),
        # Inside the session and the locale, which are part of a kept page's key.
        Middleware(PageCacheMiddleware),
    ]
    return GrantsApp(
        debug=False,
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: errors.http_exception, IntegrityError: errors.conflict,
                            OperationalError: errors.conflict, 500: errors.server_error},
    )
