"""The vote's forms read through grants.forms: malformed values are refused in the voter's or
the organiser's words, never a server error, and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from grants.notifications.models import OutboxMessage
from grants.votes.models import VoteExclusion
from tests import factories
from tests.votes.factories import token_for, vote, voting_round


def test_the_public_forms_refuse_control_characters_and_lengths(client, session: Session
                                                                ) -> None:
    round_, _setup, apps = voting_round(session)
    session.commit()
    client.get(f"/vote/{round_.id}")
    for email in ("v\x1b@example.org", "v" * 300 + "@example.org"):
        page = client.post_form(f"/vote/{round_.id}/code", {"email": email})
        assert page.status_code == 400, email
    assert session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0
    page = client.post_form(f"/vote/{round_.id}/confirm",
                            {"email": "v@example.org", "code": "1" * 100})
    assert page.status_code == 400
    page = client.post_form(f"/vote/{round_.id}/projects/{apps[0].id}",
                            {"token": "x" * 1000, "challenge": "x", "nonce": "1"})
    assert page.status_code == 400


def test_excluding_votes_refuses_what_is_not_a_vote_id(client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    factories.user(session, "organiser", username="org-vote-form")
    token = token_for(session, setup, "x@example.org", "device-kkkkkkkkkkkk")
    cast = vote(session, setup, apps[0].id, token, "device-kkkkkkkkkkkk")
    session.commit()
    client.login("org-vote-form")
    url = f"/rounds/{round_.id}/vote/exclude"
    for fields in ({"vote_ids": ["1e3"], "reason": "test"},
                   {"vote_ids": [str(cast.id), "-1"], "reason": "test"},
                   {"vote_ids": [str(cast.id)], "reason": "x" * 501},
                   {"vote_ids": [str(cast.id)], "reason": "te\x1bst"},
                   {"flag": "nonsense", "reason": "test"}):
        page = client.post_form(url, fields)
        assert page.status_code == 400, fields
    page = client.post_form(url, {"vote_ids": ["abc"], "reason": "test"})
    assert "Choose votes of this round." in page.text
    assert session.execute(select(func.count()).select_from(VoteExclusion)).scalar_one() == 0
    assert client.post_form(url, {"vote_ids": [str(cast.id)], "reason": "test"}
                            ).status_code == 303
    response = client.post_form(f"/rounds/{round_.id}/vote/move/publish",
                                {"winner": "1e3", "reason": "x", "from": "results"})
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/rounds/{round_.id}/vote/results")
