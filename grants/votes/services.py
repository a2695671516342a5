"""The public vote: configuration, one-time codes, proof of work, casting, flags, exclusions.

Services take a Session first and never commit. Personal data never reaches a vote row: the
e-mail address, the network address and the device cookie are stored as HMAC-SHA256 keyed
with SECRET_KEY. Challenges and voter tokens are signed strings, so the public page costs no
database write; a challenge becomes single-use by being recorded when spent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from grants import audit
from grants.applications.models import Application
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.notifications.models import OutboxMessage
from grants.organisations.models import Organisation
from grants.rounds.models import Round, Track
from grants.settings import get_settings
from grants.timeutil import local, now
from grants.validation import is_email
from grants.votes.models import (
    UsedChallenge,
    Vote,
    VoteAward,
    VoteCode,
    VoteExclusion,
    VoteSetup,
    VoteSlot,
)

CHALLENGE_TTL = timedelta(minutes=10)
CODE_TTL = timedelta(minutes=15)
TOKEN_TTL = timedelta(hours=12)
CODE_ATTEMPTS = 5
CODES_PER_ADDRESS_HOUR = 30
CODES_PER_DEVICE_HOUR = 5
CODES_PER_VOTER_HOUR = 3
# Flags
BURST_VOTES, BURST_SECONDS = 10, 60
ADDRESS_VOTERS = 5
LOCKSTEP_VOTERS, LOCKSTEP_SECONDS = 3, 10

FLAGS: dict[str, str] = {
    "burst": N_("Burst: many votes for one project within a minute"),
    "address": N_("Many voters from one network address"),
    "lockstep": N_("New voters voting in lockstep"),
}
USES: dict[str, str] = {
    "award": N_("Feeds a 人气奖 (popularity award) category"),
    "score": N_("A weighted component of the score"),
}


class VoteRefused(Exception):
    """A request that changes nothing, with the reason in plain words."""

    def __init__(self, message: str, field_name: str = ""):
        super().__init__(message)
        self.message = message
        self.field_name = field_name


# ---- keyed hashes and signatures ----------------------------------------------------------

def _key() -> bytes:
    return str(get_settings().secret_key).encode()


def keyed(kind: str, value: str) -> str:
    """HMAC-SHA256 of a piece of personal data; the same input gives the same hash."""
    return hmac.new(_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _sign(payload: str) -> str:
    return hmac.new(_key(), f"sign:{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not is_email(email):
        raise VoteRefused(_("Enter a valid e-mail address."), "email")
    return email


# ---- the round's vote ---------------------------------------------------------------------

def setup_for(session: Session, round_id: int) -> VoteSetup | None:
    return session.execute(select(VoteSetup).where(VoteSetup.round_id == round_id)
                           ).scalar_one_or_none()


def eligible_ids(session: Session, round_id: int) -> list[int]:
    return list(session.execute(select(Application.id).where(
        Application.round_id == round_id, Application.status == "eligible")
        .order_by(Application.id)).scalars())


def configure(session: Session, actor: audit.Actor, round_: Round,
              setup: VoteSetup | None, data: dict[str, Any]) -> VoteSetup:
    """Create or change a round's vote (in draft). `data` is already validated."""
    before = audit.snapshot(setup) if setup is not None else None
    if setup is None:
        setup = VoteSetup(round_id=round_.id)
        session.add(setup)
    allowed = set(eligible_ids(session, round_.id)) | set(setup.application_ids or [])
    ids = data.pop("application_ids", None)
    if ids is None:
        ids = eligible_ids(session, round_.id)
    if set(ids) - allowed:
        raise VoteRefused(_("Only projects that passed screening may take part."),
                          "application_ids")
    setup.application_ids = sorted(set(ids))
    for name, value in data.items():
        setattr(setup, name, value)
    if setup.use != "score":
        setup.weight_pct = 0
    session.flush()
    audit.record(session, actor, "vote.configure", setup, before=before)
    return setup


@dataclass(frozen=True)
class Candidate:
    id: int
    title: str
    organisation: str
    track: str
    summary: str


def candidates(session: Session, setup: VoteSetup, public: bool = False) -> list[Candidate]:
    """The projects in the vote, with what the public may see (nothing personal); on the
    `public` page without their organisations while a blind stage of the round is judged."""
    if not setup.application_ids:
        return []
    rows = session.execute(
        select(Application.id, Application.title, Organisation.name, Track.name,
               Application.summary)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(Track, Track.id == Application.track_id)
        .where(Application.id.in_(setup.application_ids))
        .order_by(Track.position, Application.id)).all()
    hide = public and blind_judging_open(session, setup.round_id)
    return [Candidate(r[0], r[1], "" if hide else r[2], r[3] or "", r[4]) for r in rows]


def blind_judging_open(session: Session, round_id: int) -> bool:
    """Whether a blind stage of the round is being judged: the public page then leaves out
    the organisations, or any judge could read them there."""
    from grants.judging.models import StageJudging
    from grants.rounds.models import Stage

    return any(bool((config or {}).get("blind")) for config in session.execute(
        select(Stage.config).join(StageJudging, StageJudging.stage_id == Stage.id).where(
            Stage.round_id == round_id, StageJudging.status == "open")).scalars())


def is_open(setup: VoteSetup | None, moment: datetime | None = None) -> bool:
    moment = moment or now()
    return (setup is not None and setup.status == "open" and setup.opens_at is not None
            and setup.closes_at is not None and setup.opens_at <= moment < setup.closes_at)


# ---- proof of work ------------------------------------------------------------------------

def issue_challenge(setup: VoteSetup, moment: datetime | None = None) -> str:
    """A signed challenge: round, expiry, difficulty and randomness. No database write."""
    expires = int(((moment or now()) + CHALLENGE_TTL).timestamp())
    payload = f"{setup.round_id}.{expires}.{setup.difficulty}.{secrets.token_hex(8)}"
    return f"{payload}.{_sign(payload)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, difficulty: int) -> str:
    """Find a nonce (what the browser script does; used by tests, the demo and benchmarks)."""
    n = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}{n}".encode()).digest()) < difficulty:
        n += 1
    return str(n)


def check_proof(setup: VoteSetup, challenge: str, nonce: str) -> None:
    parts = challenge.split(".")
    if len(parts) != 5 or not hmac.compare_digest(_sign(".".join(parts[:4])), parts[4]):
        raise VoteRefused(_("The voting check is not valid. Reload the page and try again."))
    round_id, expires, difficulty = parts[0], parts[1], parts[2]
    if (round_id != str(setup.round_id) or not (expires.isascii() and expires.isdigit())
            or not (difficulty.isascii() and difficulty.isdigit())):
        raise VoteRefused(_("The voting check is not valid. Reload the page and try again."))
    if int(expires) < now().timestamp():
        raise VoteRefused(_("The voting check has expired. Reload the page and try again."))
    if not nonce:
        raise VoteRefused(_("Voting needs JavaScript: your browser solves a small puzzle that "
                            "shows a person, not a program, is voting."))
    if (len(nonce) > 20 or not nonce.isdigit() or leading_zero_bits(
            hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) < int(difficulty)):
        raise VoteRefused(_("The proof of work is wrong. Reload the page and try again."))


def _insert_once(session: Session, model: Any, values: dict[str, Any], key: Any) -> Any:
    """Insert a row unless a unique key already holds it; the new row's `key`, or None."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(model).values(**values).on_conflict_do_nothing()
                 .returning(key))
    return session.execute(statement).scalar_one_or_none()


def spend_challenge(session: Session, challenge: str) -> None:
    if _insert_once(session, UsedChallenge, {"challenge": challenge, "used_at": now()},
                    UsedChallenge.challenge) is None:
        raise VoteRefused(_("This voting check was already used. Reload the page and try "
                            "again."))


# ---- one-time codes and voter tokens ------------------------------------------------------

def _at_limit(session: Session, column: Any, value: str, since: datetime, model: Any,
              limit: int) -> bool:
    """Whether `limit` rows with this value arrived since `since`. Counts at most `limit`
    rows, so the check costs the same for an address that sent a hundred thousand votes."""
    recent = select(column).where(
        column == value, model.created_at >= since if model is VoteCode else model.at >= since
    ).limit(limit).subquery()
    return int(session.execute(select(func.count()).select_from(recent)).scalar_one()) >= limit


def request_code(session: Session, setup: VoteSetup, raw_email: str, ip: str,
                 device: str) -> str:
    """Send a one-time code by e-mail (through the outbox); returns it (for the tests)."""
    if not is_open(setup):
        raise VoteRefused(_("Voting is not open."))
    email = normalise_email(raw_email)
    voter, ip_hash, device_hash = keyed("email", email), keyed("ip", ip), keyed("device", device)
    hour = now() - timedelta(hours=1)
    for column, value, limit in ((VoteCode.ip_hash, ip_hash, CODES_PER_ADDRESS_HOUR),
                                 (VoteCode.device_hash, device_hash, CODES_PER_DEVICE_HOUR),
                                 (VoteCode.voter_hash, voter, CODES_PER_VOTER_HOUR)):
        if _at_limit(session, column, value, hour, VoteCode, limit):
            raise VoteRefused(_("Too many codes were requested. Try again in an hour."))
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(VoteCode(round_id=setup.round_id, voter_hash=voter,
                         code_hash=keyed("code", f"{voter}:{code}"), ip_hash=ip_hash,
                         device_hash=device_hash, expires_at=now() + CODE_TTL))
    session.add(OutboxMessage(
        to=email, subject=_("Your voting code: %(code)s", code=code),
        body=_("Your code for the public vote is %(code)s. It is valid for 15 minutes. If you "
               "did not ask for it, ignore this message.", code=code)))
    session.flush()
    return code


def verify_code(session: Session, setup: VoteSetup, raw_email: str, code: str,
                device: str) -> str:
    """Check the e-mailed code; returns a voter token bound to this device."""
    email = normalise_email(raw_email)
    voter = keyed("email", email)
    row = session.execute(select(VoteCode).where(
        VoteCode.round_id == setup.round_id, VoteCode.voter_hash == voter,
        VoteCode.used_at.is_(None), VoteCode.expires_at > now())
        .order_by(VoteCode.id.desc())).scalars().first()
    if row is None or row.attempts >= CODE_ATTEMPTS:
        raise VoteRefused(_("No valid code for this address. Ask for a new code."), "code")
    if not hmac.compare_digest(row.code_hash, keyed("code", f"{voter}:{code.strip()}")):
        row.attempts += 1
        session.flush()
        raise VoteRefused(_("The code is wrong."), "code")
    row.used_at = now()
    session.flush()
    return voter_token(setup, voter, device)


def voter_token(setup: VoteSetup, voter_hash: str, device: str) -> str:
    expires = int((now() + TOKEN_TTL).timestamp())
    payload = f"{setup.round_id}.{voter_hash}.{keyed('device', device)[:16]}.{expires}"
    return f"{payload}.{_sign(payload)}"


def read_token(setup: VoteSetup, token: str, device: str) -> str:
    """The voter hash a token stands for, if it is genuine, current and from this device."""
    parts = token.split(".")
    if (len(parts) != 5 or not hmac.compare_digest(_sign(".".join(parts[:4])), parts[4])
            or parts[0] != str(setup.round_id)
            or parts[2] != keyed("device", device)[:16]):
        raise VoteRefused(_("Confirm your e-mail address before voting."), "token")
    if not parts[3].isdigit() or int(parts[3]) < now().timestamp():
        raise VoteRefused(_("Your confirmation has expired. Ask for a new code."), "token")
    return parts[1]


def voted_today(session: Session, setup: VoteSetup, token: str, device: str) -> set[int]:
    """The projects this confirmed voter has voted for today (none for a token that is not
    genuine or current: the vote itself then says why)."""
    try:
        voter = read_token(setup, token, device)
    except VoteRefused:
        return set()
    return set(session.execute(select(Vote.application_id).where(
        Vote.round_id == setup.round_id, Vote.voter_hash == voter,
        Vote.day == local(now()).date())).scalars())


# ---- casting a vote -----------------------------------------------------------------------

def cast(session: Session, setup: VoteSetup, application_id: int, *, token: str,
         challenge: str, nonce: str, ip: str, device: str) -> Vote:
    """Record one vote, or refuse saying why (and record nothing)."""
    moment = now()
    if not is_open(setup, moment):
        raise VoteRefused(_("Voting is not open."))
    if application_id not in (setup.application_ids or []):
        raise VoteRefused(_("This project is not part of the vote."))
    voter = read_token(setup, token, device)
    check_proof(setup, challenge, nonce)
    ip_hash, device_hash = keyed("ip", ip), keyed("device", device)
    hour = moment - timedelta(hours=1)
    if _at_limit(session, Vote.ip_hash, ip_hash, hour, Vote, setup.per_address_hour):
        raise VoteRefused(_("Too many votes from your network address. Try again later."))
    if _at_limit(session, Vote.device_hash, device_hash, hour, Vote, setup.per_device_hour):
        raise VoteRefused(_("Too many votes from this device. Try again later."))
    day = local(moment).date()
    used = int(session.execute(select(func.count()).select_from(Vote).where(
        Vote.round_id == setup.round_id, Vote.voter_hash == voter, Vote.day == day)).scalar_one())
    if used >= setup.votes_per_day:
        raise VoteRefused(_("You have used all your votes for today (%(n)s).",
                            n=setup.votes_per_day))
    spend_challenge(session, challenge)
    vote_id = _insert_once(session, Vote, {
        "round_id": setup.round_id, "application_id": application_id, "voter_hash": voter,
        "ip_hash": ip_hash, "device_hash": device_hash, "day": day, "at": moment}, Vote.id)
    if vote_id is None:
        raise VoteRefused(_("You have already voted for this project today."))
    # Take the next free slot of the day (a vote cast at the same moment may have taken the
    # one counted above); none left: refused, and the route rolls the vote back.
    for slot in range(used + 1, setup.votes_per_day + 1):
        if _insert_once(session, VoteSlot, {"round_id": setup.round_id, "voter_hash": voter,
                                            "day": day, "slot": slot, "vote_id": vote_id},
                        VoteSlot.id) is not None:
            break
    else:
        raise VoteRefused(_("You have used all your votes for today (%(n)s).",
                            n=setup.votes_per_day))
    return Vote(id=vote_id, round_id=setup.round_id, application_id=application_id,
                voter_hash=voter, ip_hash=ip_hash, device_hash=device_hash, day=day, at=moment)


# ---- flags, exclusions and results --------------------------------------------------------

def flags(session: Session, round_id: int) -> dict[int, set[str]]:
    """Suspicious votes: vote id → the flags it carries."""
    rows = session.execute(select(Vote.id, Vote.application_id, Vote.voter_hash, Vote.ip_hash,
                                  Vote.at, Vote.day).where(Vote.round_id == round_id)
                           .order_by(Vote.at, Vote.id)).all()
    found: dict[int, set[str]] = defaultdict(set)
    by_app: dict[int, list[Any]] = defaultdict(list)
    voters_by_ip: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        by_app[row[1]].append(row)
        voters_by_ip[row[3]].add(row[2])
    window = timedelta(seconds=BURST_SECONDS)
    for votes in by_app.values():
        start = 0
        for end, row in enumerate(votes):
            while row[4] - votes[start][4] > window:
                start += 1
            if end - start + 1 >= BURST_VOTES:
                for burst in votes[start:end + 1]:
                    found[burst[0]].add("burst")
    for row in rows:
        if len(voters_by_ip[row[3]]) >= ADDRESS_VOTERS:
            found[row[0]].add("address")
    # Lockstep: voters new this day (no earlier vote) with the same sequence of projects,
    # starting within seconds of each other.
    first_day: dict[str, Any] = {}
    sequences: dict[tuple[str, Any], list[Any]] = defaultdict(list)
    for row in rows:
        first_day.setdefault(row[2], row[5])
        if first_day[row[2]] == row[5]:
            sequences[(row[2], row[5])].append(row)
    groups: dict[tuple[Any, ...], list[list[Any]]] = defaultdict(list)
    for (_voter, day), seq in sequences.items():
        if len(seq) >= 2:
            groups[(day, *[r[1] for r in seq])].append(seq)
    close = timedelta(seconds=LOCKSTEP_SECONDS)
    for seqs in groups.values():
        seqs.sort(key=lambda s: s[0][4])
        cluster: list[list[Any]] = []
        for seq in [*seqs, None]:
            if seq is not None and cluster and seq[0][4] - cluster[-1][0][4] <= close:
                cluster.append(seq)
                continue
            if len(cluster) >= LOCKSTEP_VOTERS:
                for member in cluster:
                    for row in member:
                        found[row[0]].add("lockstep")
            cluster = [seq] if seq is not None else []
    return dict(found)


def excluded_ids(session: Session, round_id: int) -> set[int]:
    return set(session.execute(select(VoteExclusion.vote_id).where(
        VoteExclusion.round_id == round_id)).scalars())


def exclude(session: Session, actor: audit.Actor, setup: VoteSetup, vote_ids: list[int],
            reason: str, flag: str = "") -> int:
    """Exclude votes from the count with a reason; the vote rows stay as they are. Once the
    results are published (and the 人气奖 named) the count is final."""
    if setup.status not in ("open", "closed"):
        raise VoteRefused(_("The results are published: the count is final and votes can no "
                            "longer be excluded."))
    reason = " ".join(reason.split())
    if not reason:
        raise VoteRefused(_("Give a reason."), "reason")
    if len(reason) > 500:
        raise VoteRefused(_("At most %(max)s characters (you entered %(n)s).", max=500,
                            n=len(reason)), "reason")
    known = set(session.execute(select(Vote.id).where(
        Vote.round_id == setup.round_id, Vote.id.in_(vote_ids))).scalars())
    if not vote_ids or known != set(vote_ids):
        raise VoteRefused(_("Choose votes of this round."), "vote_ids")
    new = sorted(known - excluded_ids(session, setup.round_id))
    if not new:
        raise VoteRefused(_("These votes are already excluded: nothing changed."), "vote_ids")
    for vote_id in new:
        row = VoteExclusion(vote_id=vote_id, round_id=setup.round_id, flag=flag,
                            reason=reason, by_id=actor.id)
        session.add(row)
        session.flush()
        audit.record(session, actor, "vote.exclude", row)
    return len(new)


def exclude_flagged(session: Session, actor: audit.Actor, setup: VoteSetup, flag: str,
                    reason: str) -> int:
    if flag not in FLAGS:
        raise VoteRefused(_("Not a valid choice."), "flag")
    ids = [vid for vid, marks in flags(session, setup.round_id).items() if flag in marks]
    if not ids:
        raise VoteRefused(_("No vote carries this flag."), "flag")
    return exclude(session, actor, setup, ids, reason, flag)


def vote_counts(session: Session, round_id: int) -> dict[int, int]:
    """Counted votes per application (excluded votes left out), for awards and scoring."""
    excluded = select(VoteExclusion.vote_id).where(VoteExclusion.round_id == round_id)
    rows = session.execute(select(Vote.application_id, func.count()).where(
        Vote.round_id == round_id, Vote.id.not_in(excluded))
        .group_by(Vote.application_id)).all()
    return {app_id: int(n) for app_id, n in rows}


@dataclass(frozen=True)
class Result:
    candidate: Candidate
    counted: int
    excluded: int
    flagged: int


def results(session: Session, setup: VoteSetup) -> list[Result]:
    counted = vote_counts(session, setup.round_id)
    excluded = dict(session.execute(select(Vote.application_id, func.count()).join(
        VoteExclusion, VoteExclusion.vote_id == Vote.id).where(
        Vote.round_id == setup.round_id).group_by(Vote.application_id)).all())
    app_of = dict(session.execute(select(Vote.id, Vote.application_id).where(
        Vote.round_id == setup.round_id)).all())
    flagged: dict[int, int] = defaultdict(int)
    for vote_id in flags(session, setup.round_id):
        flagged[app_of[vote_id]] += 1
    out = [Result(c, counted.get(c.id, 0), int(excluded.get(c.id, 0)), flagged[c.id])
           for c in candidates(session, setup)]
    return sorted(out, key=lambda r: -r.counted)


# ---- publishing and the 人气奖 ------------------------------------------------------------

def leaders(results_: list[Result]) -> list[Result]:
    """The projects with the most counted votes (several on a tie; none without votes)."""
    top = max((r.counted for r in results_), default=0)
    return [r for r in results_ if top and r.counted == top]


def award_of(session: Session, round_id: int) -> VoteAward | None:
    return session.execute(select(VoteAward).where(VoteAward.round_id == round_id)
                           ).scalar_one_or_none()


def publish(session: Session, actor: audit.Actor, user: Any, setup: VoteSetup,
            winner_id: int | None = None, reason: str = "") -> VoteAward | None:
    """Publish the results; a vote that feeds the 人气奖 names it at the same moment.

    A single leader wins by itself; on a tie the organiser chooses one of the tied projects and
    records why. A vote without counted votes publishes without naming anyone. Raises
    VoteRefused (or the lifecycle's Refused) and changes nothing."""
    from grants import lifecycle
    from grants.awards.services import new_code
    from grants.validation import reason_problem

    award: VoteAward | None = None
    tied: list[Result] = []
    if setup.use == "award":
        tied = leaders(results(session, setup))
        reason = " ".join(reason.split())
        if len(tied) > 1:
            if winner_id is None:
                raise VoteRefused(_("%(names)s have the same number of counted votes: choose "
                                    "the 人气奖 among them and give a reason.",
                                    names=_list(r.candidate.title for r in tied)), "winner")
            if winner_id not in {r.candidate.id for r in tied}:
                raise VoteRefused(_("Choose one of the projects that share the most votes."),
                                  "winner")
            problem = reason_problem(reason, 500)
            if problem:
                raise VoteRefused(problem, "reason")
        elif winner_id is not None and (not tied or winner_id != tied[0].candidate.id):
            raise VoteRefused(_("Only a tie lets the organiser choose the 人气奖."), "winner")
    lifecycle.perform(session, actor, user, "vote.publish", setup)
    if tied:
        chosen = winner_id if len(tied) > 1 else tied[0].candidate.id
        organisation_id = session.execute(select(Application.organisation_id).where(
            Application.id == chosen)).scalar_one()
        award = VoteAward(round_id=setup.round_id, application_id=chosen,
                          organisation_id=organisation_id, counted=tied[0].counted,
                          tied_with=sorted(r.candidate.id for r in tied if r.candidate.id != chosen),
                          reason=reason if len(tied) > 1 else "", code=new_code(),
                          by_id=actor.id)
        session.add(award)
        session.flush()
        audit.record(session, actor, "vote.award", award)
    return award


def _list(names: Any) -> str:
    from grants.i18n import join_list

    return join_list(list(names))
