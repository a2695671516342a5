"""Shared web helpers: templates, rendering, flash messages, forms, the request's session."""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, pass_context
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from grants import i18n, money, timeutil, validation, vocab
from grants.db import get_engine
from grants.settings import ROOT
from grants.validation import FormErrors

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
    from grants.urls import path

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
    session = getattr(request.state, "db", None)
    if session is None:
        session = Session(get_engine(), expire_on_commit=False)
        request.state.db = session
    return session


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    from grants.auth import current_user
    from grants.notifications.services import unread_count
    from grants.permissions import can

    context = dict(context or {})
    user = current_user(request)
    context.setdefault("user", user)
    context.setdefault("can", lambda action, obj=None: can(user, action, obj))
    context.setdefault("locale", i18n.current_locale.get())
    context.setdefault("flashes", pop_flashes(request))
    context.setdefault("csrf_token", csrf_token(request))
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


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash(request: Request, message: str, category: str = "success") -> None:
    request.session.setdefault("_flashes", []).append([category, message])


def pop_flashes(request: Request) -> list[list[str]]:
    if "session" not in request.scope:
        return []
    return request.session.pop("_flashes", [])


def csrf_token(request: Request) -> str:
    from grants.middleware import ensure_csrf_token

    if "session" not in request.scope:
        return ""
    return ensure_csrf_token(request.session)


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


# ---- forms -------------------------------------------------------------------------------

@dataclass
class Cleaner:
    """Reads and validates fields of a submitted form, collecting every error at once."""

    form: Any
    errors: dict[str, str] = field(default_factory=dict)

    def raw(self, name: str) -> str:
        value = self.form.get(name, "")
        return value if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, max_length: int = 200,
             min_length: int = 0) -> str:
        """Text of at most `max_length` characters (use the column's length); short fields are
        one line with runs of spaces collapsed. NUL and control characters are refused."""
        value = " ".join(self.raw(name).split()) if max_length <= 200 else self.raw(name).strip()
        if validation.bad_characters(value):
            self.errors[name] = i18n.gettext("Contains characters that are not allowed.")
        elif required and not value:
            self.errors[name] = i18n.gettext("This field is required.")
        elif len(value) > max_length:
            self.errors[name] = i18n.gettext(
                "At most %(max)s characters (you entered %(n)s).", max=max_length, n=len(value))
        elif value and len(value) < min_length:
            self.errors[name] = i18n.gettext("At least %(min)s characters.", min=min_length)
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = 0,
                maximum: int | None = 10**9) -> int | None:
        """A whole number within [minimum, maximum]; without bounds, within a 32-bit column.
        Full-width digits and thousands commas are read; '1_000', '1e3' and '1.0' are not."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            value = validation.parse_whole(raw)
        except ValueError:
            self.errors[name] = i18n.gettext("Enter a whole number.")
            return None
        low = validation.INT_MIN if minimum is None else max(minimum, validation.INT_MIN)
        high = validation.INT_MAX if maximum is None else min(maximum, validation.INT_MAX)
        if value < low:
            self.errors[name] = i18n.gettext("Must be at least %(min)s.", min=low)
            return None
        if value > high:
            self.errors[name] = i18n.gettext("Must be at most %(max)s.", max=high)
            return None
        return value

    def number(self, name: str, *, required: bool = False) -> float | None:
        """A finite decimal number (NaN, infinity and exponents are refused)."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            return validation.parse_number(raw)
        except ValueError:
            self.errors[name] = i18n.gettext("Enter a number.")
            return None

    def date(self, name: str, *, required: bool = False, earliest: int = validation.EARLIEST_YEAR,
             latest: int = validation.LATEST_YEAR) -> Any:
        """A date typed as YYYY-MM-DD within a sane range of years."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            return validation.parse_date(raw, earliest, latest)
        except ValueError:
            self.errors[name] = validation.date_range_message(earliest, latest)
            return None

    def choice(self, name: str, choices: dict[str, str] | list[str] | set[str], *,
               required: bool = True) -> str | None:
        value = self.raw(name).strip()
        if not value:
            if required:
                self.errors[name] = i18n.gettext("Choose one.")
            return None
        if value not in choices:
            self.errors[name] = i18n.gettext("Not a valid choice.")
            return None
        return value

    def choices(self, name: str, choices: dict[str, str] | list[str] | set[str]) -> list[str]:
        values = [v for v in self.form.getlist(name) if isinstance(v, str) and v]
        bad = [v for v in values if v not in choices]
        if bad:
            self.errors[name] = i18n.gettext("Not a valid choice.")
        return sorted(set(values) - set(bad), key=values.index)

    def ids(self, name: str) -> list[int]:
        """Database ids (positive, within the id column's range); anything else is an error."""
        out = []
        for v in self.form.getlist(name):
            value = as_id(v)
            if value is None:
                self.errors[name] = i18n.gettext("Not a valid choice.")
            else:
                out.append(value)
        return out

    def money(self, name: str, *, required: bool = False) -> int | None:
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        if "_" in raw:
            self.errors[name] = i18n.gettext(
                "Enter an amount in yuan, for example 12000 or 12,000.50.")
            return None
        try:
            return money.parse_yuan(raw)
        except money.MoneyError:
            self.errors[name] = i18n.gettext(
                "Enter an amount in yuan, for example 12000 or 12,000.50.")
            return None

    def boolean(self, name: str) -> bool:
        return self.raw(name) in {"1", "on", "true", "yes"}

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def as_id(value: Any) -> int | None:
    """A database id from a form or query value, or None: ASCII digits, 1 to the column's max."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= validation.MAX_ID else None


# ---- lists -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 100000))
    except ValueError:
        return 1


def paginate(session: Session, statement: Any, page: int, per_page: int = 20) -> Page:
    """One page of `statement` plus the total, in two queries whatever the data size."""
    total = session.execute(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ).scalar_one()
    page = min(page, max(1, -(-total // per_page)))  # past the end: the last page
    rows = session.execute(statement.limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


def query_without(request: Request, key: str) -> str:
    """The current query string minus `key`, for pagination links that keep the filters."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != key]
    from urllib.parse import urlencode

    return urlencode(items)


env.globals["query_without"] = query_without
