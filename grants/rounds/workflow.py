"""A round's lifecycle, as data for the one engine (grants/lifecycle.py).

    draft → open → closed → judging → decided → running → finished

Each transition names the checks that block it; a check returns plain-language problems
(empty when it passes). Other areas add checks (e.g. "every score sheet submitted") with
`LIFECYCLE.check` and name them here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.i18n import N_, ngettext
from grants.i18n import gettext as _
from grants.lifecycle import Lifecycle, Transition
from grants.money import format_yuan
from grants.rounds import funding, rubrics, services
from grants.rounds.choices import ROUND_STATES, RoundStatus
from grants.rounds.models import Round
from grants.timeutil import now

Status = RoundStatus

OPENING_CHECKS = ("has_funds", "funds_available", "has_tracks", "has_window",
                  "window_not_closed", "grant_range", "tranches_sum", "has_scoring_stage",
                  "stage_order", "rubrics_valid", "reporting_plan")


def _window_open(round_: Any) -> bool:
    """Applications may be started until the window closes (not just while "open")."""
    return round_.closes_at is None or round_.closes_at > now()


LIFECYCLE = lifecycle.register(Lifecycle(
    noun="round",
    states=ROUND_STATES,
    transitions=(
        Transition("open", (Status.DRAFT,), Status.OPEN, ("organiser_in_scope",), OPENING_CHECKS,
                   N_("Open for applications"),
                   N_("The round is published: applicants see it and may apply until the "
                      "window closes. From now on its rules, funds, tracks, stages and rubrics "
                      "are locked.")),
        Transition("close", (Status.OPEN,), Status.CLOSED, ("organiser_in_scope",), ("window_ended",),
                   N_("Close applications"),
                   N_("No more applications are accepted. Possible once the window has "
                      "ended.")),
        Transition("start_judging", (Status.CLOSED,), Status.JUDGING, ("organiser_in_scope",),
                   ("has_scoring_stage", "rubrics_valid", "screening_finished"),
                   N_("Start judging"),
                   N_("Scoring begins, following the stage plan. Every application must have "
                      "been screened.")),
        Transition("decide", (Status.JUDGING,), Status.DECIDED, ("organiser_in_scope",),
                   ("screening_finished", "judging_finished", "awards_confirmed"),
                   N_("Record the decision"),
                   N_("The results are final. This happens when the awards are confirmed "
                      "after their public notice.")),
        Transition("start_projects", (Status.DECIDED,), Status.RUNNING, ("organiser_in_scope",),
                   ("reporting_plan_set",),
                   N_("Start the projects"),
                   N_("Agreements are signed and the funded projects run; reports fall due "
                      "according to the reporting plan.")),
        Transition("finish", (Status.RUNNING,), Status.FINISHED, ("organiser_in_scope",),
                   ("screening_finished",),
                   N_("Finish the round"),
                   N_("All projects are closed. The round is kept as a read-only record.")),
        Transition("apply", (Status.OPEN,), None, ("applicant_with_organisation",),
                   label=N_("Apply"), when=_window_open,
                   unless=N_("The round's deadline has passed: no new application can be "
                             "started.")),
    ),
    prepare=lambda session, round_: services.load_config(session, round_),
))
register_check: Callable[[str, str], Callable[[lifecycle.Check], lifecycle.Check]] = (
    LIFECYCLE.check)
STATUSES: dict[str, str] = LIFECYCLE.labels()


@register_check("has_funds", N_("At least one fund is attached"))
def _has_funds(session: Session, round_: Round, config: services.Config) -> list[str]:
    if not config.funds:
        return [_("No fund is attached: attach the money the round may award.")]
    return []


@register_check("funds_available", N_("The attached money is still available"))
def _funds_available(session: Session, round_: Round, config: services.Config) -> list[str]:
    if not config.funds:
        return []
    rooms = funding.attachable(session, [f.id for _l, f in config.funds if f.id], round_.id)
    return [funding.over_attach_message(fund, link.amount_fen, rooms[fund.id or 0])
            for link, fund in config.funds if link.amount_fen > rooms[fund.id or 0].free]


@register_check("has_tracks", N_("At least one track"))
def _has_tracks(session: Session, round_: Round, config: services.Config) -> list[str]:
    return [] if config.tracks else [_("The round has no track (赛道) yet.")]


@register_check("has_window", N_("The application window is set"))
def _has_window(session: Session, round_: Round, config: services.Config) -> list[str]:
    if round_.opens_at is None or round_.closes_at is None:
        return [_("The application window is not set.")]
    if round_.closes_at <= round_.opens_at:
        return [_("The application window closes before it opens.")]
    return []


@register_check("window_not_closed", N_("The window has not already closed"))
def _window_not_closed(session: Session, round_: Round, config: services.Config) -> list[str]:
    if round_.closes_at is not None and round_.closes_at <= now():
        return [_("The application window already closed; move the closing date into the "
                  "future.")]
    return []


@register_check("window_ended", N_("The application window has ended"))
def _window_ended(session: Session, round_: Round, config: services.Config) -> list[str]:
    if round_.closes_at is not None and round_.closes_at > now():
        from grants.timeutil import format_local

        return [_("Applications are open until %(when)s; the round can close after that.",
                  when=format_local(round_.closes_at))]
    return []


@register_check("grant_range", N_("The grant range fits the budget"))
def _grant_range(session: Session, round_: Round, config: services.Config) -> list[str]:
    if round_.grant_min_fen <= 0 or round_.grant_max_fen <= 0:
        return [_("Set the minimum and maximum grant.")]
    if round_.grant_min_fen > round_.grant_max_fen:
        return [_("The minimum grant is above the maximum.")]
    if config.funds and round_.grant_max_fen > config.budget:
        return [_("The maximum grant (%(high)s) is more than the whole budget (%(budget)s).",
                  high=format_yuan(round_.grant_max_fen), budget=format_yuan(config.budget))]
    return []


@register_check("tranches_sum", N_("The tranches add up to 100 %"))
def _tranches_sum(session: Session, round_: Round, config: services.Config) -> list[str]:
    return services.tranche_problems(list(round_.tranche_template or []))


@register_check("has_scoring_stage", N_("The stage plan has a scoring stage"))
def _has_scoring_stage(session: Session, round_: Round, config: services.Config) -> list[str]:
    if not config.scored_stages:
        return [_("The stage plan has no scoring or roadshow stage, so nothing would be "
                  "judged.")]
    return []


STAGE_RANK = {"screening": 0, "scoring": 1, "roadshow": 1, "notice": 2, "approval": 3}


@register_check("stage_order", N_("The stages are in a sensible order"))
def _stage_order(session: Session, round_: Round, config: services.Config) -> list[str]:
    problems = []
    previous = None
    for stage in config.stages:
        if previous is not None:
            if STAGE_RANK[stage.kind] < STAGE_RANK[previous.kind]:
                problems.append(_("“%(stage)s” comes after “%(previous)s”; screening comes "
                                  "first, then scoring and roadshows, then the public notice, "
                                  "then approval.", stage=stage.name, previous=previous.name))
            elif (stage.starts_at and previous.starts_at
                  and stage.starts_at < previous.starts_at):
                problems.append(_("“%(stage)s” starts before “%(previous)s”, which comes "
                                  "before it in the plan.", stage=stage.name,
                                  previous=previous.name))
        previous = stage
    return problems


@register_check("rubrics_valid", N_("Every scoring stage has a valid rubric"))
def _rubrics_valid(session: Session, round_: Round, config: services.Config) -> list[str]:
    problems: list[str] = []
    for stage in config.scored_stages:
        problems.extend(rubrics.rubric_problems(stage, config.criteria.get(stage.id or 0, [])))
    return problems


@register_check("reporting_plan", N_("The reporting plan is consistent"))
def _reporting_plan(session: Session, round_: Round, config: services.Config) -> list[str]:
    plan = round_.reporting_plan or {}
    mid, final = plan.get("midterm_due"), plan.get("final_due")
    if mid and final and date.fromisoformat(final) <= date.fromisoformat(mid):
        return [_("The final report is due before the mid-term report.")]
    return []


@register_check("reporting_plan_set", N_("The reporting plan has due dates"))
def _reporting_plan_set(session: Session, round_: Round, config: services.Config) -> list[str]:
    plan = round_.reporting_plan or {}
    if not plan.get("final_due"):
        return [_("Set at least the final report's due date in the reporting plan.")]
    return _reporting_plan(session, round_, config)


@register_check("screening_finished", N_("Every application has been screened"))
def _screening_finished(session: Session, round_: Round, config: services.Config) -> list[str]:
    from grants.applications.models import Application

    waiting = session.execute(select(func.count()).select_from(Application).where(
        Application.round_id == round_.id,
        Application.status.in_(("submitted", "returned")))).scalar_one()
    if waiting:
        return [ngettext("%(num)s application is still waiting for screening or correction; "
                         "screen it first.",
                         "%(num)s applications are still waiting for screening or correction; "
                         "screen them first.", waiting)]
    return []


# ---- the functions routes and templates use -----------------------------------------------

def transition(session: Session, actor: audit.Actor, user: Any, round_: Round,
               to: str) -> Round:
    """Move the round to `to` if this user may and every check passes; audited.
    `user` None is the system (demo loader, CLI): relations are not asked, the rest is."""
    move = LIFECYCLE.leading_to(round_.status, to)
    if move is None:
        raise lifecycle.Refused([_(
            "You cannot move this round from “%(source)s” to “%(target)s”.",
            source=LIFECYCLE.label(round_.status), target=LIFECYCLE.label(to))])
    if to == Status.OPEN:
        funding.lock_round_funds(session, round_)
    lifecycle.perform(session, actor, user, f"round.{move.action}", round_)
    return round_


def status_label(status: str) -> str:
    return LIFECYCLE.label(status)


# The judging area registers its checks ("judging_finished") on this lifecycle.
from grants.awards import workflow as _awards_workflow  # noqa: E402,F401 - "awards_confirmed"
from grants.judging import workflow as _judging_workflow  # noqa: E402,F401
