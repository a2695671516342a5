"""A round in judging: eligible applications, a scoring stage, a panel and assignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.applications import services as app_services
from grants.judging import services
from grants.judging.models import Assignment
from grants.rounds.models import Round, Stage
from tests import factories
from tests.applications import factories as af
from tests.rounds import factories as rf

ACTOR = audit.SYSTEM


@dataclass
class World:
    round: Round
    stage: Stage
    apps: list[Any]
    judges: list[Any]
    organiser: Any
    orgs: list[Any]

    def assignment(self, session: Session, judge: Any, app: Any) -> Assignment | None:
        return session.execute(select(Assignment).where(
            Assignment.stage_id == self.stage.id, Assignment.user_id == judge.id,
            Assignment.application_id == app.id)).scalars().first()

    def assignments_of(self, session: Session, judge: Any) -> list[Assignment]:
        return list(session.execute(select(Assignment).where(
            Assignment.stage_id == self.stage.id, Assignment.user_id == judge.id)
            .order_by(Assignment.application_id)).scalars())


def world(session: Session, *, n_apps: int = 3, n_judges: int = 3, k: int = 2,
          blind: bool = True, open_stage: bool = True, assign: bool = True,
          org_names: tuple[str, ...] = ()) -> World:
    round_ = rf.opened(session)
    apps, orgs = [], []
    for i in range(n_apps):
        name = org_names[i] if i < len(org_names) else None
        user = af.applicant(session, **({"name": name} if name else {}))
        app = af.application(session, round_, user, title=f"项目{i + 1}")
        app_services.submit(session, ACTOR, user, app, round_)
        app.status = "eligible"
        apps.append(app)
        orgs.append(user.organisation_id)
    round_.status = "judging"
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "scoring")).scalars().first()
    stage.config = {**stage.config, "blind": blind, "min_sheets": k,
                    "advancement": {"rule": "top_n", "value": 1}}
    judges = []
    for _i in range(n_judges):
        judge = factories.user(session, "judge")
        services.add_member(session, ACTOR, round_, judge)
        judges.append(judge)
    organiser = factories.user(session, "organiser")
    session.flush()
    if assign:
        services.auto_assign(session, ACTOR, stage, services.AssignPlan(k, 0, n_apps))
    if open_stage:
        services.judging_of(session, stage).status = "open"
    session.commit()
    return World(round_, stage, apps, judges, organiser, orgs)


def full_points(value_share: float = 0.8) -> dict[str, float]:
    return {key: round(points * value_share * 2) / 2 for key, _n, points in rf.RUBRIC}


def score_form(points: dict[str, float], **extra: str) -> dict[str, str]:
    form = {f"points_{k}": str(v) for k, v in points.items()}
    form.update(extra)
    return form
