"""The live roadshow (路演答辩): the organiser puts a project on stage, runs its timer, opens
and closes scoring for it; judges score it on their phones; the hall's projection shows the
project, the timer, how many judges have submitted and, when the organiser chooses, the
result and the running ranking. Scores go through the same sheets and `scoring/`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.applications.models import Application
from grants.audit import AuditEvent
from grants.i18n import gettext as _
from grants.judging import results, services
from grants.judging.models import Assignment, RoadshowState, ScoreSheet
from grants.judging.workflow import LIVE
from grants.rounds.models import Stage
from grants.timeutil import now
from grants.validation import FormErrors
from scoring import rank

ACTIONS = ("set_current", "start_timer", "open_scoring", "close_scoring", "show_result",
           "hide_result", "show_ranking", "hide_ranking")
# Actions that end or announce a project's scoring: while some of its judges have not
# submitted, they are taken only when the organiser confirms (the `confirm` field).
CONFIRMED_WHILE_MISSING = ("close_scoring", "show_result", "show_ranking")


def state_of(session: Session, stage: Stage) -> RoadshowState:
    found = session.execute(select(RoadshowState).where(
        RoadshowState.stage_id == stage.id)).scalars().first()
    if found is None:
        found = RoadshowState(stage_id=stage.id)
        session.add(found)
        session.flush()
    return found


def control(session: Session, actor: audit.Actor, stage: Stage, action: str,
            form: Any) -> None:
    """Take one of ACTIONS; `form` (the submitted one, or a mapping) gives the project and its
    minutes for "set_current"."""
    from grants.judging.forms import OnStageForm, RoadshowForm

    if stage.kind != "roadshow":
        raise FormErrors({"action": _("Only a roadshow stage runs live.")})
    if action not in ACTIONS:
        raise FormErrors({"action": _("Choose one.")})
    if services.judging_of(session, stage).status != "open":
        raise FormErrors({"action": _("Open scoring for the stage first.")})
    state = state_of(session, stage)
    before = audit.snapshot(state)
    if action == "set_current":
        chosen = OnStageForm(form)
        app_id = chosen.application
        if app_id is None or app_id not in services.stage_application_ids(session, stage):
            raise FormErrors({"application_id": _("Choose an application of this stage.")})
        if "minutes" in chosen.errors:
            raise FormErrors({"minutes": _("Between 1 and 60 minutes.")})
        state.current_application_id = app_id
        state.timer_seconds = (chosen.minutes or 8) * 60
        state.timer_started_at = None
        state.scoring_open = False
        state.show_result = False
    elif state.current_application_id is None:
        raise FormErrors({"action": _("Put a project on stage first.")})
    elif action == "start_timer":
        state.timer_started_at = now()
    elif (action in CONFIRMED_WHILE_MISSING and not RoadshowForm(form).confirm
          and _missing(session, stage, state.current_application_id)):
        done, judges = _missing(session, stage, state.current_application_id)
        raise FormErrors({"confirm": _(
            "Only %(done)s of the project's %(all)s judges have submitted. Confirm to go on "
            "without the missing sheets.", done=done, all=judges)})
    else:
        field, value = {"open_scoring": ("scoring_open", True),
                        "close_scoring": ("scoring_open", False),
                        "show_result": ("show_result", True),
                        "hide_result": ("show_result", False),
                        "show_ranking": ("show_ranking", True),
                        "hide_ranking": ("show_ranking", False)}[action]
        setattr(state, field, value)
    state.version += 1
    state.updated_at = now()
    audit.record(session, actor, f"roadshow.{action}", state, before=before)


def _missing(session: Session, stage: Stage, application_id: int) -> tuple[int, int] | None:
    """(submitted, judges) of the project when some of its judges have not submitted yet."""
    done, judges = submissions(session, stage, application_id)
    return (done, judges) if done < judges else None


def submissions(session: Session, stage: Stage, application_id: int) -> tuple[int, int]:
    """How many of the project's judges (live assignments) have submitted their sheet, of how
    many."""
    live = list(session.execute(select(Assignment.id).where(
        Assignment.stage_id == stage.id, Assignment.application_id == application_id,
        Assignment.status.in_(LIVE))).scalars())
    done = session.execute(select(func.count()).select_from(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.application_id == application_id,
        ScoreSheet.status == "submitted",
        ScoreSheet.assignment_id.in_(live or [-1]))).scalar_one()
    return int(done), len(live)


def scoring_state(session: Session, state: RoadshowState) -> str:
    """"open"; "closed" when scoring was opened for the project on stage and closed again;
    else "not_open" (the organiser has not opened it yet). Read from the audit trail: the
    latest opening of scoring came after the project was put on stage."""
    if state.scoring_open:
        return "open"
    if state.current_application_id is None or state.id is None:
        return "not_open"
    latest = session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "roadshow_state",
        AuditEvent.object_id == str(state.id),
        AuditEvent.action.in_(("roadshow.set_current", "roadshow.open_scoring")))
        .order_by(AuditEvent.id.desc()).limit(1)).scalars().first()
    return "closed" if latest == "roadshow.open_scoring" else "not_open"


def _remaining(state: RoadshowState) -> int:
    if state.timer_started_at is None:
        return state.timer_seconds
    elapsed = (now() - state.timer_started_at).total_seconds()
    return max(0, int(state.timer_seconds - elapsed))


def snapshot(session: Session, stage: Stage, user_id: int | None = None,
             organiser: bool = False) -> dict[str, Any]:
    """What the live pages show, as JSON: the same data for the judges' phones (with their own
    sheet link) and the hall's projection."""
    state = state_of(session, stage)
    out: dict[str, Any] = {"version": state.version, "scoring_open": state.scoring_open,
                           "scoring_state": scoring_state(session, state),
                           "remaining": _remaining(state),
                           "running": state.timer_started_at is not None,
                           "current": None, "submitted": 0, "judges": 0, "sheet": None}
    app = (session.get(Application, state.current_application_id)
           if state.current_application_id else None)
    if app is None:
        return out
    out["current"] = {"id": app.id, "title": app.title}
    live = list(session.execute(select(Assignment).where(
        Assignment.stage_id == stage.id, Assignment.application_id == app.id,
        Assignment.status.in_(LIVE))).scalars())
    sheets = {s.assignment_id: s for s in session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.application_id == app.id)).scalars()}
    out["judges"] = len(live)
    out["submitted"] = sum(1 for a in live if a.id in sheets
                           and sheets[a.id].status == "submitted")
    mine = next((a for a in live if a.user_id == user_id), None)
    if mine is not None:
        out["assignment"] = mine.id
        out["assignment_status"] = mine.status
        sheet = sheets.get(mine.id)
        out["sheet"] = sheet.id if sheet else None
        out["sheet_status"] = sheet.status if sheet else None
    scores = (results.live_scores(session, stage)  # once, for the result and the ranking
              if state.show_result or state.show_ranking else None)
    if organiser or state.show_result:
        out["result"] = (project_result(session, stage, app.id, scores)
                         if state.show_result else None)
    if state.show_ranking:
        out["ranking"] = running_ranking(session, stage, scores)
    return out


LiveScores = tuple[list[int], np.ndarray, bool]


def project_result(session: Session, stage: Stage, application_id: int,
                   scores: LiveScores | None = None) -> dict[str, Any]:
    """The project's score by the stage's method; with drop-high-low, which two were dropped."""
    totals = sorted(float(t) for t in session.execute(select(ScoreSheet.total).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.application_id == application_id,
        ScoreSheet.status == "submitted")).scalars() if t is not None)
    method = str(stage.config.get("aggregation", "mean"))
    if not totals:
        return {"score": None, "method": method, "totals": []}
    app_ids, by_app, composed = scores or results.live_scores(session, stage)
    score = float(by_app[app_ids.index(application_id)]) if application_id in app_ids else \
        float(results.aggregate_by(method if method != "bias_model" else "mean",
                                   np.array([totals]))[0])
    out: dict[str, Any] = {"score": round(score, 2), "method": method, "totals": totals,
                           "composed": composed}
    if method == "drop_high_low" and len(totals) >= 3:
        out["dropped"] = [totals[-1], totals[0]]
    return out


def running_ranking(session: Session, stage: Stage,
                    scores: LiveScores | None = None) -> list[dict[str, Any]]:
    """The projects scored so far, ranked by the same score as the stage's results (composed
    with the public judges' weight and bonus points, when the stage says so)."""
    app_ids, all_scores, _composed = scores or results.live_scores(session, stage)
    scored = [i for i in range(len(app_ids)) if not np.isnan(all_scores[i])]
    if not scored:
        return []
    scores = all_scores[scored]
    ranking = rank.rank(scores, seed=0)
    titles = dict(session.execute(select(Application.id, Application.title).where(
        Application.id.in_([app_ids[i] for i in scored]))).all())
    return [{"rank": int(ranking.display_rank[k]), "id": app_ids[scored[k]],
             "title": titles.get(app_ids[scored[k]], ""), "score": round(float(scores[k]), 2)}
            for k in (int(i) for i in ranking.order)]
