"""Load the demo data (grants/demo/data.py) through the same services the pages use."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.accounts import services as accounts
from grants.demo import data
from grants.funds import services as funds
from grants.organisations import services as organisations
from grants.organisations.models import Organisation
from grants.regions import scope
from grants.regions import services as regions
from grants.regions.models import Region


def already_loaded(session: Session) -> bool:
    return bool(session.execute(select(func.count()).select_from(Organisation)).scalar_one())


def load(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    """Create regions, organisations, funds with their contributions, and the demo users."""
    community_ids = _load_regions(session, actor)
    orgs = _load_organisations(session, actor, community_ids)
    fund_count = _load_funds(session, actor, orgs, community_ids)
    for spec in data.USERS:
        accounts.create_user(
            session, actor, username=spec["username"], display_name=spec["display_name"],
            role=spec["role"], password=data.DEMO_PASSWORD, email=spec.get("email", ""),
            organisation=orgs.get(spec.get("organisation") or ""),
            is_owner=spec["role"] == "applicant",
            scope_region_id=scope.region_named(session, spec["scope"]) if spec.get("scope") else None)
    from grants.demo.rounds import load_rounds
    from grants.judging.demo import load as load_judging

    counts = {"regions": len(community_ids), "organisations": len(orgs), "funds": fund_count,
              "users": len(data.USERS), **load_rounds(session, actor)}
    from grants.awards.demo import load as load_awards
    from grants.disbursements.demo import load as load_money
    from grants.votes.demo import load_votes

    counts = {**counts, **load_judging(session, actor), **load_votes(session, actor),
              **load_awards(session, actor)}
    from grants.reports.demo import load_history

    return {**counts, **load_money(session, actor), **load_history(session, actor)}


def _fund_region(session: Session, spec: dict, owner: Organisation | None) -> int | None:
    """A demo fund belongs to its owner's street (an organisation's, or the office named as
    owner, e.g. 坂田街道办事处), else the street all its communities lie in; else platform-wide."""
    if owner is not None and owner.community_id is not None:
        return session.get(Region, owner.community_id).parent_id
    names = session.execute(select(Region.id, Region.name).where(
        Region.level.in_(("district", "street")))).all()
    for region_id, name in sorted(names, key=lambda row: -len(row[1])):
        if name in (spec.get("owner") or ""):
            return int(region_id)
    streets = set(session.execute(select(Region.parent_id).where(Region.name.in_(
        spec.get("communities") or ["-"]), Region.level == "community")).scalars())
    return streets.pop() if len(streets) == 1 else None


def _load_regions(session: Session, actor: audit.Actor) -> dict[str, int]:
    ids: dict[str, int] = {}
    for district in data.REGIONS:
        d = regions.create_region(session, actor, district["name"], "district", None)
        for street in district["streets"]:
            s = regions.create_region(session, actor, street["name"], "street", d.id)
            for community in street["communities"]:
                c = regions.create_region(session, actor, community, "community", s.id)
                ids[community] = c.id
    return ids


def _load_organisations(session: Session, actor: audit.Actor,
                        community_ids: dict[str, int]) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for spec in data.ORGANISATIONS:
        fields = {k: v for k, v in spec.items()
                  if k not in {"district", "street", "community", "founded_year"}}
        fields["community_id"] = community_ids.get(spec.get("community") or "")
        if spec.get("founded_year"):
            fields["founded_on"] = date(int(spec["founded_year"]), 1, 1)
        if spec["registration"] == "registered":
            fields["credit_code"] = data.DEMO_CREDIT_CODES[spec["name"]]
        orgs[spec["name"]] = organisations.create(session, actor, fields)
    return orgs


def _load_funds(session: Session, actor: audit.Actor, orgs: dict[str, Organisation],
                community_ids: dict[str, int]) -> int:
    for spec in data.FUNDS:
        owner = orgs.get(spec.get("owner") or "")
        host = orgs.get(spec.get("host") or "")
        fund = funds.create(session, actor, {
            "name": spec["name"], "kind": spec["kind"],
            "owner_org_id": owner.id if owner else None,
            "owner_name": "" if owner else (spec.get("owner") or ""),
            "host_org_id": host.id if host else None,
            "description": spec.get("description", ""),
            "service_areas": list(spec.get("service_areas", [])),
            "target_groups": list(spec.get("target_groups", [])),
            "categories": list(spec.get("categories", [])),
            "community_ids": [community_ids[n] for n in spec.get("communities", [])],
            "region_id": _fund_region(session, spec, owner),
        })
        for c in spec.get("contributions", []):
            funds.add_entry(session, actor, fund, kind="contribution",
                            amount_fen=int(c["amount_yuan"]) * 100,
                            occurred_on=date.fromisoformat(c["date"]),
                            counterparty=c.get("counterparty", ""), memo=c.get("memo", ""))
    return len(data.FUNDS)
