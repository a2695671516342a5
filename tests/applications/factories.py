"""Rounds (built directly with the models), applicants and complete applications."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.applications import services
from grants.applications.models import Application
from grants.rounds.models import Round, Track
from grants.timeutil import now
from tests import factories

_n = itertools.count(1)
ACTOR = audit.SYSTEM


def round_(session: Session, *, tracks: tuple[str, ...] = ("为老服务", "青少年"),
           **fields: Any) -> Round:
    data: dict[str, Any] = {
        "name": f"测试街道第{next(_n)}届公益创投大赛", "organiser_unit": "测试街道办事处",
        "year": 2026, "status": "open", "opens_at": now() - timedelta(days=10),
        "closes_at": now() + timedelta(days=10), "grant_min_fen": 1_000_000,
        "grant_max_fen": 10_000_000, "max_applications_per_org": 1,
        "eligibility": {"registered_only": False, "min_rating": None,
                        "exclude_black_list": True, "categories": [], "community_ids": []},
        "budget_rules": {"admin_max_pct": 10, "cofunding_min_pct": None,
                         "personnel_max_pct": None},
    }
    data.update(fields)
    created = Round(**data)
    session.add(created)
    session.flush()
    for position, name in enumerate(tracks):
        session.add(Track(round_id=created.id, name=name, position=position))
    session.flush()
    return created


def track_of(session: Session, round_obj: Round) -> Track:
    from sqlalchemy import select

    return session.execute(select(Track).where(Track.round_id == round_obj.id)
                           .order_by(Track.position)).scalars().first()


def applicant(session: Session, org: Any = None, **org_fields: Any) -> User:
    if org is None:
        community = org_fields.pop("community", None) or factories.community(session)
        org = factories.organisation(session, community_id=community.id, **org_fields)
    return factories.user(session, "applicant", organisation=org,
                          username=f"applicant{next(_n)}")


def budget(admin_fen: int = 500_000, personnel_fen: int = 1_000_000,
           activity_fen: int = 3_500_000, cofunding_fen: int = 0) -> list[dict[str, Any]]:
    """Budget lines in fen (defaults: ¥50,000 request, admin exactly 10 %)."""
    lines = [{"category": "activity", "item": "社区长者活动", "amount_fen": activity_fen,
              "cofunding_fen": cofunding_fen},
             {"category": "personnel", "item": "项目社工", "amount_fen": personnel_fen,
              "cofunding_fen": 0}]
    if admin_fen:
        lines.append({"category": "admin", "item": "行政办公", "amount_fen": admin_fen,
                      "cofunding_fen": 0})
    return lines


def proposal_data(session: Session, round_obj: Round, user: User, **changes: Any) -> dict:
    from grants.organisations.models import Organisation

    communities = changes.pop("community_ids", None)
    if communities is None:
        communities = [session.get(Organisation, user.organisation_id).community_id]
    data: dict[str, Any] = {
        "title": "长者食堂互助计划", "track_id": track_of(session, round_obj).id,
        "summary": "为社区独居长者提供助餐与探访服务。",
        "need_analysis": "社区60岁以上老人约1200人，其中独居长者86人。",
        "objectives": "一年内服务长者3000人次。", "target_groups": ["elderly"],
        "community_ids": communities, "planned_activities": 24, "planned_people": 3000,
        "planned_volunteers": 40, "lines": budget(),
        "activities": [{"activity": "长者生日会", "month": "2026-05", "sessions": 2}],
    }
    data.update(changes)
    return data


def application(session: Session, round_obj: Round | None = None, user: User | None = None,
                **changes: Any) -> Application:
    """A complete draft that meets the default round's rules."""
    round_obj = round_obj or round_(session)
    user = user or applicant(session)
    app = services.create_draft(session, ACTOR, user, round_obj, track_of(session, round_obj).id,
                                changes.get("title", "长者食堂互助计划"))
    services.save_draft(session, ACTOR, app, round_obj,
                        proposal_data(session, round_obj, user, **changes))
    session.flush()
    return app


def form_for(app_data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The proposal form fields a browser would post for `app_data` (amounts in yuan)."""
    from grants.money import fen_to_yuan_str

    fields: list[tuple[str, Any]] = []
    for key in ("title", "track_id", "summary", "need_analysis", "objectives",
                "planned_activities", "planned_people", "planned_volunteers"):
        fields.append((key, str(app_data.get(key, ""))))
    fields += [("target_groups", g) for g in app_data.get("target_groups", [])]
    fields += [("community_ids", str(c)) for c in app_data.get("community_ids", [])]
    for line in app_data.get("lines", []):
        fields += [("budget_category", line["category"]), ("budget_item", line["item"]),
                   ("budget_amount", fen_to_yuan_str(line["amount_fen"])),
                   ("budget_cofunding", fen_to_yuan_str(line["cofunding_fen"]))]
    for item in app_data.get("activities", []):
        fields += [("activity_name", item["activity"]), ("activity_month", item["month"]),
                   ("activity_sessions", str(item["sessions"]))]
    return fields
