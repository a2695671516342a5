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
