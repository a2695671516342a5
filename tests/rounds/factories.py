"""Round factories, built through the services so that the audit trail is real."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.rounds import funding, rubrics, services, stages, tracks
from grants.rounds.models import Round, Stage
from grants.timeutil import now
from tests import factories

ACTOR = audit.SYSTEM
_counter = itertools.count(1)
RUBRIC = (("need", "需求分析", 20), ("design", "项目设计", 25), ("feasibility", "可行性", 20),
          ("budget", "预算合理性", 15), ("team", "团队能力", 10), ("impact", "社会影响", 10))


def draft(session: Session, **fields: Any) -> Round:
    data = {"name": f"2026年测试街道第{next(_counter)}届公益创投大赛",
            "organiser_unit": "测试街道办事处", "year": 2026, "description": "测试用大赛"}
    data.update(fields)
    return services.create(session, ACTOR, data)


def scoring_stage(session: Session, round_: Round, name: str = "初审",
                  rubric: tuple[tuple[str, str, int], ...] = RUBRIC,
                  kind: str = "scoring") -> Stage:
    stage = stages.add_stage(session, ACTOR, round_, {"kind": kind, "name": name})
    for key, criterion, points in rubric:
        rubrics.add_criterion(session, ACTOR, round_, stage,
                              {"key": key, "name": criterion, "max_points": points,
                               "guidance": [{"level": "优秀", "min": points - 2, "max": points,
                                             "text": "好"}]})
    return stage


def ready(session: Session, *, budget_fen: int = 200_000_00, fund_fen: int | None = None,
          **fields: Any) -> Round:
    """A draft round that passes every opening check."""
    round_ = draft(session, **fields)
    fund = factories.fund(session, contributed_fen=fund_fen or budget_fen)
    funding.attach_fund(session, ACTOR, round_, fund.id, budget_fen)
    tracks.add_track(session, ACTOR, round_, {"name": "为老服务", "service_area": "elderly"})
    tracks.add_track(session, ACTOR, round_, {"name": "青少年", "service_area": "youth"})
    start = now() - timedelta(days=1)
    services.update_window(session, ACTOR, round_, {
        "opens_at": start, "closes_at": start + timedelta(days=30),
        "grant_min_fen": 10_000_00, "grant_max_fen": 50_000_00, "max_applications_per_org": 1})
    stages.add_stage(session, ACTOR, round_, {"kind": "screening", "name": "资格审查",
                                              "starts_at": start + timedelta(days=31),
                                              "ends_at": start + timedelta(days=35)})
    scoring_stage(session, round_)
    stages.add_stage(session, ACTOR, round_, {"kind": "notice", "name": "公示"})
    stages.add_stage(session, ACTOR, round_, {"kind": "approval", "name": "立项"})
    return round_


def opened(session: Session, **fields: Any) -> Round:
    round_ = ready(session, **fields)
    session.flush()
    round_.status = "open"
    session.flush()
    return round_
