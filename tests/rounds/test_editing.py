"""Creating and editing a round through its pages: every rule, and that a refusal changes
nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from grants.audit import AuditEvent
from grants.rounds import funding, services, stages, tracks
from grants.rounds.models import Criterion, Round, RoundFund, Stage, Track
from grants.timeutil import local, now
from tests import factories
from tests.rounds import factories as rf
from tests.rounds.conftest import errors_of, soup


def _count(session, model):
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _fresh(session, round_):
    session.expire_all()
    return session.get(Round, round_.id)


def _local(moment):
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def test_creating_a_round_through_the_form(client, session, organiser):
    from tests import factories

    street = factories.community(session).parent_id
    session.commit()
    page = soup(client.get("/rounds/new"))
    form = page.select_one("form[action='/rounds/new']")
    token = form.select_one("input[name=csrf_token]")["value"]
    assert token, "the form carries the CSRF token"
    response = client.post("/rounds/new", data={
        "csrf_token": token, "name": "2026年南山街道第四届社会治理创新大赛",
        "organiser_unit": "南山街道办事处", "year": "2026", "description": "试点",
        "region_id": str(street)}, follow_redirects=False)
    assert response.status_code == 303
    round_ = session.execute(select(Round)).scalar_one()
    assert round_.region_id == street
    assert (round_.name, round_.status, round_.year) == (
        "2026年南山街道第四届社会治理创新大赛", "draft", 2026)
    assert response.headers["location"] == f"/rounds/{round_.id}/edit/funds"
    assert session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "round")).scalars().all() == ["round.create"]


def test_a_duplicate_name_is_refused(client, session, organiser):
    existing = rf.draft(session)
    session.commit()
    response = client.post_form("/rounds/new", {"name": existing.name, "organiser_unit": "x",
                                                "year": "2026"})
    assert response.status_code == 400
    assert "A round with this name already exists." in errors_of(response)
    assert _count(session, Round) == 1


def test_wrong_csrf_token_is_refused_and_changes_nothing(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    client.csrf_token()
    response = client.post(f"/rounds/{round_.id}/edit/basics",
                           data={"csrf_token": "forged", "name": "被篡改的名称",
                                 "organiser_unit": "x", "year": "2026"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert _fresh(session, round_).name == round_.name
    response = client.post(f"/rounds/{round_.id}/tracks", data={"name": "无令牌"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert _count(session, Track) == 0


# ---- window and grants ----------------------------------------------------------------------


def _window(client, round_, **overrides):
    start = now() + timedelta(days=1)
    data = {"opens_at": _local(start), "closes_at": _local(start + timedelta(days=30)),
            "grant_min": "10000", "grant_max": "50000", "max_applications_per_org": "1"}
    data.update(overrides)
    return client.post_form(f"/rounds/{round_.id}/edit/window", data)


def test_the_window_is_saved_in_china_time(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    response = _window(client, round_, opens_at="2030-03-01T09:00", closes_at="2030-03-31 17:00")
    assert response.status_code == 303
    saved = _fresh(session, round_)
    assert saved.opens_at.isoformat() == "2030-03-01T01:00:00+00:00"
    assert saved.closes_at.isoformat() == "2030-03-31T09:00:00+00:00"
    assert (saved.grant_min_fen, saved.grant_max_fen) == (1_000_000, 5_000_000)
    page = soup(client.get(f"/rounds/{round_.id}"))
    assert page.select_one("#window").get_text(strip=True) == "2030-03-01 09:00 – 2030-03-31 17:00"


def test_grant_minimum_above_maximum_is_refused(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    response = _window(client, round_, grant_min="60000", grant_max="50000")
    assert response.status_code == 400
    assert ("The maximum grant (¥50,000.00) is below the minimum (¥60,000.00)."
            in errors_of(response))
    saved = _fresh(session, round_)
    assert (saved.opens_at, saved.grant_min_fen, saved.grant_max_fen) == (None, 0, 0)
    # The form is shown again with what was typed.
    assert soup(response).select_one("#f-grant_min")["value"] == "60000"


def test_grants_must_be_positive_and_the_limit_at_least_one(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    response = _window(client, round_, grant_min="0", max_applications_per_org="0")
    assert response.status_code == 400
    errors = errors_of(response)
    assert "Enter an amount greater than zero." in errors
    assert "Must be at least 1." in errors


def test_a_window_closing_before_it_opens_is_refused(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    response = _window(client, round_, opens_at="2030-03-31T09:00", closes_at="2030-03-01T09:00")
    assert response.status_code == 400
    assert "The window must close after it opens." in errors_of(response)
    assert _fresh(session, round_).opens_at is None
    response = _window(client, round_, opens_at="not a date")
    assert response.status_code == 400
    assert any("YYYY-MM-DD HH:MM" in e for e in errors_of(response))


def test_a_maximum_grant_above_the_budget_is_refused_when_funds_are_attached(
        client, session, organiser):
    """The hint says "not more than the round's budget": saved silently, only the opening
    checklist said so later."""
    round_ = rf.ready(session, budget_fen=100_000_00)
    session.commit()
    before = _fresh(session, round_).grant_max_fen
    response = _window(client, round_, grant_max="200000")
    assert response.status_code == 400
    assert any("more than the whole budget" in e for e in errors_of(response))
    assert _fresh(session, round_).grant_max_fen == before
    assert _window(client, round_, grant_max="100000").status_code == 303


# ---- funds ----------------------------------------------------------------------------------


def test_attaching_funds_makes_the_budget(client, session, organiser):
    round_ = rf.draft(session)
    a = factories.fund(session, contributed_fen=300_000_00)
    b = factories.fund(session, contributed_fen=100_000_00)
    session.commit()
    assert client.post_form(f"/rounds/{round_.id}/funds",
                            {"fund_id": a.id, "amount": "200,000"}).status_code == 303
    assert client.post_form(f"/rounds/{round_.id}/funds",
                            {"fund_id": b.id, "amount": "50000"}).status_code == 303
    # Attaching again changes the amount.
    assert client.post_form(f"/rounds/{round_.id}/funds",
                            {"fund_id": b.id, "amount": "60000"}).status_code == 303
    page = soup(client.get(f"/rounds/{round_.id}/edit/funds"))
    assert page.select_one("#budget").get_text(strip=True) == "¥260,000.00"
    assert funding.budget(session, round_) == 260_000_00
    link = session.execute(select(RoundFund).where(RoundFund.fund_id == b.id)).scalar_one()
    assert client.post_form(f"/rounds/{round_.id}/funds/{link.id}/remove").status_code == 303
    assert funding.budget(session, _fresh(session, round_)) == 200_000_00
    actions = session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "round_fund")).scalars().all()
    assert actions == ["round.fund_attach"] * 3 + ["round.fund_detach"]


def test_over_attaching_a_fund_is_refused(client, session, organiser):
    round_ = rf.draft(session)
    fund = factories.fund(session, contributed_fen=100_000_00, name="南山街道专项资金")
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/funds",
                                {"fund_id": fund.id, "amount": "100000.01"})
    assert response.status_code == 400
    assert ("南山街道专项资金 has only ¥100,000.00 available. You asked for ¥100,000.01."
            in errors_of(response))
    assert _count(session, RoundFund) == 0


def test_money_attached_to_an_open_round_is_not_free(client, session, organiser):
    open_round = rf.opened(session, budget_fen=80_000_00, fund_fen=100_000_00)
    fund_id = session.execute(select(RoundFund.fund_id)).scalar_one()
    round_ = rf.draft(session)
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/funds",
                                {"fund_id": fund_id, "amount": "30000"})
    assert response.status_code == 400
    message = " ".join(errors_of(response))
    assert "has only ¥20,000.00 available" in message and open_round.name in message
    assert "not yet committed" in message
    assert client.post_form(f"/rounds/{round_.id}/funds",
                            {"fund_id": fund_id, "amount": "20000"}).status_code == 303


# ---- tracks ---------------------------------------------------------------------------------


def test_tracks_are_added_renamed_and_removed(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    url = f"/rounds/{round_.id}/tracks"
    assert client.post_form(url, {"name": "为老服务", "service_area": "elderly"}).status_code == 303
    assert client.post_form(url, {"name": "青少年"}).status_code == 303
    response = client.post_form(url, {"name": "为老服务"})
    assert response.status_code == 400
    assert "This round already has a track with this name." in errors_of(response)
    response = client.post_form(url, {"name": "心理健康", "service_area": "astrology"})
    assert response.status_code == 400
    assert _count(session, Track) == 2
    old, young = session.execute(select(Track).order_by(Track.position)).scalars().all()
    assert (old.service_area, young.service_area) == ("elderly", None)
    assert client.post_form(f"{url}/{young.id}", {"name": "青少年成长",
                                                  "service_area": "youth"}).status_code == 303
    assert client.post_form(f"{url}/{old.id}", {"remove": "1"}).status_code == 303
    page = soup(client.get(f"/rounds/{round_.id}"))
    assert [li.get_text(" ", strip=True) for li in page.select("#tracks li")] == [
        "青少年成长 (Children and youth)"]


def test_a_track_of_another_round_is_not_found(client, session, organiser):
    mine, other = rf.draft(session), rf.draft(session)
    track = tracks.add_track(session, rf.ACTOR, other, {"name": "别人的赛道"})
    session.commit()
    response = client.post_form(f"/rounds/{mine.id}/tracks/{track.id}", {"remove": "1"})
    assert response.status_code == 404
    assert _count(session, Track) == 1


# ---- rules ----------------------------------------------------------------------------------


def test_eligibility_and_budget_rules(client, session, organiser):
    round_ = rf.draft(session)
    place = factories.community(session, "荔林社区")
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/edit/rules", [
        ("registered_only", "1"), ("exclude_black_list", "1"), ("min_rating", "3A"),
        ("categories", "charity"), ("community_ids", str(place.id)),
        ("admin_max_pct", "10"), ("cofunding_min_pct", ""), ("personnel_max_pct", "30"),
        ("series_max_per_year", "2"), ("exclude_winner_levels", "first"),
        ("exclude_winner_levels", "second")])
    assert response.status_code == 303
    saved = _fresh(session, round_)
    assert saved.eligibility == {"registered_only": True, "min_rating": "3A",
                                 "exclude_black_list": True, "categories": ["charity"],
                                 "community_ids": [place.id], "series_max_per_year": 2,
                                 "exclude_winner_levels": ["first", "second"]}
    assert saved.budget_rules == {"admin_max_pct": 10, "cofunding_min_pct": None,
                                  "personnel_max_pct": 30}
    rules = [li.get_text(strip=True) for li in
             soup(client.get(f"/rounds/{round_.id}")).select("#eligibility li")]
    assert "The organisation needs an assessment rating of 3A or higher." in rules
    assert any("荔林社区" in r for r in rules)


def test_percentages_beyond_100_are_refused(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    before = dict(round_.budget_rules)
    response = client.post_form(f"/rounds/{round_.id}/edit/rules",
                                {"admin_max_pct": "120", "min_rating": "9A"})
    assert response.status_code == 400
    errors = errors_of(response)
    assert "Enter a percentage from 0 to 100, or leave it empty." in errors
    assert "Not a valid choice." in errors
    assert _fresh(session, round_).budget_rules == before


# ---- tranches and reporting -----------------------------------------------------------------


def test_tranches_must_add_up_to_100(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    url = f"/rounds/{round_.id}/edit/tranches"
    response = client.post_form(url, {"percent_1": "50", "condition_1": "signing",
                                      "percent_2": "30", "condition_2": "final_accepted"})
    assert response.status_code == 400
    assert any("The tranches add up to 80 %; they must add up to 100 %." in e
               for e in errors_of(response))
    response = client.post_form(url, {"percent_1": "100", "condition_1": "signing",
                                      "percent_2": "0", "condition_2": "final_accepted"})
    assert response.status_code == 400
    assert any("Tranche 2 must be more than 0 %." in e for e in errors_of(response))
    assert _fresh(session, round_).tranche_template == [
        {"percent": 50, "condition": "signing"}, {"percent": 30, "condition": "midterm_passed"},
        {"percent": 20, "condition": "final_accepted"}]
    response = client.post_form(url, {"percent_1": "60", "condition_1": "signing",
                                      "percent_2": "40", "condition_2": "final_accepted",
                                      "midterm_due": "2027-06-30", "final_due": "2027-12-31"})
    assert response.status_code == 303
    saved = _fresh(session, round_)
    assert saved.tranche_template == [{"percent": 60, "condition": "signing"},
                                      {"percent": 40, "condition": "final_accepted"}]
    assert saved.reporting_plan == {"midterm_due": "2027-06-30", "final_due": "2027-12-31"}


def test_the_final_report_is_due_after_the_mid_term(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/edit/tranches", {
        "percent_1": "100", "condition_1": "signing",
        "midterm_due": "2027-06-30", "final_due": "2027-01-31"})
    assert response.status_code == 400
    assert "The final report must be due after the mid-term report." in errors_of(response)
    assert _fresh(session, round_).reporting_plan == {}


# ---- stages and rubrics ---------------------------------------------------------------------


def test_building_a_stage_plan_and_rubric_in_the_browser(client, session, organiser):
    round_ = rf.draft(session)
    session.commit()
    url = f"/rounds/{round_.id}/stages"
    assert client.post_form(url, {"kind": "screening", "name": "资格审查"}).status_code == 303
    assert client.post_form(url, {"kind": "scoring", "name": "初审", "starts_on": "2030-04-01",
                                  "ends_on": "2030-04-15"}).status_code == 303
    assert client.post_form(url, {"kind": "notice", "name": "公示"}).status_code == 303
    response = client.post_form(url, {"kind": "party", "name": "庆功会"})
    assert response.status_code == 400 and "Choose one." in errors_of(response)
    _screening, scoring, notice = session.execute(
        select(Stage).order_by(Stage.position)).scalars().all()
    assert scoring.config["judges_per_app"] == 5 and notice.config == {"objection_days": 5}
    assert local(scoring.ends_at).strftime("%Y-%m-%d %H:%M") == "2030-04-15 23:59"
    # Settings of a scoring stage.
    response = client.post_form(f"{url}/{scoring.id}", {
        "name": "初审", "starts_on": "2030-04-01", "ends_on": "2030-04-15",
        "judges_per_app": "3", "min_sheets": "5", "aggregation": "median",
        "advancement_rule": "top_n", "advancement_value": "10"})
    assert response.status_code == 400
    assert ("Cannot require more valid sheets (5) than judges per application (3)."
            in errors_of(response))
    response = client.post_form(f"{url}/{scoring.id}", {
        "name": "初审", "starts_on": "2030-04-01", "ends_on": "2030-04-15",
        "judges_per_app": "5", "min_sheets": "3", "aggregation": "median", "blind": "1",
        "advancement_rule": "threshold", "advancement_value": "70",
        "funding_table": "10:5, 30：20, 20:10"})
    assert response.status_code == 400  # steps out of order
    assert any("smallest share up" in e for e in errors_of(response))
    response = client.post_form(f"{url}/{scoring.id}", {
        "name": "初审", "starts_on": "2030-04-01", "ends_on": "2030-04-15",
        "judges_per_app": "5", "min_sheets": "3", "aggregation": "median", "blind": "1",
        "advancement_rule": "threshold", "advancement_value": "70", "comments_required": "1",
        "public_weight": "30", "funding_table": "10:5，20:10；30：20", "funding_cap": "15",
        "special_cap": "10"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Stage, scoring.id).config == {
        "judges_per_app": 5, "blind": True, "aggregation": "median",
        "advancement": {"rule": "threshold", "value": 70.0}, "min_sheets": 3,
        "comments_required": True,
        "composition": {"public_weight": 30, "funding_table": [[10, 5], [20, 10], [30, 20]],
                        "funding_cap": 15, "special_cap": 10}}
    response = client.post_form(f"{url}/{notice.id}", {"name": "公示", "objection_days": "0"})
    assert response.status_code == 400
    # Criteria: a blank key is numbered from the position.
    rubric_url = f"/rounds/{round_.id}/stages/{scoring.id}"
    assert client.post_form(f"{rubric_url}/criteria", {
        "name": "需求分析", "max_points": "20", "level_1": "优秀", "min_1": "18", "max_1": "20",
        "text_1": "调研充分"}).status_code == 303
    assert client.post_form(f"{rubric_url}/criteria", {
        "key": "design", "name": "项目设计", "max_points": "70"}).status_code == 303
    first, second = session.execute(select(Criterion).order_by(Criterion.position)
                                    ).scalars().all()
    assert (first.key, second.key) == ("c1", "design")
    assert first.guidance == [{"level": "优秀", "min": 18, "max": 20, "text": "调研充分"}]
    page = soup(client.get(f"{rubric_url}/rubric"))
    assert "Total: 90 of 100 points" in page.select_one("#rubric-total").get_text()
    assert "The rubric of “初审” totals 90 points; it must total 100." in page.text
    response = client.post_form(f"{rubric_url}/criteria", {
        "key": "design", "name": "重复", "max_points": "10"})
    assert response.status_code == 400
    assert "Another criterion of this rubric has the key design." in errors_of(response)
    response = client.post_form(f"{rubric_url}/criteria", {
        "name": "团队", "max_points": "10", "level_1": "优秀", "min_1": "8", "max_1": "12"})
    assert response.status_code == 400
    assert any(e.startswith("Level 1: the range") for e in errors_of(response))
    # The add form comes with the level names prefilled (优秀, 良好 …): sent as they are, with
    # no range or text, they are optional guidance left out, not four errors.
    assert client.post_form(f"{rubric_url}/criteria", {
        "name": "团队能力", "max_points": "10", "level_1": "优秀", "level_2": "良好",
        "level_3": "一般", "level_4": "较差"}).status_code == 303
    assert session.execute(select(Criterion).where(Criterion.name == "团队能力")
                           ).scalar_one().guidance == []
    assert "Total: 100 of 100 points" in soup(client.get(f"{rubric_url}/rubric")).text
    assert _count(session, Criterion) == 3
    # Moving and removing stages.
    assert client.post_form(f"{url}/{notice.id}", {"move": "up"}).status_code == 303
    session.expire_all()
    assert [s.name for s in stages.stages_of(session, _fresh(session, round_))] == [
        "资格审查", "公示", "初审"]
    assert client.post_form(f"{url}/{scoring.id}", {"remove": "1"}).status_code == 303
    assert _count(session, Criterion) == 0 and _count(session, Stage) == 2


# ---- locks ----------------------------------------------------------------------------------


def test_a_locked_field_of_an_open_round_is_refused_with_the_reason(client, session, organiser):
    round_ = rf.opened(session)
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/edit/basics",
                                {"name": "改名后的大赛", "description": "新的介绍"})
    assert response.status_code == 400
    message = " ".join(errors_of(response))
    assert "This field is locked." in message
    assert "applicants rely on the rules it was published with" in message
    saved = _fresh(session, round_)
    assert (saved.name, saved.description) == (round_.name, "测试用大赛")
    # The page shows the lock and disables the locked inputs.
    page = soup(client.get(f"/rounds/{round_.id}/edit/basics"))
    assert page.select_one("#f-name").has_attr("disabled")
    assert "Only the description can still change." in page.select_one("#lock-reason").text
    # The description is still editable.
    response = client.post_form(f"/rounds/{round_.id}/edit/basics", {"description": "新的介绍"})
    assert response.status_code == 303
    assert _fresh(session, round_).description == "新的介绍"


def test_every_other_section_of_an_open_round_is_locked(client, session, organiser):
    round_ = rf.opened(session)
    fund = factories.fund(session, contributed_fen=100_000_00)
    stage = stages.stages_of(session, round_)[1]
    criterion = session.execute(select(Criterion).where(Criterion.stage_id == stage.id)
                                ).scalars().first()
    track = session.execute(select(Track).where(Track.round_id == round_.id)).scalars().first()
    session.commit()
    before = services.load_config(session, round_)
    attempts = [
        (f"/rounds/{round_.id}/edit/window", {"opens_at": "2030-01-01T09:00",
                                              "closes_at": "2030-02-01T09:00",
                                              "grant_min": "1", "grant_max": "2",
                                              "max_applications_per_org": "3"}),
        (f"/rounds/{round_.id}/edit/rules", {"admin_max_pct": "50"}),
        (f"/rounds/{round_.id}/edit/tranches", {"percent_1": "100", "condition_1": "signing"}),
        (f"/rounds/{round_.id}/funds", {"fund_id": fund.id, "amount": "100"}),
        (f"/rounds/{round_.id}/tracks", {"name": "新赛道"}),
        (f"/rounds/{round_.id}/tracks/{track.id}", {"remove": "1"}),
        (f"/rounds/{round_.id}/stages", {"kind": "approval", "name": "再立项"}),
        (f"/rounds/{round_.id}/stages/{stage.id}", {"remove": "1"}),
        (f"/rounds/{round_.id}/stages/{stage.id}/criteria", {"name": "新", "max_points": "5"}),
        (f"/rounds/{round_.id}/stages/{stage.id}/criteria/{criterion.id}", {"remove": "1"}),
    ]
    for url, data in attempts:
        response = client.post_form(url, data)
        assert response.status_code == 400, url
        assert any("configuration is locked" in e for e in errors_of(response)), url
    after = services.load_config(session, _fresh(session, round_))
    assert len(after.tracks) == len(before.tracks) and len(after.stages) == len(before.stages)
    assert after.budget == before.budget
    assert sum(len(c) for c in after.criteria.values()) == sum(
        len(c) for c in before.criteria.values())
    saved = _fresh(session, round_)
    assert saved.budget_rules["admin_max_pct"] == 10 and saved.grant_min_fen == 10_000_00


def test_repeated_forms_keep_ids_unique_and_labels_pointing_at_their_own_fields(
        client, session, organiser):
    """The stage plan and the rubric repeat one form per stage and per criterion: every id is
    unique and every label's `for` names an element of the same form."""
    from collections import Counter

    round_ = rf.ready(session)
    session.commit()
    scoring = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                  Stage.kind == "scoring")).scalar_one()
    for url in (f"/rounds/{round_.id}/edit/stages",
                f"/rounds/{round_.id}/stages/{scoring.id}/rubric"):
        page = soup(client.get(url))
        ids = Counter(tag["id"] for tag in page.select("[id]"))
        assert not [i for i, n in ids.items() if n > 1], (url, ids.most_common(3))
        for label in page.select("label[for]"):
            target = page.find(id=label["for"])
            assert target is not None, (url, label["for"])
            assert target.find_parent("form") is label.find_parent("form"), (url, label["for"])
