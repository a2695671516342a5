"""Casting votes: proofs, codes, tokens, limits, flags, exclusions and the append-only rows."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from grants import audit
from grants.audit import AuditEvent
from grants.notifications.models import OutboxMessage
from grants.votes import services
from grants.votes.models import Vote, VoteExclusion
from tests.votes.factories import proof, token_for, vote, voting_round

VoteRefused = services.VoteRefused


def test_a_confirmed_voter_votes_once_per_project_per_day(session: Session) -> None:
    _round, setup, apps = voting_round(session)
    token = token_for(session, setup, "Voter@Example.org", "device-aaaaaaaaaaaa")
    vote(session, setup, apps[0].id, token, "device-aaaaaaaaaaaa")
    with pytest.raises(VoteRefused, match="already voted"):
        vote(session, setup, apps[0].id, token, "device-aaaaaaaaaaaa")
    vote(session, setup, apps[1].id, token, "device-aaaaaaaaaaaa")
    assert services.vote_counts(session, setup.round_id) == {apps[0].id: 1, apps[1].id: 1}
    rows = session.execute(select(Vote)).scalars().all()
    assert len(rows) == 2
    assert all("example" not in r.voter_hash and len(r.voter_hash) == 64 for r in rows)


def test_the_code_goes_through_the_outbox_and_is_stored_only_hashed(session: Session) -> None:
    _round, setup, _apps = voting_round(session)
    code = services.request_code(session, setup, "a@example.org", "10.0.0.1", "dev-bbbbbbbbbbbb")
    message = session.execute(select(OutboxMessage)).scalars().one()
    assert message.to == "a@example.org" and code in message.body
    from grants.votes.models import VoteCode

    stored = session.execute(select(VoteCode)).scalars().one()
    assert code not in stored.code_hash and "example" not in stored.voter_hash


def test_votes_per_day_are_limited(session: Session) -> None:
    _round, setup, apps = voting_round(session, projects=3, votes_per_day=2)
    token = token_for(session, setup, "v@example.org", "device-cccccccccccc")
    vote(session, setup, apps[0].id, token, "device-cccccccccccc")
    vote(session, setup, apps[1].id, token, "device-cccccccccccc")
    with pytest.raises(VoteRefused, match="all your votes"):
        vote(session, setup, apps[2].id, token, "device-cccccccccccc")


def test_forged_votes_are_refused(session: Session) -> None:
    _round, setup, apps = voting_round(session)
    device = "device-dddddddddddd"
    token = token_for(session, setup, "v@example.org", device)
    challenge, nonce = proof(setup)
    # a wrong code
    services.request_code(session, setup, "w@example.org", "10.0.0.2", "device-eeeeeeeeeeee")
    with pytest.raises(VoteRefused, match="code is wrong"):
        services.verify_code(session, setup, "w@example.org", "000000x", "device-eeeeeeeeeeee")
    # a wrong proof of work
    wrong = next(str(n) for n in range(10_000) if services.leading_zero_bits(
        hashlib.sha256(f"{challenge}{n}".encode()).digest()) < setup.difficulty)
    with pytest.raises(VoteRefused, match="proof of work"):
        services.cast(session, setup, apps[0].id, token=token, challenge=challenge,
                      nonce=wrong, ip="10.0.0.1", device=device)
    # a forged challenge (changed difficulty breaks the signature)
    forged = challenge.replace(f".{setup.difficulty}.", ".0.", 1)
    with pytest.raises(VoteRefused, match="not valid"):
        services.cast(session, setup, apps[0].id, token=token, challenge=forged, nonce="0",
                      ip="10.0.0.1", device=device)
    # another voter's token, used from another device
    with pytest.raises(VoteRefused, match="Confirm your e-mail"):
        services.cast(session, setup, apps[0].id, token=token, challenge=challenge, nonce=nonce,
                      ip="10.0.0.1", device="device-ffffffffffff")
    # a made-up token
    with pytest.raises(VoteRefused, match="Confirm your e-mail"):
        services.cast(session, setup, apps[0].id, token="1.abc.def.99999999999.0",
                      challenge=challenge, nonce=nonce, ip="10.0.0.1", device=device)
    # the genuine vote passes once; replaying the same challenge is refused
    services.cast(session, setup, apps[0].id, token=token, challenge=challenge, nonce=nonce,
                  ip="10.0.0.1", device=device)
    with pytest.raises(VoteRefused, match="already used"):
        services.cast(session, setup, apps[1].id, token=token, challenge=challenge,
                      nonce=nonce, ip="10.0.0.1", device=device)
    assert session.execute(select(Vote)).scalars().all() != []
    assert len(session.execute(select(Vote)).scalars().all()) == 1


def test_an_expired_challenge_is_refused(session: Session, monkeypatch) -> None:
    _round, setup, apps = voting_round(session)
    device = "device-gggggggggggg"
    token = token_for(session, setup, "v@example.org", device)
    monkeypatch.setattr(services, "CHALLENGE_TTL", timedelta(seconds=-1))
    challenge, nonce = proof(setup)
    with pytest.raises(VoteRefused, match="expired"):
        services.cast(session, setup, apps[0].id, token=token, challenge=challenge, nonce=nonce,
                      ip="10.0.0.1", device=device)


def test_a_flood_from_one_address_is_limited_and_flagged(session: Session) -> None:
    _round, setup, apps = voting_round(session, per_address_hour=8)
    accepted = refused = 0
    for n in range(12):
        device = f"device-flood-{n:06d}"
        token = token_for(session, setup, f"bot{n}@example.org", device, ip="203.0.113.9")
        try:
            vote(session, setup, apps[0].id, token, device, ip="203.0.113.9")
            accepted += 1
        except VoteRefused as exc:
            assert "network address" in exc.message
            refused += 1
    assert (accepted, refused) == (8, 4)
    flagged = services.flags(session, setup.round_id)
    assert len(flagged) == 8 and all("address" in marks for marks in flagged.values())


def test_bursts_and_lockstep_are_flagged(session: Session, monkeypatch) -> None:
    _round, setup, apps = voting_round(session, per_address_hour=1000)
    monkeypatch.setattr(services, "BURST_VOTES", 4)
    for n in range(4):  # four new voters, same projects in the same order, seconds apart
        device = f"device-lock-{n:06d}"
        token = token_for(session, setup, f"lock{n}@example.org", device, ip=f"198.51.100.{n}")
        vote(session, setup, apps[0].id, token, device, ip=f"198.51.100.{n}")
        vote(session, setup, apps[1].id, token, device, ip=f"198.51.100.{n}")
    flagged = services.flags(session, setup.round_id)
    marks = set().union(*flagged.values())
    assert {"lockstep", "burst"} <= marks and "address" not in marks
    assert sum("lockstep" in m for m in flagged.values()) == 8


def test_excluded_votes_are_not_counted_and_the_exclusion_is_audited(session: Session) -> None:
    _round, setup, apps = voting_round(session)
    ids = []
    for n in range(3):
        device = f"device-excl-{n:06d}"
        token = token_for(session, setup, f"e{n}@example.org", device)
        ids.append(vote(session, setup, apps[0].id, token, device).id)
    with pytest.raises(VoteRefused):
        services.exclude(session, audit.SYSTEM, setup, ids[:1], "   ")
    assert services.exclude(session, audit.SYSTEM, setup, ids[:2], "same household") == 2
    with pytest.raises(services.VoteRefused) as again:  # nothing new to exclude: said so
        services.exclude(session, audit.SYSTEM, setup, ids[:2], "again")
    assert "already excluded" in again.value.message
    assert services.vote_counts(session, setup.round_id) == {apps[0].id: 1}
    result = next(r for r in services.results(session, setup) if r.candidate.id == apps[0].id)
    assert (result.counted, result.excluded) == (1, 2)
    events = session.execute(select(AuditEvent).where(AuditEvent.action == "vote.exclude")
                             ).scalars().all()
    assert len(events) == 2 and "same household" in (events[0].after or "")
    assert len(session.execute(select(Vote)).scalars().all()) == 3


def test_votes_and_exclusions_cannot_be_changed_even_with_sql(engine, session: Session) -> None:
    _round, setup, apps = voting_round(session)
    token = token_for(session, setup, "v@example.org", "device-hhhhhhhhhhhh")
    cast = vote(session, setup, apps[0].id, token, "device-hhhhhhhhhhhh")
    services.exclude(session, audit.SYSTEM, setup, [cast.id], "test")
    session.commit()
    for statement in ("UPDATE vote SET application_id = application_id",
                      "DELETE FROM vote",
                      "UPDATE vote_exclusion SET reason = 'changed'",
                      "DELETE FROM vote_exclusion"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
            connection.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM vote")).scalar_one() == 1
        assert connection.execute(text("SELECT reason FROM vote_exclusion")).scalar_one() == "test"
    assert session.execute(select(VoteExclusion)).scalars().one().reason == "test"


def test_voting_outside_the_window_or_for_another_project_is_refused(session: Session) -> None:
    _round, setup, apps = voting_round(session)
    token = token_for(session, setup, "v@example.org", "device-iiiiiiiiiiii")
    with pytest.raises(VoteRefused, match="not part of the vote"):
        vote(session, setup, 999999, token, "device-iiiiiiiiiiii")
    setup.status = "closed"
    with pytest.raises(VoteRefused, match="not open"):
        vote(session, setup, apps[0].id, token, "device-iiiiiiiiiiii")
