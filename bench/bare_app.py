"""The yardstick for bench_pages.py: a bare Starlette + Jinja2 page rendering a 20-row table."""

from __future__ import annotations

import os

from jinja2 import DictLoader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><h1>{{ title }}</h1><table><thead><tr><th>名称</th><th>社区</th><th>金额</th></tr></thead>
<tbody>{% for row in rows %}<tr><td><a href="/organisations/{{ row.id }}">{{ row.name }}</a></td>
<td>{{ row.community }}</td><td>¥{{ "{:,.2f}".format(row.amount / 100) }}</td></tr>{% endfor %}
</tbody></table></body></html>"""

templates = Jinja2Templates(directory=".")
templates.env.loader = DictLoader({"page.html": PAGE})
ROWS = [{"id": i, "name": f"社区社会组织{i}", "community": "象角塘社区", "amount": 1_234_500 + i}
        for i in range(20)]


async def page(request: Request) -> Response:
    return templates.TemplateResponse(request, "page.html", {"title": "组织列表", "rows": ROWS})


app = Starlette(routes=[Route("/", page)])


# ---- the floor of a page that reads the database ------------------------------------------------
# The same page, its rows read from the demo database (DATABASE_URL) instead of a constant,
# with nothing of the application but its models: what the chosen stack (SQLAlchemy, SQLModel,
# Starlette's signed session cookie) costs before any page does any work of its own.

def read_app() -> Starlette:
    from sqlalchemy import text
    from sqlmodel import Session, create_engine, select
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware

    from grants.accounts.models import User
    from grants.organisations.models import Organisation

    engine = create_engine(os.environ["DATABASE_URL"])
    core_sql = text("SELECT id, name, address AS community, staff_count AS amount "
                    "FROM organisation ORDER BY name_sort LIMIT 20")

    def rows_of(session: Session) -> list[dict]:
        found = session.exec(select(Organisation).order_by(Organisation.name_sort).limit(20))
        return [{"id": o.id, "name": o.name, "community": o.address, "amount": o.staff_count}
                for o in found]

    async def core(request: Request) -> Response:
        """One SQLAlchemy Core query (no ORM objects)."""
        with engine.connect() as connection:
            rows = connection.execute(core_sql).mappings().all()
        return templates.TemplateResponse(request, "page.html", {"title": "组织列表", "rows": rows})

    async def orm(request: Request) -> Response:
        """One ORM query in a session: twenty Organisation objects."""
        with Session(engine) as session:
            rows = rows_of(session)
        return templates.TemplateResponse(request, "page.html", {"title": "组织列表", "rows": rows})

    async def signed_in(request: Request) -> Response:
        """What every signed-in page does at least: read the signed session cookie, load its
        user by primary key, then its own query."""
        request.session.setdefault("user_id", 1)
        with Session(engine) as session:
            user = session.get(User, request.session["user_id"])
            rows = rows_of(session)
        return templates.TemplateResponse(request, "page.html", {"title": user.display_name
                                                                 if user else "", "rows": rows})

    return Starlette(routes=[Route("/core", core), Route("/orm", orm),
                             Route("/signed-in", signed_in)],
                     middleware=[Middleware(SessionMiddleware, secret_key="bench-" * 8)])
