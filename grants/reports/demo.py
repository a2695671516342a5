"""Demo history: the two previous years of 坂田街道's community micro-venture contest, paid by
南坑圆梦慈善公益基金, with signed agreements, every tranche paid, mid-term and final reports
evaluated — so that the funder's impact page has trends to show — one final report
returned for correction, which the figures leave out, and one agreement terminated for breach
afterwards, its organisation barred from applying for three years.

Past rounds arrive as an import of their results (the way a street office brings its paper
records in): the round, the winning applications and the confirmed awards are written as
`*.import` audit events; the ledger, the agreements, the payments, the reports and the
evaluations then go through the real services.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.applications import services as app_services
from grants.applications.models import Application, BudgetLine
from grants.awards.models import Award, AwardAllocation, AwardNotice
from grants.awards.services import new_code
from grants.disbursements import services as money
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.organisations.models import Organisation
from grants.regions.models import Region
from grants.reports import services as reports
from grants.rounds import services as round_services
from grants.rounds import tracks
from grants.rounds.models import Round, RoundFund, Track
from grants.timeutil import local, now

FUND = "南坑圆梦慈善公益基金"
BREACHED = "奶奶厨房帮"  # its 2024 agreement is terminated for breach and it is barred
DONOR = "南坑社区股份合作公司"
AREAS = (("为老服务", "elderly"), ("青少年", "youth"), ("助残服务", "disability"),
         ("困难家庭帮扶", "poverty"))

# (organisation, track, title, yuan, targets, planned (activities, people, volunteers),
#  final (activities, people, volunteers, hours, grade), beneficiaries by group)
PROJECTS: dict[int, tuple[tuple[Any, ...], ...]] = {
    2: (("坂田义工联", "青少年", "“小候鸟”暑期成长营", 30_000, ["children", "migrants"],
         (24, 1800, 40), (26, 2050, 46, 920, "good"), {"children": 310, "migrants": 180}),
        ("象角塘社区老年协会", "为老服务", "长者健康互助小组", 25_000, ["elderly"],
         (36, 2400, 20), (40, 2680, 24, 610, "excellent"), {"elderly": 260}),
        ("奶奶厨房帮", "困难家庭帮扶", "邻里共享厨房", 28_000, ["low_income", "elderly"],
         (48, 3000, 30), (40, 2310, 26, 780, "pass"), {"low_income": 85, "elderly": 140}),
        ("妈妈荟", "青少年", "妈妈成长互助计划", 20_000, ["women", "children"],
         (20, 1200, 15), (22, 1320, 18, 350, "good"), {"women": 120, "children": 95})),
    1: (("坂田义工联", "青少年", "“小候鸟”暑期成长营（第二期）", 32_000, ["children", "migrants"],
         (30, 2400, 50), (33, 2620, 58, 1240, "excellent"), {"children": 380, "migrants": 210}),
        ("五和社区老年协会", "为老服务", "银龄助餐送餐", 35_000, ["elderly", "low_income"],
         (60, 5000, 35), (58, 4860, 37, 1650, "good"), {"elderly": 420, "low_income": 60}),
        ("象角塘社区长青老龄大学", "为老服务", "长者智能手机课堂", 18_000, ["elderly"],
         (40, 1600, 12), (42, 1750, 14, 300, "good"), {"elderly": 190}),
        ("妈妈荟", "助残服务", "残障儿童家庭喘息服务", 26_000, ["disabled", "women"],
         (24, 800, 20), (23, 760, 21, 480, "returned"), {"disabled": 36, "women": 40})),
}
LEVELS = {"长者健康互助小组": "first", "“小候鸟”暑期成长营": "second", "妈妈成长互助计划": "third",
          "邻里共享厨房": "excellence", "银龄助餐送餐": "first",
          "“小候鸟”暑期成长营（第二期）": "second", "长者智能手机课堂": "third",
          "残障儿童家庭喘息服务": "excellence"}
NARRATIVE = ("项目在南坑社区按计划开展，活动台账、签到表和照片齐全；"
             "通过居民骨干和志愿者持续运作，服务对象满意度调查平均得分4.6分（满分5分）。")


def _day(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def _round(session: Session, actor: audit.Actor, year: int, edition: int) -> Round:
    street = session.execute(select(Region.id).where(Region.name == "坂田街道",
                                                     Region.level == "street")).scalars().first()
    round_ = round_services.create(session, actor, {
        "name": f"{year}年坂田街道第{edition}届社区公益微创投", "organiser_unit": "坂田街道办事处",
        "year": year, "region_id": street, "series": "坂田街道社区公益微创投", "edition": edition,
        "description": "坂田街道联合南坑社区圆梦慈善基金会，资助服务南坑社区“老、妇、幼、残”"
                       "及来深建设者的社区公益项目。"})
    for name, area in AREAS:
        tracks.add_track(session, actor, round_, {"name": name, "service_area": area,
                                                  "description": ""})
    round_services.update_tranches(session, actor, round_, {
        "tranches": [{"percent": 50, "condition": "signing"},
                     {"percent": 30, "condition": "midterm_passed"},
                     {"percent": 20, "condition": "final_accepted"}],
        "reporting_plan": {"midterm_due": _day(year, 9, 30), "final_due": _day(year + 1, 1, 31)}})
    before = audit.snapshot(round_)
    round_.status = "finished"  # imported history
    audit.record(session, actor, "round.import", round_, before=before)
    return round_


def _award(session: Session, actor: audit.Actor, round_: Round, notice: AwardNotice,
           fund: Fund, position: int, spec: tuple[Any, ...], community_id: int | None,
           track_ids: dict[str, int]) -> Award:
    org_name, track, title, yuan, targets, planned = spec[:6]
    org = session.execute(select(Organisation).where(Organisation.name == org_name)).scalar_one()
    amount = yuan * 100
    app = Application(round_id=round_.id, track_id=track_ids.get(track), organisation_id=org.id,
                      status="eligible", title=title, summary=f"{title}：服务南坑社区居民的公益项目。",
                      need_analysis="社区走访和问卷显示需求明确。", objectives="按计划开展活动、服务居民。",
                      target_groups=list(targets), community_ids=[community_id] if community_id else [],
                      planned_activities=planned[0], planned_people=planned[1],
                      planned_volunteers=planned[2], request_fen=amount, current_version=1,
                      submitted_at=now())
    session.add(app)
    session.flush()
    for position_, (category, item, share) in enumerate((("activity", "活动物资与场地", 60),
                                                          ("personnel", "社工与督导补贴", 30),
                                                          ("publicity", "宣传与印刷", 10))):
        session.add(BudgetLine(application_id=app.id, category=category, item=item,
                               amount_fen=amount * share // 100, position=position_))
    app_services.record_arrived_version(session, app)
    audit.record(session, actor, "application.import", app)
    award = Award(round_id=round_.id, notice_id=notice.id, application_id=app.id,
                  organisation_id=org.id, status="confirmed", position=position,
                  level=LEVELS.get(title, ""), amount_fen=amount, sought_fen=amount,
                  code=new_code(),
                  confirmed_at=notice.confirmed_at)
    session.add(award)
    session.flush()
    session.add(AwardAllocation(award_id=award.id, round_id=round_.id, fund_id=fund.id,
                                amount_fen=amount))
    audit.record(session, actor, "award.import", award)
    funds_services.add_entry(session, actor, fund, kind="commitment", amount_fen=amount,
                             occurred_on=_day(round_.year, 4, 30), ref_type="round",
                             ref_id=round_.id, counterparty=org_name[:100],
                             memo=f"{round_.name} 资助承诺"[:300])
    return award


def _pay_due(session: Session, users: dict[str, User], agreement: Any, paid_on: date,
             reference: str) -> None:
    finance, finance2 = users["finance"], users["finance2"]
    for tranche in money.tranches_of(session, agreement):
        if tranche.status == "due":
            payment = money.record_payment(
                session, audit.Actor(finance.id, finance.username), finance, tranche,
                amount_fen=tranche.amount_fen, paid_on=paid_on,
                bank_reference=f"{reference}{tranche.position}", note="按协议拨付")
            money.approve(session, audit.Actor(finance2.id, finance2.username), finance2,
                          payment)


def _report(session: Session, as_org: audit.Actor, organiser: User, agreement: Any, kind: str,
            figures: tuple[Any, ...], groups: dict[str, int], share: int,
            outcome: str) -> None:
    report = reports.start(session, as_org, None, agreement, kind)
    form = {"activities_held": str(figures[0] * share // 100),
            "people_served": str(figures[1] * share // 100),
            "volunteers": str(figures[2] * share // 100 or 1),
            "volunteer_hours": str(figures[3] * share // 100),
            "narrative": NARRATIVE, "stories": ""}
    for group, count in groups.items():
        form[f"group_{group}"] = str(count * share // 100)
    for i, line in enumerate(report.spending):
        form[f"spent_{i}"] = str(line["budget_fen"] * share * 96 // 10000 // 100)
    reports.save(session, as_org, None, report, form)
    reports.submit(session, as_org, None, report)
    as_organiser = audit.Actor(organiser.id, organiser.username)
    if outcome == "returned":
        reports.return_for_correction(session, as_organiser, organiser, report,
                                      "请补充活动签到表和支出凭证复印件后重新提交。")
        return
    reports.evaluate(session, as_organiser, organiser, report, grade=outcome,
                     score={"excellent": 92, "good": 84, "pass": 71}.get(outcome),
                     comments="材料齐全，活动开展与计划基本一致。" if outcome != "pass"
                     else "完成了主要目标，活动场次略低于计划，需加强台账管理。")


def load_history(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    fund = session.execute(select(Fund).where(Fund.name == FUND)).scalars().first()
    users = {u.username: u for u in session.execute(select(User).where(
        User.username.in_(("finance", "finance2", "bantian")))).scalars()}
    community = session.execute(select(Region.id).where(
        Region.name == "南坑社区", Region.level == "community")).scalars().first()
    if fund is None or len(users) < 3:
        return {}
    organiser = users["bantian"]
    this_year = local(now()).year
    count = 0
    breached = None
    last_year: tuple[Round, list[int]] | None = None
    for back, specs in sorted(PROJECTS.items(), reverse=True):
        year = this_year - back
        funds_services.add_entry(session, actor, fund, kind="contribution",
                                 amount_fen=sum(s[3] for s in specs) * 100,
                                 occurred_on=_day(year, 1, 15), counterparty=DONOR,
                                 memo=f"{year}年度社区公益微创投定向捐赠")
        round_ = _round(session, actor, year, edition=3 - back)
        session.add(RoundFund(round_id=round_.id, fund_id=fund.id,
                              amount_fen=sum(s[3] for s in specs) * 100))
        track_ids = {t.name: t.id for t in session.execute(select(Track).where(
            Track.round_id == round_.id)).scalars() if t.id}
        confirmed = local(now()).replace(year=year, month=4, day=30)
        notice = AwardNotice(round_id=round_.id, status="confirmed",
                             title=f"{round_.name}资助项目公示", working_days=5,
                             window_start=_day(year, 4, 20), window_end=_day(year, 4, 27),
                             published_at=confirmed - timedelta(days=10),
                             confirmed_at=confirmed)
        session.add(notice)
        session.flush()
        audit.record(session, actor, "award_notice.import", notice)
        for position, spec in enumerate(specs, start=1):
            award = _award(session, actor, round_, notice, fund, position, spec, community,
                           track_ids)
            agreement = money.create_for_award(session, actor, award)
            members = list(session.execute(select(User).where(
                User.organisation_id == award.organisation_id)).scalars())
            as_org = audit.Actor(members[0].id, members[0].username) if members else actor
            money.sign(session, audit.Actor(organiser.id, organiser.username), organiser,
                       agreement, signed_on=_day(year, 5, 10),
                       signatories=f"坂田街道办事处；{spec[0]} 负责人")
            reference = f"NK{year}{award.id:04d}"
            _pay_due(session, users, agreement, _day(year, 5, 20), reference)
            final = spec[6]
            _report(session, as_org, organiser, agreement, "midterm", final, spec[7], 55,
                    "good" if final[4] != "pass" else "pass")
            _pay_due(session, users, agreement, _day(year, 10, 20), reference)
            _report(session, as_org, organiser, agreement, "final", final, spec[7], 100,
                    final[4])
            _pay_due(session, users, agreement, _day(year + 1, 2, 28), reference)
            count += 1
            if back == 1:
                last_year = (round_, [*(last_year[1] if last_year else []), award.application_id])
            if spec[0] == BREACHED:
                breached = agreement
    if breached is not None:  # an audit after the project found the figures inflated
        from grants.timeutil import today

        day = today()
        try:
            until = day.replace(year=day.year + 3) - timedelta(days=1)
        except ValueError:  # 29 February
            until = day.replace(year=day.year + 3, day=28) - timedelta(days=1)
        money.terminate(session, audit.Actor(organiser.id, organiser.username), organiser,
                        breached, reason="结项后审计发现虚报服务人次、挪用部分项目资金，"
                                         "按协议第九条解除协议、追回资金，并取消三年申报资格。",
                        refund_fen=5_000_00, bar_until=until)
    votes = {}
    if last_year is not None:
        from grants.votes.demo import load_past_vote

        votes = load_past_vote(session, organiser, last_year[0], last_year[1], this_year - 1)
    return {"past projects": count, **votes}
