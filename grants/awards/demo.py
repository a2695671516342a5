"""Demo awards: a round whose public notice is running (one objection pending, one resolved)
and a round whose awards are confirmed, so that every document can be downloaded at once.

Both rounds are scored through the real judging services (online scoring, then the
roadshow), proposed through `scoring.route`, published and — for the second — confirmed
after its window, which the demo moves into the past.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts.models import User
from grants.awards import services
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.judging import results
from grants.judging import services as judging
from grants.judging.demo import JUDGES, _round_in_judging, _score_some
from grants.rounds.models import Round, RoundFund, Stage
from grants.timeutil import local, now, today

FUND = "南山街道社会治理创新大赛专项资金"
BUDGET_FEN = 12_000_000  # ¥120,000 per demo round: not quite enough for every finalist
LEVELS = {"first": 1, "second": 1, "third": 1, "excellence": True}


def _judged_round(session: Session, actor: audit.Actor, last: Round, judges: list[User],
                  name: str) -> Round:
    """A round judged to the end: online scoring closed, the roadshow scored and closed."""
    round_, stage = _round_in_judging(session, actor, last, judges, name, complete=True)
    fund = session.execute(select(Fund).where(Fund.name == FUND)).scalars().first()
    if fund is not None:  # demo data: the round arrives in judging with its money attached
        link = session.execute(select(RoundFund).where(
            RoundFund.round_id == round_.id, RoundFund.fund_id == fund.id)).scalars().first()
        before = audit.snapshot(link) if link is not None else None
        link = link or RoundFund(round_id=round_.id, fund_id=fund.id, amount_fen=0)
        link.amount_fen = BUDGET_FEN
        session.add(link)
        session.flush()
        audit.record(session, actor, "round.fund_import", link, before=before)
    results.close_stage(session, actor, None, stage)
    roadshow = session.execute(select(Stage).where(
        Stage.round_id == round_.id, Stage.kind == "roadshow")).scalars().first()
    if roadshow is not None:
        roadshow.config = {**roadshow.config, "min_sheets": 3,
                           "advancement": {"rule": "top_n", "value": 4}}
        n_apps = len(judging.stage_application_ids(session, roadshow))
        judging.auto_assign(session, actor, roadshow,
                            judging.AssignPlan(len(judges), 0, n_apps))
        lifecycle.perform(session, actor, None, "judging.open",
                          judging.judging_of(session, roadshow))
        _score_some(session, actor, roadshow, judges, complete=True)
        results.close_stage(session, actor, None, roadshow)
    return round_


def load(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    last = session.execute(select(Round).where(Round.status == "finished")
                           .order_by(Round.id)).scalars().first()
    judges = list(session.execute(select(User).where(User.username.in_(JUDGES))
                                  .order_by(User.username)).scalars())
    if last is None or len(judges) < 5:
        return {}
    year = local(now()).year
    fund = session.execute(select(Fund).where(Fund.name == FUND)).scalars().first()
    if fund is not None:  # the street tops the fund up for the two demo rounds
        funds_services.add_entry(session, actor, fund, kind="contribution",
                                 amount_fen=2 * BUDGET_FEN, counterparty="南山街道办事处",
                                 memo="年度追加：社区微创投")
    running = _judged_round(session, actor, last, judges, f"{year}年南山街道社区微创投（公示演示）")
    notice = services.propose(session, actor, None, running, LEVELS)
    services.publish(session, actor, None, notice, title=f"{running.name}拟资助项目公示",
                     contact="南山街道社会事务办 0755-2661 0000", working_days=5)
    rows = services.award_rows(session, notice)
    services.lodge(session, notice, name="陈先生", contact="13800138000",
                   reasons="该项目负责人同时在另一获资助项目任职，请核实是否重复申报。",
                   application_id=rows[0].award.application_id, ip="203.0.113.7")
    resolved = services.lodge(session, notice, name="李女士", contact="li.demo@example.org",
                              reasons="项目预算中的场地费用偏高，请核实报价。",
                              application_id=rows[-1].award.application_id, ip="203.0.113.8")
    services.investigate(session, actor, None, resolved,
                         "已调取场地租赁合同和三家比价记录，报价在合理区间。")
    services.resolve(session, actor, None, resolved, "dismiss",
                     "经核实，场地费用有三家比价记录，属合理报价，异议不成立。")

    final = _judged_round(session, actor, last, judges, f"{year}年南山街道社区微创投（立项演示）")
    notice = services.propose(session, actor, None, final, LEVELS)
    services.publish(session, actor, None, notice, title=f"{final.name}拟资助项目公示",
                     contact="南山街道社会事务办 0755-2661 0000", working_days=5)
    # Demo data: the notice ran earlier, so its window is over and it can be confirmed.
    before = audit.snapshot(notice)
    from grants.calendar import services as calendar

    notice.window_start = today() - timedelta(days=30)
    notice.window_end = calendar.add_working_days(session, notice.window_start, 5)
    notice.published_at = now() - timedelta(days=30)
    services.align_notice_stage(session, actor, notice)
    audit.record(session, actor, "award_notice.import", notice, before=before)
    services.confirm(session, actor, None, notice)
    # ... and was confirmed three weeks ago, so that its agreements (signed ten days ago by
    # the money demo) and their payments come after the award letters and the commitments.
    from grants.awards.models import Award
    from grants.funds.models import FundEntry

    confirmed = now() - timedelta(days=21)
    before = audit.snapshot(notice)
    notice.confirmed_at = confirmed
    awards = list(session.execute(select(Award).where(Award.notice_id == notice.id,
                                                      Award.status == "confirmed")).scalars())
    for award in awards:
        award.confirmed_at = confirmed
    for entry in session.execute(select(FundEntry).where(  # the commitments made on confirming
            FundEntry.kind == "commitment", FundEntry.ref_type == "round",
            FundEntry.ref_id == notice.round_id)).scalars():
        entry.occurred_on = local(confirmed).date()
    audit.record(session, actor, "award_notice.import", notice, before=before)
    return {"award notices": 2}
