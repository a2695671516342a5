"""Every form of the app, found by rendering its pages, survives hostile values.

The test logs in as an organiser and as an applicant, crawls the pages they can reach (plus a
few seeds), parses every POST <form> and its fields with BeautifulSoup, and posts each form
once per field with that field replaced by a hostile value, cycling through HOSTILE. Other
fields keep the values the page offered, and the CSRF token is valid. No response may be a 5xx,
and a refused post (status >= 400) must leave every table exactly as it was (a checksum of
all rows). New pages and forms are covered without changing this test.

HOSTILE_OFFSET=n shifts the cycle (so that runs can cover other field/value pairs), and
HOSTILE_ALL=1 posts every value into every field (minutes, for an occasional deep run).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections import deque
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Engine, select

from grants.models import metadata
from tests import factories
from tests.applications import factories as af
from tests.rounds import factories as rf

HOSTILE: list[Any] = [
    str(2**64),                                   # beyond 64 bits
    "9" * 30,                                     # 30 digits
    "-" + str(2**63 + 1),
    "0001-01-01",                                 # year 1
    "9999-12-31",
    "NaN",
    "inf",
    "",
    "长" * 100_000,                               # 100k characters
    "😀🎉 中文 mixed テキスト ✓",                   # emoji and mixed scripts
    "１２３４５",                                  # full-width digits
    b"\xff\xfe\xc3\x28",                          # invalid UTF-8 bytes
    "名\x00称",                                    # NUL byte
    "../../../../etc/passwd",                     # path traversal
    '=HYPERLINK("http://evil.example/","点击查看")',  # a spreadsheet formula
    "1_000",
    "1e23",
    "-1",
]
# Forms that end the session or lock accounts; they carry no free-form input.
SKIP_ACTIONS = ("/logout", "/reset-password", "/active", "/lang")
SKIP_LINKS = ("/static", "/logout", ".xlsx", ".pdf", ".csv", "/attachments/", "/export")
MAX_PAGES = 120


def checksum(engine: Engine) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            digest.update(b"|")
    return digest.hexdigest()


def crawl(client: Any, seeds: list[str]) -> dict[str, BeautifulSoup]:
    """GET every same-site page reachable from the seeds (paths only, no query strings)."""
    pages: dict[str, BeautifulSoup] = {}
    queue = deque(seeds)
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if "text/html" not in response.headers.get("content-type", ""):
            pages[path] = BeautifulSoup("", "html.parser")
            continue
        soup = BeautifulSoup(response.text, "html.parser")
        pages[path] = soup
        for link in soup.select("a[href]"):
            href = urlsplit(link["href"])
            if href.netloc and href.netloc != "testserver":
                continue
            target = href.path
            if (target.startswith("/") and target not in pages
                    and not any(s in target for s in SKIP_LINKS)):
                queue.append(target)
    return pages


def forms_of(pages: dict[str, BeautifulSoup]) -> dict[tuple[str, tuple[str, ...]], dict]:
    """Every POST form, keyed by (action, field names) so repeated forms count once."""
    found: dict[tuple[str, tuple[str, ...]], dict] = {}
    for path, soup in pages.items():
        for form in soup.select("form"):
            if (form.get("method") or "get").lower() != "post":
                continue
            action = urlsplit(form.get("action") or path).path or path
            if any(s in action for s in SKIP_ACTIONS):
                continue
            fields: list[tuple[str, str]] = []
            files: list[str] = []
            for element in form.select("input[name], select[name], textarea[name]"):
                name = element["name"]
                if name == "csrf_token" or element.has_attr("disabled"):
                    continue
                kind = (element.get("type") or "text").lower()
                if element.name == "select":
                    chosen = element.select_one("option[selected]") or next(
                        (o for o in element.select("option") if o.get("value")), None)
                    fields.append((name, chosen.get("value", "") if chosen else ""))
                elif element.name == "textarea":
                    fields.append((name, element.get_text()))
                elif kind == "file":
                    files.append(name)
                elif kind in ("checkbox", "radio"):
                    if element.has_attr("checked"):
                        fields.append((name, element.get("value", "on")))
                elif kind not in ("submit", "button", "image", "reset"):
                    fields.append((name, element.get("value", "")))
            names = tuple(sorted({n for n, _v in fields} | set(files)))
            multipart = "multipart" in (form.get("enctype") or "")
            found.setdefault((action, names), {"action": action, "fields": fields,
                                               "files": files, "multipart": multipart,
                                               "page": path})
    return found


def post(client: Any, form: dict, field: str, value: Any) -> Any:
    token = client.csrf_token()
    data = [(n, v) for n, v in form["fields"] if n != field]
    if field in form["files"]:
        content = value if isinstance(value, bytes) else str(value).encode()
        return client.post(form["action"], data=dict([*data, ("csrf_token", token)]),
                           files={field: ("../../../etc/evil.pdf", content, "application/pdf")},
                           follow_redirects=False)
    data.append((field, value))
    if form["multipart"]:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        grouped: dict[str, list[str]] = {}
        for name, item in [*data[:-1], (field, value), ("csrf_token", token)]:
            grouped.setdefault(name, []).append(item)
        return client.post(form["action"], data=grouped, files={"_": ("", b"")},
                           follow_redirects=False)
    body = urlencode([*data, ("csrf_token", token)])
    return client.post(form["action"], content=body, follow_redirects=False,
                       headers={"content-type": "application/x-www-form-urlencoded"})


@pytest.fixture
def world(session):
    """An organiser, finance, an applicant; funds; a draft round ready to edit; an open round
    with the applicant's draft and a submitted application."""
    factories.user(session, "organiser", username="boss")
    factories.user(session, "finance", username="money")
    fund = factories.fund(session, contributed_fen=1_000_000_00)
    draft_round = rf.ready(session)
    open_round = af.round_(session, max_applications_per_org=5)
    user = af.applicant(session)
    user.username = "applicant-x"
    draft = af.application(session, open_round, user, title="草稿项目")
    submitted = af.application(session, open_round, user, title="已提交项目")
    from grants.applications import services

    services.submit(session, af.ACTOR, user, submitted, open_round)
    session.commit()
    return {"fund": fund, "draft_round": draft_round, "open_round": open_round,
            "draft": draft, "submitted": submitted, "user": user}


def seeds_for(role: str, world: dict) -> list[str]:
    r, o = world["draft_round"].id, world["open_round"].id
    common = ["/", "/account/password", "/notices"]
    if role == "organiser":
        return common + ["/funds", f"/funds/{world['fund'].id}", "/funds/new",
                         "/organisations", "/organisations/new", "/organisations/import",
                         "/admin/users", "/admin/users/new", "/admin/regions", "/rounds",
                         "/rounds/new", f"/rounds/{r}"] + [
            f"/rounds/{r}/edit/{s}" for s in ("basics", "funds", "tracks", "window", "rules",
                                              "stages", "tranches")] + [
            f"/rounds/{o}/applications", f"/applications/{world['submitted'].id}"]
    draft = world["draft"].id
    return [*common, "/applications/mine", f"/applications/{draft}",
            f"/applications/{draft}/edit", f"/applications/{draft}/submit", f"/rounds/{o}/apply"]


@pytest.fixture
def client(app):
    """The test client, but server errors come back as 500 responses to be listed."""
    from tests.conftest import Client

    with Client(app, base_url="http://testserver", headers={"accept-language": "en"},
                raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("role", ["organiser", "applicant"])
def test_every_form_survives_hostile_values(client, engine, world, role):
    started = time.monotonic()
    client.login("boss" if role == "organiser" else "applicant-x")
    forms = forms_of(crawl(client, seeds_for(role, world)))
    assert len(forms) >= (15 if role == "organiser" else 3), sorted(forms)
    values = itertools.cycle(HOSTILE)
    for _skip in range(int(os.environ.get("HOSTILE_OFFSET", "0")) % len(HOSTILE)):
        next(values)
    every = os.environ.get("HOSTILE_ALL") == "1"
    state = checksum(engine)
    failures, posts, refused = [], 0, 0
    for form in forms.values():
        names = [n for n, _v in form["fields"]] + form["files"]
        pairs = [(f, v) for f in dict.fromkeys(names) for v in HOSTILE] if every else [
            (f, next(values)) for f in dict.fromkeys(names)]
        for field, value in pairs:
            response = post(client, form, field, value)
            posts += 1
            label = (form["action"], field, repr(value)[:40], response.status_code)
            if response.status_code >= 500:
                failures.append(("5xx", *label))
                continue
            after = checksum(engine)
            if response.status_code >= 400:
                refused += 1
                if after != state:
                    failures.append(("changed data", *label))
            state = after
    elapsed = time.monotonic() - started
    print(f"{role}: {len(forms)} forms, {posts} hostile posts, {refused} refused, "
          f"{elapsed:.1f}s")
    assert not failures, "\n".join(map(str, failures))
    assert every or elapsed < 60
