"""The status workflow: the table's consistency, every precondition, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants import lifecycle
from grants.audit import AuditEvent
from grants.rounds import services, stages, workflow
from grants.rounds.choices import STATUS_LABELS
from grants.rounds.models import Criterion, Round, RoundFund, Stage, Track
from grants.timeutil import now
from tests.rounds import factories as rf
from tests.rounds.conftest import errors_of, soup

# ---- the table -----------------------------------------------------------------------------

ROUND_STATUSES = set(STATUS_LABELS)
TABLE = workflow.LIFECYCLE


def test_every_status_is_reachable_from_draft():
    assert TABLE.reachable("draft") == ROUND_STATUSES


def test_the_table_names_only_known_statuses_relations_and_checks():
    pairs = set()
    for t in TABLE.transitions:
        assert set(t.sources) <= ROUND_STATUSES
        assert t.target is None or t.target in ROUND_STATUSES
        for source in t.sources:
            assert (source, t.target) not in pairs, "a move is listed twice"
            pairs.add((source, t.target))
        assert t.who and set(t.who) <= set(lifecycle.RELATIONS)
        for name in t.checks:
            assert name in TABLE.checks, f"unknown check {name}"
        assert t.label and (t.explain or t.target is None)


def test_finished_is_the_only_end_and_every_check_is_used():
    sources = {s for t in TABLE.transitions if t.target for s in t.sources}
    assert ROUND_STATUSES - sources == {"finished"}
    used = {name for t in TABLE.transitions for name in t.checks}
    assert used == set(TABLE.checks)


def test_available_moves_depend_on_relation_and_status(session):
    from tests import factories

    round_ = rf.draft(session)
    organiser = factories.user(session, "organiser")
    assert [t.target for t in lifecycle.available(organiser, round_, "round")] == ["open"]
    for role in ("applicant", "judge", "finance", "funder"):
        assert lifecycle.available(factories.user(session, role), round_, "round") == []
    round_.status = "judging"
    assert [t.target for t in lifecycle.available(organiser, round_, "round")] == ["decided"]


# ---- opening through the pages -------------------------------------------------------------


def _open(client, round_):
    return client.post_form(f"/rounds/{round_.id}/transition/open")


def _status(session, round_):
    session.expire_all()
    return session.get(Round, round_.id).status


def test_a_ready_round_opens_and_the_move_is_audited(client, session, organiser):
    round_ = rf.ready(session)
    session.commit()
    confirm = client.get(f"/rounds/{round_.id}/transition/open")
    page = soup(confirm)
    assert page.select_one("form#confirm") is not None
    assert not page.select("#checklist li.blocked")
    response = _open(client, round_)
    assert response.status_code == 303
    assert _status(session, round_) == "open"
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "round.open")
                            ).scalar_one()
    assert event.object_id == str(round_.id) and '"status": "draft"' in event.before
    assert '"status": "open"' in event.after and event.actor_name == "boss"


def test_an_invalid_rubric_blocks_opening_and_says_which_stage(client, session, organiser):
    round_ = rf.ready(session)
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "scoring")).scalar_one()
    last = session.execute(select(Criterion).where(Criterion.stage_id == stage.id,
                                                   Criterion.key == "impact")).scalar_one()
    session.delete(last)
    session.commit()
    response = _open(client, round_)
    assert response.status_code == 400
    assert "The rubric of “初审” totals 90 points; it must total 100." in errors_of(response)
    assert _status(session, round_) == "draft"
    assert not session.execute(select(AuditEvent).where(
        AuditEvent.action == "round.open")).first()


def test_the_rubric_message_in_chinese(zh_client, session):
    from tests import factories

    factories.user(session, "organiser", username="boss")
    round_ = rf.ready(session)
    rf.scoring_stage(session, round_, name="路演答辩", kind="roadshow",
                     rubric=(("a", "展示", 50),))
    session.commit()
    zh_client.login("boss")
    response = zh_client.post_form(f"/rounds/{round_.id}/transition/open")
    assert response.status_code == 400
    assert "评分标准「路演答辩」的满分合计为 50，应为 100" in response.text


@pytest.mark.parametrize("breakage, message", [
    ("no_tracks", "The round has no track (赛道) yet."),
    ("no_window", "The application window is not set."),
    ("no_funds", "No fund is attached: attach the money the round may award."),
    ("tranches", "The tranches add up to 90 %; they must add up to 100 %."),
    ("closed_window", "The application window already closed; move the closing date into the "
                      "future."),
    ("no_scoring", "The stage plan has no scoring or roadshow stage, so nothing would be judged."),
    ("empty_rubric", "The rubric of “复审” has no criteria yet."),
    ("stage_order", "“公示” comes after “立项”"),
    ("grant_above_budget", "The maximum grant (¥50,000.00) is more than the whole budget"),
])
def test_each_precondition_blocks_opening(client, session, organiser, breakage, message):
    round_ = rf.ready(session)
    if breakage == "no_tracks":
        for track in session.execute(select(Track).where(Track.round_id == round_.id)).scalars():
            session.delete(track)
    elif breakage == "no_window":
        round_.opens_at = round_.closes_at = None
    elif breakage == "no_funds":
        for link in session.execute(select(RoundFund)).scalars():
            session.delete(link)
    elif breakage == "tranches":
        round_.tranche_template = [{"percent": 50, "condition": "signing"},
                                   {"percent": 40, "condition": "final_accepted"}]
    elif breakage == "closed_window":
        round_.opens_at, round_.closes_at = now() - timedelta(days=10), now() - timedelta(hours=1)
    elif breakage == "no_scoring":
        for stage in stages.stages_of(session, round_):
            if stage.kind == "scoring":
                stages.remove_stage(session, rf.ACTOR, round_, stage)
    elif breakage == "empty_rubric":
        stages.add_stage(session, rf.ACTOR, round_, {"kind": "scoring", "name": "复审"})
        ordered = stages.stages_of(session, round_)
        stages.move_stage(session, rf.ACTOR, round_, ordered[-1], -1)
        stages.move_stage(session, rf.ACTOR, round_, ordered[-1], -1)
    elif breakage == "stage_order":
        approval = stages.stages_of(session, round_)[-1]
        stages.move_stage(session, rf.ACTOR, round_, approval, -1)
    elif breakage == "grant_above_budget":
        link = session.execute(select(RoundFund).where(RoundFund.round_id == round_.id)
                               ).scalar_one()
        link.amount_fen = 40_000_00
    session.commit()
    detail = soup(client.get(f"/rounds/{round_.id}"))
    blocked = " ".join(li.get_text(" ", strip=True)
                       for li in detail.select("#opening-checklist li.blocked"))
    assert message in blocked
    response = _open(client, round_)
    assert response.status_code == 400
    assert any(message in e for e in errors_of(response))
    assert _status(session, round_) == "draft"


def test_money_spent_elsewhere_blocks_opening(client, session, organiser):
    round_ = rf.ready(session, budget_fen=100_000_00)
    other = rf.ready(session, budget_fen=50_000_00)
    link = session.execute(select(RoundFund).where(RoundFund.round_id == round_.id)).scalar_one()
    # The other round is opened with the same fund's money.
    other_link = session.execute(select(RoundFund).where(RoundFund.round_id == other.id)
                                 ).scalar_one()
    other_link.fund_id = link.fund_id
    other.status = "open"
    session.commit()
    response = _open(client, round_)
    assert response.status_code == 400
    assert any("has only ¥50,000.00 available" in e and other.name in e for e in errors_of(response))


# ---- the later moves ------------------------------------------------------------------------


def test_the_whole_life_of_a_round_is_audited(client, session, organiser):
    round_ = rf.ready(session)
    services.update_tranches(session, rf.ACTOR, round_, {
        "tranches": [{"percent": 100, "condition": "signing"}],
        "reporting_plan": {"midterm_due": None, "final_due": None}})
    session.commit()
    assert _open(client, round_).status_code == 303
    # Closing waits for the end of the window.
    response = client.post_form(f"/rounds/{round_.id}/transition/closed")
    assert response.status_code == 400
    assert any("Applications are open until" in e for e in errors_of(response))
    round_ = session.get(Round, round_.id)
    round_.closes_at = now() - timedelta(minutes=1)
    session.commit()
    for target in ("closed", "judging"):
        assert client.post_form(f"/rounds/{round_.id}/transition/{target}").status_code == 303
    # Deciding needs awards confirmed after their public notice (tests/awards walks that path).
    response = client.post_form(f"/rounds/{round_.id}/transition/decided")
    assert response.status_code == 400
    assert any("Confirm the awards" in e for e in errors_of(response))
    from grants.awards.models import AwardNotice

    session.add(AwardNotice(round_id=round_.id, status="confirmed"))
    session.commit()
    assert client.post_form(f"/rounds/{round_.id}/transition/decided").status_code == 303
    # Running needs the final report's due date.
    response = client.post_form(f"/rounds/{round_.id}/transition/running")
    assert response.status_code == 400
    assert any("final report" in e for e in errors_of(response))
    session.expire_all()
    round_ = session.get(Round, round_.id)
    round_.reporting_plan = {"midterm_due": "2027-06-30", "final_due": "2027-12-31"}
    session.commit()
    for target in ("running", "finished"):
        assert client.post_form(f"/rounds/{round_.id}/transition/{target}").status_code == 303
    assert _status(session, round_) == "finished"
    events = session.execute(select(AuditEvent).where(AuditEvent.object_type == "round",
                                                      AuditEvent.action.like("round.%"))
                             .order_by(AuditEvent.id)).scalars().all()
    events = [e for e in events if e.action not in ("round.create", "round.update")]
    assert [e.action for e in events] == ["round.open", "round.close", "round.start_judging",
                                          "round.decide", "round.start_projects", "round.finish"]
    assert [e.after.split('"status": "')[1].split('"')[0] for e in events] == [
        "open", "closed", "judging", "decided", "running", "finished"]


def test_a_move_not_in_the_table_is_refused(client, session, organiser):
    round_ = rf.ready(session)
    session.commit()
    response = client.post_form(f"/rounds/{round_.id}/transition/finished")
    assert response.status_code == 400
    assert _status(session, round_) == "draft"
    page = client.get(f"/rounds/{round_.id}/transition/finished")
    assert "cannot become" in soup(page).select_one(".flash-error").get_text()
    assert client.get(f"/rounds/{round_.id}/transition/nonsense").status_code == 404


def test_the_detail_page_offers_only_allowed_moves(client, session, organiser):
    round_ = rf.ready(session)
    session.commit()
    page = soup(client.get(f"/rounds/{round_.id}"))
    links = [a["href"] for a in page.select("#moves a") if "/transition/" in a["href"]]
    assert links == [f"/rounds/{round_.id}/transition/open"]


def test_rubric_problems_are_worded_for_the_organiser_not_by_scoring():
    from grants import i18n
    from grants.rounds.rubrics import rubric_problems

    stage = Stage(id=1, round_id=1, name="初审", kind="scoring", position=1)
    criteria = [Criterion(stage_id=1, key="a", name="需求", max_points=60, position=1),
                Criterion(stage_id=1, key="a", name="设计", max_points=40, position=2)]
    token = i18n.current_locale.set("zh_CN")
    try:
        assert rubric_problems(stage, criteria) == [
            "评分标准「初审」有两个评分项使用了相同的代码 a。"]
        criteria = [Criterion(stage_id=1, key="a", name="需求", max_points=100, position=1),
                    Criterion(stage_id=1, key="b", name="设计", max_points=0, position=2)]
        assert rubric_problems(stage, criteria) == ["评分项「设计」的满分必须大于 0。"]
    finally:
        i18n.current_locale.reset(token)
