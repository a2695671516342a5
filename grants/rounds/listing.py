"""Finding rounds for the lists: filters, years, budgets and tracks of many rounds at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from grants.rounds.choices import STATUS_LABELS
from grants.rounds.models import Round, RoundFund, Track


@dataclass(frozen=True)
class RoundFilters:
    q: str = ""
    year: int | None = None
    status: str = ""


def search(filters: RoundFilters, statuses: tuple[str, ...] | None = None) -> Any:
    query = select(Round).order_by(Round.year.desc(), Round.name)
    if filters.q:
        like = f"%{filters.q}%"
        query = query.where(or_(Round.name.like(like),
                                Round.organiser_unit.like(like)))
    if filters.year:
        query = query.where(Round.year == filters.year)
    if filters.status in STATUS_LABELS:
        query = query.where(Round.status == filters.status)
    if statuses is not None:
        query = query.where(Round.status.in_(statuses))
    return query


def years(session: Session) -> list[int]:
    return list(session.execute(select(Round.year).distinct().order_by(Round.year.desc())
                                ).scalars())


def budgets(session: Session, round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    rows = session.execute(select(RoundFund.round_id, func.sum(RoundFund.amount_fen))
                           .where(RoundFund.round_id.in_(round_ids))
                           .group_by(RoundFund.round_id)).all()
    out = dict.fromkeys(round_ids, 0)
    out.update({rid: int(total) for rid, total in rows})
    return out


def tracks_by_round(session: Session, round_ids: list[int]) -> dict[int, list[Track]]:
    out: dict[int, list[Track]] = {i: [] for i in round_ids}
    if round_ids:
        for track in session.execute(select(Track).where(Track.round_id.in_(round_ids))
                                     .order_by(Track.position, Track.id)).scalars():
            out[track.round_id].append(track)
    return out


def accepting() -> Any:
    """Rounds applicants may still apply to: open, and before the deadline. A round stays
    "open" until the organiser closes it, but past its deadline it no longer accepts drafts,
    so it is not listed as open for applications."""
    from grants.timeutil import now

    return select(Round).where(Round.status == "open",
                               or_(Round.closes_at.is_(None), Round.closes_at > now()))

