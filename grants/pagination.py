"""Long lists: one page of a query with its total (two queries whatever the data size), and
the query string that keeps the filters across pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session
from starlette.requests import Request


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
