"""The /notices page: a user's in-app notices, marked read one by one or all at once."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import login_required, require
from grants.i18n import ngettext
from grants.notifications import services
from grants.notifications.models import Notice
from grants.pagination import page_number, paginate
from grants.urls import path
from grants.web import db, flash, path_int, redirect, render


@login_required
async def notice_list(request: Request) -> Response:
    user = require(request, "notice.view")
    page = paginate(db(request), services.notices_for(user), page_number(request), per_page=30)
    return render(request, "notices/list.html", {
        "page": page, "shown": [services.shown(notice) for notice in page.items]})


@login_required
async def notice_read(request: Request) -> Response:
    session = db(request)
    notice = session.get(Notice, path_int(request))
    if notice is None:
        raise HTTPException(404)
    user = require(request, "notice.view", notice)
    services.mark_read(session, user, notice.id)
    if notice.link.startswith("/") and not notice.link.startswith("//"):
        return redirect(notice.link)
    return redirect(path("notices"))


@login_required
async def notice_read_all(request: Request) -> Response:
    user = require(request, "notice.view")
    count = services.mark_read(db(request), user)
    flash(request, ngettext("%(num)s notice marked as read.", "%(num)s notices marked as read.", count))
    return redirect(path("notices"))


routes = [
    Route("/notices", notice_list, name="notices"),
    Route("/notices/read-all", notice_read_all, methods=["POST"], name="notices_read_all"),
    Route("/notices/{id:id}/read", notice_read, methods=["POST"], name="notice_read"),
]
