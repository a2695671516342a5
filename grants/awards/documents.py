"""The documents of awards and judging, as plain contexts for the PDF templates
(templates/pdf/, rendered by grants.pdf): the award list (公示 / 立项名单), certificates,
the notification letter, the funding agreement, the score summary and a judge's signed sheet.

Official documents are in Chinese whatever the interface language; money is integer fen,
printed in figures and in capitals by the templates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import pdf
from grants.accounts.models import User
from grants.applications.models import ActivityItem, Application
from grants.awards import services
from grants.awards.models import Award, AwardAllocation, AwardNotice
from grants.funds.models import Fund
from grants.judging.models import ScoreSheet, StageJudging
from grants.organisations.models import Organisation
from grants.rounds.choices import AGGREGATION_LABELS, TRANCHE_CONDITION_LABELS
from grants.rounds.models import Round, Stage
from grants.settings import get_settings
from grants.timeutil import local, now, today
from grants.urls import path

# The Chinese wording of tranche conditions and aggregation methods in documents.
TRANCHE_CONDITIONS_ZH = {"signing": "协议签订后", "midterm_passed": "中期评估通过后",
                         "final_accepted": "结项验收通过后"}
METHODS_ZH = {"mean": "评委总分平均", "median": "评委总分中位数",
              "drop_high_low": "去掉最高分和最低分后平均", "zscore": "按评委标准化（z 分数）",
              "bias_model": "按评委宽严校正（偏差模型）"}
POPULARITY_ZH = "人气奖"
assert set(TRANCHE_CONDITIONS_ZH) == set(TRANCHE_CONDITION_LABELS)
assert set(METHODS_ZH) == set(AGGREGATION_LABELS)


@dataclass(frozen=True)
class Document:
    template: str
    filename: str
    context: dict[str, Any] = field(default_factory=dict)

    def html(self) -> str:
        return pdf.html(self.template, **self.context)

    def pdf(self) -> bytes:
        return pdf.render(self.template, **self.context)


def absolute(name: str, **params: Any) -> str:
    return get_settings().base_url.rstrip("/") + path(name, **params)


def _day(moment: Any) -> date:
    return local(moment).date() if moment is not None else today()


def award_list(session: Session, notice: AwardNotice, round_: Round) -> Document:
    """The 公示 list while the notice runs, the 立项名单 once the awards are confirmed."""
    rows = services.award_rows(session, notice, live_only=True)
    final = notice.status == "confirmed"
    context = {
        "title": f"{round_.name}立项名单" if final else (notice.title or f"{round_.name}拟资助项目公示"),
        "organiser_unit": round_.organiser_unit, "round_name": round_.name,
        "kind": "final" if final else "notice",
        "notice": None if notice.window_start is None else {
            "published_on": _day(notice.published_at), "window_start": notice.window_start,
            "window_end": notice.window_end, "working_days": notice.working_days,
            "address": absolute("public_notice", id=notice.id), "contact": notice.contact},
        "rows": [{"rank": i, "organisation": r.organisation, "project": r.title,
                  "level_label": services.LEVEL_NAMES_ZH.get(r.award.level, ""),
                  "amount_fen": r.award.amount_fen, "funds": r.fund_names}
                 for i, r in enumerate(rows, start=1)],
        "total_fen": sum(r.award.amount_fen for r in rows),
        "issued_on": _day(notice.confirmed_at if final else notice.published_at),
        "changes": [{"project": r.title, "organisation": r.organisation,
                     "change": "撤回" if r.award.status == "withdrawn" else "撤销资助",
                     "on": _day(r.award.updated_at), "reason": r.award.withdrawn_reason}
                    for r in services.changed_rows(session, notice)],
    }
    name = "award-list" if final else "notice"
    return Document("pdf/award_list.html", f"{name}-{round_.id}.pdf", context)


def _award_facts(session: Session, awards: list[Award]) -> dict[int, tuple[Any, ...]]:
    rows = session.execute(
        select(Award.id, Application.title, Organisation.name, Round.name, Round.organiser_unit)
        .join(Application, Application.id == Award.application_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .join(Round, Round.id == Award.round_id)
        .where(Award.id.in_([a.id for a in awards]))).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def certificates(session: Session, awards: list[Award]) -> Document:
    """One page per award, each with its verification code and QR."""
    facts = _award_facts(session, awards)
    items = []
    for award in awards:
        project, organisation, round_name, unit = facts[award.id or 0]
        items.append({"organisation": organisation, "project": project,
                      "level_label": services.LEVEL_NAMES_ZH.get(award.level, ""),
                      "round_name": round_name, "organiser_unit": unit,
                      "awarded_on": _day(award.confirmed_at), "code": award.code,
                      "verify_url": absolute("verify_code", code=award.code)})
    name = (f"certificate-{awards[0].code}.pdf" if len(awards) == 1
            else f"certificates-{awards[0].round_id}.pdf")
    return Document("pdf/certificates.html", name, {"certificates": items})


def popularity_certificate(session: Session, award: Any) -> Document:
    """The 人气奖 certificate of a published public vote (a grants.votes VoteAward)."""
    project, organisation, round_name, unit = session.execute(
        select(Application.title, Organisation.name, Round.name, Round.organiser_unit)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Round, Round.id == Application.round_id)
        .where(Application.id == award.application_id)).one()
    return Document("pdf/certificates.html", f"certificate-{award.code}.pdf", {"certificates": [{
        "organisation": organisation, "project": project, "level_label": POPULARITY_ZH,
        "round_name": round_name, "organiser_unit": unit, "awarded_on": _day(award.created_at),
        "code": award.code, "verify_url": absolute("verify_code", code=award.code)}]})


def _funds(session: Session, award: Award) -> list[dict[str, Any]]:
    return [{"name": name, "amount_fen": int(amount)} for name, amount in session.execute(
        select(Fund.name, AwardAllocation.amount_fen)
        .join(Fund, Fund.id == AwardAllocation.fund_id)
        .where(AwardAllocation.award_id == award.id).order_by(AwardAllocation.id)).all()]


def agreed_tranches(session: Session, award: Award) -> list[dict[str, Any]] | None:
    """The agreement's own schedule (as changed before signing), when the award has one."""
    from grants.disbursements.models import Agreement, Tranche

    agreement_id = session.execute(select(Agreement.id).where(
        Agreement.award_id == award.id)).scalar()
    if agreement_id is None:
        return None
    rows = session.execute(select(Tranche).where(Tranche.agreement_id == agreement_id)
                           .order_by(Tranche.position)).scalars().all()
    out = []
    for t in rows:
        condition = (f"{t.due_on.year}年{t.due_on.month}月{t.due_on.day}日" if
                     t.condition == "date" and t.due_on else
                     TRANCHE_CONDITIONS_ZH.get(t.condition, t.condition))
        out.append({"label": _period_label(t.position), "percent": t.percent,
                    "amount_fen": t.amount_fen, "condition_label": condition})
    return out


def _period_label(i: int) -> str:
    return f"第{'一二三四五六七八九十'[i - 1] if i <= 10 else i}期"


def tranches(round_: Round, amount_fen: int) -> list[dict[str, Any]]:
    """The round's tranche template applied to the award; the last tranche takes the
    remainder so that the parts add up to the award exactly, in fen."""
    template = round_.tranche_template or []
    out: list[dict[str, Any]] = []
    paid = 0
    for i, part in enumerate(template, start=1):
        percent = int(part.get("percent", 0))
        amount = (amount_fen - paid if i == len(template)
                  else amount_fen * percent // 100)
        paid += amount
        out.append({"label": _period_label(i),
                    "percent": percent, "amount_fen": amount,
                    "condition_label": TRANCHE_CONDITIONS_ZH.get(str(part.get("condition")),
                                                                 str(part.get("condition")))})
    return out


def letter(session: Session, award: Award) -> Document:
    round_ = session.get(Round, award.round_id)
    assert round_ is not None
    project, organisation, round_name, unit = _award_facts(session, [award])[award.id or 0]
    notice = session.get(AwardNotice, award.notice_id)
    context = {"organisation": organisation, "project": project, "round_name": round_name,
               "organiser_unit": unit, "amount_fen": award.amount_fen,
               "level_label": services.LEVEL_NAMES_ZH.get(award.level, ""),
               "funds": "、".join(f["name"] for f in _funds(session, award)),
               "issued_on": _day(award.confirmed_at),
               "tranches": agreed_tranches(session, award) or tranches(round_,
                                                                       award.amount_fen),
               "code": award.code, "contact": notice.contact if notice else ""}
    return Document("pdf/letter.html", f"letter-{award.code}.pdf", context)


def agreement(session: Session, award: Award) -> Document:
    round_ = session.get(Round, award.round_id)
    application = session.get(Application, award.application_id)
    org = session.get(Organisation, award.organisation_id)
    assert round_ is not None and application is not None and org is not None
    months: list[str] = sorted({str(m) for m in session.execute(select(ActivityItem.month).where(
        ActivityItem.application_id == application.id)).scalars()})
    deliverables = [f"{a.activity}（{a.month}，{a.sessions}场）" for a in session.execute(
        select(ActivityItem).where(ActivityItem.application_id == application.id)
        .order_by(ActivityItem.position, ActivityItem.id)).scalars()]
    if application.planned_people:
        deliverables.append(f"服务居民不少于{application.planned_people}人次")
    if application.planned_volunteers:
        deliverables.append(f"动员志愿者不少于{application.planned_volunteers}人")
    context = {
        "number": f"{round_.year}-{round_.id:03d}-{award.id:04d}",
        "organiser_unit": round_.organiser_unit,
        # a registered organisation's 统一社会信用代码, or a filed one's 备案号, named as such
        "organisation": {"name": org.name,
                         "code_label": "备案号" if not org.credit_code and org.filing_number
                         else "统一社会信用代码",
                         "code": org.credit_code or org.filing_number or "",
                         "contact_name": org.contact_person,
                         "phone": org.contact_phone, "address": org.address},
        "funds": _funds(session, award),
        "project": {"title": application.title, "summary": application.summary,
                    "deliverables": deliverables or [application.objectives or application.title],
                    "period": f"{months[0]} 至 {months[-1]}" if months else f"{round_.year}年度"},
        "amount_fen": award.amount_fen,
        "tranches": agreed_tranches(session, award) or tranches(round_, award.amount_fen),
        "issued_on": _day(award.confirmed_at)}
    return Document("pdf/agreement.html", f"agreement-{award.code}.pdf", context)


def score_summary(session: Session, stage: Stage, judging: StageJudging) -> Document:
    from grants.judging import results

    round_ = session.get(Round, stage.round_id)
    assert round_ is not None
    app_ids, judge_ids, totals, _points = results.matrix(session, stage)
    names = dict(session.execute(select(User.id, User.display_name)
                                 .where(User.id.in_(judge_ids))).all())
    facts = {a: (t, o) for a, t, o in session.execute(
        select(Application.id, Application.title, Organisation.name)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.id.in_(app_ids))).all()}
    index = {a: i for i, a in enumerate(app_ids)}
    rows = []
    for entry in sorted(judging.results.get("applications", []), key=lambda a: a["position"]):
        i = index.get(entry["id"])
        if i is None:
            continue
        title, org = facts.get(entry["id"], ("", ""))
        rows.append({"rank": entry["display_rank"], "project": title, "organisation": org,
                     "scores": [None if v != v else round(float(v), 2) for v in totals[i]],
                     "score": entry.get("score")})
    context = {"round_name": round_.name, "stage_name": stage.name,
               "method_label": METHODS_ZH.get(judging.results.get("method", "mean"), ""),
               "judges": [names.get(j, str(j)) for j in judge_ids], "rows": rows,
               "generated_at": now()}
    return Document("pdf/score_summary.html", f"score-summary-{stage.id}.pdf", context)


def sheet_hash(sheet: ScoreSheet) -> str:
    """A hash of what the judge submitted, printed on the sheet so a copy can be checked."""
    payload = {"sheet": sheet.id, "application": sheet.application_id, "judge": sheet.user_id,
               "stage": sheet.stage_id, "points": sheet.points, "comments": sheet.comments,
               "overall": sheet.overall_comment,
               "submitted_at": sheet.submitted_at.isoformat() if sheet.submitted_at else ""}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True)
                          .encode("utf-8")).hexdigest()


def score_sheet(session: Session, sheet: ScoreSheet) -> Document:
    from grants.rounds.rubrics import criteria_of

    stage = session.get(Stage, sheet.stage_id)
    assert stage is not None
    round_ = session.get(Round, stage.round_id)
    application = session.get(Application, sheet.application_id)
    judge = session.get(User, sheet.user_id)
    assert round_ is not None and application is not None and judge is not None
    org = session.get(Organisation, application.organisation_id)
    criteria = [{"name": c.name, "max_points": c.max_points, "points": sheet.points.get(c.key),
                 "comment": str(sheet.comments.get(c.key, ""))}
                for c in criteria_of(session, stage)]
    context = {"round_name": round_.name, "stage_name": stage.name,
               "judge_name": judge.display_name, "submitted_at": sheet.submitted_at,
               "project": application.title, "organisation": org.name if org else "",
               "criteria": criteria, "total": sheet.total,
               "overall_comment": sheet.overall_comment, "sha256": sheet_hash(sheet)}
    return Document("pdf/score_sheet.html", f"score-sheet-{sheet.id}.pdf", context)
