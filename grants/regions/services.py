"""Regions: the district → street → community tree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.db import memo
from grants.i18n import gettext as _
from grants.i18n import join_list
from grants.regions.models import PARENT_LEVEL, Region
from grants.validation import FormErrors


@dataclass(frozen=True)
class RegionPath:
    community: Region
    street: Region | None
    district: Region | None

    @property
    def label(self) -> str:
        parts = [r.name for r in (self.district, self.street, self.community) if r is not None]
        return " / ".join(parts)


def all_regions(session: Session) -> list[Region]:
    return list(session.execute(select(Region).order_by(Region.level, Region.name)).scalars())


def tree(session: Session) -> list[tuple[Region, list[tuple[Region, list[Region]]]]]:
    """Districts with their streets with their communities, in one query."""
    regions = all_regions(session)
    children: dict[int | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    return [
        (district, [(street, children.get(street.id, [])) for street in children.get(district.id, [])])
        for district in children.get(None, [])
    ]


def community_choices(session: Session, current: bool = False) -> list[tuple[int, str]]:
    """(id, 'district / street / community') for every community, for select boxes; retired
    ones are marked, or left out with `current` (where a new organisation is placed). Worked
    out once per page (a page may ask for each open round's eligibility)."""
    return list(memo(session, ("community_choices", current),
                     lambda: _community_choices(session, current)))


def _community_choices(session: Session, current: bool) -> list[tuple[int, str]]:
    by_id = {r.id: r for r in all_regions(session)}
    out = []
    for region in by_id.values():
        if region.level != "community" or (current and region.retired):
            continue
        street = by_id.get(region.parent_id)
        district = by_id.get(street.parent_id) if street else None
        label = RegionPath(region, street, district).label
        if region.retired:
            label = _("%(name)s (retired)", name=label)
        out.append((region.id, label))
    return sorted(out, key=lambda item: item[1])


def path_labels(session: Session) -> dict[int, str]:
    return dict(community_choices(session))


def all_communities(session: Session, ids: list[int]) -> bool:
    """Whether every id names a community (an empty list does)."""
    if not ids:
        return True
    found = session.execute(select(func.count()).select_from(Region).where(
        Region.id.in_(set(ids)), Region.level == "community")).scalar_one()
    return bool(found == len(set(ids)))


def create_region(session: Session, actor: audit.Actor, name: str, level: str,
                  parent_id: int | None) -> Region:
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("This field is required.")
    elif len(name) > 60:
        errors["name"] = _("At most %(max)s characters (you entered %(n)s).", max=60, n=len(name))
    if level not in PARENT_LEVEL:
        errors["level"] = _("Not a valid choice.")
        raise FormErrors(errors)
    parent = session.get(Region, parent_id) if parent_id else None
    wanted = PARENT_LEVEL[level]
    if wanted is None and parent_id:
        errors["parent_id"] = _("A district has no parent.")
    elif wanted is not None and (parent is None or parent.level != wanted):
        errors["parent_id"] = _("Choose the region this one belongs to.")
    elif parent is not None and parent.retired:
        errors["parent_id"] = _("%(name)s is retired.", name=parent.name)
    if not errors and session.execute(select(Region.id).where(
            Region.name == name, Region.parent_id == (parent.id if parent else None))).first():
        errors["name"] = _("A region with this name already exists here.")
    if errors:
        raise FormErrors(errors)
    region = Region(name=name, level=level, parent_id=parent.id if parent else None)
    session.add(region)
    from grants.regions import scope

    scope.forget(session)  # the session's ancestor map is read again with the new region
    audit.record(session, actor, "region.create", region)
    return region


def rename_region(session: Session, actor: audit.Actor, region: Region, name: str) -> None:
    name = " ".join(name.split())
    if not name or len(name) > 60:
        raise FormErrors({"name": _("Enter a name of 1 to 60 characters.")})
    clash = session.execute(select(Region.id).where(
        Region.name == name, Region.parent_id == region.parent_id, Region.id != region.id)).first()
    if clash:
        raise FormErrors({"name": _("A region with this name already exists here.")})
    before = audit.snapshot(region)
    region.name = name
    audit.record(session, actor, "region.rename", region, before=before)


def move_region(session: Session, actor: audit.Actor, region: Region,
                parent_id: int | None) -> None:
    """Put a street under another district, or a community under another street. Organiser
    scopes follow the tree, so the region's rounds, funds and organisations move with it."""
    wanted = PARENT_LEVEL[region.level]
    parent = session.get(Region, parent_id) if parent_id else None
    if wanted is None:
        raise FormErrors({"parent_id": _("A district has no parent.")})
    if parent is None or parent.level != wanted:
        raise FormErrors({"parent_id": _("Choose the region this one belongs to.")})
    if parent.id == region.parent_id:
        raise FormErrors({"parent_id": _("%(name)s already belongs there.", name=region.name)})
    if parent.retired:
        raise FormErrors({"parent_id": _("%(name)s is retired.", name=parent.name)})
    if session.execute(select(Region.id).where(Region.name == region.name,
                                               Region.parent_id == parent.id)).first():
        raise FormErrors({"parent_id": _("%(parent)s already has a region called %(name)s.",
                                         parent=parent.name, name=region.name)})
    before = audit.snapshot(region)
    region.parent_id = parent.id
    from grants.regions import scope

    scope.forget(session)
    audit.record(session, actor, "region.move", region, before=before)


def set_retired(session: Session, actor: audit.Actor, region: Region, retired: bool) -> None:
    """Retire a region (it stays on the records that name it) or bring it back. A street or
    district is retired only once everything in it is."""
    if region.retired == retired:
        return
    if retired:
        active = session.execute(select(Region.name).where(
            Region.parent_id == region.id, Region.retired.is_(False))).scalars().all()
        if active:
            raise FormErrors({"retired": _(
                "Retire what %(name)s contains first: %(names)s.", name=region.name,
                names=join_list(active))})
    elif region.parent_id is not None:
        parent = session.get(Region, region.parent_id)
        if parent is not None and parent.retired:
            raise FormErrors({"retired": _("%(name)s is retired: bring it back first.",
                                           name=parent.name)})
    before = audit.snapshot(region)
    region.retired = retired
    audit.record(session, actor, "region.retire" if retired else "region.restore", region,
                 before=before)

