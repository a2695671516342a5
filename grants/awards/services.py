"""Awards from the final ranking, the public notice and its objections.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` (or `lifecycle.Refused`) and changes
nothing. Routing is computed by `scoring.route`; this module only prepares its input from the
database and words its reasons.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.applications.models import Application
from grants.awards.models import Award, AwardAllocation, AwardNotice, AwardUnfunded, Objection
from grants.awards.workflow import LIVE, UNRESOLVED
from grants.db import lock_row
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.i18n import N_, ngettext
from grants.i18n import gettext as _
from grants.judging.models import StageJudging
from grants.money import format_yuan
from grants.organisations.models import Organisation
from grants.rounds import workflow as round_workflow
from grants.rounds.choices import SCORED_KINDS
from grants.rounds.models import Round, RoundFund, Stage, Track
from grants.settings import get_settings
from grants.timeutil import format_local, now, today
from grants.urls import path
from grants.validation import FormErrors, column_problems, is_email
from grants.vocab import AWARD_LEVELS
from scoring import route as routing

LEVELS = AWARD_LEVELS
# The Chinese names printed on certificates and lists (official documents are Chinese).
LEVEL_NAMES_ZH = {"first": "一等奖", "second": "二等奖", "third": "三等奖",
                  "excellence": "优秀奖"}

UNFUNDED_REASONS = {
    "no_fund": N_("No attached fund may pay for this application (its restrictions on "
                  "service area, target groups, community or category exclude it)."),
    "exhausted": N_("The money of every fund that may pay for it is already awarded to "
                    "higher-ranked applications."),
    "below_minimum": N_("The money left in the funds that may pay for it (at most "
                        "%(most)s) is below the round's minimum grant."),
}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_WORKING_DAYS = 30
OBJECTIONS_PER_ADDRESS_HOUR = 3
OBJECTIONS_PER_ADDRESS_DAY = 10


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _i in range(length))


def unfunded_reason(row: AwardUnfunded) -> str:
    return _(UNFUNDED_REASONS.get(row.reason, row.reason), most=format_yuan(row.most_fen))


def level_label(code: str) -> str:
    return _(LEVELS[code]) if code in LEVELS else ""


# ---- reading ------------------------------------------------------------------------------

def final_stage(session: Session, round_id: int) -> Stage | None:
    """The last scoring stage of the round, once it is closed with results (else None)."""
    stage = session.execute(select(Stage).where(
        Stage.round_id == round_id, Stage.kind.in_(SCORED_KINDS))
        .order_by(Stage.position.desc(), Stage.id.desc()).limit(1)).scalars().first()
    if stage is None:
        return None
    judging = session.execute(select(StageJudging).where(
        StageJudging.stage_id == stage.id)).scalars().first()
    if judging is None or judging.status != "closed" or not judging.results:
        return None
    return stage


def notice_of(session: Session, round_id: int) -> AwardNotice | None:
    return session.execute(select(AwardNotice).where(
        AwardNotice.round_id == round_id)).scalars().first()


@dataclass(frozen=True)
class AwardRow:
    award: Award
    title: str
    organisation: str
    funds: tuple[tuple[str, int], ...]  # (fund name, amount)

    @property
    def fund_names(self) -> str:
        return "、".join(name for name, _a in self.funds)


def award_rows(session: Session, notice: AwardNotice, *, live_only: bool = False
               ) -> list[AwardRow]:
    """The notice's awards in ranking order, with project, organisation and paying funds."""
    query = (select(Award, Application.title, Organisation.name)
             .join(Application, Application.id == Award.application_id)
             .join(Organisation, Organisation.id == Award.organisation_id)
             .where(Award.notice_id == notice.id).order_by(Award.position, Award.id))
    if live_only:
        query = query.where(Award.status.in_(LIVE))
    rows = session.execute(query).all()
    allocations: dict[int, list[tuple[str, int]]] = {}
    for award_id, name, amount in session.execute(
            select(AwardAllocation.award_id, Fund.name, AwardAllocation.amount_fen)
            .join(Fund, Fund.id == AwardAllocation.fund_id)
            .where(AwardAllocation.award_id.in_([a.id for a, _t, _o in rows]))
            .order_by(AwardAllocation.id)).all():
        allocations.setdefault(award_id, []).append((name, int(amount)))
    return [AwardRow(a, title, org, tuple(allocations.get(a.id or 0, [])))
            for a, title, org in rows]


def changed_rows(session: Session, notice: AwardNotice) -> list[AwardRow]:
    """The notice's awards withdrawn (during the notice) or revoked (after it): a published
    list never loses a project silently; the notice says which, when and why."""
    if notice.published_at is None:
        return []
    # An award's last change is its withdrawal or revocation (both final): one withdrawn
    # while the proposal was still a draft was never published, so it is not a change.
    return [row for row in award_rows(session, notice) if row.award.status not in LIVE
            and row.award.updated_at >= notice.published_at]


def unfunded_rows(session: Session, notice: AwardNotice) -> list[tuple[AwardUnfunded, str, str]]:
    return [(u, title, org) for u, title, org in session.execute(
        select(AwardUnfunded, Application.title, Organisation.name)
        .join(Application, Application.id == AwardUnfunded.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(AwardUnfunded.notice_id == notice.id)
        .order_by(AwardUnfunded.position)).all()]


@dataclass(frozen=True)
class FundUse:
    fund: Fund
    attached: int  # what the round attached (its budget from this fund)
    awarded: int  # what the round's live awards take from it

    @property
    def left(self) -> int:
        return self.attached - self.awarded


def fund_use(session: Session, round_id: int) -> list[FundUse]:
    attached = session.execute(select(Fund, RoundFund.amount_fen)
                               .join(RoundFund, RoundFund.fund_id == Fund.id)
                               .where(RoundFund.round_id == round_id)
                               .order_by(Fund.name)).all()
    awarded = dict(session.execute(
        select(AwardAllocation.fund_id, func.sum(AwardAllocation.amount_fen))
        .join(Award, Award.id == AwardAllocation.award_id)
        .where(AwardAllocation.round_id == round_id, Award.status.in_(LIVE))
        .group_by(AwardAllocation.fund_id)).all())
    return [FundUse(f, int(amount), int(awarded.get(f.id, 0) or 0)) for f, amount in attached]


# ---- proposing ----------------------------------------------------------------------------

def as_ranked(session: Session, round_: Round, apps: list[Application]
              ) -> dict[int, routing.RankedApplication]:
    """Applications as routing input: what they seek and what funds' restrictions look at."""
    orgs = {o.id: o for o in session.execute(select(Organisation).where(
        Organisation.id.in_({a.organisation_id for a in apps}))).scalars()}
    areas = dict(session.execute(select(Track.id, Track.service_area).where(
        Track.round_id == round_.id)).all())
    out = {}
    for app in apps:
        org = orgs.get(app.organisation_id)
        community = (app.community_ids[0] if app.community_ids
                     else (org.community_id if org else None))
        out[app.id or 0] = routing.RankedApplication(
            id=str(app.id), requested=int(app.request_fen), min_grant=int(round_.grant_min_fen),
            max_grant=int(round_.grant_max_fen or app.request_fen),
            category=org.category if org else "",
            service_area=(areas.get(app.track_id) or "") if app.track_id else "",
            target_groups=frozenset(app.target_groups or ()),
            community=str(community) if community is not None else "")
    return out


def _ranked(session: Session, round_: Round, stage: Stage
            ) -> list[tuple[Application, routing.RankedApplication, int, float | None]]:
    """The final stage's advancing applications in rank order, as routing input."""
    judging = session.execute(select(StageJudging).where(
        StageJudging.stage_id == stage.id)).scalars().one()
    advanced = set(judging.advanced)
    results = sorted((a for a in judging.results.get("applications", []) if a["id"] in advanced),
                     key=lambda a: (a["position"], a["id"]))
    apps = {a.id: a for a in session.execute(select(Application).where(
        Application.id.in_([r["id"] for r in results]))).scalars()
        if a.status != "withdrawn"}
    ranked = as_ranked(session, round_, list(apps.values()))
    return [(apps[r["id"]], ranked[r["id"]], int(r["position"]), r.get("score"))
            for r in results if r["id"] in apps]


def routing_fund(fund: Fund, available: int) -> routing.Fund:
    return routing.Fund(id=str(fund.id), available=max(0, available),
                        categories=frozenset(fund.categories or ()),
                        service_areas=frozenset(fund.service_areas or ()),
                        target_groups=frozenset(fund.target_groups or ()),
                        communities=frozenset(str(c) for c in fund.community_ids or ()))


def _round_funds(session: Session, round_: Round) -> list[tuple[Fund, int]]:
    """The round's funds with what it may award from each: its attachment, never more than
    the fund still holds for it."""
    rows = session.execute(select(Fund, RoundFund.amount_fen)
                           .join(RoundFund, RoundFund.fund_id == Fund.id)
                           .where(RoundFund.round_id == round_.id).order_by(Fund.id)).all()
    balances = funds_services.balances(session, [f.id for f, _a in rows],
                                       exclude_round_id=round_.id)
    return [(f, min(int(a), max(0, balances[f.id].available))) for f, a in rows
            if f.id is not None]


def _level_for(index: int, levels: dict[str, Any]) -> str:
    bound = 0
    for code in ("first", "second", "third"):
        bound += int(levels.get(code) or 0)
        if index < bound:
            return code
    return "excellence" if levels.get("excellence") else ""


def ensure_notice(session: Session, actor: audit.Actor, round_: Round) -> AwardNotice:
    notice = notice_of(session, round_.id)
    if notice is None:
        notice = AwardNotice(round_id=round_.id, title=_default_title(round_))
        session.add(notice)
        session.flush()
        audit.record(session, actor, "award_notice.create", notice)
    return notice


def _default_title(round_: Round) -> str:
    return f"{round_.name}拟资助项目公示"[:120]


def propose(session: Session, actor: audit.Actor, user: Any, round_: Round,
            levels: dict[str, Any] | None = None) -> AwardNotice:
    """Route the final ranking through the round's funds and store the proposal, replacing
    any earlier one. Audited as award_notice.propose with the totals."""
    lock_row(session, Round, round_.id)
    notice = ensure_notice(session, actor, round_)
    stage = final_stage(session, round_.id)
    if stage is not None:
        notice.stage_id = stage.id
    notice.levels = dict(levels or {})
    ranked = _ranked(session, round_, stage) if stage is not None else []
    funds = _round_funds(session, round_)
    for fund, _a in funds:
        funds_services.lock_fund(session, fund)
    result = routing.route([r for _app, r, _p, _s in ranked],
                           [routing_fund(f, a) for f, a in funds])
    totals = {"awards": 0, "amount_fen": 0, "unfunded": 0}

    def replace() -> None:
        old = select(Award.id).where(Award.notice_id == notice.id)
        session.execute(delete(AwardAllocation).where(AwardAllocation.award_id.in_(old)))
        session.execute(delete(Award).where(Award.notice_id == notice.id))
        session.execute(delete(AwardUnfunded).where(AwardUnfunded.notice_id == notice.id))
        by_id = {str(app.id): (app, r, p, s) for app, r, p, s in ranked}
        index = 0
        for outcome in result.outcomes:
            app, ranked_app, position, score = by_id[outcome.application_id]
            if isinstance(outcome, routing.Award):
                award = Award(round_id=round_.id, notice_id=notice.id, application_id=app.id,
                              organisation_id=app.organisation_id, position=position,
                              score=score, level=_level_for(index, notice.levels),
                              amount_fen=outcome.total, sought_fen=ranked_app.target,
                              partial=outcome.partial, code=new_code())
                session.add(award)
                session.flush()
                for fund_id, amount in outcome.allocations:
                    session.add(AwardAllocation(award_id=award.id, round_id=round_.id,
                                                fund_id=int(fund_id), amount_fen=int(amount)))
                index += 1
                totals["awards"] += 1
                totals["amount_fen"] += outcome.total
            else:
                code = {routing.NO_ELIGIBLE_FUND: "no_fund",
                        routing.BUDGET_EXHAUSTED: "exhausted"}.get(outcome.reason,
                                                                   "below_minimum")
                most = outcome.most
                session.add(AwardUnfunded(round_id=round_.id, notice_id=notice.id,
                                          application_id=app.id, position=position,
                                          score=score, reason=code, most_fen=most))
                totals["unfunded"] += 1

    found = lifecycle.problems(session, "award_notice.propose", notice)
    if found:  # nothing is replaced when the proposal cannot be made
        raise lifecycle.Refused(found)
    replace()
    session.flush()
    lifecycle.perform(session, actor, user, "award_notice.propose", notice, extra=totals)
    return notice


# ---- changing one award ---------------------------------------------------------------------

def edit(session: Session, actor: audit.Actor, user: Any, award: Award,
         allocations: dict[int, int], level: str, reason: str) -> Award:
    """Change an award's amount (as the money per fund) and level, with a reason. No fund
    pays more than the round attached from it, none pays an application its restrictions
    exclude, and the award never exceeds the request."""
    errors: dict[str, str] = {}
    if level not in ("", *LEVELS):
        errors["level"] = _("Not a valid choice.")
    errors.update(column_problems(Award, {"changed_reason": reason.strip()}))
    if errors:
        raise FormErrors(errors)
    round_ = session.get(Round, award.round_id)
    app = session.get(Application, award.application_id)
    assert round_ is not None and app is not None
    lock_row(session, Round, round_.id)
    session.refresh(award)
    uses = {u.fund.id: u for u in fund_use(session, round_.id)}
    for fid in allocations:
        if fid not in uses:
            errors[f"fund_{fid}"] = _("This fund is not attached to the round.")
    if errors:
        raise FormErrors(errors)
    for fid in sorted(allocations):
        funds_services.lock_fund(session, uses[fid].fund)
    uses = {u.fund.id: u for u in fund_use(session, round_.id)}  # fresh, under the locks
    current = dict(session.execute(select(AwardAllocation.fund_id, AwardAllocation.amount_fen)
                                   .where(AwardAllocation.award_id == award.id)).all())
    target = as_ranked(session, round_, [app])[app.id or 0]
    total = sum(allocations.values())
    if total <= 0:
        errors["amount"] = _("An award needs money from at least one fund; to give nothing, "
                             "withdraw the award.")
    elif total > app.request_fen:
        errors["amount"] = _("The award (%(total)s) is more than the %(requested)s requested.",
                             total=format_yuan(total), requested=format_yuan(app.request_fen))
    for fid, amount in allocations.items():
        use = uses[fid]
        if not routing.eligible(target, routing_fund(use.fund, 0)):
            errors[f"fund_{fid}"] = _("%(fund)s may not pay for this application: its "
                                      "restrictions exclude it.", fund=use.fund.name)
            continue
        others = use.awarded - int(current.get(fid, 0))
        if award.status != "withdrawn" and others + amount > use.attached:
            errors[f"fund_{fid}"] = _(
                "%(fund)s has only %(left)s left for this round (%(attached)s attached, "
                "%(others)s awarded to other applications).", fund=use.fund.name,
                left=format_yuan(max(0, use.attached - others)),
                attached=format_yuan(use.attached), others=format_yuan(others))
    if errors:
        raise FormErrors(errors)
    before = {"amount_fen": award.amount_fen, "level": award.level,
              "allocations": {str(k): int(v) for k, v in current.items()}}
    session.execute(delete(AwardAllocation).where(AwardAllocation.award_id == award.id))
    for fid, amount in sorted(allocations.items()):
        session.add(AwardAllocation(award_id=award.id, round_id=round_.id, fund_id=fid,
                                    amount_fen=amount))
    award.amount_fen = total
    award.level = level
    award.partial = total < award.sought_fen
    award.changed_reason = reason.strip()
    lifecycle.perform(session, actor, user, "award.edit", award, reason=reason, extra={
        "before": before, "allocations": {str(k): v for k, v in allocations.items()}})
    return award


def withdraw(session: Session, actor: audit.Actor, user: Any, award: Award,
             reason: str) -> Award:
    errors = column_problems(Award, {"withdrawn_reason": reason.strip()})
    if errors:
        raise FormErrors({"reason": next(iter(errors.values()))})
    lifecycle.perform(session, actor, user, "award.withdraw", award, reason=reason)
    award.withdrawn_reason = reason.strip()
    return award


def _tell_revoked(session: Session, award: Award, reason: str) -> None:
    from grants.notifications.services import members, notify

    round_ = session.get(Round, award.round_id)
    notify(session, members(session, award.organisation_id),
           title=N_("Your award was revoked: %(round)s"),
           body=N_("The organiser revoked the award of %(amount)s in %(round)s: %(reason)s. "
                   "Nothing more will be paid under it."),
           params={"round": round_.name if round_ else "", "amount": format_yuan(award.amount_fen),
                   "reason": reason.strip()},
           link=path("application_detail", id=award.application_id))


def revoke(session: Session, actor: audit.Actor, user: Any, award: Award, reason: str) -> int:
    """Cancel a confirmed award: each fund's committed part that has not been paid out is
    released in its ledger. Returns the money released, in fen."""
    errors = column_problems(Award, {"withdrawn_reason": reason.strip()})
    if errors:
        raise FormErrors({"reason": next(iter(errors.values()))})
    from grants.disbursements import services as disbursements

    agreement = disbursements.agreement_of(session, award.id or 0)
    waiting = [t for t in (disbursements.tranches_of(session, agreement) if agreement else [])
               if t.status == "requested"]
    if waiting:
        raise FormErrors({"reason": _("A payment on this award awaits approval; approve or "
                                      "reject it first.")})
    lifecycle.perform(session, actor, user, "award.revoke", award, reason=reason)
    award.withdrawn_reason = reason.strip()
    _tell_revoked(session, award, reason)
    if agreement is not None:  # unpaid tranches are cancelled, releasing their commitment,
        released = 0           # and the agreement with them (the system's consequence)
        for tranche in disbursements.tranches_of(session, agreement):
            if tranche.status in ("scheduled", "due"):
                released += disbursements.stop(session, actor, user, tranche, reason,
                                               action="cancel")
        if agreement.status in ("draft", "signed"):
            lifecycle.perform(session, actor, None, "agreement.cancel", agreement,
                              reason=reason)
        return released
    released = 0
    for allocation in session.execute(select(AwardAllocation).where(
            AwardAllocation.award_id == award.id).order_by(AwardAllocation.fund_id)).scalars():
        fund = session.get(Fund, allocation.fund_id)
        assert fund is not None
        committed = funds_services.balances(session, [fund.id])[fund.id or 0].committed
        amount = min(allocation.amount_fen, committed)
        if amount > 0:
            funds_services.add_entry(session, actor, fund, kind="release", amount_fen=amount,
                                     ref_type="award", ref_id=award.id,
                                     memo="撤销资助")
            released += amount
    return released


# ---- publishing and confirming ------------------------------------------------------------

def publish(session: Session, actor: audit.Actor, user: Any, notice: AwardNotice, *,
            title: str, contact: str, working_days: int | None) -> AwardNotice:
    """Publish the notice: the window starts today and ends after `working_days` working
    days (the calendar knows holidays and make-up working days)."""
    from grants.calendar import services as calendar

    errors = column_problems(AwardNotice, {"title": title.strip(), "contact": contact.strip()})
    if not title.strip():
        errors["title"] = _("This field is required.")
    if working_days is None or not 1 <= working_days <= MAX_WORKING_DAYS:
        errors["working_days"] = _("Enter a whole number between 1 and %(max)s.",
                                   max=MAX_WORKING_DAYS)
    if errors:
        raise FormErrors(errors)
    assert working_days is not None
    start = today()
    notice.title = title.strip()
    notice.contact = contact.strip()
    notice.working_days = working_days
    notice.window_start = start
    notice.window_end = calendar.add_working_days(session, start, working_days)
    notice.published_at = now()
    lifecycle.perform(session, actor, user, "award_notice.publish", notice)
    align_notice_stage(session, actor, notice)
    return notice


def align_notice_stage(session: Session, actor: audit.Actor, notice: AwardNotice) -> None:
    """The round's 公示 stage shows the notice's real window once it is published (its
    planned dates, often copied from last year's plan, no longer say anything)."""
    if notice.window_start is None or notice.window_end is None:
        return
    zone = get_settings().time_zone
    for stage in session.execute(select(Stage).where(Stage.round_id == notice.round_id,
                                                     Stage.kind == "notice")).scalars():
        before = audit.snapshot(stage)
        stage.starts_at = datetime.combine(notice.window_start, time.min, zone)
        stage.ends_at = datetime.combine(notice.window_end, time(23, 59), zone)
        audit.record(session, actor, "stage.update", stage, before=before)


def confirm(session: Session, actor: audit.Actor, user: Any, notice: AwardNotice) -> int:
    """Confirm the awards: commit each fund's part in its ledger, decide the round and tell
    the applicants. Returns the number of awards confirmed."""
    from grants.notifications.services import members, notify
    round_ = session.get(Round, notice.round_id)
    assert round_ is not None
    lock_row(session, Round, round_.id)
    lifecycle.perform(session, actor, user, "award_notice.confirm", notice)
    awards = list(session.execute(select(Award).where(
        Award.notice_id == notice.id, Award.status == "proposed")
        .order_by(Award.position)).scalars())
    allocations = session.execute(select(AwardAllocation).where(
        AwardAllocation.award_id.in_([a.id for a in awards]))
        .order_by(AwardAllocation.fund_id)).scalars().all()
    funds = {f.id: f for f in session.execute(select(Fund).where(
        Fund.id.in_({a.fund_id for a in allocations}))).scalars()}
    by_award: dict[int, list[AwardAllocation]] = {}
    for allocation in allocations:
        by_award.setdefault(allocation.award_id, []).append(allocation)
    moment = now()
    for award in awards:
        for allocation in by_award.get(award.id or 0, []):
            funds_services.add_entry(
                session, actor, funds[allocation.fund_id], kind="commitment",
                amount_fen=allocation.amount_fen, ref_type="round", ref_id=round_.id,
                counterparty=_org_name(session, award.organisation_id)[:100],
                memo=f"{round_.name} 资助承诺"[:300])
        lifecycle.perform(session, actor, None, "award.confirm", award)
        award.confirmed_at = moment
    notice.confirmed_at = moment
    round_workflow.transition(session, actor, user, round_, "decided")
    from grants.disbursements import services as disbursements

    for award in awards:  # each award gets its agreement, with the round's tranche template
        disbursements.create_for_award(session, actor, award)
    for award in awards:
        notify(session, members(session, award.organisation_id),
               title=N_("Award confirmed: %(round)s"),
               body=N_("Your application has been awarded %(amount)s in %(round)s. The award "
                       "letter and certificate can be downloaded from the application page."),
               params={"round": round_.name, "amount": format_yuan(award.amount_fen)},
               link=path("application_detail", id=award.application_id))
    return len(awards)


def _org_name(session: Session, organisation_id: int) -> str:
    return session.execute(select(Organisation.name).where(
        Organisation.id == organisation_id)).scalar() or ""


# ---- objections ---------------------------------------------------------------------------

PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")


def window_open(notice: AwardNotice, day: date | None = None) -> bool:
    day = day or today()
    return (notice.status == "published" and notice.window_start is not None
            and notice.window_end is not None and notice.window_start <= day <= notice.window_end)


def ip_hash(ip: str) -> str:
    """The network address as a keyed hash (only used to limit how often one address
    objects; the address itself is not stored)."""
    from grants.votes.services import keyed

    return keyed("objection-ip", ip)


def lodge(session: Session, notice: AwardNotice, *, name: str, contact: str, reasons: str,
          application_id: int | None, filename: str = "", data: bytes = b"",
          ip: str = "", errors: dict[str, str] | None = None) -> Objection:
    """A member of the public objects to the notice. Refused (FormErrors) outside the window,
    above the per-address limits, or with bad input; nothing is stored then. `errors` are
    the problems the form reader already found."""
    from grants.applications import attachments

    if not window_open(notice):
        raise FormErrors({"reasons": _("The objection window of this notice is closed.")})
    name, contact, reasons = name.strip(), contact.strip(), reasons.strip()
    errors = dict(errors or {})
    for key, problem in column_problems(Objection, {"name": name, "contact": contact}).items():
        errors.setdefault(key, problem)
    if not name:
        errors.setdefault("name", _("This field is required."))
    if not contact:
        errors.setdefault("contact", _("This field is required."))
    elif not (is_email(contact) or PHONE.match(contact)):
        errors.setdefault("contact", _("Enter a telephone number or an e-mail address."))
    if len(reasons) < 10:
        errors.setdefault("reasons", _("Explain the objection in at least 10 characters."))
    elif len(reasons) > 5000:
        errors.setdefault("reasons", _("At most %(max)s characters (you entered %(n)s).",
                                       max=5000, n=len(reasons)))
    else:
        for key, problem in column_problems(Objection, {"reasons": reasons}).items():
            errors.setdefault(key, problem)
    concerned = {a for (a,) in session.execute(select(Award.application_id).where(
        Award.notice_id == notice.id, Award.status.in_(LIVE))).all()}
    if application_id is not None and application_id not in concerned:
        errors.setdefault("application_id", _("Choose a project listed in this notice."))
    kind = ""
    if data or filename:
        try:
            kind = attachments.check_upload(filename or "evidence", data)
        except FormErrors as error:
            errors["evidence"] = error.errors.get("file") or _("This file is not accepted.")
    if errors:
        raise FormErrors(errors)
    hashed = ip_hash(ip)
    moment = now()
    recent = session.execute(select(func.count()).select_from(Objection).where(
        Objection.ip_hash == hashed, Objection.created_at >= moment - timedelta(hours=1))
    ).scalar_one()
    daily = session.execute(select(func.count()).select_from(Objection).where(
        Objection.ip_hash == hashed, Objection.created_at >= moment - timedelta(days=1))
    ).scalar_one()
    if recent >= OBJECTIONS_PER_ADDRESS_HOUR or daily >= OBJECTIONS_PER_ADDRESS_DAY:
        raise FormErrors({"reasons": _(
            "Too many objections were sent from your network address; try again later or "
            "contact the organiser directly.")})
    stored = ""
    if data:
        import uuid

        stored = uuid.uuid4().hex
        target = attachments.storage_path(stored)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    objection = Objection(round_id=notice.round_id, notice_id=notice.id,
                          application_id=application_id, reference="YY" + new_code(8),
                          name=name, contact=contact, reasons=reasons,
                          evidence_name=attachments.safe_filename(filename) if data else "",
                          evidence_kind=kind, evidence_stored=stored, ip_hash=hashed)
    session.add(objection)
    session.flush()
    audit.record(session, audit.Actor(id=None, name="public", ip=ip), "objection.lodge",
                 objection)
    _tell_objector(session, objection, N_("Objection received: %(reference)s"),
                   N_("Your objection to “%(notice)s” was received with reference "
                      "%(reference)s. The organiser will investigate it and tell you the "
                      "outcome."))
    return objection


def _tell_objector(session: Session, objection: Objection, subject: str, body: str) -> bool:
    """E-mail the objector when they gave an address (a telephone number: the organiser
    calls; the page says so)."""
    from grants.notifications.models import OutboxMessage

    if not is_email(objection.contact):
        return False
    notice = session.get(AwardNotice, objection.notice_id)
    params = {"reference": objection.reference, "notice": notice.title if notice else "",
              "outcome": objection.outcome,
              "status": _(OBJECTION_LABELS.get(objection.status, objection.status))}
    session.add(OutboxMessage(to=objection.contact, subject=_(subject, **params)[:200],
                              body=_(body, **params)))
    return True


OBJECTION_LABELS = {"upheld": N_("Upheld"), "dismissed": N_("Dismissed"),
                    "lodged": N_("Lodged"), "investigating": N_("Under investigation")}


def investigate(session: Session, actor: audit.Actor, user: Any, objection: Objection,
                note: str) -> Objection:
    note = note.strip()
    if not note:
        raise FormErrors({"note": _("Describe what is being investigated.")})
    if len(note) > 5000:
        raise FormErrors({"note": _("At most %(max)s characters (you entered %(n)s).",
                                    max=5000, n=len(note))})
    problems = column_problems(Objection, {"investigation": note})
    if problems:
        raise FormErrors({"note": next(iter(problems.values()))})
    stamp = format_local(now())  # China Standard Time, as every time the site shows
    objection.investigation = (objection.investigation + "\n\n" if objection.investigation
                               else "") + f"[{stamp}] {note}"
    if objection.status == "lodged":
        lifecycle.perform(session, actor, user, "objection.investigate", objection,
                          reason=note)
    else:
        audit.record(session, actor, "objection.note", objection, after={"note": note})
    return objection


def resolve(session: Session, actor: audit.Actor, user: Any, objection: Objection,
            outcome: str, text: str) -> Objection:
    """Uphold or dismiss with the outcome told to the objector."""
    if outcome not in ("uphold", "dismiss"):
        raise FormErrors({"outcome": _("Not a valid choice.")})
    text = text.strip()
    if len(text) > 5000:
        raise FormErrors({"reason": _("At most %(max)s characters (you entered %(n)s).",
                                      max=5000, n=len(text))})
    problems = column_problems(Objection, {"outcome": text})
    if problems:
        raise FormErrors({"reason": next(iter(problems.values()))})
    objection.outcome = text
    lifecycle.perform(session, actor, user, f"objection.{outcome}", objection, reason=text)
    objection.resolved_at = now()
    objection.resolved_by_id = getattr(user, "id", None)
    told = _tell_objector(session, objection, N_("Outcome of your objection %(reference)s"),
                          N_("Your objection %(reference)s to “%(notice)s” was examined. "
                             "Outcome: %(status)s.\n\n%(outcome)s"))
    audit.record(session, actor, "objection.told", objection,
                 after={"by": "email" if told else "telephone", "contact": "(on file)"})
    return objection


def unresolved_count(session: Session, notice_id: int) -> int:
    return int(session.execute(select(func.count()).select_from(Objection).where(
        Objection.notice_id == notice_id, Objection.status.in_(UNRESOLVED))).scalar_one())


def objection_summary(session: Session, notice_id: int) -> dict[str, int]:
    return {status: int(n) for status, n in session.execute(
        select(Objection.status, func.count()).where(Objection.notice_id == notice_id)
        .group_by(Objection.status)).all()}


def plural_objections(n: int) -> str:
    return ngettext("%(num)s objection", "%(num)s objections", n)


# ---- verification -------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    found: bool
    valid: bool = False
    revoked: bool = False
    award: Award | None = None
    organisation: str = ""
    project: str = ""
    round_name: str = ""
    organiser_unit: str = ""
    popularity: Any = None  # a 人气奖 (grants.votes VoteAward) instead of an award
    terminated: bool = False  # its funding agreement was terminated for breach


def _by_code(session: Session, model: Any, code: str) -> Any:
    """(record, project, organisation, round name, organiser unit) of an award-like record."""
    return session.execute(
        select(model, Application.title, Organisation.name, Round.name, Round.organiser_unit)
        .join(Application, Application.id == model.application_id)
        .join(Organisation, Organisation.id == model.organisation_id)
        .join(Round, Round.id == model.round_id)
        .where(model.code == code)).first()


def verify(session: Session, code: str) -> Verification:
    """What the public certificate check shows for a code: an award's, or a 人气奖's (valid
    once the vote's results are published, which is when it is written)."""
    from grants.votes.models import VoteAward

    code = code.strip().upper()
    if not (6 <= len(code) <= 16 and code.isalnum() and code.isascii()):
        return Verification(found=False)
    row = _by_code(session, Award, code)
    if row is not None:
        award, project, organisation, round_name, unit = row
        from grants.disbursements.models import Agreement

        terminated = session.execute(select(Agreement.id).where(
            Agreement.award_id == award.id, Agreement.status == "terminated")).first()
        return Verification(found=True, valid=award.status == "confirmed" and not terminated,
                            revoked=award.status == "revoked", award=award,
                            terminated=terminated is not None,
                            organisation=organisation, project=project, round_name=round_name,
                            organiser_unit=unit)
    row = _by_code(session, VoteAward, code)
    if row is None:
        return Verification(found=False)
    popular, project, organisation, round_name, unit = row
    return Verification(found=True, valid=True, popularity=popular, organisation=organisation,
                        project=project, round_name=round_name, organiser_unit=unit)
