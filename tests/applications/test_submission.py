"""Submission over HTTP: every rule refuses with its message, and a refusal changes nothing."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from grants.applications import services
from grants.applications.models import Application, ApplicationVersion
from grants.organisations.models import Organisation
from grants.timeutil import now
from tests import factories
from tests.applications import factories as af


def setup(session, round_fields=None, org_fields=None, **changes):
    """A draft, then the round's eligibility rules and the organisation's facts as given: the
    draft predates them, as when a rule or a rating changes after drafting. (Starting a draft
    against rules already in force is refused up front: tests/applications/test_standing.py.)"""
    round_fields = dict(round_fields or {})
    eligibility = round_fields.pop("eligibility", None)
    rnd = af.round_(session, **round_fields)
    user = af.applicant(session)
    app = af.application(session, rnd, user, **changes)
    if eligibility:
        rnd.eligibility = eligibility
    org = session.get(Organisation, user.organisation_id)
    for name, value in (org_fields or {}).items():
        setattr(org, name, value)
    session.commit()
    return rnd, user, app


def version_count(session):
    return session.execute(select(func.count()).select_from(ApplicationVersion)).scalar_one()


def refused(client, session, app, *phrases):
    versions_before = version_count(session)
    response = client.post_form(f"/applications/{app.id}/submit")
    assert response.status_code == 400, response.text[:500]
    text = html.unescape(response.text)
    for phrase in phrases:
        assert phrase in text, phrase
    session.expire_all()
    assert session.get(Application, app.id).status == "draft"
    assert version_count(session) == versions_before
    return response


def accepted(client, session, app):
    response = client.post_form(f"/applications/{app.id}/submit")
    assert response.status_code == 303, response.text[:2000]
    session.expire_all()
    assert session.get(Application, app.id).status == "submitted"


def test_admin_exactly_ten_percent_passes(client, session):
    _rnd, user, app = setup(session)  # ¥5,000 admin of ¥50,000
    client.login(user.username)
    accepted(client, session, app)


def test_admin_one_fen_over_is_refused_with_plain_words(zh_client, session):
    _rnd, user, app = setup(session, lines=af.budget(admin_fen=500_001, activity_fen=3_499_999))
    zh_client.login(user.username)
    response = zh_client.post_form(f"/applications/{app.id}/submit")
    assert response.status_code == 400
    assert "行政管理费用 ¥5,000.01 占申请金额的 10.01%，超过本轮上限 10%" in response.text


def test_admin_twelve_percent_english(client, session):
    _rnd, user, app = setup(session, lines=af.budget(admin_fen=600_000, activity_fen=3_400_000))
    client.login(user.username)
    refused(client, session, app, "Administrative costs ¥6,000.00 is 12% of the requested amount",
            "limit of 10%")


def test_cofunding_minimum(client, session):
    rules = {"admin_max_pct": 10, "cofunding_min_pct": 20, "personnel_max_pct": None}
    _rnd, user, app = setup(session, {"budget_rules": rules},
                            lines=af.budget(cofunding_fen=999_999))
    client.login(user.username)
    refused(client, session, app, "Co-funding ¥9,999.99 is 19.99%", "minimum of 20%")
    services.save_draft(session, af.ACTOR, app, session.get(type(_rnd), _rnd.id),
                        af.proposal_data(session, _rnd, user,
                                         lines=af.budget(cofunding_fen=1_000_000)))
    session.commit()
    accepted(client, session, app)


def test_personnel_maximum(client, session):
    rules = {"admin_max_pct": None, "cofunding_min_pct": None, "personnel_max_pct": 20}
    _rnd, user, app = setup(session, {"budget_rules": rules},
                            lines=af.budget(personnel_fen=1_000_001, activity_fen=3_499_999))
    client.login(user.username)
    refused(client, session, app, "Personnel costs ¥10,000.01 is 20.01%")


@pytest.mark.parametrize(("lines", "phrase"), [
    (af.budget(admin_fen=50_000, personnel_fen=100_000, activity_fen=349_999),
     "below this round's minimum grant of ¥10,000.00"),
    (af.budget(admin_fen=1_000_000, personnel_fen=1_000_000, activity_fen=8_000_001),
     "above this round's maximum grant of ¥100,000.00"),
])
def test_grant_range(client, session, lines, phrase):
    _rnd, user, app = setup(session, lines=lines)
    client.login(user.username)
    refused(client, session, app, phrase)


def test_grant_range_boundaries_pass(client, session):
    _rnd, user, app = setup(session, lines=af.budget(admin_fen=1_000_000, personnel_fen=1_000_000,
                                                     activity_fen=8_000_000))
    client.login(user.username)
    accepted(client, session, app)


def test_registered_only(client, session):
    _rnd, user, app = setup(session, {"eligibility": {"registered_only": True}},
                            {"registration": "filed"})
    client.login(user.username)
    refused(client, session, app, "accepts only registered organisations")


def test_minimum_rating(client, session):
    _rnd, user, app = setup(session, {"eligibility": {"min_rating": "3A"}}, {"rating": "2A"})
    client.login(user.username)
    refused(client, session, app, "rating of at least 3A", "rated 2A")


def test_minimum_rating_met(client, session):
    _rnd, user, app = setup(session, {"eligibility": {"min_rating": "3A"}}, {"rating": "3A"})
    client.login(user.username)
    accepted(client, session, app)


def test_black_list(client, session):
    _rnd, user, app = setup(session, {"eligibility": {"exclude_black_list": True}},
                            {"credit_status": "black"})
    client.login(user.username)
    refused(client, session, app, "black list")


def test_category_in_set(client, session):
    _rnd, user, app = setup(session, {"eligibility": {"categories": ["life_service"]}},
                            {"category": "charity"})
    client.login(user.username)
    refused(client, session, app, "open to organisations in these categories: Life services")


def test_community_in_set(client, session):
    elsewhere = factories.community(session)
    _rnd, user, app = setup(session, {"eligibility": {"community_ids": [elsewhere.id]}})
    client.login(user.username)
    refused(client, session, app, "based in its communities")


def test_every_failing_rule_is_listed(client, session):
    _rnd, user, app = setup(
        session, {"eligibility": {"min_rating": "5A", "registered_only": True}},
        {"registration": "filed"}, lines=af.budget(admin_fen=600_000, activity_fen=3_400_000),
        activities=[], summary="")
    client.login(user.username)
    response = refused(client, session, app, "Write a summary", "Add at least one activity",
                       "accepts only registered", "at least 5A", "12%")
    assert response.text.count("data-code=") == 5


def test_late_submission_shows_the_deadline_in_shanghai_time(client, session):
    closes = now() - timedelta(hours=1)
    rnd, user, app = setup(session)  # drafted while the window was open
    rnd.closes_at = closes
    session.commit()
    client.login(user.username)
    from grants.timeutil import format_local

    refused(client, session, app, "The deadline was " + format_local(closes),
            "China Standard Time")


def test_early_submission(client, session):
    _rnd, user, app = setup(session, {"opens_at": now() + timedelta(days=1)})
    client.login(user.username)
    refused(client, session, app, "Applications open at")


def test_round_not_open(client, session):
    rnd, user, app = setup(session)
    rnd.status = "closed"
    session.commit()
    client.login(user.username)
    refused(client, session, app, "not open for applications")


def test_per_organisation_limit_counts_submitted_not_withdrawn(client, session):
    rnd, user, first = setup(session, {"max_applications_per_org": 2})
    second = af.application(session, rnd, user, title="第二个项目")
    rnd.max_applications_per_org = 1  # lowered after both drafts were started
    session.commit()
    client.login(user.username)
    accepted(client, session, first)
    refused(client, session, second, "already submitted 1 application to", "the limit is 1")
    assert client.post_form(f"/applications/{first.id}/withdraw").status_code == 303
    accepted(client, session, second)


def test_wrong_csrf_is_refused_and_changes_nothing(client, session):
    _rnd, user, app = setup(session)
    client.login(user.username)
    response = client.post(f"/applications/{app.id}/submit", data={"csrf_token": "forged"})
    assert response.status_code == 403
    response = client.post(f"/applications/{app.id}/edit", data={"title": "被篡改"})
    assert response.status_code == 403
    # The middleware's refusal page opens a DB session nobody closes (grants/middleware.py
    # _refuse); collect it so its open transaction cannot block the next test's TRUNCATE.
    import gc

    gc.collect()
    session.expire_all()
    found = session.get(Application, app.id)
    assert found.status == "draft" and found.title == "长者食堂互助计划"


def test_a_refused_draft_save_changes_nothing(client, session):
    rnd, user, app = setup(session)
    client.login(user.username)
    data = af.proposal_data(session, rnd, user, title="新标题")
    fields = [*af.form_for(data), ("budget_category", "admin"), ("budget_item", "x"),
              ("budget_amount", "abc"), ("budget_cofunding", "")]
    response = client.post_form(f"/applications/{app.id}/edit", fields)
    assert response.status_code == 400
    assert "Budget row 4" in response.text
    session.expire_all()
    assert session.get(Application, app.id).title == "长者食堂互助计划"
    assert len(services.lines_of(session, app)) == 3


def test_autosave_answers_json(client, session):
    rnd, user, app = setup(session)
    client.login(user.username)
    data = af.proposal_data(session, rnd, user, title="自动保存的标题")
    response = client.post(f"/applications/{app.id}/edit", content=urlencode(af.form_for(data)),
                           headers={"X-CSRF-Token": client.csrf_token(),
                                    "Content-Type": "application/x-www-form-urlencoded",
                                    "Accept": "application/json"})
    assert response.status_code == 200 and response.json()["saved"] is True
    assert len(response.json()["at"]) == 5
    session.expire_all()
    assert session.get(Application, app.id).title == "自动保存的标题"


def test_withdraw_after_judging_started_is_refused(client, session):
    rnd, user, app = setup(session)
    client.login(user.username)
    accepted(client, session, app)
    rnd = session.get(type(rnd), rnd.id)
    rnd.status = "judging"
    session.commit()
    response = client.post_form(f"/applications/{app.id}/withdraw")
    assert response.status_code in (400, 403)
    session.expire_all()
    assert session.get(Application, app.id).status == "submitted"


def test_withdraw_while_closed_is_allowed(client, session):
    rnd, user, app = setup(session)
    client.login(user.username)
    accepted(client, session, app)
    session.get(type(rnd), rnd.id).status = "closed"
    session.commit()
    assert client.post_form(f"/applications/{app.id}/withdraw").status_code == 303
    session.expire_all()
    assert session.get(Application, app.id).status == "withdrawn"


def test_return_for_correction_creates_version_two_and_version_one_is_kept(client, session):
    rnd, user, app = setup(session)
    organiser = factories.user(session, "organiser", username="screener")
    session.commit()
    client.login(user.username)
    accepted(client, session, app)
    client.login(organiser.username)
    response = client.post_form(f"/applications/{app.id}/return", {"reason": ""})
    assert response.status_code == 400
    response = client.post_form(f"/applications/{app.id}/return",
                                {"reason": "请补充需求调研数据"})
    assert response.status_code == 303
    client.login(user.username)
    page = client.get(f"/applications/{app.id}")
    assert "请补充需求调研数据" in page.text
    data = af.proposal_data(session, rnd, user, summary="修改后的项目摘要：增加助浴服务。")
    assert client.post_form(f"/applications/{app.id}/edit", af.form_for(data)).status_code == 303
    accepted(client, session, app)
    versions = session.execute(select(ApplicationVersion).order_by(ApplicationVersion.number)
                               ).scalars().all()
    assert [v.number for v in versions] == [1, 2]
    v1 = client.get(f"/applications/{app.id}/versions/1")
    assert "为社区独居长者提供助餐与探访服务。" in v1.text
    assert "修改后的项目摘要" not in v1.text
    v2 = client.get(f"/applications/{app.id}/versions/2")
    assert "修改后的项目摘要" in v2.text


def test_a_submitted_application_cannot_be_edited(client, session):
    rnd, user, app = setup(session)
    client.login(user.username)
    accepted(client, session, app)
    data = af.proposal_data(session, rnd, user, title="提交后偷偷修改")
    refused = client.post_form(f"/applications/{app.id}/edit", af.form_for(data))
    assert refused.status_code == 400 and "Submitted" in refused.text  # the state, in words
    session.expire_all()
    assert session.get(Application, app.id).title == "长者食堂互助计划"
    # Opening the edit page again (Back, a bookmark) leads to the application, saying why.
    page = client.get(f"/applications/{app.id}/edit", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/applications/{app.id}"
    assert "can no longer be edited" in client.get(f"/applications/{app.id}").text


def test_apply_refused_when_round_not_open(client, session):
    rnd = af.round_(session, status="draft")
    user = af.applicant(session)
    session.commit()
    client.login(user.username)
    # a draft round is not public: not found, as at /rounds/{id}
    assert client.get(f"/rounds/{rnd.id}").status_code == 404
    assert client.get(f"/rounds/{rnd.id}/apply").status_code == 404
    track = af.track_of(session, rnd)
    response = client.post_form(f"/rounds/{rnd.id}/apply", {"track_id": track.id, "title": "x"})
    assert response.status_code == 404
    assert session.execute(select(func.count()).select_from(Application)).scalar_one() == 0


def test_a_draft_after_the_round_closed_is_refused_in_words(client, session):
    """The draft's state allows editing; the round's does not: the refusal says so, rather
    than blaming the draft's status."""
    rnd, user, app = setup(session)
    rnd.status = "closed"
    session.commit()
    client.login(user.username)
    refused = client.get(f"/applications/{app.id}/edit", follow_redirects=False)
    assert refused.status_code == 303  # to the application, saying why
    page = client.get(refused.headers["location"]).text
    assert "no longer open for applications" in page and "it is “Draft”" not in page
    form = af.form_for(af.proposal_data(session, rnd, user, title="截止后修改"))
    sent = client.post_form(f"/applications/{app.id}/edit", form)
    assert sent.status_code == 400 and "no longer open for applications" in sent.text
