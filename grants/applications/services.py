"""Applications: drafts, submission against the round's rules, frozen versions, withdrawal,
return for correction and eligibility screening. Services take a Session and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts.models import User
from grants.applications import attachments as files
from grants.applications import rules, workflow
from grants.applications.models import (
    ActivityItem,
    Application,
    ApplicationVersion,
    Attachment,
    BudgetLine,
    ScreeningDecision,
)
from grants.db import lock_row, memo
from grants.i18n import N_, join_list
from grants.i18n import gettext as _
from grants.notifications import services as notifications
from grants.organisations.models import Organisation
from grants.permissions import can
from grants.regions import services as regions
from grants.rounds.models import Round, Track
from grants.timeutil import now
from grants.urls import path
from grants.validation import FormErrors, column_problems
from grants.vocab import TARGET_GROUPS

PROPOSAL_FIELDS = ("title", "track_id", "summary", "need_analysis", "objectives",
                   "target_groups", "community_ids", "planned_activities", "planned_people",
                   "planned_volunteers")


class SubmissionRefused(Exception):
    """Submission broke rules; `problems` lists every one in plain words."""

    def __init__(self, problems: list[rules.Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


# ---- reading -----------------------------------------------------------------------------

def lines_of(session: Session, app: Application) -> list[BudgetLine]:
    return list(session.execute(select(BudgetLine).where(BudgetLine.application_id == app.id)
                                .order_by(BudgetLine.position, BudgetLine.id)).scalars())


def activities_of(session: Session, app: Application) -> list[ActivityItem]:
    return list(session.execute(select(ActivityItem).where(ActivityItem.application_id == app.id)
                                .order_by(ActivityItem.position, ActivityItem.id)).scalars())


def versions_of(session: Session, app: Application) -> list[ApplicationVersion]:
    return list(session.execute(select(ApplicationVersion)
                                .where(ApplicationVersion.application_id == app.id)
                                .order_by(ApplicationVersion.number)).scalars())


def latest_decision(session: Session, app: Application) -> ScreeningDecision | None:
    return session.execute(select(ScreeningDecision)
                           .where(ScreeningDecision.application_id == app.id)
                           .order_by(ScreeningDecision.id.desc()).limit(1)).scalar()


def org_facts(org: Organisation) -> rules.OrgFacts:
    return rules.OrgFacts(registration=org.registration, rating=org.rating,
                          credit_status=org.credit_status, category=org.category,
                          community_id=org.community_id)


def rule_lines(lines: list[BudgetLine]) -> list[rules.Line]:
    return [rules.Line(line.category, line.amount_fen, line.cofunding_fen) for line in lines]


def proposal_of(app: Application, lines: list[BudgetLine], activity_count: int) -> rules.Proposal:
    return rules.Proposal(title=app.title, summary=app.summary, need_analysis=app.need_analysis,
                          objectives=app.objectives, track_id=app.track_id,
                          target_groups=tuple(app.target_groups),
                          community_ids=tuple(app.community_ids), lines=rule_lines(lines),
                          activity_count=activity_count, planned_people=app.planned_people)


def counted_for_limit(session: Session, round_: Round, organisation_id: int,
                      excluding: int | None) -> int:
    query = select(func.count()).select_from(Application).where(
        Application.round_id == round_.id, Application.organisation_id == organisation_id,
        Application.status.in_(workflow.COUNTED))
    if excluding is not None:
        query = query.where(Application.id != excluding)
    return int(session.execute(query).scalar_one())


def not_verified_problem(org: Organisation | None) -> rules.Problem | None:
    """Only verified organisations may apply (self-registered ones wait for an organiser)."""
    if org is not None and org.verification != "verified":
        return rules.Problem("organisation.verification", _(
            "Your organisation is not verified yet: an organiser checks a new registration "
            "before it may apply to rounds."))
    return None


def barred_problem(session: Session, organisation_id: int | None) -> rules.Problem | None:
    """A bar from applying (after a breach) refuses drafts and submissions until it ends."""
    from grants.organisations import bars

    # One lookup per page for the organisation (the open rounds page asks once per round).
    found = memo(session, ("active_bar", organisation_id),
                 lambda: bars.active_bar(session, organisation_id))
    if found is None:
        return None
    return rules.Problem("eligibility.barred", bars.barred_message(found))


def series_problems(session: Session, round_: Round, organisation_id: int | None,
                    excluding: int | None = None) -> list[rules.Problem]:
    """The series' rules: entries per organisation across the series' rounds of the year, and
    past winners of the excluded levels in earlier rounds of the series."""
    from grants.awards.models import Award
    from grants.vocab import AWARD_LEVELS

    eligibility = round_.eligibility or {}
    if not round_.series or organisation_id is None:
        return []
    found: list[rules.Problem] = []
    limit = eligibility.get("series_max_per_year")
    if limit:
        query = (select(func.count()).select_from(Application)
                 .join(Round, Round.id == Application.round_id)
                 .where(Round.series == round_.series, Round.year == round_.year,
                        Application.organisation_id == organisation_id,
                        Application.status.in_(workflow.COUNTED)))
        if excluding is not None:
            query = query.where(Application.id != excluding)
        entries = int(session.execute(query).scalar_one())
        if entries >= int(limit):
            found.append(rules.Problem("eligibility.series_limit", _(
                "Your organisation already has %(n)s entries in the %(year)s rounds of "
                "%(series)s; the series allows at most %(max)s per organisation a year.",
                n=entries, year=round_.year, series=round_.series, max=limit)))
    levels = [lv for lv in eligibility.get("exclude_winner_levels") or [] if lv in AWARD_LEVELS]
    if levels:
        earlier = Round.year < round_.year
        if round_.edition is not None:
            earlier = earlier | ((Round.year == round_.year) & (Round.edition < round_.edition))
        won = session.execute(
            select(Award.level, Round.name).join(Round, Round.id == Award.round_id)
            .where(Award.organisation_id == organisation_id, Award.status == "confirmed",
                   Award.level.in_(levels), Round.series == round_.series,
                   Round.id != round_.id, earlier)
            .order_by(Round.year.desc()).limit(1)).first()
        if won is not None:
            found.append(rules.Problem("eligibility.past_winner", _(
                "Past winners of %(levels)s in %(series)s may not apply; your organisation won "
                "the %(level)s in %(round)s.", levels=join_list(_(AWARD_LEVELS[lv])
                                                                for lv in levels),
                series=round_.series, level=_(AWARD_LEVELS[won[0]]), round=won[1])))
    return found


def _started_by_round(session: Session, organisation_id: int) -> dict[int, int]:
    """The organisation's drafts and counted applications per round, in one statement for the
    page (the open rounds page asks once per round)."""
    def count() -> dict[int, int]:
        rows = session.execute(
            select(Application.round_id, func.count()).where(
                Application.organisation_id == organisation_id,
                Application.status.in_(workflow.COUNTED | {"draft"}))
            .group_by(Application.round_id)).all()
        return {int(round_id): int(n) for round_id, n in rows}

    result: dict[int, int] = memo(session, ("started_by_round", organisation_id), count)
    return result


def standing(session: Session, round_: Round, organisation_id: int | None
             ) -> list[rules.Problem]:
    """Why the organisation may not start an application in the round now (empty: it may),
    said up front on the round page and the apply page, and enforced when a draft starts."""
    from grants.regions.services import path_labels

    if organisation_id is None:
        return [rules.Problem("organisation.none", _(
            "Your account does not belong to an organisation."))]
    found: list[rules.Problem] = []
    if round_.status != "open":
        found.append(rules.Problem("window.status", _(
            "This round is not open for applications.")))
    elif round_.closes_at is not None and round_.closes_at <= now():
        found += rules.window_problems(round_.status, None, round_.closes_at, now())
    org = memo(session, ("organisation", organisation_id),
               lambda: session.get(Organisation, organisation_id))
    for problem in (not_verified_problem(org), barred_problem(session, organisation_id)):
        if problem is not None:
            found.append(problem)
    found += series_problems(session, round_, organisation_id)
    if org is not None:
        eligibility = round_.eligibility or {}
        names = path_labels(session) if eligibility.get("community_ids") else None
        found += rules.eligibility_problems(org_facts(org), eligibility, names=names)
    started = _started_by_round(session, organisation_id).get(round_.id, 0)
    found += rules.started_limit_problems(started, round_.max_applications_per_org)
    return found


def problems(session: Session, app: Application, round_: Round) -> list[rules.Problem]:
    """Every reason the application cannot be submitted now (empty when it can)."""
    found: list[rules.Problem] = []
    if app.status == "draft":
        found += rules.window_problems(round_.status, round_.opens_at, round_.closes_at, now())
    elif round_.status not in ("open", "closed"):
        found.append(rules.Problem("window.status", _(
            "This round is no longer taking corrections.")))
    found += rules.limit_problems(
        counted_for_limit(session, round_, app.organisation_id, app.id),
        round_.max_applications_per_org)
    org = session.get(Organisation, app.organisation_id)
    unverified = not_verified_problem(org)
    if unverified:
        found.append(unverified)
    barred = barred_problem(session, app.organisation_id)
    if barred:
        found.append(barred)
    found += series_problems(session, round_, app.organisation_id, app.id)
    lines = lines_of(session, app)
    found += rules.check(proposal=proposal_of(app, lines, len(activities_of(session, app))),
                         org=org_facts(org), eligibility=round_.eligibility or {},
                         budget_rules=round_.budget_rules or {},
                         grant_min_fen=round_.grant_min_fen, grant_max_fen=round_.grant_max_fen)
    return found


# ---- drafts ------------------------------------------------------------------------------

def create_draft(session: Session, actor: audit.Actor, user: User, round_: Round,
                 track_id: int | None, title: str) -> Application:
    errors = {}
    track = session.get(Track, track_id) if track_id else None
    if track is None or track.round_id != round_.id:
        errors["track_id"] = _("Choose a track.")
    if not title:
        errors["title"] = _("This field is required.")
    errors.update(column_problems(Application, {"title": title}))
    if not can(user, "round.apply", round_):
        errors["round"] = _("This round is not open for applications.")
    if user.organisation_id is None:
        errors["round"] = _("Your account does not belong to an organisation.")
    elif "round" not in errors:
        found = standing(session, round_, user.organisation_id)
        if found:
            errors["round"] = " ".join(p.message for p in found)
    if errors:
        raise FormErrors(errors)
    app = Application(round_id=round_.id, track_id=track_id,
                      organisation_id=user.organisation_id, title=title,
                      created_by_id=user.id)
    session.add(app)
    audit.record(session, actor, "application.create", app)
    return app


def validate_draft(session: Session, round_: Round, data: dict[str, Any],
                   errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The draft's values, or FormErrors with every problem (from `errors`, the form's
    own, on)."""
    errors = dict(errors or {})
    for key, message in column_problems(Application, data).items():
        errors.setdefault(key, message)
    for row in data.get("lines", []):
        if column_problems(BudgetLine, row):
            errors.setdefault("budget", _("A budget row contains characters that are not "
                                          "allowed."))
    for row in data.get("activities", []):
        if column_problems(ActivityItem, row):
            errors.setdefault("activities", _("An activity row contains characters that are "
                                              "not allowed."))
    track_id = data.get("track_id")
    if track_id is not None:
        track = session.get(Track, track_id)
        if track is None or track.round_id != round_.id:
            errors.setdefault("track_id", _("Not a valid choice."))
    if any(code not in TARGET_GROUPS for code in data.get("target_groups", [])):
        errors.setdefault("target_groups", _("Not a valid choice."))
    if not regions.all_communities(session, data.get("community_ids", [])):
        errors.setdefault("community_ids", _("Choose communities from the list."))
    if errors:
        raise FormErrors(errors)
    return data


def save_draft(session: Session, actor: audit.Actor, app: Application, round_: Round,
               data: dict[str, Any], errors: dict[str, str] | None = None) -> Application:
    """Replace the draft's fields, budget lines and activities; incomplete drafts are fine."""
    data = validate_draft(session, round_, data, errors)
    before = audit.snapshot(app)
    for key in PROPOSAL_FIELDS:
        if key in data:
            setattr(app, key, data[key])
    session.execute(delete(BudgetLine).where(BudgetLine.application_id == app.id))
    session.execute(delete(ActivityItem).where(ActivityItem.application_id == app.id))
    for position, line in enumerate(data.get("lines", [])):
        session.add(BudgetLine(application_id=app.id, position=position, **line))
    for position, item in enumerate(data.get("activities", [])):
        session.add(ActivityItem(application_id=app.id, position=position, **item))
    total = rules.totals(rules.Line(li["category"], li["amount_fen"], li["cofunding_fen"])
                         for li in data.get("lines", []))
    app.request_fen, app.cofunding_fen = total.request_fen, total.cofunding_fen
    app.updated_at = now()
    audit.record(session, actor, "application.save", app, before=before)
    return app


# ---- submission and versions -------------------------------------------------------------

def organisation_facts(org: Organisation | None) -> dict[str, Any]:
    """The organisation's identity facts that rounds' eligibility reads, as frozen data."""
    from grants.organisations.services import IDENTITY

    return {key: getattr(org, key) for key in IDENTITY} if org is not None else {}


def snapshot(session: Session, app: Application) -> dict[str, Any]:
    """Every field as it is now, for a frozen version."""
    org = session.get(Organisation, app.organisation_id)
    track = session.get(Track, app.track_id) if app.track_id else None
    return {
        "title": app.title, "summary": app.summary, "need_analysis": app.need_analysis,
        "objectives": app.objectives, "track_id": app.track_id,
        "track_name": track.name if track else "",
        "organisation_id": app.organisation_id, "organisation_name": org.name if org else "",
        # The facts the submission was judged on; later identity changes do not alter them.
        "organisation_facts": organisation_facts(org),
        "target_groups": list(app.target_groups), "community_ids": list(app.community_ids),
        "planned_activities": app.planned_activities, "planned_people": app.planned_people,
        "planned_volunteers": app.planned_volunteers, "request_fen": app.request_fen,
        "cofunding_fen": app.cofunding_fen,
        "budget_lines": [{"category": li.category, "item": li.item, "amount_fen": li.amount_fen,
                          "cofunding_fen": li.cofunding_fen} for li in lines_of(session, app)],
        "activities": [{"activity": a.activity, "month": a.month, "sessions": a.sessions}
                       for a in activities_of(session, app)],
        "attachments": [{"id": a.id, "filename": a.filename, "sha256": a.sha256,
                         "size": a.size, "kind": a.kind} for a in files.live(session, app)],
    }


def record_arrived_version(session: Session, app: Application) -> ApplicationVersion:
    """Version 1 of an application that arrives already submitted (imported, demo data), as it
    arrived: its page then lists the submitted version like any other's."""
    session.flush()
    app.current_version = max(app.current_version, 1)
    version = ApplicationVersion(application_id=app.id, number=1,
                                 snapshot=snapshot(session, app),
                                 submitted_at=app.submitted_at or now())
    session.add(version)
    session.flush()
    return version


def lock_application(session: Session, app: Application) -> None:
    """Serialise submissions of one organisation to one round (limit and version number)."""
    lock_row(session, Organisation, app.organisation_id)
    session.refresh(app)


def submit(session: Session, actor: audit.Actor, user: User, app: Application,
           round_: Round) -> ApplicationVersion:
    lock_application(session, app)
    if not can(user, "application.submit", app):
        found = problems(session, app, round_) if app.status in workflow.LIFECYCLE.transition(
            "submit").sources else []
        raise SubmissionRefused(found or [rules.Problem("status", _(
            "This application cannot be submitted in its current state."))])
    found = problems(session, app, round_)
    if found:
        raise SubmissionRefused(found)
    was_returned = app.status == workflow.Status.RETURNED
    moment = now()
    app.current_version += 1
    version = ApplicationVersion(application_id=app.id, number=app.current_version,
                                 snapshot=snapshot(session, app), submitted_at=moment,
                                 submitted_by_id=user.id)
    session.add(version)
    try:
        session.flush()
    except IntegrityError:  # another request froze this version first
        raise SubmissionRefused([rules.Problem("status", _(
            "This application was just submitted from another window or by a colleague; "
            "nothing was changed. Reload the page to see it."))]) from None
    for attachment in files.live(session, app):
        attachment.frozen = True
    app.submitted_at = moment
    app.return_reason = ""
    lifecycle.perform(session, actor, user, "application.submit", app)
    org = session.get(Organisation, app.organisation_id)
    params = {"title": app.title, "org": org.name if org else "", "round": round_.name,
              "n": version.number}
    notifications.notify(
        session, notifications.organisers_covering(session, round_.region_id),
        title=N_("Resubmitted: %(title)s") if was_returned else N_("New application: %(title)s"),
        body=N_("%(org)s submitted “%(title)s” (version %(n)s) to %(round)s."),
        params=params, link=path("application_detail", id=app.id))
    return version


def withdraw(session: Session, actor: audit.Actor, user: User, app: Application,
             round_: Round) -> None:
    if not can(user, "application.withdraw", app):
        raise FormErrors({"status": _(
            "This application can no longer be withdrawn: judging has started or it is not "
            "submitted.")})
    lifecycle.perform(session, actor, user, "application.withdraw", app)


def return_for_correction(session: Session, actor: audit.Actor, user: User, app: Application,
                          round_: Round, reason: str) -> None:
    if not reason.strip():
        raise FormErrors({"reason": _("Say what needs correcting.")})
    if not can(user, "application.return", app):
        raise FormErrors({"reason": _("This application cannot be returned now.")})
    app.return_reason = reason.strip()
    lifecycle.perform(session, actor, user, "application.return", app, reason=reason)
    notifications.notify(
        session, notifications.members(session, app.organisation_id),
        title=N_("Returned for correction: %(title)s"),
        body=N_("The organiser returned “%(title)s” for correction: %(reason)s\nCorrect it and "
                "submit it again."),
        params={"title": app.title, "reason": app.return_reason}, link=path("application_detail", id=app.id))


SCREEN_ACTIONS = {"pass": "application.pass_screening", "fail": "application.fail_screening"}


def screen(session: Session, actor: audit.Actor, user: User, app: Application, round_: Round,
           outcome: str, reason: str) -> ScreeningDecision:
    reason = reason.strip()
    if outcome not in SCREEN_ACTIONS:
        raise FormErrors({"outcome": _("Choose pass or fail.")})
    if outcome == "fail" and not reason:
        raise FormErrors({"reason": _("Give the reason the application fails screening.")})
    if not can(user, SCREEN_ACTIONS[outcome], app):
        raise FormErrors({"outcome": _(
            "%(title)s cannot be screened in its current state.", title=app.title)})
    decision = ScreeningDecision(application_id=app.id, version_number=app.current_version,
                                 outcome=outcome, reason=reason, decided_by_id=user.id)
    session.add(decision)
    lifecycle.perform(session, actor, user, SCREEN_ACTIONS[outcome], app, reason=reason,
                      extra={"outcome": outcome})
    notifications.notify(
        session, notifications.members(session, app.organisation_id),
        title=(N_("Passed eligibility screening: %(title)s") if outcome == "pass"
               else N_("Did not pass eligibility screening: %(title)s")),
        body=(N_("“%(title)s” passed eligibility screening. %(reason)s") if outcome == "pass"
              else N_("“%(title)s” did not pass eligibility screening. Reason: %(reason)s")),
        params={"title": app.title, "reason": reason}, link=path("application_detail", id=app.id))
    return decision


def bulk_screen(session: Session, actor: audit.Actor, user: User, round_: Round,
                ids: list[int], outcome: str, reason: str) -> int:
    """Screen every selected application of the round, or none (errors list each refusal)."""
    if not ids:
        raise FormErrors({"ids": _("Select at least one application.")})
    apps = list(session.execute(select(Application).where(
        Application.id.in_(ids), Application.round_id == round_.id)).scalars())
    if len(apps) != len(set(ids)):
        raise FormErrors({"ids": _("Some selected applications are not in this round.")})
    errors: dict[str, str] = {}
    for app in apps:
        try:
            screen(session, actor, user, app, round_, outcome, reason)
        except FormErrors as exc:
            for key, message in exc.errors.items():
                errors.setdefault(key, message)
    if errors:
        raise FormErrors(errors)
    return len(apps)


# ---- lists -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    track_id: int | None = None
    status: str = ""
    community_id: int | None = None
    category: str = ""
    sort: str = "-submitted"


SORTS: dict[str, tuple[Any, ...]] = {
    "-submitted": (Application.submitted_at.desc(),),
    "submitted": (Application.submitted_at,),
    "-request": (Application.request_fen.desc(),),
    "request": (Application.request_fen,),
    "title": (Application.title,),
}


def round_list(round_: Round, filters: ListFilters) -> Select[Any]:
    query = (select(Application).join(Organisation, Organisation.id == Application.organisation_id)
             .where(Application.round_id == round_.id,
                    Application.status.in_(workflow.VISIBLE_TO_ORGANISER)))
    if filters.q:
        like = f"%{filters.q}%"
        query = query.where(or_(Application.title.ilike(like),
                                Organisation.name.ilike(like)))
    if filters.track_id:
        query = query.where(Application.track_id == filters.track_id)
    if filters.status:
        query = query.where(Application.status == filters.status)
    if filters.community_id:
        query = query.where(Organisation.community_id == filters.community_id)
    if filters.category:
        query = query.where(Organisation.category == filters.category)
    return query.order_by(*SORTS.get(filters.sort, SORTS["-submitted"]), Application.id)


def mine(user: User) -> Select[Any]:
    return (select(Application).where(Application.organisation_id == (user.organisation_id or -1))
            .order_by(Application.updated_at.desc(), Application.id.desc()))


def attachment_for(session: Session, app: Application, attachment_id: int) -> Attachment | None:
    """An attachment of this application that is still shown (live, or frozen in a version)."""
    found = session.get(Attachment, attachment_id)
    if found is None or found.application_id != app.id:
        return None
    if found.removed_at is not None and not found.frozen:
        return None
    return found
