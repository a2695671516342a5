"""Kept pages (grants.pagecache): served again only to the same session, at the same version of
the data, within PAGE_CACHE_SECONDS; any committed write, by any engine, makes them stale."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session

from grants import db as grants_db
from grants import pagecache
from grants.settings import reset_settings
from tests import factories
from tests.conftest import Client
from tests.querycount import count_queries


def _person(session, username: str, name: str) -> None:
    user = factories.user(session, "organiser", username=username)
    user.display_name = name
    session.commit()


@pytest.fixture
def boss(client, session):
    _person(session, "boss", "Boss One")
    client.login("boss")
    return client


def _version(engine, table: str = "organisation") -> int:
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql(pagecache.READ).all()).get(table, 0)


def _kept(client, engine, path: str) -> tuple[str, int]:
    """The page's text and the statements it ran, asked for a third time (the first may start
    the session's CSRF token)."""
    client.get(path)
    client.get(path)
    with count_queries(engine) as statements:
        answer = client.get(path)
    assert answer.status_code == 200
    return answer.text, len(statements)


def test_a_page_asked_again_runs_no_statement_and_is_the_same(boss, engine):
    first = boss.get("/organisations").text
    text, statements = _kept(boss, engine, "/organisations")
    assert statements == 0
    assert text == first


def test_a_committed_write_shows_at_once(boss, session, engine):
    _kept(boss, engine, "/organisations")
    factories.organisation(session, name="新来的社区组织")
    session.commit()
    with count_queries(engine) as statements:
        text = boss.get("/organisations").text
    assert "新来的社区组织" in text
    assert statements, "the page was rendered again"


def test_a_write_to_a_table_the_page_does_not_read_keeps_it(boss, session, engine):
    from grants.calendar.models import CalendarDay

    _kept(boss, engine, "/organisations")
    before = _version(engine, "calendar_day")
    session.add(CalendarDay(day=date(2027, 1, 1), kind="holiday", name="元旦"))
    session.commit()
    assert _version(engine, "calendar_day") == before + 1
    with count_queries(engine) as statements:
        boss.get("/organisations")
    assert statements == []


def test_a_write_by_another_process_shows_at_once(boss, engine):
    _kept(boss, engine, "/organisations")
    other = grants_db.track_writes(grants_db.make_engine(
        engine.url.render_as_string(hide_password=False)))
    try:
        with Session(other) as elsewhere:
            factories.organisation(elsewhere, name="另一个进程写入的组织")
            elsewhere.commit()
    finally:
        other.dispose()
    assert "另一个进程写入的组织" in boss.get("/organisations").text


def test_every_write_raises_the_version_and_a_rollback_does_not(session, engine):
    before = _version(engine)
    factories.organisation(session, name="回滚的组织")
    session.rollback()
    assert _version(engine) == before
    factories.organisation(session, name="提交的组织")
    session.commit()
    assert _version(engine) == before + 1
    with grants_db.neutral_writes():
        factories.organisation(session, name="不显示的写入")
        session.commit()
    assert _version(engine) == before + 1


def test_a_page_view_that_notes_last_seen_leaves_kept_pages_valid(boss, engine, monkeypatch):
    from grants import auth

    monkeypatch.setattr(auth, "SEEN_RESOLUTION", auth.SEEN_RESOLUTION * 0)  # note every view
    before = _version(engine)
    boss.get("/funds")
    assert _version(engine) == before


def test_a_page_is_never_served_to_another_session(app, boss, session, engine):
    _person(session, "other", "Other Person")
    mine, _ = _kept(boss, engine, "/")
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as second:
        second.login("other")
        theirs = second.get("/").text
        anonymous = Client(app, base_url="http://testserver").get("/organisations")
    assert "Boss One" in mine and "Other Person" not in mine
    assert "Other Person" in theirs and "Boss One" not in theirs
    assert anonymous.status_code in (302, 303) or "Boss One" not in anonymous.text


def test_the_language_is_part_of_the_key(boss, engine):
    _kept(boss, engine, "/funds")
    chinese = boss.get("/funds", headers={"accept-language": "zh-CN"}).text
    english = boss.get("/funds").text
    assert "基金" in chinese and "Funds" in english and chinese != english


def test_a_one_time_message_is_shown_once(boss, session, engine):
    street = factories.community(session).parent_id
    session.commit()
    _kept(boss, engine, "/admin/regions")
    answer = boss.post_form("/admin/regions/new", {"name": "新的社区", "level": "community",
                                                   "parent_id": street})
    assert answer.status_code == 303, answer.text
    assert "新的社区 added." in boss.get("/admin/regions").text
    assert "新的社区 added." not in boss.get("/admin/regions").text
    assert "新的社区 added." not in boss.get("/admin/regions").text


def test_kept_pages_expire(boss, engine, monkeypatch):
    _kept(boss, engine, "/organisations")
    clock = pagecache.time.monotonic() + 11
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock)
    with count_queries(engine) as statements:
        boss.get("/organisations")
    assert statements


def test_errors_and_redirects_are_not_kept(boss, engine):
    for path in ("/organisations/999999", "/login"):
        boss.get(path)
        with count_queries(engine) as statements:
            boss.get(path)
        assert statements, path


def test_the_cache_can_be_turned_off(settings, engine, session):
    reset_settings(replace(settings, page_cache_seconds=0))
    from grants.app import create_app

    factories.user(session, "organiser", username="boss")
    session.commit()
    with Client(create_app(), base_url="http://testserver") as client:
        client.login("boss")
        client.get("/organisations")
        with count_queries(engine) as statements:
            client.get("/organisations")
    assert statements


def test_the_least_recently_used_page_goes_first():
    cache = pagecache.PageCache(entries=2)
    for name in ("a", "b"):
        cache.put((name,), pagecache.Entry((("fund", 1),), 100.0, [], name.encode()))
    same = {"fund": 1, "round": 7}
    assert cache.get(("a",), same, 0.0) is not None  # a is now the most recent
    cache.put(("c",), pagecache.Entry((("fund", 1),), 100.0, [], b"c"))
    assert cache.get(("b",), same, 0.0) is None
    assert cache.get(("a",), {"fund": 1, "round": 8}, 0.0) is not None  # not a table it read
    assert cache.get(("a",), {"fund": 2}, 0.0) is None  # its table moved: gone
    assert cache.get(("c",), same, 100.0) is None  # expired


def test_the_cache_holds_a_bounded_number_of_bytes():
    cache = pagecache.PageCache(entries=100, max_bytes=50, total_bytes=100)
    cache.put(("huge",), pagecache.Entry((), 100.0, [], b"x" * 51))
    assert cache.entries == {}
    for name in "abcd":
        cache.put((name,), pagecache.Entry((), 100.0, [], b"x" * 40))
    assert list(cache.entries) == [("c",), ("d",)] and cache.total == 80
    cache.put(("d",), pagecache.Entry((), 100.0, [], b"y" * 10))
    assert cache.total == 50


def test_the_tables_a_statement_names():
    assert grants_db.tables_in('SELECT fund.id FROM fund JOIN round_fund ON round_fund.fund_id '
                               '= fund.id WHERE fund.round_id = ?') == {"fund", "round_fund"}
    assert grants_db.tables_in('UPDATE "user_account" SET x = 1') == {"user_account"}


def test_the_audit_check_is_never_kept(boss, engine):
    boss.get("/admin/audit/verify")
    boss.get("/admin/audit/verify")
    with count_queries(engine) as statements:
        assert boss.get("/admin/audit/verify").status_code == 200
    assert statements


def test_a_running_roadshow_timer_is_never_kept_and_a_stopped_one_is(client, session, engine):
    from tests.judging.test_roadshow import control, roadshow_world

    w, stage = roadshow_world(session)
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=w.apps[0].id, minutes=8)
    live = f"/stages/{stage.id}/live"
    _text, statements = _kept(client, engine, live)
    assert statements == 0  # stopped: kept
    assert control(client, stage, "start_timer").status_code == 303
    _text, statements = _kept(client, engine, live)
    assert statements > 0  # running: the remaining time is rendered every time


def test_an_answer_that_says_no_store_is_not_kept(app, boss, engine):
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    async def secret(request):
        return HTMLResponse("<p>one-time</p>", headers={"Cache-Control": "private, no-store"})

    app.router.routes.insert(0, Route("/__no_store", secret))
    boss.get("/__no_store")
    seen = []
    original = pagecache.PageCache.put
    pagecache.PageCache.put = lambda self, key, entry: seen.append(key)  # type: ignore[method-assign]
    try:
        boss.get("/__no_store")
        boss.get("/organisations")
    finally:
        pagecache.PageCache.put = original  # type: ignore[method-assign]
    assert [key[0] for key in seen] == ["/organisations"]


def test_a_write_committed_while_a_page_renders_is_never_hidden(boss, engine):
    """The race the versions exist for: a page reads old data, a write commits before the page
    is kept. The kept copy carries the versions read before the page ran, so it is stale."""
    real_render = pagecache.PageCacheMiddleware.__call__
    raced = []

    async def render_then_write(self, scope, receive, send):
        async def send_then_write(message):
            await send(message)
            if message["type"] == "http.response.body" and not raced:
                raced.append(True)  # the page has its (old) data; now another request writes
                with Session(engine) as elsewhere:
                    factories.organisation(elsewhere, name="渲染时写入的组织")
                    elsewhere.commit()
        await real_render(self, scope, receive, send_then_write)

    pagecache.PageCacheMiddleware.__call__ = render_then_write  # type: ignore[method-assign]
    try:
        first = boss.get("/organisations").text
    finally:
        pagecache.PageCacheMiddleware.__call__ = real_render  # type: ignore[method-assign]
    assert raced and "渲染时写入的组织" not in first
    assert "渲染时写入的组织" in boss.get("/organisations").text


def test_a_kept_form_gets_a_fresh_one_time_key_each_time(boss, session, engine):
    """A fund's entry form records once per key: its kept copy is served (no statement) with a
    new key every time, so two tabs never share one, and the rest of the page is unchanged."""
    fund = factories.fund(session)
    session.commit()
    path = f"/funds/{fund.id}"
    keys = []
    for _ in range(3):
        text, statements = _kept(boss, engine, path)
        found = re.search(r'name="form_key" value="([0-9a-f]{32})"', text)
        assert found, "the recorder's form carries its key"
        keys.append((found.group(1), statements, re.sub(found.group(1), "", text)))
    assert [statements for _key, statements, _rest in keys] == [0, 0, 0]
    assert len({key for key, _statements, _rest in keys}) == 3
    assert len({rest for _key, _statements, rest in keys}) == 1


def test_one_time_keys_are_replaced_wherever_they_appear():
    key = b"a" * 32
    body = b"<input value=\"" + key + b"\"><p>" + key + b"</p><p>other</p>"
    fresh = pagecache._fresh_keys(body, (key,))
    assert key not in fresh and fresh.endswith(b"<p>other</p>") and len(fresh) == len(body)
