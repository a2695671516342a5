"""What a judge may and may not do, over HTTP."""

import pytest
from sqlalchemy import select

from grants.applications import attachments as files
from grants.audit import SYSTEM, AuditEvent
from grants.judging import services
from grants.judging.models import Assignment, ScoreSheet
from grants.notifications.models import Notice
from tests.judging.factories import full_points, score_form, world

pytestmark = pytest.mark.db


def confirm(client, assignment):
    response = client.post_form(f"/assignments/{assignment.id}", {"action": "confirm"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def sheet_of(session, sheet_id):
    session.expire_all()
    return session.get(ScoreSheet, sheet_id)


def test_a_judge_sees_only_their_assignments(client, session):
    w = world(session, n_apps=3, n_judges=3, k=2)
    judge = w.judges[0]
    mine = w.assignments_of(session, judge)
    others = [a for j in w.judges[1:] for a in w.assignments_of(session, j)]
    client.login(judge.username)
    page = client.get("/judging").text
    for a in mine:
        assert f"/assignments/{a.id}" in page
    for a in others:
        if a.application_id not in {m.application_id for m in mine}:
            assert client.get(f"/assignments/{a.id}").status_code == 404
    # Another judge's assignment of an application never assigned to me: refused.
    foreign = next(a for a in others)
    assert client.post_form(f"/assignments/{foreign.id}",
                            {"action": "confirm"}).status_code == 404
    assert session.get(Assignment, foreign.id).status == "assigned"


def test_no_conflict_then_score_then_submit_locks(client, session):
    w = world(session)
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    sheet_id = confirm(client, assignment)
    page = client.get(f"/sheets/{sheet_id}")
    assert page.status_code == 200
    assert "需求分析" in page.text and "优秀" in page.text  # criteria with guidance levels
    points = full_points()
    saved = client.post_form(f"/sheets/{sheet_id}", score_form(points, action="save"))
    assert saved.status_code == 303
    assert sheet_of(session, sheet_id).points["need"] == points["need"]
    assert sheet_of(session, sheet_id).status == "draft"
    submitted = client.post_form(f"/sheets/{sheet_id}", score_form(points, action="submit"))
    assert submitted.status_code == 303
    sheet = sheet_of(session, sheet_id)
    assert sheet.status == "submitted" and sheet.total == sum(points.values())
    # Locked: neither saving nor submitting again changes it.
    changed = score_form({**points, "need": 1}, action="save")
    for form in (changed, {**changed, "action": "submit"}):  # refused, saying it is submitted
        refused = client.post_form(f"/sheets/{sheet_id}", form)
        assert refused.status_code == 400 and "Submitted" in refused.text
    assert sheet_of(session, sheet_id).points["need"] == points["need"]
    assert "submitted and locked" in client.get(f"/sheets/{sheet_id}").text


def test_points_out_of_range_are_refused_and_change_nothing(client, session):
    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = confirm(client, w.assignments_of(session, judge)[0])
    for bad in ("21", "-1", "abc", "1.3", "nan"):
        response = client.post_form(f"/sheets/{sheet_id}",
                                    score_form({**full_points(), "need": bad}, action="save"))
        assert response.status_code == 400, bad
    assert sheet_of(session, sheet_id).points == {}
    response = client.post_form(f"/sheets/{sheet_id}", score_form(
        {"need": 10}, action="submit"))
    assert response.status_code == 400
    assert "has no score" in response.text
    assert sheet_of(session, sheet_id).status == "draft"


def test_autosave_answers_json(client, session):
    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = confirm(client, w.assignments_of(session, judge)[0])
    response = client.post(f"/sheets/{sheet_id}", data=score_form({"need": 12}, action="save"),
                           headers={"Accept": "application/json",
                                    "X-CSRF-Token": client.csrf_token()})
    assert response.status_code == 200 and response.json()["saved"] is True
    assert sheet_of(session, sheet_id).points == {"need": 12}
    response = client.post(f"/sheets/{sheet_id}", data=score_form({"need": 99}, action="save"),
                           headers={"Accept": "application/json",
                                    "X-CSRF-Token": client.csrf_token()})
    assert response.status_code == 400 and response.json()["saved"] is False


def test_declaring_a_conflict_removes_the_application_and_asks_for_a_replacement(
        client, session):
    w = world(session)
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    # A reason is required.
    assert client.post_form(f"/assignments/{assignment.id}",
                            {"action": "declare_conflict"}).status_code == 400
    assert session.get(Assignment, assignment.id).status == "assigned"
    response = client.post_form(f"/assignments/{assignment.id}",
                                {"action": "declare_conflict", "reason": "我是该机构理事"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Assignment, assignment.id).status == "conflict"
    assert client.get(f"/assignments/{assignment.id}").status_code == 403
    assert client.get(f"/assignments/{assignment.id}/files/1").status_code == 403
    assert f"/assignments/{assignment.id}" not in client.get("/judging").text
    notices = session.execute(select(Notice).where(Notice.user_id == w.organiser.id)).scalars()
    assert any(n.link == f"/stages/{w.stage.id}/judging" for n in notices)
    assert services.replacements_needed(session, w.stage) == {assignment.application_id: 1}
    # The declared conflict becomes a hard constraint for a manual replacement.
    client.get("/logout")
    client.login(w.organiser.username)
    response = client.post_form(f"/stages/{w.stage.id}/judging/add", {
        "application_id": assignment.application_id, "user_id": judge.id, "reason": "补充"})
    assert response.status_code == 400


def test_abstaining_after_scoring_a_draft_is_allowed_but_not_after_submitting(client, session):
    w = world(session)
    judge = w.judges[0]
    first, second = w.assignments_of(session, judge)[:2]
    client.login(judge.username)
    sheet_id = confirm(client, first)
    client.post_form(f"/sheets/{sheet_id}", score_form(full_points(), action="submit"))
    assert client.post_form(f"/assignments/{first.id}", {
        "action": "abstain", "reason": "x"}).status_code in (400, 403)
    session.expire_all()
    assert session.get(Assignment, first.id).status == "confirmed"
    assert client.post_form(f"/assignments/{second.id}", {
        "action": "abstain", "reason": "出差"}).status_code == 303


def test_another_judges_sheet_is_refused(client, session):
    w = world(session)
    a, b = w.judges[:2]
    client.login(a.username)
    sheet_id = confirm(client, w.assignments_of(session, a)[0])
    client.get("/logout")
    client.login(b.username)
    assert client.get(f"/sheets/{sheet_id}").status_code == 404
    assert client.post_form(f"/sheets/{sheet_id}",
                            score_form(full_points(), action="save")).status_code == 404
    assert sheet_of(session, sheet_id).points == {}


def test_a_judge_of_another_round_is_refused(client, session):
    w = world(session)
    other = world(session)
    outsider = other.judges[0]
    client.login(w.judges[0].username)
    sheet_id = confirm(client, w.assignments_of(session, w.judges[0])[0])
    client.get("/logout")
    client.login(outsider.username)
    target = w.assignments_of(session, w.judges[1])[0]
    assert client.get(f"/assignments/{target.id}").status_code == 404
    assert client.get(f"/sheets/{sheet_id}").status_code == 404
    for path in (f"/stages/{w.stage.id}/judging", f"/rounds/{w.round.id}/panel"):
        assert client.get(path).status_code == 403
    # Removing a judge from the panel takes the right away even for their own assignment.
    mine = other.assignments_of(session, outsider)[0]
    assert client.get(f"/assignments/{mine.id}").status_code == 200


def test_nothing_opens_before_the_stage_opens_or_after_it_closes(client, session):
    w = world(session, open_stage=False)
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    assert f"/assignments/{assignment.id}" not in client.get("/judging").text
    assert client.post_form(f"/assignments/{assignment.id}",
                            {"action": "confirm"}).status_code == 403


def test_blind_stage_hides_the_organisation_everywhere(client, session):
    w = world(session, org_names=("坂田义工联秘密机构", "妈妈荟秘密机构", "荔林秘密机构"))
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    app = next(a for a in w.apps if a.id == assignment.application_id)
    files.add(session, SYSTEM, app, "坂田义工联秘密机构-预算.pdf", b"%PDF-1.4\n%%EOF\n")
    session.commit()
    client.login(judge.username)
    pages = [client.get("/judging").text, client.get(f"/assignments/{assignment.id}").text,
             client.get("/").text]
    sheet_id = confirm(client, assignment)
    pages.append(client.get(f"/sheets/{sheet_id}").text)
    download = client.get(f"/assignments/{assignment.id}/files/1")
    assert download.status_code == 200
    pages.append(download.headers["content-disposition"])
    assert "attachment-1.pdf" in download.headers["content-disposition"]
    for text in pages:
        assert "秘密机构" not in text
        assert "%E7%A7%98%E5%AF%86" not in text  # 秘密, percent-encoded in file names
    assert "attachment-1.pdf" in pages[3]


def test_open_stage_shows_the_organisation(client, session):
    w = world(session, blind=False, org_names=("公开机构甲", "公开机构乙", "公开机构丙"))
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    assert "公开机构" in client.get(f"/assignments/{assignment.id}").text


def test_only_an_organiser_reopens_with_a_reason(client, session):
    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = confirm(client, w.assignments_of(session, judge)[0])
    client.post_form(f"/sheets/{sheet_id}", score_form(full_points(), action="submit"))
    assert client.post_form(f"/sheets/{sheet_id}/reopen", {"reason": "x"}).status_code == 403
    client.get("/logout")
    client.login(w.organiser.username)
    client.post_form(f"/sheets/{sheet_id}/reopen", {"reason": ""})
    assert sheet_of(session, sheet_id).status == "submitted"
    response = client.post_form(f"/sheets/{sheet_id}/reopen", {"reason": "分数录入错误"})
    assert response.status_code == 303
    assert sheet_of(session, sheet_id).status == "draft"
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "sheet.reopen")
                            ).scalars().one()
    assert "分数录入错误" in event.after
    assert session.execute(select(Notice).where(Notice.user_id == judge.id,
                                                Notice.link == f"/sheets/{sheet_id}")).first()
    client.get("/logout")
    client.login(judge.username)
    assert client.post_form(f"/sheets/{sheet_id}", score_form(
        full_points(0.5), action="submit")).status_code == 303


def test_judges_do_not_see_other_scores_until_the_stage_closes(client, session):
    w = world(session, n_apps=1, n_judges=2, k=2)
    a, b = w.judges
    sheets = {}
    for judge, share in ((a, 0.9), (b, 0.5)):
        client.login(judge.username)
        sheets[judge.id] = confirm(client, w.assignments_of(session, judge)[0])
        client.post_form(f"/sheets/{sheets[judge.id]}", score_form(full_points(share),
                                                                   action="submit"))
        client.get("/logout")
    client.login(a.username)
    page = client.get(f"/sheets/{sheets[a.id]}").text
    assert "panel-scores" not in page
    assert str(sheet_of(session, sheets[b.id]).total) not in page
    client.get("/logout")
    client.login(w.organiser.username)
    assert client.post_form(f"/stages/{w.stage.id}/judging/close").status_code == 303
    client.get("/logout")
    client.login(a.username)
    assert "panel-scores" in client.get(f"/sheets/{sheets[a.id]}").text


def test_the_judges_home_lists_waiting_and_done_with_the_deadline(client, session):
    from datetime import timedelta

    from grants.timeutil import now

    w = world(session, n_apps=2, n_judges=2, k=2)
    w.stage.ends_at = now() + timedelta(days=3)
    session.commit()
    judge = w.judges[0]
    client.login(judge.username)
    first, second = w.assignments_of(session, judge)
    sheet_id = confirm(client, first)
    client.post_form(f"/sheets/{sheet_id}", score_form(full_points(), action="submit"))
    page = client.get("/").text
    assert "judging-home" in page
    waiting = page.split('id="waiting"')[1].split('id="done"')[0]
    done = page.split('id="done"')[1]
    assert f"/assignments/{second.id}" in waiting and "due" in waiting
    assert f"/sheets/{sheet_id}" in done
    assert w.round.name in done.split("</li>")[0]  # which competition the sheet was for


def test_a_sheet_of_a_closed_stage_is_not_reopened(client, session):
    """Its results were computed from it: reopening would leave the round stuck (the stage
    could neither be closed again nor the round decided)."""
    from grants.judging.models import StageJudging

    w = world(session)
    judge = w.judges[0]
    client.login(judge.username)
    sheet_id = confirm(client, w.assignments_of(session, judge)[0])
    client.post_form(f"/sheets/{sheet_id}", score_form(full_points(), action="submit"))
    judging = session.execute(select(StageJudging).where(
        StageJudging.stage_id == sheet_of(session, sheet_id).stage_id)).scalar_one()
    judging.status = "closed"
    session.commit()
    client.get("/logout")
    client.login(w.organiser.username)
    assert "/reopen" not in client.get(f"/sheets/{sheet_id}").text
    refused = client.post_form(f"/sheets/{sheet_id}/reopen", {"reason": "分数录入错误"})
    assert refused.status_code == 303  # back to the stage page, saying why
    assert "can no longer be reopened" in client.get(refused.headers["location"]).text
    assert sheet_of(session, sheet_id).status == "submitted"
