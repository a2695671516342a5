"""Demo judging: a round in judging with a panel of five judges and a first stage partly
scored (so progress, provisional results and confidence show at once), and a second round
whose first stage is closed and whose roadshow (路演答辩) is open and ready to run live.

Called by the demo loader after the rounds exist; goes through the judging services.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts.models import User
from grants.applications import services as app_services
from grants.applications.models import Application, BudgetLine
from grants.judging import services
from grants.judging.models import PanelMember
from grants.organisations.models import Organisation
from grants.rounds import copying
from grants.rounds.models import Round, Stage, Track
from grants.rounds.rubrics import criteria_of
from grants.timeutil import local, now

JUDGES = ("judge1", "judge2", "judge3", "judge4", "judge5")
PROJECTS = (("荔林关爱中心", "为老服务", "长者食堂互助计划", 4_800_000),
            ("荔芳社区食品安全自治会", "社区治理", "放心菜篮子居民监督行动", 3_000_000),
            ("南园骑手互助会", "社区治理", "骑手驿站融入社区计划", 4_200_000),
            ("月亮湾物流协会", "社区治理", "货车司机子女暑期托管", 2_600_000),
            ("风华楼联会", "社区治理", "楼栋议事会孵化", 2_000_000),
            ("学府社区治理联合会", "青少年", "四点半课堂升级版", 3_500_000),
            ("南山粤剧团", "为老服务", "粤韵长者文化陪伴", 1_800_000),
            ("熠家心理工作室", "心理健康", "家庭关系修复小组", 4_000_000))


def load(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    last = session.execute(select(Round).where(Round.status == "finished")
                           .order_by(Round.id)).scalars().first()
    judges = list(session.execute(select(User).where(User.username.in_(JUDGES))
                                  .order_by(User.username)).scalars())
    if last is None or len(judges) < 5:
        return {}
    year = local(now()).year
    _round_in_judging(session, actor, last, judges, f"{year}年南山街道社区微创投（评审演示）",
                      complete=False)
    round_, stage = _round_in_judging(session, actor, last, judges,
                                      f"{year}年南山街道社区微创投（路演演示）", complete=True)
    from grants.judging import results

    results.close_stage(session, actor, None, stage)
    roadshow_stage = session.execute(select(Stage).where(
        Stage.round_id == round_.id, Stage.kind == "roadshow")).scalars().first()
    n_apps = len(services.stage_application_ids(session, roadshow_stage))
    # The roadshow scores as 博爱100 does: experts and public judges (judge4, judge5) weighted
    # 70/30, plus 筹资加分 by the co-funding share and 特别加分 granted with a reason.
    before = audit.snapshot(roadshow_stage)
    roadshow_stage.config = {**roadshow_stage.config, "composition": {
        "public_weight": 30, "funding_table": [[10, 5], [20, 10], [30, 15]],
        "funding_cap": 15, "special_cap": 10}}
    audit.record(session, actor, "stage.import", roadshow_stage, before=before)
    for member in session.execute(select(PanelMember).where(
            PanelMember.round_id == round_.id)).scalars():
        if member.user_id in {j.id for j in judges if j.username in ("judge4", "judge5")}:
            services.update_member(session, actor, member, tracks=member.tracks,
                                   organisation_ids=member.organisation_ids,
                                   community_ids=member.community_ids,
                                   fund_ids=member.fund_ids, public=True)
    apps = sorted(services.stage_application_ids(session, roadshow_stage))
    for app_id, share in zip(apps, (25, 0, 35, 12), strict=False):
        app = session.get(Application, app_id)
        if app is not None and share:
            app.cofunding_fen = app.request_fen * share // (100 - share)
    services.auto_assign(session, actor, roadshow_stage,
                         services.AssignPlan(len(judges), 0, n_apps))
    lifecycle.perform(session, actor, None, "judging.open",
                      services.judging_of(session, roadshow_stage))
    if apps:
        services.grant_bonus(session, actor, roadshow_stage, apps[0], 5,
                             "服务骑手等新就业群体，符合本届“融入社区”主题，按规则给予特别加分。")
    from grants.judging import roadshow

    roadshow.state_of(session, roadshow_stage)
    return {"judging rounds": 2}


def _round_in_judging(session: Session, actor: audit.Actor, last: Round, judges: list[User],
                      name: str, complete: bool) -> tuple[Round, Stage]:
    year = local(now()).year
    round_, _notes = copying.copy_round(session, actor, last, {"name": name, "year": year})
    before = audit.snapshot(round_)
    round_.status = "judging"  # demo data: the round arrives already in judging
    # Its application window has closed: the projects were submitted and screened.
    round_.opens_at, round_.closes_at = now() - timedelta(days=60), now() - timedelta(days=14)
    round_.series, round_.edition = "", None  # demonstrations, not editions of the contest
    audit.record(session, actor, "round.import", round_, before=before)
    tracks = {t.name: t.id for t in session.execute(select(Track).where(
        Track.round_id == round_.id)).scalars()}
    orgs = {o.name: o for o in session.execute(select(Organisation)).scalars()}
    for org_name, track, title, request_fen in PROJECTS:
        org = orgs.get(org_name)
        if org is None:
            continue
        app = Application(round_id=round_.id, track_id=tracks.get(track),
                          organisation_id=org.id, status="eligible", title=title,
                          summary=f"{title}：面向社区居民的公益服务项目。",
                          need_analysis="社区走访和问卷显示需求明确。",
                          objectives="一年内服务居民1000人次。", community_ids=[],
                          planned_activities=20, planned_people=1000, planned_volunteers=20,
                          request_fen=request_fen, current_version=1,
                          submitted_at=now() - timedelta(days=15))
        session.add(app)
        session.flush()
        # A budget that adds up to the request: activities, staff, and a little administration.
        admin = request_fen // 10
        staff = request_fen * 3 // 10
        for category, item, amount in (("activity", "活动物资与场地", request_fen - admin - staff),
                                       ("personnel", "社工与督导补贴", staff),
                                       ("admin", "行政与宣传", admin)):
            session.add(BudgetLine(application_id=app.id, category=category, item=item,
                                   amount_fen=amount))
        app_services.record_arrived_version(session, app)
        audit.record(session, actor, "application.import", app)
    for judge, expertise in zip(judges, ("为老服务", "社区治理", "青少年", "心理健康", "社区治理"),
                                strict=True):
        services.add_member(session, actor, round_, judge, tracks=[tracks.get(expertise)])
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "scoring")).scalars().one()
    stage.config = {**stage.config, "min_sheets": 3,
                    "advancement": {"rule": "top_n", "value": 4}}
    services.auto_assign(session, actor, stage, services.AssignPlan(3, 4, 6))
    judging = services.judging_of(session, stage)
    lifecycle.perform(session, actor, None, "judging.open", judging)
    _score_some(session, actor, stage, judges, complete)
    return round_, stage


def _score_some(session: Session, actor: audit.Actor, stage: Stage, judges: list[User],
                complete: bool) -> None:
    """Every judge scores; unless `complete`, judge5 has not started and judge4 leaves drafts."""
    lots = random.Random(2026)  # noqa: S311 - demo scores, not secrets
    criteria = criteria_of(session, stage)
    quality = {}
    for assignment in services.live_assignments(session, stage):
        judge = next(j for j in judges if j.id == assignment.user_id)
        if judge.username == "judge5" and not complete:
            continue
        lifecycle.perform(session, actor, None, "assignment.confirm", assignment)
        sheet = services.sheet_of(session, assignment, create=True)
        level = quality.setdefault(assignment.application_id, lots.uniform(0.55, 0.9))
        severity = {"judge1": 0.0, "judge2": -0.08, "judge3": 0.05, "judge4": 0.0}
        share = min(1.0, max(0.3, level + severity.get(judge.username, 0)
                             + lots.uniform(-0.06, 0.06)))
        points = {c.key: round(c.max_points * share * 2) / 2 for c in criteria}
        draft = not complete and judge.username == "judge4" and sheet.id % 2 == 0
        services.save_sheet(session, actor, judge, sheet,
                            services.SheetInput(points=points,
                                                overall="" if draft else "方案清楚，可行。"),
                            submit=not draft)
