"""The audit page speaks to office staff: actions and objects in words, what changed, names
linked, and a check of the chain on a button instead of a shell command."""

from __future__ import annotations

from bs4 import BeautifulSoup

from grants import audit
from tests import factories
from tests.platform.test_audit_sealing import _as_attacker
from tests.rounds import factories as rf


def test_the_audit_page_says_what_happened_in_words(zh_client, session):
    factories.user(session, "organiser", username="auditor")
    round_ = rf.draft(session, name="2026年审计测试大赛")
    session.commit()
    from grants.rounds import services

    services.update_basics(session, audit.SYSTEM, round_, {"description": "新的说明"})
    session.commit()
    zh_client.login("auditor")
    page = zh_client.get("/admin/audit")
    assert page.status_code == 200
    text = BeautifulSoup(page.text, "html.parser").select_one("main").get_text(" ", strip=True)
    assert "grants audit verify" not in page.text
    assert "大赛轮次 · 修改" in text and "大赛轮次 · 创建" in text
    assert "2026年审计测试大赛" in text  # the object is named and linked
    assert f'href="/rounds/{round_.id}"' in page.text
    assert "description" in text and "新的说明" in text  # the change itself


def test_the_chain_is_checked_from_the_page(zh_client, session):
    factories.user(session, "organiser", username="auditor")
    for i in range(3):
        factories.organisation(session, name=f"机构{i}")
    session.commit()
    zh_client.login("auditor")
    ok = zh_client.get("/admin/audit/verify")
    assert ok.status_code == 200 and 'id="verify-ok"' in ok.text and "未发现篡改" in ok.text
    _as_attacker(session, "UPDATE audit_event SET after = '{}' WHERE id = 2")
    broken = zh_client.get("/admin/audit/verify")
    assert 'id="verify-problems"' in broken.text and "event 2" in broken.text


def test_every_action_the_demo_records_is_worded(session):
    """No audit action of a whole lifecycle falls back to its bare code."""
    from sqlalchemy import select

    from grants.audit import AuditEvent
    from grants.audit.routes import describe
    from grants.demo import load

    load.load(session)
    session.commit()
    actions = set(session.execute(select(AuditEvent.action).distinct()).scalars())
    assert len(actions) > 40
    from grants.i18n import gettext

    fallback = gettext("Recorded")  # in whatever language the test runs
    assert [a for a in sorted(actions) if describe(a) == fallback] == []
    assert describe("nothing.worded") == fallback


def test_changes_leave_out_fields_empty_before_and_after():
    import json

    from grants.audit import AuditEvent
    from grants.audit.routes import changes

    event = AuditEvent(action="vote.award", object_type="vote_award", object_id="1",
                       actor_name="x", before=None,
                       after=json.dumps({"reason": "", "tied_with": [], "counted": 40}))
    assert changes(event) == [("counted", "—", "40")]
