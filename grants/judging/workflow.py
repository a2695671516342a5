"""Lifecycles of judging, as data for the one engine (grants/lifecycle.py).

    stage judging:  pending → open → closed
    assignment:     assigned → confirmed (no conflict declared)
                    assigned / confirmed → conflict | abstained (by the judge, with a reason)
                                         → removed (by the organiser, with a reason)
    score sheet:    draft → submitted (locked) → draft (reopened by the organiser, with a reason)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session
from sqlmodel import Session

from grants.i18n import N_, ngettext
from grants.i18n import gettext as _
from grants.judging.models import Assignment, RoadshowState, ScoreSheet, StageJudging
from grants.lifecycle import Lifecycle, State, Transition, register
from grants.rounds import workflow as round_workflow
from grants.rounds.models import Criterion, Round, Stage


def stage_is_open(obj: Any) -> bool:
    """Whether the stage of an assignment or sheet is open for scoring."""
    session = object_session(obj)
    stage_id = getattr(obj, "stage_id", None)
    if session is None or stage_id is None:
        return False
    status = session.execute(select(StageJudging.status).where(
        StageJudging.stage_id == stage_id)).scalar()
    if status != "open":
        return False
    live = session.execute(select(RoadshowState).where(
        RoadshowState.stage_id == stage_id)).scalars().first()
    if live is None:  # a scoring stage, or a roadshow not run live
        return True
    return live.scoring_open and live.current_application_id == getattr(
        obj, "application_id", None)


STAGE = register(Lifecycle(
    noun="judging",
    states=(State("pending", N_("Not yet open")), State("open", N_("Open for scoring")),
            State("closed", N_("Closed"), final=True)),
    transitions=(
        Transition("open", ("pending",), "open", ("organiser_in_scope",), ("has_assignments",),
                   N_("Open scoring"),
                   N_("Judges see their assigned applications and may score them.")),
        Transition("close", ("open",), "closed", ("organiser_in_scope",), ("enough_sheets",),
                   N_("Close and compute results"),
                   N_("Scoring stops; scores, ranks, judge calibration and confidence are "
                      "computed and the advancement list is drawn up.")),
    ),
))

ASSIGNMENT = register(Lifecycle(
    noun="assignment",
    states=(State("assigned", N_("Assigned")), State("confirmed", N_("No conflict declared")),
            State("conflict", N_("Conflict declared"), final=True),
            State("abstained", N_("Abstained"), final=True),
            State("removed", N_("Removed"), final=True)),
    transitions=(
        Transition("confirm", ("assigned",), "confirmed", ("judge_while_open",),
                   label=N_("I have no conflict of interest"),
                   explain=N_("You declare that you have no link to this application or "
                              "its organisation.")),
        Transition("declare_conflict", ("assigned", "confirmed"), "conflict",
                   ("judge_while_open",), ("not_submitted",), N_("I have a conflict"),
                   N_("The application is taken off your list and the organiser asked for a "
                      "replacement."), needs_reason=True),
        Transition("abstain", ("assigned", "confirmed"), "abstained", ("judge_while_open",),
                   ("not_submitted",), N_("Abstain"),
                   N_("You do not score this application; the organiser is asked for a "
                      "replacement."), needs_reason=True),
        Transition("remove", ("assigned", "confirmed"), "removed", ("organiser_in_scope",),
                   ("not_submitted",), N_("Remove"),
                   N_("The judge no longer scores this application."), needs_reason=True),
    ),
))

SHEET = register(Lifecycle(
    noun="sheet",
    states=(State("draft", N_("Draft")), State("submitted", N_("Submitted"))),
    transitions=(
        Transition("save", ("draft",), None, ("judge_while_open",), label=N_("Save draft")),
        Transition("submit", ("draft",), "submitted", ("judge_while_open",), ("sheet_complete",),
                   N_("Submit scores"),
                   N_("The sheet is locked; only an organiser can reopen it.")),
        Transition("reopen", ("submitted",), "draft", ("organiser_in_scope",),
                   ("stage_not_closed",), N_("Reopen"),
                   N_("The judge may change the sheet again; the reason is recorded and the "
                      "judge notified."), needs_reason=True),
    ),
))


LIVE = ("assigned", "confirmed")


@SHEET.check("stage_not_closed", N_("The stage is not closed"))
def _stage_not_closed(session: Session, sheet: ScoreSheet, _ctx: Any) -> list[str]:
    """A closed stage's results were computed from its sheets: reopening one would leave the
    results, the advancement and the round's checks disagreeing, with no way back."""
    closed = session.execute(select(StageJudging.id).where(
        StageJudging.stage_id == sheet.stage_id, StageJudging.status == "closed")).first()
    return [_("The stage is closed and its results were computed from this sheet: it can no "
              "longer be reopened.")] if closed else []


@STAGE.check("has_assignments", N_("Every application has judges"))
def _has_assignments(session: Session, judging: StageJudging, _ctx: Any) -> list[str]:
    count = session.execute(select(Assignment.id).where(
        Assignment.stage_id == judging.stage_id, Assignment.status.in_(LIVE))).first()
    return [] if count else [_("No judges are assigned yet.")]


def short_applications(session: Session, stage: Stage) -> list[tuple[int, int]]:
    """(application id, valid sheets) for applications below the stage's minimum."""
    from grants.judging import services

    minimum = int(stage.config.get("min_sheets", 1) or 1)
    counts = dict.fromkeys(services.stage_application_ids(session, stage), 0)
    for app_id in session.execute(select(ScoreSheet.application_id).where(
            ScoreSheet.stage_id == stage.id, ScoreSheet.status == "submitted")).scalars():
        if app_id in counts:
            counts[app_id] += 1
    return [(a, n) for a, n in counts.items() if n < minimum]


@STAGE.check("enough_sheets", N_("Every application has enough submitted sheets"))
def _enough_sheets(session: Session, judging: StageJudging, _ctx: Any) -> list[str]:
    stage = session.get(Stage, judging.stage_id)
    if stage is None:
        return []
    minimum = int(stage.config.get("min_sheets", 1) or 1)
    return [ngettext("Application #%(id)s has %(num)s submitted sheet; it needs %(min)s.",
                     "Application #%(id)s has %(num)s submitted sheets; it needs %(min)s.",
                     n, id=app_id, min=minimum)
            for app_id, n in short_applications(session, stage)]


@ASSIGNMENT.check("not_submitted", N_("The sheet is not submitted"))
def _not_submitted(session: Session, assignment: Assignment, _ctx: Any) -> list[str]:
    sheet = session.execute(select(ScoreSheet).where(
        ScoreSheet.assignment_id == assignment.id)).scalars().first()
    if sheet is not None and sheet.status == "submitted":
        return [_("The score sheet has already been submitted.")]
    return []


def sheet_problems(stage: Stage, criteria: list[Criterion], points: dict[str, Any],
                   comments: dict[str, Any], overall: str) -> list[str]:
    """What keeps a sheet from being submitted, in plain words."""
    found = []
    for c in criteria:
        value = points.get(c.key)
        if value is None:
            found.append(_("“%(name)s” has no score.", name=c.name))
        elif not 0 <= float(value) <= c.max_points:
            found.append(_("“%(name)s” must be between 0 and %(max)s.", name=c.name,
                           max=c.max_points))
        if stage.config.get("comments_required") and not str(comments.get(c.key, "")).strip():
            found.append(_("“%(name)s” needs a comment.", name=c.name))
    if stage.config.get("comments_required") and not overall.strip():
        found.append(_("The overall comment is required."))
    return found


@SHEET.check("sheet_complete", N_("Every criterion is scored"))
def _sheet_complete(session: Session, sheet: ScoreSheet, _ctx: Any) -> list[str]:
    from grants.rounds.rubrics import criteria_of

    stage = session.get(Stage, sheet.stage_id)
    if stage is None:
        return []
    return sheet_problems(stage, criteria_of(session, stage), sheet.points, sheet.comments,
                          sheet.overall_comment)


@round_workflow.register_check("judging_finished",
                               N_("Every scoring stage is closed with enough sheets"))
def _judging_finished(session: Session, round_: Round, _config: Any) -> list[str]:
    found = []
    rows = session.execute(select(StageJudging, Stage).join(Stage, Stage.id == StageJudging.stage_id)
                           .where(StageJudging.round_id == round_.id)
                           .order_by(Stage.position)).all()
    for judging, stage in rows:
        if judging.status == "open":
            found.append(_("Stage “%(stage)s” is still open for scoring.", stage=stage.name))
        if judging.status != "pending":
            for app_id, n in short_applications(session, stage):
                found.append(_("Stage “%(stage)s”: application #%(id)s has %(n)s submitted "
                               "sheets, below the minimum.", stage=stage.name, id=app_id, n=n))
    return found
