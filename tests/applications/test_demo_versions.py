"""Demo applications that arrive submitted have their submitted version, like any other."""

from __future__ import annotations

from sqlalchemy import select

from grants.applications.models import Application, ApplicationVersion
from grants.demo import load


def test_every_application_past_draft_in_the_demo_has_a_version(client, session) -> None:
    load.load(session)
    session.commit()
    versions = {v.application_id: v for v in session.execute(select(ApplicationVersion)).scalars()}
    past_draft = [a for a in session.execute(select(Application)).scalars()
                  if a.status not in ("draft", "withdrawn")]
    assert past_draft
    missing = [a.title for a in past_draft if a.id not in versions]
    assert missing == []
    app = past_draft[-1]
    assert versions[app.id].snapshot["title"] == app.title
    client.login("organiser", "demo-pass-2026")
    page = client.get(f"/applications/{app.id}").text
    assert "Not submitted yet" not in page and "Version 1" in page
