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
    from grants.i18n import gettext

    assert changes(event) == [(gettext("Votes counted"), "—", "40")]


def test_changes_are_worded_amounts_in_yuan_states_by_label_users_by_name(zh_client, session):
    """Field labels instead of column names, yuan instead of fen, a lifecycle's state label
    instead of its code, and the user's name instead of an id."""
    from tests.applications import factories as af

    factories.user(session, "organiser", username="auditor")
    user = af.applicant(session)
    user.display_name = "申报人王五"
    app = af.application(session, user=user, title="审计页的项目",
                         lines=af.budget(admin_fen=0, personnel_fen=500_000,
                                         activity_fen=1_500_000))
    # a draft's contents stay out of the trail; an application as it arrives (imported,
    # submitted) is shown
    app.status = "submitted"
    audit.record(session, audit.SYSTEM, "application.import", app)
    session.commit()
    zh_client.login("auditor")
    page = zh_client.get("/admin/audit", params={"object_type": "application"})
    items = [li.get_text(" ", strip=True) for li in
             BeautifulSoup(page.text, "html.parser").select("ul.changes li")]
    text = " | ".join(items)
    for raw in ("need_analysis", "created_by_id", "current_version", "request_fen"):
        assert not any(item.startswith(raw) for item in items), raw
    assert "需求调研" in text and "申请金额: — → ¥20,000.00" in text, text
    assert "社区: — → [" not in text  # communities by name, not a list of ids
    assert "社区: — → 社区" in text
    assert "创建人: — → 申报人王五" in text
    assert "#" + str(user.id) not in text


def test_naming_users_costs_the_same_statements_for_more_rows(client, session, engine):
    from tests.applications import factories as af
    from tests.querycount import count_queries

    def arrived() -> None:  # an application as it arrives (a draft's contents stay private)
        app = af.application(session, rnd)
        app.status = "submitted"
        audit.record(session, audit.SYSTEM, "application.import", app)

    factories.user(session, "organiser", username="auditor")
    rnd = af.round_(session)
    arrived()
    session.commit()
    client.login("auditor")
    with count_queries(engine) as small:
        assert client.get("/admin/audit?object_type=application").status_code == 200
    for _ in range(6):
        arrived()
    session.commit()
    with count_queries(engine) as large:
        page = client.get("/admin/audit?object_type=application")
    assert page.status_code == 200 and page.text.count("applicant 用户") > 6
    assert len(large) == len(small)


def test_codes_of_a_vocabulary_are_shown_by_their_labels():
    """A user's role, an award's level, an organisation's service areas: words, not codes."""
    from grants import i18n, vocab
    from grants.audit.fields import value

    token = i18n.current_locale.set("zh_CN")
    try:
        assert value("role", "organiser") == i18n.gettext("Organiser")
        assert value("level", "first") != "first"
        assert "elderly" not in value("target_groups", ["elderly", "children"])
        assert value("kind", "contribution") == "contribution"  # no table: left as it is
        # "kind" and "category" name a vocabulary of their table
        assert value("kind", "contribution", table="fund_entry") == i18n.gettext(
            vocab.FUND_ENTRY_KINDS["contribution"])
        assert value("kind", "roadshow", table="stage") == i18n.gettext("Roadshow and defence")
        assert value("kind", "midterm", table="report") != "midterm"
        assert value("category", "personnel", table="budget_line") != "personnel"
        assert value("grade", "good", table="evaluation") == i18n.gettext("Good (良好)")
        assert value("which", "midterm", table="agreement") != "midterm"
        assert value("status", "approved", table="fund_entry") == i18n.gettext("Approved")
        from grants.audit.fields import label

        assert label("ref_type") == i18n.gettext("Linked to") != "Ref type"
    finally:
        i18n.current_locale.reset(token)


def test_ids_of_other_objects_are_shown_by_their_names(zh_client, session):
    """A change that names a round, an organisation or a fund by id shows its name."""
    from grants.audit.fields import value
    from grants.audit.routes import _names
    from tests.applications import factories as af

    assert value("round_id", 6, names={("round", 6): "2026年大赛"}) == "2026年大赛"
    assert value("fund_id", "7", names={}) == "#7"
    rnd = af.round_(session, name="被引用的大赛")
    org = factories.organisation(session, name="被引用的组织")
    event = audit.record(session, audit.SYSTEM, "test.link", org,
                         before={"round_id": None}, after={"round_id": rnd.id})
    session.commit()
    names = _names(session, [event])
    assert names[("round", rnd.id)] == "被引用的大赛"
    factories.user(session, "organiser", username="boss")
    session.commit()
    zh_client.login("boss")
    assert "被引用的大赛" in zh_client.get("/admin/audit").text


def test_a_drafts_contents_stay_out_of_the_trail_until_it_is_submitted():
    """Drafts are private to the applying organisation; the trail says a draft was saved,
    and shows what an application says once it was submitted."""
    import json

    from grants.audit import AuditEvent
    from grants.audit.routes import changes

    saved = AuditEvent(action="application.save", object_type="application", object_id="41",
                       actor_name="x", before=json.dumps({"status": "draft", "summary": "旧"}),
                       after=json.dumps({"status": "draft", "summary": "长者助餐的草稿内容"}))
    assert changes(saved) == []
    submitted = AuditEvent(action="application.submit", object_type="application",
                           object_id="41", actor_name="x",
                           before=json.dumps({"status": "draft", "summary": "旧"}),
                           after=json.dumps({"status": "submitted", "summary": "提交的内容"}))
    assert any("提交的内容" in after for _label, _before, after in changes(submitted))
