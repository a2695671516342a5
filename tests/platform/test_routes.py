"""Routes are named and typed; templates build every link from a route name."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from starlette.routing import NoMatchFound, Route, Router

from grants import app as app_module

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r'\b(?:href|action|src)="/|url_for\(')


def test_every_route_has_a_unique_name():
    names = [r.name for r in app_module.collect_routes() if isinstance(r, Route)]
    assert all(names), "a route without a name"
    assert len(names) == len(set(names)), "two routes share a name"


def test_templates_spell_out_no_urls():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if LITERAL.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "literal URLs in templates (use path_for):\n" + "\n".join(offenders)


def test_ids_in_paths_are_typed():
    untyped = [r.path for r in app_module.collect_routes() if isinstance(r, Route)
               and re.search(r"\{(id|\w+_id)\}", r.path)]
    assert not untyped


@pytest.mark.parametrize("path", ["/organisations/import", "/rounds/open", "/rounds/new",
                                  "/funds/new", "/organisations/12", "/rounds/3/edit/basics",
                                  "/applications/7/attachments/2"])
def test_module_order_does_not_change_which_route_answers(path):
    routes = [r for r in app_module.collect_routes() if isinstance(r, Route)]

    def resolve(candidates: list[Route]) -> str:
        for route in candidates:
            match, _child = route.matches({"type": "http", "path": path, "method": "GET"})
            if match.name == "FULL":
                return route.name
        return ""

    expected = resolve(routes)
    assert expected
    for seed in range(5):
        shuffled = routes[:]
        random.Random(seed).shuffle(shuffled)
        assert resolve(shuffled) == expected


def test_a_thirty_digit_id_is_no_page_and_ids_must_be_positive():
    router = Router(routes=[r for r in app_module.collect_routes() if isinstance(r, Route)])
    assert router.url_path_for("fund_detail", id=5) == "/funds/5"
    with pytest.raises((ValueError, NoMatchFound)):
        router.url_path_for("fund_detail", id=0)
    route = next(r for r in router.routes if getattr(r, "name", "") == "fund_detail")
    match, _child = route.matches({"type": "http", "path": "/funds/" + "9" * 30, "method": "GET"})
    assert match.name == "NONE"


def test_python_code_builds_links_from_route_names():
    offenders = []
    pattern = re.compile(r'(redirect\(|link=)f?"/')
    for source in (ROOT / "grants").rglob("*.py"):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{source.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "links spelled out in code (use grants.urls.path):\n" + "\n".join(offenders)


def test_a_page_past_the_end_shows_the_last_page(client, session):
    from tests import factories
    from tests.applications import factories as af

    af.round_(session, name="唯一的大赛")
    factories.user(session, "applicant", username="someone")
    session.commit()
    client.login("someone")
    page = client.get("/rounds/open?page=5").text
    assert "唯一的大赛" in page


def test_template_attributes_are_not_escaped_by_mistake():
    broken = [str(t.relative_to(ROOT)) for t in (ROOT / "templates").rglob("*.html")
              if '=\\"' in t.read_text(encoding="utf-8")]
    assert not broken


def test_the_request_layer_has_no_import_loop() -> None:
    """web, auth, errors, middleware, csrf, urls and notifications import each other at the
    top of the module, one way (urls < auth < web < errors < middleware < app): none needs an
    import inside a function to dodge a loop, and each imports on its own."""
    import ast
    import importlib
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    layer = ["grants/web.py", "grants/auth.py", "grants/errors.py", "grants/middleware.py",
             "grants/csrf.py", "grants/urls.py", "grants/notifications/services.py",
             "grants/app.py"]
    hidden = []
    for name in layer:
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                            ("grants.web", "grants.auth", "grants.errors", "grants.middleware",
                             "grants.csrf", "grants.urls", "grants.app")):
                        hidden.append(f"{name}:{inner.lineno} from {inner.module}")
    assert hidden == []
    importlib.import_module("grants.app")
    for module in ("grants.web", "grants.auth", "grants.errors", "grants.middleware"):
        alone = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root,
                               capture_output=True, text=True)
        assert alone.returncode == 0, alone.stderr


def test_slow_work_waits_for_threads_of_its_own() -> None:
    """Documents, spreadsheets, imports, uploads and password hashing run in the heavy pool;
    every name in HEAVY_ROUTES is a real route; pages run in the page pool."""
    from grants.app import HEAVY_ROUTES, is_heavy

    routes = {r.name: r for r in app_module.collect_routes(threaded=False)
              if isinstance(r, Route)}
    assert set(routes) >= HEAVY_ROUTES
    heavy = {name for name, route in routes.items() if is_heavy(route)}
    assert {"login", "award_certificate_pdf", "judging_matrix_export", "judging_close",
            "attachment_add", "organisation_import"} <= heavy
    assert not {"home", "organisations", "judging_mine", "judging_sheet", "vote_public"} & heavy
    assert {"home", "organisations", "judging_mine", "judging_sheet", "vote_public"} <= set(routes)
