"""The yardstick for bench_pages.py: a bare Starlette + Jinja2 page rendering a 20-row table."""

from __future__ import annotations

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
