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
from grants.regions import services as regions


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
            is_owner=spec["role"] == "applicant")
    from grants.rounds.demo import load_rounds
    from grants.votes.demo import load_votes

    rounds = load_rounds(session, actor)
    return {"regions": len(community_ids), "organisations": len(orgs), "funds": fund_count,
            "users": len(data.USERS), **rounds, **load_votes(session, actor)}


def _load_regions(session: Session, actor: audit.Actor) -> dict[str, int]:
    ids: dict[str, int] = {}
    for district in data.REGIONS:
        d = regions.create_region(session, actor, district["name"], "district", None)
        for street in district["streets"]:
            s = regions.create_region(session, actor, street["name"], "street", d.id)
            for community in street["communities"]:
                c = regions.create_region(session, actor, community, "community", s.id)
                ids[community] = c.id  # type: ignore[assignment]
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
        })
        for c in spec.get("contributions", []):
            funds.add_entry(session, actor, fund, kind="contribution",
                            amount_fen=int(c["amount_yuan"]) * 100,
                            occurred_on=date.fromisoformat(c["date"]),
                            counterparty=c.get("counterparty", ""), memo=c.get("memo", ""))
    return len(data.FUNDS)
