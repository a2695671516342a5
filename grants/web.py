"""The request's side of a page: the template environment, rendering, redirects, flash
messages, the CSRF token, the request's database session and its path parameters. Forms are
read in `grants.forms`, long lists paged in `grants.pagination`."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, pass_context
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from grants import csrf, i18n, money, timeutil, validation, vocab
from grants.auth import current_user
from grants.db import request_session
from grants.notifications.services import unread_count
from grants.pagination import query_without
from grants.permissions import can
from grants.settings import ROOT
from grants.urls import path

templates = Jinja2Templates(directory=str(ROOT / "templates"))
env: Environment = templates.env
env.add_extension("jinja2.ext.i18n")
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
env.globals.update(
    vocab=vocab,
    label=vocab.label,
    labels=vocab.labels,
    LOCALES=i18n.LOCALES,
    LOCALE_NAMES=i18n.LOCALE_NAMES,
)
@pass_context
def path_for(context: Any, name: str, /, **params: Any) -> str:
    """The path of a named route (links in templates never spell URLs out), found through an
    index of the routes by name (grants/urls.py)."""
    return path(name, **params)


env.globals["path_for"] = path_for
env.filters.update(
    yuan=money.format_yuan,
    wan=money.format_short,  # 42万元 in Chinese pages, ¥420,000 in English ones
    listed=i18n.join_list,  # 甲、乙 in Chinese, A, B in English
    lookup=lambda key, mapping: mapping.get(key, key),  # ids|map("lookup", names)|listed
    capital=money.chinese_capital,
    yuan_input=money.fen_to_yuan_str,
    localtime=timeutil.format_local,
    localdate=lambda moment: timeutil.format_local(moment, with_time=False),
)


# The token of the request being rendered: macros imported without context (the Jinja default)
# still see it through the `csrf_token_value()` global.
_rendering_csrf: ContextVar[str] = ContextVar("rendering_csrf", default="")
env.globals["csrf_token_value"] = lambda: _rendering_csrf.get()


def db(request: Request) -> Session:
    """The request's database session; the DB middleware commits or rolls it back."""
    return request_session(request)


# The main menu: (permission, route name, label), in order. render() asks `can()` for each, so
# the template only draws the links (some permissions read the database).
NAV: tuple[tuple[str, str, str], ...] = (
    ("organisation.list", "organisations", i18n.N_("Organisations")),
    ("organisation.mine", "my_organisation", i18n.N_("My organisation")),
    ("fund.list", "funds", i18n.N_("Funds")),
    ("round.list", "rounds", i18n.N_("Rounds")),
    ("region.manage", "regions", i18n.N_("Regions")),
    ("user.manage", "users", i18n.N_("Users")),
    ("finance.work", "finance", i18n.N_("Finance")),
    ("report.evaluations", "evaluations", i18n.N_("Evaluations")),
    ("impact.view", "impact", i18n.N_("Impact")),
    ("calendar.view", "calendar", i18n.N_("Calendar")),
    ("audit.view", "audit", i18n.N_("Audit trail")),
    ("application.mine", "my_applications", i18n.N_("My applications")),
)


def nav_links(user: Any) -> list[tuple[str, str]]:
    """(route name, label msgid) of the menu links the user may follow."""
    links = []
    for action, route, label in NAV:
        if can(user, action):
            links.append((route, label))
        elif action == "round.list":  # applicants and judges: the rounds they may enter
            links.append(("rounds_open", i18n.N_("Open rounds")))
    return links


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    context = dict(context or {})
    user = current_user(request)
    context.setdefault("user", user)
    context.setdefault("can", lambda action, obj=None: can(user, action, obj))
    context.setdefault("locale", i18n.current_locale.get())
    context.setdefault("flashes", pop_flashes(request))
    context.setdefault("nav", nav_links(user) if user is not None else [])
    context.setdefault("csrf_token", csrf_token(request))
    context.setdefault("here", here(request))
    if "unread_notices" not in context:  # counted here, so templates never query
        # Counted with the session's user in one statement (grants.auth): pages that change
        # notices (marking them read) redirect, so the count from the request's start holds.
        counted = request.scope.get("state", {}).get("unread_notices")
        if user is None:
            context["unread_notices"] = 0
        elif counted is not None:
            context["unread_notices"] = counted
        else:  # a user set without the session lookup (tests, error pages)
            context["unread_notices"] = unread_count(db(request), user)
    marker = _rendering_csrf.set(context["csrf_token"])
    try:  # Starlette renders the template inside the response's constructor
        return templates.TemplateResponse(request, name, context, status_code=status_code)
    finally:
        _rendering_csrf.reset(marker)


def here(request: Request) -> str:
    """The page to come back to (after switching the language): this one, or, for a page that
    answers a form (a POST to an address with no page of its own), the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    came_from = urlsplit(request.headers.get("referer", ""))
    if came_from.netloc == request.url.netloc and came_from.path.startswith("/"):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return "/"


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash(request: Request, message: str, category: str = "success") -> None:
    request.session.setdefault("_flashes", []).append([category, message])


def pop_flashes(request: Request) -> list[list[str]]:
    if "session" not in request.scope:
        return []
    return request.session.pop("_flashes", [])


def csrf_token(request: Request) -> str:
    return csrf.token_of(request)


async def get_form(request: Request) -> FormData:
    """The request's form, already parsed (and CSRF-checked) by the CSRF middleware."""
    form = request.scope.get("state", {}).get("form")
    if form is None:
        form = await request.form()
    return form


def path_int(request: Request, name: str = "id") -> int:
    """An integer path parameter; anything else is a 404, never a 500."""
    raw = request.path_params.get(name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise HTTPException(404) from None
    if value <= 0 or value > validation.MAX_ID:  # beyond the id column: nothing is there
        raise HTTPException(404)
    return value


def query_int(request: Request, name: str, max_digits: int = 11) -> int | None:
    """A whole-number query parameter, or None when absent or malformed (filters ignore it)."""
    raw = request.query_params.get(name, "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= max_digits):
        return None
    value = int(raw)
    return value if value <= validation.INT_MAX else None


def get_or_404(session: Session, model: type, object_id: int) -> Any:
    obj = session.get(model, object_id)
    if obj is None:
        raise HTTPException(404)
    return obj


env.globals["query_without"] = query_without

