"""Organiser scopes: which regions an organiser's scope covers.

An organiser's `scope_region_id` names a region; the scope covers that region and everything
below it (a district covers its streets and their communities, a street its communities).
No scope region means platform-wide. Regions are never moved to another parent, so each
region's ancestry is fixed once created: the whole tree (a few hundred rows) is read once per
database session into an ancestor map kept in `session.info`, and a region created later is
picked up by reading the map again on a miss. Every check and every list filter uses this map,
so a page runs the same number of statements however many rows it shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session
from sqlalchemy.orm.exc import UnmappedInstanceError
from sqlmodel import Session

from grants.i18n import N_
from grants.regions.models import Region

_KEY = "region_ancestors"


def _load(session: Session) -> dict[int, tuple[int, ...]]:
    parents: dict[int, int | None] = {row[0]: row[1] for row in session.execute(
        select(Region.id, Region.parent_id))}
    ancestors: dict[int, tuple[int, ...]] = {}
    for region_id in parents:
        chain, current = [], region_id
        while current is not None and len(chain) < 10:
            chain.append(current)
            current = parents.get(current)
        ancestors[region_id] = tuple(chain)
    session.info[_KEY] = ancestors
    return ancestors


def ancestor_map(session: Session) -> dict[int, tuple[int, ...]]:
    """{region id: (itself, its parent, …, its district)}, read once per session."""
    found = session.info.get(_KEY)
    return found if found is not None else _load(session)


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def ancestors(session: Session, region_id: int) -> tuple[int, ...]:
    found = ancestor_map(session).get(region_id)
    if found is None:
        found = _load(session).get(region_id, ())
    return found


def covers(session: Session | None, scope_id: int | None, region_id: int | None) -> bool:
    """Whether a scope (None: platform-wide) covers a region (None: platform-wide object)."""
    if scope_id is None:
        return True
    if region_id is None or session is None:
        return False
    return scope_id in ancestors(session, region_id)


def region_ids(session: Session, scope_id: int | None) -> set[int] | None:
    """Every region id a scope covers (None: platform-wide, no filter needed)."""
    if scope_id is None:
        return None
    mapping = ancestor_map(session)
    if scope_id not in mapping:
        mapping = _load(session)
    return {rid for rid, chain in mapping.items() if scope_id in chain}


def session_of(*objects: Any) -> Session | None:
    for obj in objects:
        if obj is not None:
            try:
                found = object_session(obj)
            except UnmappedInstanceError:  # not a table row
                found = None
            if found is not None:
                return found  # type: ignore[return-value]
    return None


def in_scope(user: Any, column: Any, session: Session) -> Any:
    """A SQL condition: `column` (a region id) lies within the user's scope (None: no filter)."""
    ids = region_ids(session, getattr(user, "scope_region_id", None))
    if ids is None:
        return None
    return column.in_(ids or {-1})


def restrict(query: Any, user: Any, column: Any, session: Session) -> Any:
    """`query` limited to rows whose region `column` lies within the user's scope."""
    condition = in_scope(user, column, session)
    return query if condition is None else query.where(condition)


def region_choices(session: Session, user: Any,
                   levels: tuple[str, ...] = ("district", "street")) -> list[tuple[int, str]]:
    """(id, 'district / street') for the regions of these levels within the user's scope."""
    rows = {r.id: r for r in session.execute(select(Region)).scalars()}
    ids = region_ids(session, getattr(user, "scope_region_id", None))
    out = []
    for region in rows.values():
        if region.level in levels and (ids is None or region.id in ids):
            chain = [rows[i].name for i in reversed(ancestors(session, region.id or 0)) if i in rows]
            out.append((region.id, " / ".join(chain)))
    return sorted(out, key=lambda item: item[1])


def check_region(session: Session, user: Any, region_id: int | None,
                 levels: tuple[str, ...] = ("district", "street")) -> str | None:
    """Why a region cannot be chosen by this user (an English msgid), or None."""
    if region_id is None:
        return N_("Choose the organising region.")
    region = session.get(Region, region_id)
    if region is None or region.level not in levels:
        return N_("Choose the organising region.")
    if user is not None and not covers(session, getattr(user, "scope_region_id", None), region_id):
        return N_("Choose a region within your scope.")
    return None


def region_named(session: Session, name: str) -> int | None:
    """The id of the district or street with this name (the first, if several share it)."""
    return session.execute(select(Region.id).where(
        Region.name == name, Region.level.in_(("district", "street")))  # type: ignore[attr-defined]
        .order_by(Region.id)).scalars().first()
