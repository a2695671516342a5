"""Error pages (403, 404, 500, and the refusals middleware sends) rendered in the site layout."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grants.auth import NotNow
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.web import render

log = logging.getLogger(__name__)

# Refusals the middleware sends (grants.middleware), worded here with the other error pages.
# A NUL byte is never typed by a person and cannot be stored in PostgreSQL text: any form field,
# file name or query parameter carrying one is refused before a route sees it. (Form readers
# also refuse other control characters, field by field.)
NUL_MESSAGE = N_("The request contains a NUL character, which is not allowed in any field. "
                 "Nothing was saved.")
CONFLICT_MESSAGE = N_("Someone else changed the same thing at the same moment, so your change "
                      "was not saved. Reload the page and try again.")

TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Changed at the same time"),
    413: N_("Upload too large"),
    500: N_("Something went wrong"),
}

DEFAULT_MESSAGES = {
    400: N_("The request could not be understood."),
    403: N_("You do not have permission to see this page or do this."),
    404: N_("There is nothing at this address. It may have been moved or deleted."),
    405: N_("This address does not accept that kind of request."),
    413: N_("The upload is too large."),
    500: N_("The error has been logged. Please try again, or contact the organiser."),
}


def error_response(request: Request, status: int, message: str | None = None,
                   title: str | None = None) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message or _(DEFAULT_MESSAGES.get(status, "Error"))},
                            status_code=status)
    try:
        return render(request, "errors/error.html", {
            "status": status,
            "title": title or _(TITLES.get(status, "Error")),
            "message": message or _(DEFAULT_MESSAGES.get(status, "Error")),
        }, status_code=status)
    except Exception:  # the error page must never fail itself
        log.exception("error page failed")
        return Response(f"{status}", status_code=status, media_type="text/plain")


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if exc.detail and exc.detail not in {
        "Not Found", "Forbidden", "Method Not Allowed", "Bad Request"} else None
    if isinstance(exc, NotNow):
        return error_response(request, 400, detail, title=_("Not possible now"))
    return error_response(request, exc.status_code, detail)


async def conflict(request: Request, exc: Exception) -> Response:
    """A lost race (a unique constraint, a lock timeout): refused with a message, never a 500."""
    if isinstance(exc, OperationalError) and not any(
            word in str(exc).lower() for word in ("locked", "busy", "serializ", "deadlock")):
        return await server_error(request, exc)
    log.warning("refused after a conflict: %s", exc)
    session = request.scope.get("state", {}).get("db")
    if session is not None:
        session.rollback()
    request.scope.get("state", {}).pop("user", None)
    return error_response(request, 409, _(CONFLICT_MESSAGE))


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    # The request's session was rolled back and closed: reload the user for the page's layout.
    request.scope.get("state", {}).pop("user", None)
    try:
        return error_response(request, 500)
    finally:
        session = request.scope.get("state", {}).pop("db", None)
        if session is not None:
            session.close()
