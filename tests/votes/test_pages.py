"""The public vote through HTTP: the page, confirming an address, voting, the organiser's pages."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session

from grants.notifications.models import OutboxMessage
from grants.votes import services
from grants.votes.models import Vote
from tests import factories
from tests.votes.factories import voting_round


def _confirm(client, round_id: int, email: str, session: Session) -> str:
    client.get(f"/vote/{round_id}")
    page = client.post_form(f"/vote/{round_id}/code", {"email": email})
    assert page.status_code == 303
    session.expire_all()
    body = session.execute(select(OutboxMessage).where(OutboxMessage.to == email)
                           .order_by(OutboxMessage.id.desc())).scalars().first().body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    page = client.post_form(f"/vote/{round_id}/confirm", {"code": code})
    assert page.status_code == 303
    return client._session_data()["vote_tokens"][str(round_id)]


def _vote(client, round_id: int, app_id: int, token: str, setup) -> object:
    page = client.get(f"/vote/{round_id}")
    challenge = re.search(rf'action="[^"]*/projects/{app_id}"[^>]*data-challenge="([^"]+)"',
                          page.text).group(1)
    nonce = services.solve(challenge, setup.difficulty)
    return client.post_form(f"/vote/{round_id}/projects/{app_id}",
                            {"token": token, "challenge": challenge, "nonce": nonce})


def test_the_public_page_shows_projects_and_nothing_personal(client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    session.commit()
    token = _confirm(client, round_.id, "private.person@example.org", session)
    assert _vote(client, round_.id, apps[0].id, token, setup).status_code == 303
    session.commit()
    with type(client)(client.app, base_url="http://testserver",
                      headers={"accept-language": "en"}) as stranger:
        page = stranger.get(f"/vote/{round_.id}")
    assert page.status_code == 200
    assert all(a.title in page.text and a.summary in page.text for a in apps)
    assert "private.person" not in page.text and "example.org" not in page.text
    vote = session.execute(select(Vote)).scalars().one()
    assert vote.voter_hash not in page.text and vote.ip_hash not in page.text
    assert "testclient" not in page.text  # the client's address
    counts = re.findall(r'class="vote-count">(\d+)<', page.text)
    assert sorted(counts) == ["0", "0", "1"]


def test_counts_are_hidden_unless_the_organiser_shows_them(client, session: Session) -> None:
    round_, _setup, _apps = voting_round(session, show_counts=False)
    session.commit()
    assert "vote-count" not in client.get(f"/vote/{round_.id}").text


def test_a_draft_vote_has_no_public_page(client, session: Session) -> None:
    round_, setup, _apps = voting_round(session)
    setup.status = "draft"
    session.commit()
    assert client.get(f"/vote/{round_.id}").status_code == 404


def test_voting_through_the_pages_once_per_project(client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    session.commit()
    token = _confirm(client, round_.id, "v@example.org", session)
    assert _vote(client, round_.id, apps[1].id, token, setup).status_code == 303
    page = client.get(f"/vote/{round_.id}").text  # offers no vote for it any more; posted:
    challenge = re.search(r'data-challenge="([^"]+)"', page).group(1)
    again = client.post_form(f"/vote/{round_.id}/projects/{apps[1].id}", {
        "token": token, "challenge": challenge,
        "nonce": services.solve(challenge, setup.difficulty)})
    assert again.status_code == 400 and "already voted" in again.text
    wrong = client.post_form(f"/vote/{round_.id}/projects/{apps[0].id}",
                             {"token": token, "challenge": "x", "nonce": "1"})
    assert wrong.status_code == 400 and "not valid" in wrong.text
    session.expire_all()
    assert services.vote_counts(session, round_.id) == {apps[1].id: 1}


def test_a_wrong_code_is_refused_and_gives_no_token(client, session: Session) -> None:
    round_, _setup, _apps = voting_round(session)
    session.commit()
    client.get(f"/vote/{round_.id}")
    client.post_form(f"/vote/{round_.id}/code", {"email": "v@example.org"})
    page = client.post_form(f"/vote/{round_.id}/confirm", {"code": "12345x"})
    assert page.status_code == 400 and "code is wrong" in page.text
    assert "vote_tokens" not in client._session_data()
    bad = client.post_form(f"/vote/{round_.id}/code", {"email": "not an address"})
    assert bad.status_code == 400 and "valid e-mail" in bad.text


def test_the_organiser_configures_opens_and_excludes(client, session: Session) -> None:
    round_, setup, apps = voting_round(session)
    setup.status = "draft"
    organiser = factories.user(session, "organiser", username="org-vote")
    session.commit()
    client.login("org-vote")
    page = client.post_form(f"/rounds/{round_.id}/vote", {
        "opens_at": "2026-01-01T09:00", "closes_at": "2025-01-01T09:00", "votes_per_day": "3",
        "use": "score", "weight_pct": "", "difficulty": "16", "per_address_hour": "60",
        "per_device_hour": "20", "application_ids": [str(apps[0].id)]})
    assert page.status_code == 400 and "close after it opens" in page.text
    page = client.post_form(f"/rounds/{round_.id}/vote", {
        "opens_at": "2026-01-01T09:00", "closes_at": "2030-01-01T09:00", "votes_per_day": "2",
        "use": "score", "weight_pct": "20", "difficulty": "8", "per_address_hour": "60",
        "per_device_hour": "20", "show_counts": "1",
        "application_ids": [str(a.id) for a in apps]})
    assert page.status_code == 303
    session.expire_all()
    stored = services.setup_for(session, round_.id)
    assert (stored.use, stored.weight_pct, stored.votes_per_day) == ("score", 20, 2)
    assert client.post_form(f"/rounds/{round_.id}/vote/move/open").status_code == 303
    session.expire_all()
    assert services.setup_for(session, round_.id).status == "open"
    from tests.votes.factories import token_for, vote

    stored = services.setup_for(session, round_.id)
    token = token_for(session, stored, "x@example.org", "device-jjjjjjjjjjjj")
    cast = vote(session, stored, apps[0].id, token, "device-jjjjjjjjjjjj")
    session.commit()
    refused = client.post_form(f"/rounds/{round_.id}/vote/exclude",
                               {"vote_ids": [str(cast.id)], "reason": ""})
    assert refused.status_code == 400
    done = client.post_form(f"/rounds/{round_.id}/vote/exclude",
                            {"vote_ids": [str(cast.id)], "reason": "test vote"})
    assert done.status_code == 303
    results = client.get(f"/rounds/{round_.id}/vote/results").text
    assert re.search(rf'id="result-{apps[0].id}".*?class="counted">0<.*?class="excluded">1<',
                     results, re.S)
    assert organiser.id


def test_the_public_index_lists_votes_but_not_drafts(client, session: Session) -> None:
    round_, _setup, _apps = voting_round(session)
    draft_round, draft, _ = voting_round(session)
    draft.status = "draft"
    session.commit()
    page = client.get("/public").text
    table = page.split('id="public-votes"')[1].split("</table>")[0]
    assert f'href="/vote/{round_.id}"' in table and "Voting open" in table
    assert f'href="/vote/{draft_round.id}"' not in table


def test_a_voters_page_is_rendered_every_time_and_a_visitors_is_kept(client, session: Session,
                                                                     engine) -> None:
    """A confirmed voter's page carries one-time challenges: never a kept copy of it."""
    from tests.querycount import count_queries

    round_, setup, apps = voting_round(session, show_counts=False)
    session.commit()
    for _ in range(3):
        client.get(f"/vote/{round_.id}")
    with count_queries(engine) as statements:
        client.get(f"/vote/{round_.id}")
    assert statements == []  # a visitor who has not confirmed an address: kept
    token = _confirm(client, round_.id, "voter@example.org", session)
    challenges = {re.search(r'data-challenge="([^"]+)"', client.get(f"/vote/{round_.id}").text)
                  .group(1) for _ in range(3)}
    assert len(challenges) == 3
    assert _vote(client, round_.id, apps[0].id, token, setup).status_code == 303
    # The page says which projects the voter chose today, and stops offering votes once the
    # day's votes are used (it offered them, to be refused).
    page = client.get(f"/vote/{round_.id}").text
    assert f'id="voted-{apps[0].id}"' in page
    assert f"/projects/{apps[0].id}\"" not in page and f"/projects/{apps[1].id}\"" in page
    setup.votes_per_day = 1
    session.commit()
    page = client.get(f"/vote/{round_.id}").text
    assert "You have used all your votes for today (1)." in page
    assert 'class="vote-form"' not in page


def test_a_forged_session_token_of_another_type_is_ignored(client, session: Session) -> None:
    """The session is signed, but a token that is not text must not break the page."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    from grants.settings import get_settings

    round_, _setup, _apps = voting_round(session)
    session.commit()
    client.get(f"/vote/{round_.id}")
    base = client._session_data()
    for forged in (123, ["x"], {"a": 1}, None):
        data = {**base, "vote_tokens": {str(round_.id): forged}}
        cookie = TimestampSigner(str(get_settings().secret_key)).sign(
            base64.b64encode(json.dumps(data).encode())).decode()
        client.cookies.clear()
        client.cookies.set("grants_session", cookie)
        assert client.get(f"/vote/{round_.id}").status_code == 200, forged


def test_the_public_page_leaves_out_organisations_while_a_blind_stage_is_judged(
        client, session: Session) -> None:
    """Judges of a blind stage must not read who applied, and the vote page is public."""
    from grants.judging.models import StageJudging
    from grants.organisations.models import Organisation
    from grants.rounds.models import Stage

    round_, _setup, apps = voting_round(session)
    stage = Stage(round_id=round_.id, name="初审", kind="scoring", position=1,
                  config={"blind": True})
    session.add(stage)
    session.flush()
    session.add(StageJudging(stage_id=stage.id, round_id=round_.id, status="closed"))
    session.commit()
    names = [session.get(Organisation, a.organisation_id).name for a in apps]
    assert all(name in client.get(f"/vote/{round_.id}").text for name in names)
    judging = session.execute(select(StageJudging)).scalar_one()
    judging.status = "open"
    session.commit()
    page = client.get(f"/vote/{round_.id}").text
    assert not any(name in page for name in names)
    assert all(a.title in page for a in apps)
