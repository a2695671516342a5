"""The demo has a public vote running, with votes and a few flagged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants.demo import load
from grants.timeutil import local
from grants.votes import services
from grants.votes.models import VoteSetup


def test_the_demo_vote_runs_with_flagged_votes(client, session) -> None:
    load.load(session)
    session.commit()
    setup = session.execute(select(VoteSetup).where(VoteSetup.status == "open")).scalar_one()
    assert services.is_open(setup)
    assert sum(services.vote_counts(session, setup.round_id).values()) > 20
    flagged = services.flags(session, setup.round_id)
    assert 0 < len(flagged) <= 10
    page = client.get(f"/vote/{setup.round_id}")
    candidates = services.candidates(session, setup)
    assert page.status_code == 200 and all(c.title in page.text for c in candidates)
    # It runs beside a round's live roadshow, not on a finished round.
    from grants.rounds.models import Round

    assert session.get(Round, setup.round_id).status == "judging"


def test_the_demo_vote_names_its_popularity_award(client, session) -> None:
    from grants.demo import data

    load.load(session)
    session.commit()
    setup = session.execute(select(VoteSetup).where(VoteSetup.status == "open")).scalar_one()
    counts = services.vote_counts(session, setup.round_id)
    top = max(counts.values())
    client.login("organiser", data.DEMO_PASSWORD)
    page = client.get(f"/rounds/{setup.round_id}/vote/results").text
    award = page.split('id="popularity-award"')[1].split("</p>")[0]
    leaders = [r.candidate.title for r in services.results(session, setup) if r.counted == top]
    assert all(title in award for title in leaders) and str(top) in award


def test_last_years_vote_is_published_with_its_popularity_award(client, session) -> None:
    load.load(session)
    session.commit()
    setup = session.execute(select(VoteSetup).where(VoteSetup.status == "published")
                            ).scalar_one()
    award = services.award_of(session, setup.round_id)
    counts = services.vote_counts(session, setup.round_id)
    assert award is not None and award.counted == max(counts.values())
    assert list(counts.values()).count(award.counted) == 1
    page = client.get(f"/verify/{award.code}")
    assert page.status_code == 200 and 'id="verify-valid"' in page.text
    assert "Valid popularity award" in page.text
    # published after the vote closed, in that year: not on the day the demo was loaded
    closed = local(setup.closes_at).date()
    assert closed < local(award.created_at).date() <= closed + timedelta(days=1)
    assert f"<dd>{local(award.created_at).date().isoformat()}</dd>" in page.text
