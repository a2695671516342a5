"""The applicant's path: draft, save, submit, version, withdraw; and the organiser's screening."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.applications.models import Application, ApplicationVersion, BudgetLine
from grants.notifications.models import Notice, OutboxMessage
from tests import factories
from tests.applications import factories as af


def test_apply_save_and_submit(client, session):
    rnd = af.round_(session)
    user = af.applicant(session)
    organiser = factories.user(session, "organiser", username="boss")
    organiser.email = "boss@example.org"
    session.commit()
    client.login(user.username)
    page = client.get(f"/rounds/{rnd.id}/apply")
    assert page.status_code == 200
    track = af.track_of(session, rnd)
    response = client.post_form(f"/rounds/{rnd.id}/apply", {"track_id": track.id,
                                                            "title": "长者食堂"})
    assert response.status_code == 303
    app_id = int(response.headers["location"].split("/")[2])
    data = af.proposal_data(session, rnd, user)
    session.commit()
    assert client.get(f"/applications/{app_id}/edit").status_code == 200
    saved = client.post_form(f"/applications/{app_id}/edit", af.form_for(data))
    assert saved.status_code == 303, saved.text
    session.expire_all()
    app = session.get(Application, app_id)
    assert app.request_fen == 5_000_000
    assert session.execute(select(func.count()).select_from(BudgetLine)).scalar_one() == 3
    check = client.get(f"/applications/{app_id}/submit")
    assert check.status_code == 200 and "confirm-submit" in check.text
    done = client.post_form(f"/applications/{app_id}/submit")
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Application, app_id).status == "submitted"
    version = session.execute(select(ApplicationVersion)).scalar_one()
    assert version.number == 1 and version.snapshot["title"] == "长者食堂互助计划"
    assert len(version.snapshot["budget_lines"]) == 3
    assert session.execute(select(Notice).where(Notice.user_id == organiser.id)).scalar_one()
    assert session.execute(select(OutboxMessage)).scalar_one().to == "boss@example.org"
    page = client.get(f"/applications/{app_id}")
    assert page.status_code == 200 and "长者食堂互助计划" in page.text
    assert client.get(f"/applications/{app_id}/versions/1").status_code == 200
    assert client.get("/applications/mine").status_code == 200
