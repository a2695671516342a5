"""The demo: a round in judging, five judges, a stage partly scored."""

import pytest
from sqlalchemy import select

from grants.accounts.models import User
from grants.demo import data
from grants.judging import services
from grants.rounds.models import Round, Stage

pytestmark = pytest.mark.db


def test_demo_round_in_judging_shows_progress_results_and_confidence(client, session):
    from grants.demo import load

    load.load(session)
    session.commit()
    round_ = session.execute(select(Round).where(Round.status == "judging",
                                                 Round.name.like("%评审演示%"))).scalar_one()
    seats = services.panel(session, round_)
    assert len(seats) >= 5
    assert {s.user.username for s in seats} <= {u["username"] for u in data.USERS}
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "scoring")).scalar_one()
    judges, _per_app = services.progress(session, stage)
    assert any(j.behind == 0 for j in judges) and any(j.behind > 0 for j in judges)
    client.login("organiser", data.DEMO_PASSWORD)
    page = client.get(f"/stages/{stage.id}/judging").text
    assert "Provisional results" in page and "Probability of passing" in page
    assert "Krippendorff" in page
    judge5 = session.execute(select(User).where(User.username == "judge5")).scalar_one()
    client.get("/logout")
    client.login(judge5.username, data.DEMO_PASSWORD)
    assert 'id="waiting"' in client.get("/").text


def test_demo_roadshow_is_ready_to_run(client, session):
    from grants.demo import load

    load.load(session)
    session.commit()
    round_ = session.execute(select(Round).where(Round.name.like("%路演演示%"))).scalar_one()
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "roadshow")).scalar_one()
    assert services.judging_of(session, stage).status == "open"
    assert len(services.stage_application_ids(session, stage)) == 4
    client.login("organiser", data.DEMO_PASSWORD)
    assert client.get(f"/stages/{stage.id}/roadshow").status_code == 200


def test_the_demo_roadshow_composes_experts_public_judges_and_bonuses(session):
    """Scoring the demo roadshow to the end and closing it gives composed results."""
    from grants import lifecycle
    from grants.audit import SYSTEM
    from grants.demo import load
    from grants.judging import results

    load.load(session)
    session.commit()
    round_ = session.execute(select(Round).where(Round.name.like("%路演演示%"))).scalar_one()
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "roadshow")).scalar_one()
    assert {s.user.username for s in services.panel(session, round_) if s.member.public} == {
        "judge4", "judge5"}
    from grants.judging import roadshow
    from grants.rounds.rubrics import criteria_of

    criteria = criteria_of(session, stage)
    by_user = {u.id: u for u in session.execute(select(User)).scalars()}
    for n, app_id in enumerate(services.stage_application_ids(session, stage)):
        roadshow.control(session, SYSTEM, stage, "set_current", {"application_id": str(app_id)})
        roadshow.control(session, SYSTEM, stage, "open_scoring", {})
        for assignment in services.live_assignments(session, stage):
            if assignment.application_id != app_id:
                continue
            judge = by_user[assignment.user_id]
            lifecycle.perform(session, SYSTEM, judge, "assignment.confirm", assignment)
            sheet = services.sheet_of(session, assignment, create=True)
            share = 0.6 + 0.05 * n + (0.1 if judge.username in ("judge4", "judge5") else 0)
            services.save_sheet(session, SYSTEM, judge, sheet, services.SheetInput(
                points={c.key: round(c.max_points * share) for c in criteria},
                overall="陈述清楚。"), submit=True)
    out = results.close_stage(session, SYSTEM, None, stage)
    assert out["composed"] and out["public_weight"] == 30
    parts = [a["parts"] for a in out["applications"]]
    assert all(p["public"] is not None and p["expert"] is not None for p in parts)
    assert any(p["special"] == 5 for p in parts) and any(p["funding"] > 0 for p in parts)
    for a in out["applications"]:
        p = a["parts"]
        assert a["score"] == pytest.approx(0.7 * p["expert"] + 0.3 * p["public"]
                                           + p["funding"] + p["special"])
    # The hall's screen and the judges' phones rank and score as the results do (they showed
    # the experts' drop-high-low alone, in another order than the official one).
    ranking = roadshow.running_ranking(session, stage)
    official = {a["id"]: a for a in out["applications"]}
    assert [r["id"] for r in ranking] == [
        a["id"] for a in sorted(out["applications"], key=lambda a: a["position"])]
    for r in ranking:
        assert r["score"] == pytest.approx(official[r["id"]]["score"], abs=0.005)
        assert r["rank"] == official[r["id"]]["display_rank"]
    first = ranking[0]["id"]
    result = roadshow.project_result(session, stage, first)
    assert result["composed"] and result["score"] == pytest.approx(official[first]["score"],
                                                                   abs=0.005)
