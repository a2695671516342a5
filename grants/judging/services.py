"""Judging work: panels, invitations, the judge-list import, conflicts, assignment, sheets.

Every function takes the session first, records audit events and never commits. Input that
breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts.models import User
from grants.accounts.services import create_user
from grants.applications.models import Application
from grants.auth import hash_password, password_problem
from grants.db import memo
from grants.i18n import N_, join_list
from grants.i18n import gettext as _
from grants.judging.models import (
    Assignment,
    JudgeInvite,
    PanelMember,
    RoadshowState,
    ScoreSheet,
    StageJudging,
)
from grants.judging.workflow import LIVE, sheet_problems
from grants.notifications.models import OutboxMessage
from grants.notifications.services import notify, organisers
from grants.organisations.models import Organisation
from grants.rounds.models import Criterion, Round, Stage, Track
from grants.rounds.rubrics import criteria_of
from grants.settings import get_settings
from grants.timeutil import now
from grants.urls import path
from grants.validation import FormErrors, is_email, reason_problem
from scoring import assign as scoring_assign
from scoring.rubric import Criterion as RubricCriterion
from scoring.rubric import Rubric, sheet_total

log = logging.getLogger(__name__)
INVITE_DAYS = 14
SCORED_KINDS = ("scoring", "roadshow")


# ---- panels --------------------------------------------------------------------------------

@dataclass
class Seat:
    member: PanelMember
    user: User


def panel(session: Session, round_: Round) -> list[Seat]:
    def load() -> list[Seat]:
        rows = session.execute(select(PanelMember, User).join(User, User.id == PanelMember.user_id)
                               .where(PanelMember.round_id == round_.id)
                               .order_by(User.display_name, User.id)).all()
        return [Seat(m, u) for m, u in rows]

    return list(memo(session, ("panel", round_.id), load))


def _ids(values: Any) -> list[int]:
    texts = [str(v) for v in values or []]
    return sorted({int(t) for t in texts if t.isascii() and t.isdigit() and len(t) < 12})


def add_member(session: Session, actor: audit.Actor, round_: Round, user: User, *,
               tracks: Any = (), organisation_ids: Any = (), community_ids: Any = (),
               fund_ids: Any = (), public: bool = False) -> PanelMember:
    if not user.is_active:
        raise FormErrors({"user_id": _("This account is deactivated.")})
    existing = session.execute(select(PanelMember).where(
        PanelMember.round_id == round_.id, PanelMember.user_id == user.id)).scalars().first()
    if existing is not None:
        raise FormErrors({"user_id": _("%(name)s is already on the panel.",
                                       name=user.display_name)})
    round_tracks = set(session.execute(select(Track.id).where(
        Track.round_id == round_.id)).scalars())
    member = PanelMember(round_id=round_.id, user_id=user.id,
                         tracks=[t for t in _ids(tracks) if t in round_tracks],
                         organisation_ids=_ids(organisation_ids),
                         community_ids=_ids(community_ids), fund_ids=_ids(fund_ids),
                         public=bool(public))
    if user.organisation_id and user.organisation_id not in member.organisation_ids:
        member.organisation_ids = sorted([*member.organisation_ids, user.organisation_id])
    session.add(member)
    session.flush()
    audit.record(session, actor, "panel.add", member)
    return member


def update_member(session: Session, actor: audit.Actor, member: PanelMember, *, tracks: Any,
                  organisation_ids: Any, community_ids: Any, fund_ids: Any,
                  public: bool | None = None) -> None:
    before = audit.snapshot(member)
    if public is not None:
        member.public = bool(public)
    round_tracks = set(session.execute(select(Track.id).where(
        Track.round_id == member.round_id)).scalars())
    member.tracks = [t for t in _ids(tracks) if t in round_tracks]
    member.organisation_ids = _ids(organisation_ids)
    member.community_ids = _ids(community_ids)
    member.fund_ids = _ids(fund_ids)
    audit.record(session, actor, "panel.update", member, before=before)


def remove_member(session: Session, actor: audit.Actor, member: PanelMember) -> None:
    live = session.execute(select(Assignment.id).where(
        Assignment.user_id == member.user_id, Assignment.status.in_(LIVE),
        Assignment.stage_id.in_(select(Stage.id).where(
            Stage.round_id == member.round_id)))).first()
    if live:
        raise FormErrors({"member": _("This judge still has assignments; remove them first.")})
    audit.record(session, actor, "panel.remove", member, before=audit.snapshot(member))
    session.delete(member)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, actor: audit.Actor, round_: Round, *, email: str,
           display_name: str, tracks: Any = (), organisation_ids: Any = ()) -> str:
    """Create a judge account with an unusable password, seat it on the panel and e-mail a
    one-time link to set a password. Returns the token (shown once, never stored)."""
    email = email.strip()
    errors: dict[str, str] = {}
    if not is_email(email):
        errors["email"] = _("Enter a valid e-mail address.")
    if not display_name.strip():
        errors["display_name"] = _("This field is required.")
    if errors:
        raise FormErrors(errors)
    user = session.execute(select(User).where(User.email == email)).scalars().first()
    if user is None:
        base = "judge-" + email.split("@")[0].lower()
        base = "".join(c for c in base if c.isalnum() or c in "-_.")[:50] or "judge"
        username, n = base, 1
        while session.execute(select(User.id).where(User.username == username)).first():
            n += 1
            username = f"{base}{n}"
        user = create_user(session, actor, username=username, display_name=display_name,
                           role="judge", password=secrets.token_urlsafe(24), email=email)
        session.flush()
    add_member(session, actor, round_, user, tracks=tracks, organisation_ids=organisation_ids)
    token = secrets.token_urlsafe(32)
    session.add(JudgeInvite(user_id=user.id, round_id=round_.id, token_hash=_token_hash(token),
                            expires_at=now() + timedelta(days=INVITE_DAYS)))
    link = get_settings().base_url.rstrip("/") + f"/invite/{token}"
    session.add(OutboxMessage(
        to=email, subject=_("You are invited to judge %(round)s", round=round_.name)[:200],
        body=_("%(name)s, you are invited to sit on the judging panel of %(round)s.\n\n"
               "Your user name is %(username)s. Set your password with this link "
               "(it works once, for %(days)s days):\n%(link)s",
               name=user.display_name, round=round_.name, username=user.username,
               days=INVITE_DAYS, link=link)))
    audit.record(session, actor, "panel.invite", user, after={"round_id": round_.id,
                                                              "email": email})
    return token


def invite_for(session: Session, token: str) -> JudgeInvite | None:
    found = session.execute(select(JudgeInvite).where(
        JudgeInvite.token_hash == _token_hash(token))).scalars().first()
    if found is None or found.used_at is not None or found.expires_at < now():
        return None
    return found


def accept_invite(session: Session, actor: audit.Actor, found: JudgeInvite, password: str,
                  again: str) -> User:
    problem = password_problem(password)
    if problem:
        raise FormErrors({"password": _(problem)})
    if password != again:
        raise FormErrors({"password_again": _("The two passwords differ.")})
    user = session.get(User, found.user_id)
    assert user is not None
    user.password_hash = hash_password(password)
    user.session_version += 1
    found.used_at = now()
    audit.record(session, actor, "panel.accept_invite", user)
    return user


# ---- the judge list import (xlsx) ------------------------------------------------------------

IMPORT_HEADERS = ("用户名", "姓名", "邮箱", "赛道", "回避单位")
MAX_IMPORT_ROWS = 500


def import_template() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "评委名单"
    sheet.append(IMPORT_HEADERS)
    sheet.append(("", "张评委", "zhang@example.org", "为老服务", "坂田义工联"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _split(text: Any) -> list[str]:
    raw = str(text or "").replace("、", ";").replace("；", ";").replace(",", ";")
    return [p.strip() for p in raw.split(";") if p.strip()]


def import_judges(session: Session, actor: audit.Actor, round_: Round, data: bytes) -> int:
    """Seat every row's judge (an existing user name, or a new judge invited by e-mail).
    Every row is checked first; one bad row refuses the whole file, naming each problem."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    except Exception:
        raise FormErrors({"file": _("This is not a readable .xlsx file.")}) from None
    if not rows:
        raise FormErrors({"file": _("The file is empty.")})
    header = [str(c or "").strip() for c in rows[0]]
    missing = [h for h in IMPORT_HEADERS[:3] if h not in header]
    if missing:
        raise FormErrors({"file": _("The first row must name the columns; missing: %(cols)s.",
                                    cols=join_list(missing))})
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if not body:
        raise FormErrors({"file": _("The file has no judges.")})
    if len(body) > MAX_IMPORT_ROWS:
        raise FormErrors({"file": _("At most %(n)s rows at a time.", n=MAX_IMPORT_ROWS)})
    col = {h: header.index(h) for h in IMPORT_HEADERS if h in header}
    tracks = {t.name: t.id for t in session.execute(select(Track).where(
        Track.round_id == round_.id)).scalars()}
    orgs = {o.name: o.id for o in session.execute(select(Organisation)).scalars()}
    seated = set(session.execute(select(PanelMember.user_id).where(
        PanelMember.round_id == round_.id)).scalars())

    def cell(row: tuple[Any, ...], name: str) -> str:
        i = col.get(name)
        return str(row[i]).strip() if i is not None and i < len(row) and row[i] is not None else ""

    problems: list[str] = []
    plan = []
    for number, row in enumerate(body, start=2):
        username, name, email = cell(row, "用户名"), cell(row, "姓名"), cell(row, "邮箱")
        track_ids, org_ids = [], []
        for t in _split(cell(row, "赛道")):
            if t in tracks:
                track_ids.append(tracks[t])
            else:
                problems.append(_("Row %(row)s: no track named “%(name)s”.", row=number, name=t))
        for o in _split(cell(row, "回避单位")):
            if o in orgs:
                org_ids.append(orgs[o])
            else:
                problems.append(_("Row %(row)s: no organisation named “%(name)s”.",
                                  row=number, name=o))
        user = None
        if username:
            user = session.execute(select(User).where(User.username == username)
                                   ).scalars().first()
            if user is None:
                problems.append(_("Row %(row)s: no user named “%(name)s”.", row=number,
                                  name=username))
            elif user.id in seated:
                problems.append(_("Row %(row)s: %(name)s is already on the panel.", row=number,
                                  name=user.display_name))
        elif not is_email(email) or not name:
            problems.append(_("Row %(row)s: give a user name, or a name and an e-mail address "
                              "to invite.", row=number))
        plan.append((user, name, email, track_ids, org_ids))
    if problems:
        raise FormErrors({"file": " ".join(problems)})
    for user, name, email, track_ids, org_ids in plan:
        if user is not None:
            add_member(session, actor, round_, user, tracks=track_ids, organisation_ids=org_ids)
        else:
            invite(session, actor, round_, email=email, display_name=name, tracks=track_ids,
                   organisation_ids=org_ids)
    return len(plan)


# ---- stages ----------------------------------------------------------------------------------

def judging_of(session: Session, stage: Stage) -> StageJudging:
    def load() -> StageJudging:
        found = session.execute(select(StageJudging).where(
            StageJudging.stage_id == stage.id)).scalars().first()
        if found is None:
            found = StageJudging(stage_id=stage.id, round_id=stage.round_id)
            session.add(found)
            session.flush()
        return found

    judging: StageJudging = memo(session, ("judging_of", stage.id), load)
    return judging


def scored_stages(session: Session, round_: Round) -> list[Stage]:
    return list(memo(session, ("scored_stages", round_.id), lambda: list(session.execute(
        select(Stage).where(Stage.round_id == round_.id, Stage.kind.in_(SCORED_KINDS))
        .order_by(Stage.position, Stage.id)).scalars())))


def previous_stage(session: Session, stage: Stage) -> Stage | None:
    earlier = [s for s in scored_stages(session, session.get(Round, stage.round_id))
               if (s.position, s.id) < (stage.position, stage.id)]
    return earlier[-1] if earlier else None


def stage_application_ids(session: Session, stage: Stage) -> list[int]:
    """The applications a stage judges: those that passed screening, or the ones the previous
    scored stage advanced."""
    def load() -> list[int]:
        before = previous_stage(session, stage)
        if before is not None:
            return list(judging_of(session, before).advanced)
        return list(session.execute(select(Application.id).where(
            Application.round_id == stage.round_id, Application.status == "eligible")
            .order_by(Application.id)).scalars())

    return list(memo(session, ("stage_application_ids", stage.id), load))


def stage_applications(session: Session, stage: Stage) -> list[Application]:
    ids = stage_application_ids(session, stage)
    if not ids:
        return []
    return list(session.execute(select(Application).where(
        Application.id.in_(ids)).order_by(Application.id)).scalars())


# ---- conflicts -------------------------------------------------------------------------------

def conflicts(session: Session, stage: Stage, apps: list[Application],
              seats: list[Seat]) -> dict[tuple[int, int], list[str]]:
    """(application id, user id) → the reasons the judge may not score it, in words."""
    from grants.funds.models import Fund

    orgs = {o.id: o for o in session.execute(select(Organisation).where(
        Organisation.id.in_({a.organisation_id for a in apps} or {-1}))).scalars()}
    fund_ids = {f for s in seats for f in s.member.fund_ids}
    funds = {f.id: f for f in session.execute(select(Fund).where(
        Fund.id.in_(fund_ids or {-1}))).scalars()}
    declared = session.execute(select(Assignment).where(
        Assignment.stage_id.in_(select(Stage.id).where(
            Stage.round_id == stage.round_id)),
        Assignment.status == "conflict")).scalars()
    found: dict[tuple[int, int], list[str]] = {}
    for a in declared:
        found.setdefault((a.application_id, a.user_id), []).append(
            _("declared a conflict: %(reason)s", reason=a.reason))
    for app in apps:
        org = orgs.get(app.organisation_id)
        org_name = org.name if org else ""
        app_communities = set(app.community_ids or []) | (
            {org.community_id} if org and org.community_id else set())
        for seat in seats:
            m, reasons = seat.member, []
            if app.organisation_id in m.organisation_ids or \
                    seat.user.organisation_id == app.organisation_id:
                reasons.append(_("affiliated with the applying organisation %(org)s",
                                 org=org_name))
            shared = app_communities & set(m.community_ids)
            if shared:
                reasons.append(_("lives or works in the project's community"))
            for fid in m.fund_ids:
                fund = funds.get(fid)
                if fund and app.organisation_id in (fund.owner_org_id, fund.host_org_id):
                    reasons.append(_("affiliated with the fund %(fund)s of the applying "
                                     "organisation", fund=fund.name))
            if reasons:
                found.setdefault((app.id, seat.user.id), []).extend(reasons)
    return found


# ---- assignment ------------------------------------------------------------------------------

@dataclass
class AssignPlan:
    k: int
    min_load: int
    max_load: int


def _infeasible_in_words(apps: list[Application], seats: list[Seat], plan: AssignPlan,
                         allowed: list[list[bool]], detail: str) -> str:
    k, lo, hi = plan.k, plan.min_load, plan.max_load
    n_apps, n_judges = len(apps), len(seats)
    if k > n_judges:
        return _("Each application needs %(k)s judges but the panel has only %(n)s. Add judges "
                 "or lower the number per application.", k=k, n=n_judges)
    if lo > hi:
        return _("The minimum load (%(lo)s) is larger than the maximum load (%(hi)s).",
                 lo=lo, hi=hi)
    for i, app in enumerate(apps):
        free = sum(allowed[i])
        if free < k:
            return _("“%(title)s” (#%(id)s) has only %(free)s judges without a conflict but "
                     "needs %(k)s. Add judges without links to it, or lower the number per "
                     "application.", title=app.title, id=app.id, free=free, k=k)
    if n_apps * k > n_judges * hi:
        return _("%(apps)s applications × %(k)s judges = %(need)s reviews, but %(n)s judges × "
                 "maximum load %(hi)s = only %(cap)s. Raise the maximum load or add judges.",
                 apps=n_apps, k=k, need=n_apps * k, n=n_judges, hi=hi, cap=n_judges * hi)
    if n_judges * lo > n_apps * k:
        return _("%(n)s judges × minimum load %(lo)s = %(min)s reviews, but there are only "
                 "%(need)s to give out. Lower the minimum load.", n=n_judges, lo=lo,
                 min=n_judges * lo, need=n_apps * k)
    for j, seat in enumerate(seats):
        free = sum(row[j] for row in allowed)
        if free < lo:
            return _("%(name)s may score only %(free)s applications (conflicts) but the minimum "
                     "load is %(lo)s.", name=seat.user.display_name, free=free, lo=lo)
    # `detail` is scoring's explanation, in English, for developers (logged, not shown).
    log.info("assignment impossible: %s", detail)
    return _("The conflicts and load limits cannot all be met at once. Try fewer judges per "
             "application, a higher maximum load, a lower minimum load, or more judges on the "
             "panel.")


def auto_assign(session: Session, actor: audit.Actor, stage: Stage, plan: AssignPlan,
                seed: int = 0) -> int:
    """Replace the stage's assignments with k judges per application through scoring.assign."""
    judging = judging_of(session, stage)
    if judging.status != "pending":
        raise FormErrors({"k": _("Assignments are made before scoring opens; change them one "
                                 "by one now.")})
    round_ = session.get(Round, stage.round_id)
    apps, seats = stage_applications(session, stage), panel(session, round_)
    if not apps:
        raise FormErrors({"k": _("No applications to assign: none has passed screening (or "
                                 "been advanced by the previous stage).")})
    if not seats:
        raise FormErrors({"k": _("The panel has no judges yet.")})
    found = conflicts(session, stage, apps, seats)
    allowed = [[(a.id, s.user.id) not in found for s in seats] for a in apps]
    preference = [[1.0 if a.track_id in s.member.tracks else 0.0 for s in seats] for a in apps]
    try:
        result = scoring_assign.assign(
            len(apps), len(seats), plan.k, min_load=plan.min_load, max_load=plan.max_load,
            conflicts=~np.array(allowed, dtype=bool).reshape(len(apps), len(seats)),
            preference=np.array(preference, dtype=float).reshape(len(apps), len(seats)),
            seed=seed)
    except scoring_assign.ScoringError as exc:
        raise FormErrors({"k": _infeasible_in_words(apps, seats, plan, allowed, str(exc))}
                         ) from None
    session.execute(delete(ScoreSheet).where(ScoreSheet.stage_id == stage.id))
    session.execute(delete(Assignment).where(Assignment.stage_id == stage.id))
    count = 0
    for i, app in enumerate(apps):
        for j in result.judges[i]:
            session.add(Assignment(stage_id=stage.id, application_id=app.id,
                                   user_id=seats[int(j)].user.id))
            count += 1
    judging.settings = {"k": plan.k, "min_load": plan.min_load, "max_load": plan.max_load,
                        "seed": seed, "method": result.method}
    audit.record(session, actor, "judging.assign", judging, after={
        "k": plan.k, "min_load": plan.min_load, "max_load": plan.max_load, "count": count})
    return count


def live_assignments(session: Session, stage: Stage) -> list[Assignment]:
    return list(memo(session, ("live_assignments", stage.id), lambda: list(session.execute(
        select(Assignment).where(Assignment.stage_id == stage.id, Assignment.status.in_(LIVE))
        .order_by(Assignment.application_id, Assignment.id)).scalars())))


def add_assignment(session: Session, actor: audit.Actor, stage: Stage, application_id: int,
                   user_id: int, reason: str) -> Assignment:
    reason = reason.strip()
    if not reason:
        raise FormErrors({"reason": _("Give a reason.")})
    judging = judging_of(session, stage)
    if judging.status == "closed":
        raise FormErrors({"reason": _("The stage is closed.")})
    round_ = session.get(Round, stage.round_id)
    seats = {s.user.id: s for s in panel(session, round_)}
    apps = {a.id: a for a in stage_applications(session, stage)}
    if application_id not in apps:
        raise FormErrors({"application_id": _("Choose an application of this stage.")})
    if user_id not in seats:
        raise FormErrors({"user_id": _("Choose a member of the panel.")})
    found = conflicts(session, stage, [apps[application_id]], [seats[user_id]])
    if found:
        raise FormErrors({"user_id": _("This judge has a conflict: %(why)s.",
                                       why="; ".join(next(iter(found.values()))))})
    if session.execute(select(Assignment.id).where(
            Assignment.stage_id == stage.id, Assignment.application_id == application_id,
            Assignment.user_id == user_id)).first():
        raise FormErrors({"user_id": _("This judge already had this application.")})
    created = Assignment(stage_id=stage.id, application_id=application_id, user_id=user_id,
                         manual=True, reason=reason)
    session.add(created)
    session.flush()
    audit.record(session, actor, "assignment.add", created, after={"reason": reason})
    if judging.status == "open":
        notify(session, [seats[user_id].user], title=N_NEW_TITLE, body=N_NEW_BODY,
               params={"stage": stage.name}, link=path("judging_mine"))
    return created


N_NEW_TITLE = N_("A new application to score")
N_NEW_BODY = N_("An application of %(stage)s has been added to your list.")


def remove_assignment(session: Session, actor: audit.Actor, user: User | None,
                      assignment: Assignment, reason: str) -> None:
    lifecycle.perform(session, actor, user, "assignment.remove", assignment, reason=reason)
    assignment.reason = reason.strip()


def replacements_needed(session: Session, stage: Stage) -> dict[int, int]:
    """Application id → how many judges it lacks against the stage's k."""
    k = int(judging_of(session, stage).settings.get("k")
            or stage.config.get("judges_per_app", 1))
    counts = dict.fromkeys(stage_application_ids(session, stage), 0)
    for a in live_assignments(session, stage):
        counts[a.application_id] = counts.get(a.application_id, 0) + 1
    return {a: k - n for a, n in counts.items() if n < k}


# ---- what a judge does -----------------------------------------------------------------------

def declare(session: Session, actor: audit.Actor, user: User, assignment: Assignment,
            action: str, reason: str = "") -> ScoreSheet | None:
    """confirm (no conflict), declare_conflict or abstain."""
    lifecycle.perform(session, actor, user, f"assignment.{action}", assignment, reason=reason)
    if action == "confirm":
        return sheet_of(session, assignment, create=True)
    assignment.reason = reason.strip()
    stage = session.get(Stage, assignment.stage_id)
    notify(session, organisers(session),
           title=N_("A judge needs replacing"),
           body=N_("%(judge)s will not score application #%(app)s in %(stage)s: %(reason)s"),
           params={"judge": user.display_name, "app": assignment.application_id,
                   "stage": stage.name if stage else "", "reason": reason.strip()},
           link=path("judging_stage", id=assignment.stage_id), email=False)
    return None


def sheet_of(session: Session, assignment: Assignment, create: bool = False) -> ScoreSheet | None:
    found = session.execute(select(ScoreSheet).where(
        ScoreSheet.assignment_id == assignment.id)).scalars().first()
    if found is None and create:
        found = ScoreSheet(assignment_id=assignment.id, stage_id=assignment.stage_id,
                           application_id=assignment.application_id, user_id=assignment.user_id)
        session.add(found)
        session.flush()
    return found


def rubric_of(criteria: list[Criterion]) -> Rubric:
    return Rubric(tuple(RubricCriterion(c.key, c.name, float(c.max_points)) for c in criteria))


@dataclass
class SheetInput:
    points: dict[str, float | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    overall: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def save_sheet(session: Session, actor: audit.Actor, user: User, sheet: ScoreSheet,
               data: SheetInput, submit: bool = False) -> None:
    """Save the judge's draft (refusing points out of range) and, if asked, submit it."""
    if not lifecycle_can(user, "sheet.save", sheet):
        raise FormErrors({"points": _("This sheet cannot be changed now.")})
    stage = session.get(Stage, sheet.stage_id)
    criteria = criteria_of(session, stage)
    errors = dict(data.errors)
    for c in criteria:
        value = data.points.get(c.key)
        if value is not None and not 0 <= value <= c.max_points:
            errors[f"points_{c.key}"] = _("Between 0 and %(max)s.", max=c.max_points)
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(sheet)
    sheet.points = {c.key: data.points[c.key] for c in criteria
                    if data.points.get(c.key) is not None}
    sheet.comments = {c.key: data.comments.get(c.key, "")[:2000] for c in criteria
                      if data.comments.get(c.key, "").strip()}
    sheet.overall_comment = data.overall[:4000]
    sheet.total = (sheet_total(rubric_of(criteria), sheet.points)
                   if len(sheet.points) == len(criteria) and criteria else None)
    sheet.updated_at = now()
    if submit:
        found = sheet_problems(stage, criteria, sheet.points, sheet.comments,
                               sheet.overall_comment)
        if found:
            raise FormErrors({"submit": " ".join(found)})
        sheet.submitted_at = now()
        lifecycle.perform(session, actor, user, "sheet.submit", sheet)
    else:
        audit.record(session, actor, "sheet.save", sheet, before=before)


def lifecycle_can(user: User, action: str, obj: Any) -> bool:
    from grants.permissions import can

    return can(user, action, obj)


def reopen_sheet(session: Session, actor: audit.Actor, user: User, sheet: ScoreSheet,
                 reason: str) -> None:
    lifecycle.perform(session, actor, user, "sheet.reopen", sheet, reason=reason)
    sheet.submitted_at = None
    judge = session.get(User, sheet.user_id)
    assert judge is not None
    notify(session, [judge], title=N_("Your score sheet was reopened"),
           body=N_("An organiser reopened your sheet for application #%(app)s: %(reason)s"),
           params={"app": sheet.application_id, "reason": reason.strip()},
           link=path("judging_sheet", id=sheet.id))


@dataclass
class WorkItem:
    assignment: Assignment
    stage: Stage
    round: Round
    application: Application
    sheet: ScoreSheet | None
    stage_status: str
    live: bool = False  # a roadshow run live: scored from the live page, project by project


def my_work(session: Session, user: User) -> list[WorkItem]:
    # The stage's status only, not its judging row (whose stored results can be large), and
    # each stage and round once rather than once per assignment.
    rows = session.execute(
        select(Assignment, Application, StageJudging.status)
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Application, Application.id == Assignment.application_id)
        .join(StageJudging, StageJudging.stage_id == Stage.id)
        .where(Assignment.user_id == user.id, Assignment.status.in_(LIVE),
               StageJudging.status.in_(("open", "closed")))
        .order_by(Stage.ends_at, Assignment.id)).all()
    stages = {st.id: st for st in session.execute(select(Stage).where(
        Stage.id.in_({a.stage_id for a, _app, _s in rows} or {-1}))).scalars()}
    rounds = {r.id: r for r in session.execute(select(Round).where(
        Round.id.in_({st.round_id for st in stages.values()} or {-1}))).scalars()}
    sheets = {s.assignment_id: s for s in session.execute(select(ScoreSheet).where(
        ScoreSheet.user_id == user.id)).scalars()}
    live = set(session.execute(select(RoadshowState.stage_id).where(
        RoadshowState.stage_id.in_(set(stages) or {-1}))).scalars())
    return [WorkItem(a, stages[a.stage_id], rounds[stages[a.stage_id].round_id], app,
                     sheets.get(a.id), status, a.stage_id in live) for a, app, status in rows]


@dataclass
class MyWork:
    """A judge's list: what waits (with the live roadshows to join), and what is done."""

    waiting: list[WorkItem]
    done: list[WorkItem]
    live_stages: list[Stage]


def my_list(session: Session, user: User) -> MyWork:
    items = my_work(session, user)
    waiting = [i for i in items if i.stage_status == "open"
               and (i.sheet is None or i.sheet.status != "submitted")]
    done = [i for i in items if i.sheet is not None and i.sheet.status == "submitted"]
    live = list({i.stage.id: i.stage for i in waiting if i.live}.values())
    return MyWork(waiting, done, live)


# ---- progress and reminders --------------------------------------------------------------------

@dataclass
class JudgeProgress:
    user: User
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def behind(self) -> int:
        return self.assigned - self.submitted


def progress(session: Session, stage: Stage) -> tuple[list[JudgeProgress], dict[int, list[int]]]:
    """Per judge: assigned / submitted / drafts; per application: [live, submitted]."""
    round_ = session.get(Round, stage.round_id)
    per_judge = {s.user.id: JudgeProgress(s.user) for s in panel(session, round_)}
    per_app: dict[int, list[int]] = {a: [0, 0] for a in stage_application_ids(session, stage)}
    sheets = {s.assignment_id: s for s in session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id)).scalars()}
    for a in live_assignments(session, stage):
        row = per_judge.get(a.user_id)
        sheet = sheets.get(a.id)
        done = sheet is not None and sheet.status == "submitted"
        per_app.setdefault(a.application_id, [0, 0])[0] += 1
        per_app[a.application_id][1] += int(done)
        if row is not None:
            row.assigned += 1
            row.submitted += int(done)
            row.drafts += int(sheet is not None and not done)
    return list(per_judge.values()), per_app


def send_reminders(session: Session, actor: audit.Actor, stage: Stage) -> int:
    """One reminder per judge who is behind (an e-mail and a notice)."""
    judges, _apps = progress(session, stage)
    behind = [j for j in judges if j.behind > 0]
    for j in behind:
        notify(session, [j.user], title=N_("Reminder: score sheets waiting"),
               body=N_("Applications of %(stage)s you still have to score: %(n)s."),
               params={"n": j.behind, "stage": stage.name}, link=path("judging_mine"))
    stamp = now()
    for a in live_assignments(session, stage):
        if a.user_id in {j.user.id for j in behind}:
            a.reminded_at = stamp
    audit.record(session, actor, "judging.remind", judging_of(session, stage),
                 after={"judges": [j.user.id for j in behind]})
    return len(behind)


def default_plan(session: Session, stage: Stage) -> AssignPlan:
    k = int(stage.config.get("judges_per_app", 3) or 3)
    round_ = session.get(Round, stage.round_id)
    n_judges = max(1, len(panel(session, round_)))
    n_apps = len(stage_application_ids(session, stage))
    fair = math.ceil(n_apps * k / n_judges) if n_apps else 0
    return AssignPlan(k=k, min_load=max(0, fair - 1) if n_apps else 0, max_load=max(fair, 1))


# ---- 特别加分: points an organiser grants, with a reason -------------------------------------

def grant_bonus(session: Session, actor: audit.Actor, stage: Stage, application_id: int,
                points: int | None, reason: str) -> Any:
    """Grant (or change, or with 0 points withdraw) an application's 特别加分 in a stage whose
    composition allows it, before the stage closes; capped, with a reason, audited."""
    from grants.judging.models import BonusGrant

    cap = int((stage.config.get("composition") or {}).get("special_cap") or 0)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if cap <= 0:
        errors["points"] = _("This stage's composition gives no 特别加分.")
    elif points is None or not 0 <= points <= cap:
        errors["points"] = _("Enter whole points from 0 to %(cap)s.", cap=cap)
    if application_id not in set(stage_application_ids(session, stage)):
        errors["application_id"] = _("Choose an application of this stage.")
    problem = reason_problem(reason, 500)
    if problem:
        errors["reason"] = problem
    if judging_of(session, stage).status == "closed":
        errors["points"] = _("The stage is closed: its results are final.")
    if errors:
        raise FormErrors(errors)
    grant = session.execute(select(BonusGrant).where(
        BonusGrant.stage_id == stage.id, BonusGrant.application_id == application_id)
        ).scalars().first()
    if grant is not None:
        before = audit.snapshot(grant)
        if not points:
            audit.record(session, actor, "bonus.withdraw", grant, before=before)
            session.delete(grant)
            return None
        grant.points, grant.reason = int(points), reason
        grant.granted_by_id = actor.id
        audit.record(session, actor, "bonus.change", grant, before=before)
        return grant
    if not points:
        return None
    grant = BonusGrant(stage_id=stage.id, round_id=stage.round_id,
                       application_id=application_id, points=int(points), reason=reason,
                       granted_by_id=actor.id)
    session.add(grant)
    session.flush()
    audit.record(session, actor, "bonus.grant", grant)
    return grant


def bonus_grants(session: Session, stage: Stage) -> dict[int, Any]:
    from grants.judging.models import BonusGrant

    return {g.application_id: g for g in session.execute(select(BonusGrant).where(
        BonusGrant.stage_id == stage.id)).scalars()}
