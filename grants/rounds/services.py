"""Rounds: the round itself — its basics, window, eligibility and budget rules, tranches, the
locks that protect a published round, and loading its whole configuration.

Funds are attached in `funding`, tracks added in `tracks`, stages and rubrics set up in `stages`
and `rubrics`, rounds copied in `copying`, listed in `listing` and described in `summaries`.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.funds.models import Fund
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.regions.models import Region
from grants.rounds.choices import SCORED_KINDS, STATUS_LABELS
from grants.rounds.models import TRANCHE_CONDITIONS, Criterion, Round, RoundFund, Stage, Track
from grants.timeutil import format_local, now
from grants.urls import path
from grants.validation import FormErrors
from grants.vocab import CATEGORIES, RATINGS

BASIC_FIELDS = ("name", "organiser_unit", "year", "description", "series", "edition")
# Fields that may still change once applicants can see the round (nothing they rely on).
SAFE_FIELDS = ("description",)


# ---- locks --------------------------------------------------------------------------------

def lock_reason(round_: Round) -> str | None:
    """Why the round's configuration cannot change now, or None while it is a draft."""
    if round_.status == "draft":
        return None
    if round_.status == "finished":
        return _("The round is finished; its configuration is kept as it was.")
    return _("The round is “%(status)s”: applicants rely on the rules it was published with, "
             "so its configuration is locked. Only the description can still change.",
             status=_(STATUS_LABELS[round_.status]))


def field_lock_reason(round_: Round, name: str) -> str | None:
    if name in SAFE_FIELDS and round_.status != "finished":
        return None
    return lock_reason(round_)


def require_draft(round_: Round) -> None:
    reason = lock_reason(round_)
    if reason:
        raise FormErrors({"_locked": reason})


def touch(round_: Round) -> None:
    round_.updated_at = now()


# ---- basics -------------------------------------------------------------------------------

def validate_basics(session: Session, data: dict[str, Any], existing: Round | None,
                    errors: dict[str, str] | None = None) -> None:
    """Refuses with every problem, starting from those the form found (`errors`)."""
    errors = dict(errors or {})
    if not data.get("name"):
        errors.setdefault("name", _("This field is required."))
    elif "name" in data:
        clash = select(Round.id).where(Round.name == data["name"])
        if existing is not None:
            clash = clash.where(Round.id != existing.id)
        if session.execute(clash).first():
            errors.setdefault("name", _("A round with this name already exists."))
    if "organiser_unit" in data and not data.get("organiser_unit"):
        errors.setdefault("organiser_unit", _("This field is required."))
    if "year" in data and data.get("year") is None:
        errors.setdefault("year", _("This field is required."))
    if data.get("edition") is not None and not (data.get("series") if "series" in data
                                                 else getattr(existing, "series", "")):
        errors.setdefault("series", _("Name the series the edition belongs to."))
    if existing is not None:
        for key in BASIC_FIELDS:
            if key in data and key not in errors and data[key] != getattr(existing, key):
                reason = field_lock_reason(existing, key)
                if reason:
                    errors[key] = _("This field is locked. %(reason)s", reason=reason)
    if errors:
        raise FormErrors(errors)


def create(session: Session, actor: audit.Actor, data: dict[str, Any],
           user: Any = None, errors: dict[str, str] | None = None) -> Round:
    """A new draft round with the usual rules; funds, tracks and stages are added afterwards.

    The form always sends `region_id`, the organising region (a district or street within
    the user's scope), and it is required there; rounds built without it are platform-wide."""
    from grants.regions import scope

    errors = dict(errors or {})
    if "region_id" in data:
        problem = scope.check_region(session, user, data["region_id"])
        if problem:
            errors.setdefault("region_id", _(problem))
    validate_basics(session, data, None, errors)
    round_ = Round(**{k: data[k] for k in BASIC_FIELDS if k in data}, status="draft",
                   region_id=data.get("region_id"))
    session.add(round_)
    audit.record(session, actor, "round.create", round_)
    return round_


def update_basics(session: Session, actor: audit.Actor, round_: Round,
                  data: dict[str, Any], errors: dict[str, str] | None = None) -> Round:
    """Absent fields keep their value; a changed locked field is refused with the reason."""
    region_sent = "region_id" in data
    region_id = data.get("region_id")
    data = {k: v for k, v in data.items() if k in BASIC_FIELDS}
    errors = dict(errors or {})
    data.setdefault("name", round_.name)
    if region_sent and region_id != round_.region_id:
        # The organising region may be set or changed at any time, within the editor's scope.
        from grants.accounts.models import User
        from grants.regions import scope

        editor = session.get(User, actor.id) if actor.id else None
        problem = scope.check_region(session, editor, region_id)
        if problem:
            errors.setdefault("region_id", _(problem))
    validate_basics(session, data, round_, errors)
    before = audit.snapshot(round_)
    if region_sent and region_id is not None:
        round_.region_id = region_id
    for key in BASIC_FIELDS:
        if key in data:
            setattr(round_, key, data[key])
    touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- window, grant range, per-organisation limit ------------------------------------------

def update_window(session: Session, actor: audit.Actor, round_: Round,
                  data: dict[str, Any], errors: dict[str, str] | None = None) -> Round:
    require_draft(round_)
    errors = dict(errors or {})
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if opens is None and "opens_at" not in errors:
        errors["opens_at"] = _("This field is required.")
    if closes is None and "closes_at" not in errors:
        errors["closes_at"] = _("This field is required.")
    if opens is not None and closes is not None and closes <= opens:
        errors["closes_at"] = _("The window must close after it opens.")
    low, high = data.get("grant_min_fen"), data.get("grant_max_fen")
    for key, value in (("grant_min", low), ("grant_max", high)):
        if key in errors:
            continue
        if value is None:
            errors[key] = _("This field is required.")
        elif value <= 0:
            errors[key] = _("Enter an amount greater than zero.")
    if low and high and low > 0 and high > 0 and low > high and "grant_max" not in errors:
        errors["grant_max"] = _("The maximum grant (%(high)s) is below the minimum (%(low)s).",
                                high=format_yuan(high), low=format_yuan(low))
    if high and high > 0 and "grant_max" not in errors:
        config = load_config(session, round_)
        if config.funds and high > config.budget:  # the opening check says so too, later
            errors["grant_max"] = _(
                "The maximum grant (%(high)s) is more than the whole budget (%(budget)s).",
                high=format_yuan(high), budget=format_yuan(config.budget))
    limit = data.get("max_applications_per_org")
    if limit is None and "max_applications_per_org" not in errors:
        errors["max_applications_per_org"] = _("This field is required.")
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(round_)
    round_.opens_at, round_.closes_at = opens, closes
    round_.grant_min_fen, round_.grant_max_fen = int(low or 0), int(high or 0)
    round_.max_applications_per_org = int(limit or 1)
    touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- eligibility and budget rules ---------------------------------------------------------

def update_rules(session: Session, actor: audit.Actor, round_: Round,
                 data: dict[str, Any], errors: dict[str, str] | None = None) -> Round:
    require_draft(round_)
    errors = dict(errors or {})
    eligibility = data.get("eligibility", {})
    if eligibility.get("min_rating") not in (None, *RATINGS):
        errors["min_rating"] = _("Not a valid choice.")
    if any(c not in CATEGORIES for c in eligibility.get("categories", [])):
        errors["categories"] = _("Not a valid choice.")
    ids = eligibility.get("community_ids", [])
    if ids:
        found = session.execute(select(func.count()).select_from(Region).where(
            Region.id.in_(ids), Region.level == "community")).scalar_one()
        if found != len(set(ids)):
            errors["community_ids"] = _("Choose communities from the list.")
    for key, value in data.get("budget_rules", {}).items():
        if value is not None and not 0 <= value <= 100 and key not in errors:
            errors[key] = _("Enter a percentage from 0 to 100, or leave it empty.")
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(round_)
    round_.eligibility = {
        "registered_only": bool(eligibility.get("registered_only")),
        "min_rating": eligibility.get("min_rating"),
        "exclude_black_list": bool(eligibility.get("exclude_black_list")),
        "categories": list(eligibility.get("categories", [])),
        "community_ids": sorted(set(ids)),
        "series_max_per_year": eligibility.get("series_max_per_year"),
        "exclude_winner_levels": list(eligibility.get("exclude_winner_levels", [])),
    }
    rules = data.get("budget_rules", {})
    round_.budget_rules = {key: rules.get(key) for key in
                           ("admin_max_pct", "cofunding_min_pct", "personnel_max_pct")}
    touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- tranches and reporting plan ----------------------------------------------------------

def tranche_problems(rows: list[dict[str, Any]]) -> list[str]:
    problems = []
    if not rows:
        problems.append(_("The tranche template has no rows."))
    for number, row in enumerate(rows, start=1):
        if row.get("condition") not in TRANCHE_CONDITIONS:
            problems.append(_("Tranche %(n)s has no valid condition.", n=number))
        percent = row.get("percent")
        if not isinstance(percent, int) or percent <= 0:
            problems.append(_("Tranche %(n)s must be more than 0 %%.", n=number))
    total = sum(r.get("percent") or 0 for r in rows if isinstance(r.get("percent"), int))
    if rows and total != 100:
        problems.append(_("The tranches add up to %(total)s %%; they must add up to 100 %%.",
                          total=total))
    return problems


def update_tranches(session: Session, actor: audit.Actor, round_: Round,
                    data: dict[str, Any], errors: dict[str, str] | None = None) -> Round:
    require_draft(round_)
    errors = dict(errors or {})
    rows = data.get("tranches", [])
    problems = tranche_problems(rows)
    if problems and "tranches" not in errors:
        errors["tranches"] = " ".join(problems)
    plan = data.get("reporting_plan", {})
    mid, final = plan.get("midterm_due"), plan.get("final_due")
    if mid and final and final <= mid and "final_due" not in errors:
        errors["final_due"] = _("The final report must be due after the mid-term report.")
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(round_)
    round_.tranche_template = [{"percent": r["percent"], "condition": r["condition"]}
                               for r in rows]
    grace = plan.get("grace_days")
    round_.reporting_plan = {"midterm_due": mid.isoformat() if mid else None,
                             "final_due": final.isoformat() if final else None,
                             **({"grace_days": int(grace)} if grace is not None else {})}
    touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- the whole configuration --------------------------------------------------------------

@dataclass
class Config:
    """A round with everything attached to it, loaded in a fixed number of queries."""

    round: Round
    funds: list[tuple[RoundFund, Fund]] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    criteria: dict[int, list[Criterion]] = field(default_factory=dict)

    @property
    def budget(self) -> int:
        return sum(link.amount_fen for link, _fund in self.funds)

    @property
    def scored_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.kind in SCORED_KINDS]


def load_config(session: Session, round_: Round) -> Config:
    from grants.rounds.stages import stages_of  # here: `stages` imports this module's locks

    config = Config(round=round_)
    config.funds = [(link, fund) for link, fund in session.execute(
        select(RoundFund, Fund).join(Fund, Fund.id == RoundFund.fund_id)
        .where(RoundFund.round_id == round_.id).order_by(Fund.name)).all()]
    config.tracks = list(session.execute(select(Track).where(Track.round_id == round_.id)
                                         .order_by(Track.position, Track.id)).scalars())
    config.stages = stages_of(session, round_)
    ids = [s.id for s in config.stages]
    config.criteria = {i: [] for i in ids if i is not None}
    if ids:
        for c in session.execute(select(Criterion).where(Criterion.stage_id.in_(ids))
                                 .order_by(Criterion.position, Criterion.id)).scalars():
            config.criteria[c.stage_id].append(c)
    return config


# ---- extending the deadline ---------------------------------------------------------------

def extend_deadline(session: Session, actor: audit.Actor, round_: Round,
                    data: dict[str, Any], errors: dict[str, str] | None = None) -> int:
    """Move an open round's closing time later, with a reason; every organisation with an
    application in the round is told. Returns how many people were told. Refuses with
    FormErrors (and changes nothing) when the round is not open, the new time is not later
    than both the current deadline and now, or a stage would start before it."""
    from grants.applications.models import Application
    from grants.notifications import services as notifications
    from grants.validation import reason_problem

    errors = dict(errors or {})
    if round_.status != "open":
        raise FormErrors({"_locked": _("Only an open round's deadline can be extended; this "
                                       "round is “%(status)s”.",
                                       status=_(STATUS_LABELS[round_.status]))})
    new = data.get("closes_at")
    if new is not None and "closes_at" not in errors:
        if round_.closes_at is not None and new <= round_.closes_at:
            errors["closes_at"] = _("The new deadline must be later than the current one "
                                    "(%(current)s).", current=format_local(round_.closes_at))
        elif new <= now():
            errors["closes_at"] = _("The new deadline must be in the future.")
        else:
            starting = session.execute(select(Stage).where(
                Stage.round_id == round_.id, Stage.starts_at.is_not(None),
                Stage.starts_at < new).order_by(Stage.starts_at)).scalars().first()
            if starting is not None and starting.starts_at is not None:
                errors["closes_at"] = _("“%(stage)s” starts at %(start)s, before the new "
                                        "deadline: move the stage first, or choose an earlier "
                                        "deadline.", stage=starting.name,
                                        start=format_local(starting.starts_at))
    problem = reason_problem(data.get("reason") or "", 500)
    if problem:
        errors["reason"] = problem
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(round_)
    previous = round_.closes_at
    round_.closes_at = new
    touch(round_)
    audit.record(session, actor, "round.extend", round_, before=before,
                 after={**audit.snapshot(round_), "reason": data["reason"]})
    org_ids = session.execute(select(Application.organisation_id).where(
        Application.round_id == round_.id, Application.status != "withdrawn").distinct()
    ).scalars().all()
    people = [u for org_id in org_ids for u in notifications.members(session, org_id)]
    return notifications.notify(
        session, people, title=N_("The deadline of %(round)s is extended"),
        body=N_("The deadline of %(round)s moved from %(before)s to %(after)s (China Standard "
                "Time). Reason: %(reason)s"),
        params={"round": round_.name, "before": format_local(previous) if previous else "",
                "after": format_local(new), "reason": data["reason"]},
        link=path("round_detail", id=round_.id))
