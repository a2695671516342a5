"""A round past its deadline is not offered for applications anywhere, even while it is still
"open" (waiting for the organiser to close it)."""

from __future__ import annotations

from datetime import timedelta

from grants.timeutil import now
from tests.applications import factories as af
from tests.rounds import factories as rf


def test_a_round_past_its_deadline_is_not_listed_as_open(client, session):
    current = rf.opened(session)
    past = rf.opened(session)
    past.opens_at = now() - timedelta(days=10)
    past.closes_at = now() - timedelta(minutes=5)
    user = af.applicant(session)
    session.commit()
    client.login(user.username)
    for page in ("/", "/rounds/open", "/applications/mine"):
        text = client.get(page).text
        assert current.name in text, page
        assert past.name not in text, page
        assert f"/rounds/{past.id}/apply" not in text, page
    assert client.get(f"/rounds/{past.id}/apply").status_code in (400, 403)
