"""Kept pages (grants.pagecache): served again only to the same session, at the same version of
the data, within PAGE_CACHE_SECONDS; any committed write, by any engine, makes them stale."""

from __future__ import annotations

from dataclasses import replace

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


def _version(engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(pagecache.READ).scalar_one())


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
        cache.put((name,), pagecache.Entry(1, 100.0, 200, [], name.encode()))
    assert cache.get(("a",), 1, 0.0) is not None  # a is now the most recent
    cache.put(("c",), pagecache.Entry(1, 100.0, 200, [], b"c"))
    assert cache.get(("b",), 1, 0.0) is None
    assert cache.get(("a",), 1, 0.0) is not None
    assert cache.get(("a",), 2, 0.0) is None  # another version: gone
    assert cache.get(("c",), 1, 100.0) is None  # expired
