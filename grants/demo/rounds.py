"""Demo rounds: last year's finished 南山街道 contest and this year's, copied from it and open.

Called by the demo loader after the regions, organisations and funds exist. Everything goes
through the services, so the audit trail and the checks are the real ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.regions.models import Region
from grants.rounds import copying, funding, rubrics, services, stages, tracks, workflow
from grants.rounds.models import Round
from grants.timeutil import local, now

FUND_NAME = "南山街道社会治理创新大赛专项资金"  # in grants/demo/data.py FUNDS
BANTIAN_FUND = "坂田街道“幸福老人计划”项目资金"
BANTIAN_COMMUNITIES = ("象角塘社区", "南坑社区", "五和社区", "万科城社区", "四季花城社区")
COMMUNITIES = ("荔林社区", "荔芳社区", "学府社区", "南园社区", "月亮湾社区")
TRACKS = (("为老服务", "elderly", "长者关爱、居家养老、老年协会能力建设"),
          ("青少年", "youth", "四点半课堂、青少年成长与安全"),
          ("社区治理", "governance", "居民议事、楼栋自治、骑手与新就业群体融入社区"),
          ("心理健康", "mental_health", "心理疏导、家庭关系、特殊人群关怀"))
FIRST_ROUND_RUBRIC = (("need", "需求分析", 20, "服务需求是否真实、有调研依据"),
                      ("design", "项目设计", 25, "目标、活动与产出是否清晰可衡量"),
                      ("feasibility", "可行性", 20, "进度安排、场地与合作资源是否落实"),
                      ("budget", "预算合理性", 15, "预算是否必要、标准是否合理"),
                      ("team", "团队能力", 10, "团队经验、志愿者力量"),
                      ("impact", "社会影响", 10, "受益面、可持续性与示范性"))
ROADSHOW_RUBRIC = (("pitch", "项目展示", 30, "陈述是否清楚、重点突出"),
                   ("defence", "答辩表现", 30, "对评委提问的回应是否到位"),
                   ("innovation", "创新性", 20, "做法是否有新意、可复制"),
                   ("sustainability", "可持续性", 20, "资助结束后能否持续运作"))


def _at(base: datetime, days: int, hour: int) -> datetime:
    """`days` after `base` at `hour`:00 China time."""
    day = local(base) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _levels(points: int) -> list[dict[str, Any]]:
    top, good, fair = round(points * 0.9), round(points * 0.75), round(points * 0.6)
    return [{"level": "优秀", "min": top, "max": points, "text": "充分、具体，有数据或案例支撑"},
            {"level": "良好", "min": good, "max": top - 1, "text": "较为充分，个别方面欠具体"},
            {"level": "一般", "min": fair, "max": good - 1, "text": "基本说明，但依据不足"},
            {"level": "较差", "min": 0, "max": fair - 1, "text": "缺失或明显不合理"}]


def _rubric(session: Session, actor: audit.Actor, round_: Round, stage: Any,
            rubric: tuple[tuple[str, str, int, str], ...]) -> None:
    for key, name, points, description in rubric:
        rubrics.add_criterion(session, actor, round_, stage, {
            "key": key, "name": name, "max_points": points, "description": description,
            "guidance": _levels(points)})


def _build_last_year(session: Session, actor: audit.Actor, fund: Fund | None,
                     year: int, base: datetime) -> Round:
    """Last year's contest, configured as it ran; `base` is when its window opened."""
    round_ = services.create(session, actor, {
        "name": f"{year}年南山街道第三届社会治理创新大赛", "organiser_unit": "南山街道办事处",
        "year": year, "region_id": _street(session, "南山街道"),
        "series": "南山街道社会治理创新大赛", "edition": 3,
        "description": "以“孵化、扶持、辅导、赋力”（4Fu）为方法，面向辖区社区社会组织征集"
                       "社会治理创新项目。三届大赛累计扶持26个项目落地，投入42万元。"})
    if fund is not None:
        room = funding.attachable(session, [fund.id], round_.id)[fund.id]  # type: ignore[list-item]
        amount = min(140_000_00, room.free)
        if amount > 0:
            funding.attach_fund(session, actor, round_, fund.id, amount)
    for name, area, description in TRACKS:
        tracks.add_track(session, actor, round_, {"name": name, "service_area": area,
                                                  "description": description})
    closes = _at(base, 33, 17)
    services.update_window(session, actor, round_, {
        "opens_at": _at(base, 0, 9), "closes_at": closes,
        "grant_min_fen": 10_000_00, "grant_max_fen": 50_000_00, "max_applications_per_org": 2})
    ids = list(session.execute(select(Region.id).where(
        Region.level == "community", Region.name.in_(COMMUNITIES))).scalars())
    services.update_rules(session, actor, round_, {
        "eligibility": {"registered_only": False, "min_rating": None,
                        "exclude_black_list": True, "categories": [], "community_ids": ids},
        "budget_rules": {"admin_max_pct": 10, "cofunding_min_pct": None,
                         "personnel_max_pct": 30}})
    plan = (("screening", "资格审查", 34, 40), ("scoring", "初审", 41, 53),
            ("roadshow", "路演答辩", 58, 59), ("notice", "公示", 61, 68),
            ("approval", "立项", 69, 73))
    configs = {
        "scoring": {"judges_per_app": 5, "blind": True, "aggregation": "drop_high_low",
                    "advancement_rule": "top_n", "advancement_value": 12, "min_sheets": 3},
        "roadshow": {"judges_per_app": 7, "blind": False, "aggregation": "drop_high_low",
                     "advancement_rule": "threshold", "advancement_value": 75, "min_sheets": 5},
        "notice": {"objection_days": 5},
    }
    for kind, name, start, end in plan:
        stage = stages.add_stage(session, actor, round_, {
            "kind": kind, "name": name, "starts_at": _at(base, start, 0),
            "ends_at": _at(base, end, 23).replace(minute=59), "config": configs.get(kind, {})})
        if kind == "scoring":
            _rubric(session, actor, round_, stage, FIRST_ROUND_RUBRIC)
        elif kind == "roadshow":
            _rubric(session, actor, round_, stage, ROADSHOW_RUBRIC)
    services.update_tranches(session, actor, round_, {
        "tranches": [{"percent": 50, "condition": "signing"},
                     {"percent": 30, "condition": "midterm_passed"},
                     {"percent": 20, "condition": "final_accepted"}],
        "reporting_plan": {"midterm_due": (local(closes) + timedelta(days=150)).date(),
                           "final_due": (local(closes) + timedelta(days=300)).date()}})
    return round_


def load_rounds(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    """Last year's contest (finished) and this year's, copied from it and open now."""
    fund = session.execute(select(Fund).where(Fund.name == FUND_NAME)).scalar_one_or_none()
    this_year = local(now()).year
    # Last year's window opened three days before the same date last year, so that the
    # copy (shifted by one year) opened three days ago and closes in about thirty days.
    base = copying.shift_years(now() - timedelta(days=3), -1)
    assert base is not None
    last = _build_last_year(session, actor, fund, this_year - 1, base)
    before = audit.snapshot(last)
    last.status = "finished"
    audit.record(session, actor, "round.import", last, before=before)

    current, _notes = copying.copy_round(session, actor, last, {
        "name": f"{this_year}年南山街道第四届社会治理创新大赛", "year": this_year})
    current.description = ("面向南山街道辖区社区社会组织，征集为老服务、青少年、社区治理、"
                           "心理健康四个赛道的社会治理创新项目。单个项目资助1万至5万元。")
    if fund is not None:
        room = funding.attachable(session, [fund.id], current.id)[fund.id]
        available = funds_services.balances(session, [fund.id])[fund.id].available
        amount = min(200_000_00, room.free, available)
        if amount > 0:
            funding.attach_fund(session, actor, current, fund.id, amount)
    if not lifecycle.problems(session, "round.open", current):
        workflow.transition(session, actor, None, current, "open")
    _bantian_round(session, actor, current, this_year)
    return {"rounds": 3}


def _street(session: Session, name: str) -> int | None:
    return session.execute(select(Region.id).where(Region.name == name,
                                                   Region.level == "street")).scalars().first()


def _bantian_round(session: Session, actor: audit.Actor, model: Round, year: int) -> Round:
    """坂田街道's own round, run by its street organiser: the same plan as 南山's, limited to
    坂田 communities and paid from 坂田's elderly-care fund, open now."""
    round_, _notes = copying.copy_round(session, actor, model, {
        "name": f"{year}年坂田街道“幸福老人计划”公益微创投", "year": year})
    round_.organiser_unit = "坂田街道办事处"
    round_.region_id = _street(session, "坂田街道")
    # The third edition of 坂田's contest (the first two are loaded as history by
    # grants/reports/demo.py); first-prize winners of earlier editions may not enter again.
    round_.series, round_.edition = "坂田街道社区公益微创投", 3
    round_.description = "面向坂田街道辖区社区社会组织，征集为老服务项目。"
    from grants.rounds.models import RoundFund

    # The copy took 南山's fund along; 坂田's round pays from its own.
    for link in list(session.execute(select(RoundFund).where(
            RoundFund.round_id == round_.id)).scalars()):
        funding.detach_fund(session, actor, round_, link)
    session.flush()
    ids = list(session.execute(select(Region.id).where(
        Region.level == "community", Region.name.in_(BANTIAN_COMMUNITIES))).scalars())
    round_.eligibility = {**round_.eligibility, "community_ids": ids,
                          "exclude_winner_levels": ["first"]}
    fund = session.execute(select(Fund).where(Fund.name == BANTIAN_FUND)).scalar_one_or_none()
    if fund is not None:
        room = funding.attachable(session, [fund.id], round_.id)[fund.id]
        amount = min(100_000_00, room.free)
        if amount > 0:
            funding.attach_fund(session, actor, round_, fund.id, amount)
    if not lifecycle.problems(session, "round.open", round_):
        workflow.transition(session, actor, None, round_, "open")
    return round_
