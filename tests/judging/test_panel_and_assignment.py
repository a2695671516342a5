"""The organiser's side: panel members, invitations, the xlsx import and assignment."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from grants.accounts.models import User
from grants.judging import services
from grants.judging.models import Assignment, PanelMember
from grants.notifications.models import OutboxMessage
from tests import factories
from tests.judging.factories import world

pytestmark = pytest.mark.db


def members(session, round_):
    session.expire_all()
    return session.execute(select(func.count()).select_from(PanelMember).where(
        PanelMember.round_id == round_.id)).scalar()


def xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, round_, data, name="judges.xlsx"):
    return client.post_form(f"/rounds/{round_.id}/panel/import",
                            files={"file": (name, data, "application/octet-stream")})


def test_any_user_joins_the_panel_and_may_judge(client, session):
    w = world(session, assign=False, open_stage=False)
    applicant_user = factories.user(session, "finance", username="caiwu-judge")
    session.commit()
    client.login(w.organiser.username)
    response = client.post_form(f"/rounds/{w.round.id}/panel/add",
                                {"user_id": applicant_user.id})
    assert response.status_code == 303
    assert members(session, w.round) == 4
    assert client.post_form(f"/rounds/{w.round.id}/panel/add",
                            {"user_id": applicant_user.id}).status_code == 400
    assert members(session, w.round) == 4
    from grants.permissions import can

    assert can(applicant_user, "judging.mine")
    assert not can(applicant_user, "judging.manage", w.round)


def test_non_organisers_cannot_manage_panels(client, session):
    w = world(session, assign=False, open_stage=False)
    client.login(w.judges[0].username)
    assert client.get(f"/rounds/{w.round.id}/panel").status_code == 403
    assert client.post_form(f"/rounds/{w.round.id}/panel/add",
                            {"user_id": w.organiser.id}).status_code == 403
    assert members(session, w.round) == 3


def test_invite_by_email_and_set_a_password_once(client, session):
    w = world(session, assign=False, open_stage=False)
    client.login(w.organiser.username)
    response = client.post_form(f"/rounds/{w.round.id}/panel/invite",
                                {"display_name": "王老师", "email": "wang@example.org"})
    assert response.status_code == 303
    mail = session.execute(select(OutboxMessage).where(
        OutboxMessage.to == "wang@example.org")).scalars().one()
    link = re.search(r"http://testserver(/invite/\S+)", mail.body).group(1)
    client.get("/logout")
    page = client.get(link)
    assert page.status_code == 200 and "王老师" in page.text
    assert client.post_form(link, {"password": "short", "password_again": "short"}
                            ).status_code == 400
    response = client.post_form(link, {"password": "a-good-pass-123",
                                       "password_again": "a-good-pass-123"})
    assert response.status_code == 303
    assert client.get("/judging").status_code == 200
    client.get("/logout")
    assert client.get(link).status_code == 404  # one time only
    user = session.execute(select(User).where(User.email == "wang@example.org")).scalars().one()
    client.login(user.username)
    assert members(session, w.round) == 4


def test_bad_invitations_are_refused(client, session):
    w = world(session, assign=False, open_stage=False)
    client.login(w.organiser.username)
    assert client.post_form(f"/rounds/{w.round.id}/panel/invite",
                            {"display_name": "", "email": "not-an-address"}).status_code == 400
    assert client.get("/invite/made-up-token").status_code == 404
    assert members(session, w.round) == 3


def test_import_a_judge_list(client, session):
    w = world(session, assign=False, open_stage=False)
    known = factories.user(session, "judge", username="li-judge")
    session.commit()
    client.login(w.organiser.username)
    data = xlsx([("用户名", "姓名", "邮箱", "赛道", "回避单位"),
                 ("li-judge", "", "", "为老服务", ""),
                 ("", "赵老师", "zhao@example.org", "青少年", "")])
    response = upload(client, w.round, data)
    assert response.status_code == 303, response.text
    assert members(session, w.round) == 5
    member = session.execute(select(PanelMember).where(
        PanelMember.user_id == known.id)).scalars().one()
    assert len(member.tracks) == 1
    assert session.execute(select(OutboxMessage).where(
        OutboxMessage.to == "zhao@example.org")).first()


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04 not really", "not a readable .xlsx"),
    (b"hello", "not a readable .xlsx"),
    (xlsx([("名字", "电话")]), "missing"),
    (xlsx([("用户名", "姓名", "邮箱")]), "no judges"),
    (xlsx([("用户名", "姓名", "邮箱", "赛道"), ("", "钱老师", "qian@example.org", "不存在的赛道")]),
     "no track named"),
    (xlsx([("用户名", "姓名", "邮箱"), ("nobody-here", "", "")]), "no user named"),
    (xlsx([("用户名", "姓名", "邮箱"), ("", "孙老师", "")]), "give a user name"),
])
def test_malformed_judge_lists_are_refused_whole(client, session, data, message):
    w = world(session, assign=False, open_stage=False)
    client.login(w.organiser.username)
    response = upload(client, w.round, data)
    assert response.status_code == 400
    assert message in response.text
    assert members(session, w.round) == 3


def test_automatic_assignment_respects_k_loads_and_conflicts(client, session):
    w = world(session, n_apps=4, n_judges=4, assign=False, open_stage=False,
              org_names=("冲突机构", "乙机构", "丙机构", "丁机构"))
    conflicted = w.judges[0]
    member = session.execute(select(PanelMember).where(
        PanelMember.user_id == conflicted.id)).scalars().one()
    member.organisation_ids = [w.orgs[0]]
    session.commit()
    client.login(w.organiser.username)
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": 3, "min_load": 2, "max_load": 3})
    assert response.status_code == 303, response.text
    rows = session.execute(select(Assignment).where(Assignment.stage_id == w.stage.id)
                           ).scalars().all()
    assert len(rows) == 12
    per_app, per_judge = {}, {}
    for a in rows:
        per_app[a.application_id] = per_app.get(a.application_id, 0) + 1
        per_judge[a.user_id] = per_judge.get(a.user_id, 0) + 1
    assert set(per_app.values()) == {3}
    assert all(2 <= n <= 3 for n in per_judge.values())
    assert not any(a.user_id == conflicted.id and a.application_id == w.apps[0].id for a in rows)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert "affiliated with the applying organisation 冲突机构" in page


def test_infeasible_assignment_is_explained_in_words(client, session):
    w = world(session, n_apps=2, n_judges=3, assign=False, open_stage=False,
              org_names=("冲突机构", "乙机构"))
    for judge in w.judges[:2]:
        member = session.execute(select(PanelMember).where(
            PanelMember.user_id == judge.id)).scalars().one()
        member.organisation_ids = [w.orgs[0]]
    session.commit()
    client.login(w.organiser.username)
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": 2, "min_load": 0, "max_load": 2})
    assert response.status_code == 400
    assert "has only 1 judges without a conflict but needs 2" in response.text
    assert "项目1" in response.text
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": 4, "min_load": 0, "max_load": 2})
    assert "the panel has only 3" in response.text
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": 1, "min_load": 0, "max_load": 0})
    assert "Raise the maximum load" in response.text
    response = client.post_form(f"/stages/{w.stage.id}/judging/assign",
                                {"k": "x", "min_load": 0, "max_load": 0})
    assert response.status_code == 400
    assert session.execute(select(Assignment)).first() is None


def test_manual_changes_need_reasons(client, session):
    w = world(session, n_apps=2, n_judges=3, k=2)
    client.login(w.organiser.username)
    assignment = w.assignments_of(session, w.judges[0])[0]
    assert client.post_form(f"/assignments/{assignment.id}/remove",
                            {"reason": ""}).status_code == 303
    session.expire_all()
    assert session.get(Assignment, assignment.id).status == "assigned"
    client.post_form(f"/assignments/{assignment.id}/remove", {"reason": "评委临时出差"})
    session.expire_all()
    assert session.get(Assignment, assignment.id).status == "removed"
    spare = next(j for j in w.judges
                 if w.assignment(session, j, session.get(type(w.apps[0]),
                                                          assignment.application_id)) is None)
    assert client.post_form(f"/stages/{w.stage.id}/judging/add", {
        "application_id": assignment.application_id, "user_id": spare.id,
        "reason": ""}).status_code == 400
    assert client.post_form(f"/stages/{w.stage.id}/judging/add", {
        "application_id": assignment.application_id, "user_id": spare.id,
        "reason": "替补"}).status_code == 303
    assert services.replacements_needed(session, w.stage) == {}


def test_affiliations_are_edited_and_used_for_conflicts(client, session):
    w = world(session, n_apps=2, n_judges=3, assign=False, open_stage=False,
              org_names=("关联机构", "无关机构"))
    member = session.execute(select(PanelMember).where(
        PanelMember.user_id == w.judges[0].id)).scalars().one()
    client.login(w.organiser.username)
    assert "Edit tracks and affiliations" in client.get(f"/rounds/{w.round.id}/panel").text
    response = client.post_form(f"/rounds/{w.round.id}/panel/{member.id}",
                                [("organisation_ids", str(w.orgs[0]))])
    assert response.status_code == 303
    session.expire_all()
    assert session.get(PanelMember, member.id).organisation_ids == [w.orgs[0]]
    assert client.post_form(f"/rounds/{w.round.id}/panel/999999", {}).status_code == 400
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert "affiliated with the applying organisation 关联机构" in page


def test_comments_are_mandatory_when_the_stage_says_so(client, session):
    from grants.judging.models import ScoreSheet
    from tests.judging.factories import full_points, score_form

    w = world(session)
    w.stage.config = {**w.stage.config, "comments_required": True}
    session.commit()
    judge = w.judges[0]
    assignment = w.assignments_of(session, judge)[0]
    client.login(judge.username)
    response = client.post_form(f"/assignments/{assignment.id}", {"action": "confirm"})
    sheet_url = response.headers["location"]
    response = client.post_form(sheet_url, score_form(full_points(), action="submit"))
    assert response.status_code == 400 and "needs a comment" in response.text
    comments = {f"comment_{k}": "好" for k in full_points()}
    response = client.post_form(sheet_url, {**score_form(full_points(), action="submit"),
                                            **comments, "overall_comment": "整体不错"})
    assert response.status_code == 303
    session.expire_all()
    sheet = session.get(ScoreSheet, int(sheet_url.rsplit("/", 1)[1]))
    assert sheet.status == "submitted" and sheet.overall_comment == "整体不错"
