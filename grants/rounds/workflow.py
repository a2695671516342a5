"""A round's status workflow, as data.

    draft → open → closed → judging → decided → running → finished

`TRANSITIONS` is the one table of allowed moves: from, to, which roles may make the move,
and the preconditions by name. `CHECKS` maps each name to a label and a function that
returns the problems (plain-language sentences; empty when the check passes). Routes and
templates only use `allowed_transitions`, `check_transition` and `transition`.
Other areas may add checks (e.g. "every score sheet submitted") with `register_check` and
name them in the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.rounds import funding, rubrics, services
from grants.rounds.choices import STATUS_LABELS
from grants.rounds.models import Round
from grants.timeutil import now
from grants.validation import FormErrors


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: tuple[str, ...]
    checks: tuple[str, ...]
    label: str  # the button (msgid)
    explain: str  # what the move means (msgid)


OPENING_CHECKS = ("has_funds", "funds_available", "has_tracks", "has_window",
                  "window_not_closed", "grant_range", "tranches_sum", "has_scoring_stage",
                  "stage_order", "rubrics_valid", "reporting_plan")

TRANSITIONS: tuple[Transition, ...] = (
    Transition("draft", "open", ("organiser",), OPENING_CHECKS,
               N_("Open for applications"),
               N_("The round is published: applicants see it and may apply until the window "
                  "closes. From now on its rules, funds, tracks, stages and rubrics are locked.")),
    Transition("open", "closed", ("organiser",), ("window_ended",),
               N_("Close applications"),
               N_("No more applications are accepted. Possible once the window has ended.")),
    Transition("closed", "judging", ("organiser",), ("has_scoring_stage", "rubrics_valid"),
               N_("Start judging"),
               N_("Screening and scoring begin, following the stage plan.")),
    Transition("judging", "decided", ("organiser",), (),
               N_("Record the decision"),
               N_("The results are final: awards are approved and the funds committed.")),
    Transition("decided", "running", ("organiser",), ("reporting_plan_set",),
               N_("Start the projects"),
               N_("Agreements are signed and the funded projects run; reports fall due "
                  "according to the reporting plan.")),
    Transition("running", "finished", ("organiser",), (),
               N_("Finish the round"),
               N_("All projects are closed. The round is kept as a read-only record.")),
)

Check = Callable[[Session, Round, services.Config], list[str]]


@dataclass(frozen=True)
class CheckSpec:
    label: str  # msgid
    function: Check


CHECKS: dict[str, CheckSpec] = {}


def register_check(name: str, label: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        if name in CHECKS:
            raise RuntimeError(f"round check {name!r} registered twice")
        CHECKS[name] = CheckSpec(label, function)
        return function

    return register


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


# ---- the functions routes and templates use -----------------------------------------------

def find(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def allowed_transitions(round_: Round, user: User | None) -> list[Transition]:
    """The moves this user may attempt from the round's current status."""
    if user is None or not user.is_active:
        return []
    return [t for t in TRANSITIONS if t.source == round_.status and user.role in t.roles]


def check_transition(session: Session, round_: Round, to: str,
                     config: services.Config | None = None) -> list[str]:
    """Everything that stops the round moving to `to` now (empty: it may move)."""
    found = find(round_.status, to)
    if found is None:
        return [_("A round that is “%(source)s” cannot become “%(target)s”.",
                  source=_(STATUS_LABELS.get(round_.status, round_.status)),
                  target=_(STATUS_LABELS.get(to, to)))]
    config = config or services.load_config(session, round_)
    problems: list[str] = []
    for name in found.checks:
        problems.extend(CHECKS[name].function(session, round_, config))
    return problems


def checklist(session: Session, round_: Round, to: str,
              config: services.Config | None = None) -> list[tuple[str, list[str]]]:
    """Each precondition of the move to `to`: its translated label and its problems."""
    found = find(round_.status, to)
    if found is None:
        return []
    config = config or services.load_config(session, round_)
    return [(_(CHECKS[name].label), CHECKS[name].function(session, round_, config))
            for name in found.checks]


def transition(session: Session, actor: audit.Actor, user: User | None, round_: Round,
               to: str) -> Round:
    """Move the round to `to` if this user may and every precondition holds; audited.
    `user` None is the system (demo loader, CLI): the role is not checked, the rest is."""
    found = find(round_.status, to)
    if found is None or (user is not None and user.role not in found.roles):
        raise FormErrors({"status": _(
            "You cannot move this round from “%(source)s” to “%(target)s”.",
            source=_(STATUS_LABELS.get(round_.status, round_.status)),
            target=_(STATUS_LABELS.get(to, to)))})
    if to == "open":
        funding.lock_round_funds(session, round_)
    problems = check_transition(session, round_, to)
    if problems:
        raise FormErrors({"status": " ".join(problems)})
    before = audit.snapshot(round_)
    round_.status = to
    round_.updated_at = now()
    audit.record(session, actor, "round.transition", round_, before=before)
    return round_


def reachable(start: str = "draft") -> set[str]:
    seen, frontier = {start}, [start]
    while frontier:
        current = frontier.pop()
        for t in TRANSITIONS:
            if t.source == current and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


def as_context() -> dict[str, Any]:
    return {"TRANSITIONS": TRANSITIONS}
