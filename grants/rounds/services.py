"""Rounds: their configuration (basics, funds, tracks, rules, stages, rubrics, tranches), the
locks that protect a published round, copying a round into next year's, and searches.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from grants import audit
from grants.funds import services as funds_services
from grants.funds.models import Fund
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.regions.models import Region
from grants.rounds.choices import (
    ADVANCEMENT_LABELS,
    AGGREGATION_LABELS,
    SCORED_KINDS,
    STATUS_LABELS,
)
from grants.rounds.models import (
    ROUND_STATUSES,
    STAGE_KINDS,
    TRANCHE_CONDITIONS,
    Criterion,
    Round,
    RoundFund,
    Stage,
    Track,
)
from grants.timeutil import local, now
from grants.validation import FormErrors
from grants.vocab import CATEGORIES, RATINGS, SERVICE_AREAS

BASIC_FIELDS = ("name", "organiser_unit", "year", "description")
# Fields that may still change once applicants can see the round (nothing they rely on).
SAFE_FIELDS = ("description",)
# Rounds in these states have promised their attached money to applicants; a fund's money
# attached to them cannot be attached to another round. From `decided` on, awards commit the
# money in the fund's ledger instead.
RESERVING_STATUSES = ("open", "closed", "judging")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


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


def _touch(round_: Round) -> None:
    round_.updated_at = now()


# ---- basics -------------------------------------------------------------------------------

def _validate_basics(session: Session, data: dict[str, Any], existing: Round | None) -> None:
    errors: dict[str, str] = dict(data.pop("_errors", {}))
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
    if existing is not None:
        for key in BASIC_FIELDS:
            if key in data and key not in errors and data[key] != getattr(existing, key):
                reason = field_lock_reason(existing, key)
                if reason:
                    errors[key] = _("This field is locked. %(reason)s", reason=reason)
    if errors:
        raise FormErrors(errors)


def create(session: Session, actor: audit.Actor, data: dict[str, Any]) -> Round:
    """A new draft round with the usual rules; funds, tracks and stages are added afterwards."""
    data = dict(data)
    _validate_basics(session, data, None)
    round_ = Round(**{k: data[k] for k in BASIC_FIELDS if k in data}, status="draft")
    session.add(round_)
    audit.record(session, actor, "round.create", round_)
    return round_


def update_basics(session: Session, actor: audit.Actor, round_: Round,
                  data: dict[str, Any]) -> Round:
    """Absent fields keep their value; a changed locked field is refused with the reason."""
    data = {k: v for k, v in data.items() if k in BASIC_FIELDS or k == "_errors"}
    data.setdefault("name", round_.name)
    _validate_basics(session, data, round_)
    before = audit.snapshot(round_)
    for key in BASIC_FIELDS:
        if key in data:
            setattr(round_, key, data[key])
    _touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- window, grant range, per-organisation limit ------------------------------------------

def update_window(session: Session, actor: audit.Actor, round_: Round,
                  data: dict[str, Any]) -> Round:
    require_draft(round_)
    errors: dict[str, str] = dict(data.get("_errors", {}))
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
    limit = data.get("max_applications_per_org")
    if limit is None and "max_applications_per_org" not in errors:
        errors["max_applications_per_org"] = _("This field is required.")
    if errors:
        raise FormErrors(errors)
    before = audit.snapshot(round_)
    round_.opens_at, round_.closes_at = opens, closes
    round_.grant_min_fen, round_.grant_max_fen = int(low or 0), int(high or 0)
    round_.max_applications_per_org = int(limit or 1)
    _touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- eligibility and budget rules ---------------------------------------------------------

def update_rules(session: Session, actor: audit.Actor, round_: Round,
                 data: dict[str, Any]) -> Round:
    require_draft(round_)
    errors: dict[str, str] = dict(data.get("_errors", {}))
    eligibility = data.get("eligibility", {})
    if eligibility.get("min_rating") not in (None, *RATINGS):
        errors["min_rating"] = _("Not a valid choice.")
    if any(c not in CATEGORIES for c in eligibility.get("categories", [])):
        errors["categories"] = _("Not a valid choice.")
    ids = eligibility.get("community_ids", [])
    if ids:
        found = session.execute(select(func.count()).select_from(Region).where(
            Region.id.in_(ids), Region.level == "community")).scalar_one()  # type: ignore[union-attr]
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
    }
    rules = data.get("budget_rules", {})
    round_.budget_rules = {key: rules.get(key) for key in
                           ("admin_max_pct", "cofunding_min_pct", "personnel_max_pct")}
    _touch(round_)
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
                    data: dict[str, Any]) -> Round:
    require_draft(round_)
    errors: dict[str, str] = dict(data.get("_errors", {}))
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
    round_.reporting_plan = {"midterm_due": mid.isoformat() if mid else None,
                             "final_due": final.isoformat() if final else None}
    _touch(round_)
    audit.record(session, actor, "round.update", round_, before=before)
    return round_


# ---- funds --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachable:
    """How much of a fund a round may still attach."""

    available: int  # the fund's ledger balance
    reserved: int  # attached to other rounds that have promised it to applicants
    reserved_by: tuple[tuple[str, int], ...] = ()

    @property
    def free(self) -> int:
        return max(0, self.available - self.reserved)


def attachable(session: Session, fund_ids: list[int], exclude_round_id: int | None
               ) -> dict[int, Attachable]:
    balances = funds_services.balances(session, list(fund_ids))
    query = (select(RoundFund.fund_id, RoundFund.amount_fen, Round.name)
             .join(Round, Round.id == RoundFund.round_id)
             .where(RoundFund.fund_id.in_(fund_ids),  # type: ignore[attr-defined]
                    Round.status.in_(RESERVING_STATUSES)))  # type: ignore[attr-defined]
    if exclude_round_id is not None:
        query = query.where(RoundFund.round_id != exclude_round_id)
    reserved: dict[int, list[tuple[str, int]]] = {}
    for fund_id, amount, name in session.execute(query).all():
        reserved.setdefault(fund_id, []).append((name, amount))
    return {fid: Attachable(available=balances[fid].available,
                            reserved=sum(a for _n, a in reserved.get(fid, [])),
                            reserved_by=tuple(reserved.get(fid, [])))
            for fid in fund_ids}


def over_attach_message(fund: Fund, amount: int, room: Attachable) -> str:
    if room.reserved:
        return _("%(fund)s has only %(free)s free: %(available)s available, of which "
                 "%(reserved)s is attached to other rounds (%(rounds)s). You asked for "
                 "%(amount)s.", fund=fund.name, free=format_yuan(room.free),
                 available=format_yuan(room.available), reserved=format_yuan(room.reserved),
                 rounds="、".join(n for n, _a in room.reserved_by), amount=format_yuan(amount))
    return _("%(fund)s has only %(free)s available. You asked for %(amount)s.",
             fund=fund.name, free=format_yuan(room.free), amount=format_yuan(amount))


def attach_fund(session: Session, actor: audit.Actor, round_: Round, fund_id: int | None,
                amount_fen: int | None, errors: dict[str, str] | None = None) -> RoundFund:
    """Attach an amount of a fund (or change the amount attached)."""
    require_draft(round_)
    errors = dict(errors or {})
    fund = session.get(Fund, fund_id) if fund_id else None
    if fund is None and "fund_id" not in errors:
        errors["fund_id"] = _("Choose a fund.")
    elif fund is not None and not fund.is_active:
        errors["fund_id"] = _("This fund is no longer active.")
    if amount_fen is None and "amount" not in errors:
        errors["amount"] = _("This field is required.")
    elif amount_fen is not None and amount_fen <= 0 and "amount" not in errors:
        errors["amount"] = _("Enter an amount greater than zero.")
    if errors:
        raise FormErrors(errors)
    assert fund is not None and fund.id is not None and amount_fen is not None
    funds_services.lock_fund(session, fund)
    room = attachable(session, [fund.id], round_.id)[fund.id]
    if amount_fen > room.free:
        raise FormErrors({"amount": over_attach_message(fund, amount_fen, room)})
    link = session.execute(select(RoundFund).where(
        RoundFund.round_id == round_.id, RoundFund.fund_id == fund.id)).scalar_one_or_none()
    before = audit.snapshot(link) if link else None
    if link is None:
        link = RoundFund(round_id=round_.id, fund_id=fund.id, amount_fen=amount_fen)
        session.add(link)
    else:
        link.amount_fen = amount_fen
    _touch(round_)
    audit.record(session, actor, "round.fund_attach", link, before=before)
    return link


def detach_fund(session: Session, actor: audit.Actor, round_: Round, link: RoundFund) -> None:
    require_draft(round_)
    before = audit.snapshot(link)
    session.delete(link)
    _touch(round_)
    audit.record(session, actor, "round.fund_detach", object_type="round_fund",
                 object_id=link.id, before=before)


def lock_round_funds(session: Session, round_: Round) -> None:
    """Serialise with other writers of the attached funds before checking their balances."""
    for fund in session.execute(select(Fund).join(RoundFund, RoundFund.fund_id == Fund.id)
                                .where(RoundFund.round_id == round_.id)
                                .order_by(Fund.id)).scalars():
        funds_services.lock_fund(session, fund)


def budget(session: Session, round_: Round) -> int:
    return int(session.execute(select(func.coalesce(func.sum(RoundFund.amount_fen), 0))
                               .where(RoundFund.round_id == round_.id)).scalar_one())


# ---- tracks -------------------------------------------------------------------------------

def _validate_track(session: Session, round_: Round, data: dict[str, Any],
                    track: Track | None) -> None:
    errors: dict[str, str] = dict(data.get("_errors", {}))
    if not data.get("name") and "name" not in errors:
        errors["name"] = _("This field is required.")
    elif data.get("name"):
        clash = select(Track.id).where(Track.round_id == round_.id, Track.name == data["name"])
        if track is not None:
            clash = clash.where(Track.id != track.id)
        if session.execute(clash).first():
            errors["name"] = _("This round already has a track with this name.")
    if data.get("service_area") not in (None, *SERVICE_AREAS):
        errors["service_area"] = _("Not a valid choice.")
    if errors:
        raise FormErrors(errors)


def add_track(session: Session, actor: audit.Actor, round_: Round, data: dict[str, Any]) -> Track:
    require_draft(round_)
    _validate_track(session, round_, data, None)
    position = session.execute(select(func.coalesce(func.max(Track.position), 0))
                               .where(Track.round_id == round_.id)).scalar_one() + 1
    track = Track(round_id=round_.id, name=data["name"], service_area=data.get("service_area"),
                  description=data.get("description", ""), position=position)
    session.add(track)
    _touch(round_)
    audit.record(session, actor, "track.create", track)
    return track


def update_track(session: Session, actor: audit.Actor, round_: Round, track: Track,
                 data: dict[str, Any]) -> Track:
    require_draft(round_)
    _validate_track(session, round_, data, track)
    before = audit.snapshot(track)
    track.name = data["name"]
    track.service_area = data.get("service_area")
    track.description = data.get("description", "")
    _touch(round_)
    audit.record(session, actor, "track.update", track, before=before)
    return track


def remove_track(session: Session, actor: audit.Actor, round_: Round, track: Track) -> None:
    require_draft(round_)
    before = audit.snapshot(track)
    session.delete(track)
    _touch(round_)
    audit.record(session, actor, "track.delete", object_type="track", object_id=track.id,
                 before=before)


# ---- stages -------------------------------------------------------------------------------

def default_stage_config(kind: str) -> dict[str, Any]:
    if kind in SCORED_KINDS:
        return {"judges_per_app": 5 if kind == "scoring" else 7, "blind": kind == "scoring",
                "aggregation": "drop_high_low" if kind == "roadshow" else "mean",
                "advancement": {"rule": "top_n", "value": 20}, "min_sheets": 3}
    if kind == "notice":
        return {"objection_days": 5}
    return {}


def _validate_stage(data: dict[str, Any], kind: str) -> dict[str, Any]:
    errors: dict[str, str] = dict(data.get("_errors", {}))
    if kind not in STAGE_KINDS:
        errors["kind"] = _("Choose one.")
    if not data.get("name") and "name" not in errors:
        errors["name"] = _("This field is required.")
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts and ends and ends < starts and "ends_on" not in errors:
        errors["ends_on"] = _("A stage must end on or after the day it starts.")
    config: dict[str, Any] = {}
    raw = data.get("config", {})
    if kind in SCORED_KINDS:
        for key, low in (("judges_per_app", 1), ("min_sheets", 1)):
            value = raw.get(key)
            if value is None:
                errors.setdefault(key, _("This field is required."))
            elif value < low:
                errors.setdefault(key, _("Must be at least %(min)s.", min=low))
        if raw.get("aggregation") not in AGGREGATION_LABELS:
            errors.setdefault("aggregation", _("Choose one."))
        rule, value = raw.get("advancement_rule"), raw.get("advancement_value")
        if rule not in ADVANCEMENT_LABELS:
            errors.setdefault("advancement_rule", _("Choose one."))
        if value is None:
            errors.setdefault("advancement_value", _("This field is required."))
        elif rule == "top_n" and (value < 1 or value != int(value)):
            errors.setdefault("advancement_value",
                              _("For “top N”, enter a whole number of applications (1 or more)."))
        elif rule == "threshold" and not 0 < value <= 100:
            errors.setdefault("advancement_value",
                              _("For a threshold, enter a score above 0 and at most 100."))
        jpa, ms = raw.get("judges_per_app"), raw.get("min_sheets")
        if jpa and ms and ms > jpa and "min_sheets" not in errors:
            errors["min_sheets"] = _("Cannot require more valid sheets (%(ms)s) than judges "
                                     "per application (%(jpa)s).", ms=ms, jpa=jpa)
        if not errors:
            config = {"judges_per_app": jpa, "blind": bool(raw.get("blind")),
                      "aggregation": raw["aggregation"],
                      "advancement": {"rule": rule,
                                      "value": int(value) if rule == "top_n" else value},
                      "min_sheets": ms}
    elif kind == "notice":
        days = raw.get("objection_days")
        if days is None:
            days = 5
        if not 1 <= days <= 60:
            errors.setdefault("objection_days", _("Enter from 1 to 60 working days."))
        config = {"objection_days": days}
    if errors:
        raise FormErrors(errors)
    return config


def add_stage(session: Session, actor: audit.Actor, round_: Round, data: dict[str, Any]) -> Stage:
    require_draft(round_)
    kind = data.get("kind") or ""
    if not data.get("config"):
        data = {**data, "config": _flat_config(default_stage_config(kind))}
    config = _validate_stage(data, kind)
    position = session.execute(select(func.coalesce(func.max(Stage.position), 0))
                               .where(Stage.round_id == round_.id)).scalar_one() + 1
    stage = Stage(round_id=round_.id, kind=kind, name=data["name"], position=position,
                  starts_at=data.get("starts_at"), ends_at=data.get("ends_at"), config=config)
    session.add(stage)
    _touch(round_)
    audit.record(session, actor, "stage.create", stage)
    return stage


def _flat_config(config: dict[str, Any]) -> dict[str, Any]:
    flat = dict(config)
    advancement = flat.pop("advancement", None)
    if advancement:
        flat["advancement_rule"] = advancement["rule"]
        flat["advancement_value"] = advancement["value"]
    return flat


def update_stage(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                 data: dict[str, Any]) -> Stage:
    """Change a stage's name, dates and settings (its kind is fixed; remove and add instead)."""
    require_draft(round_)
    config = _validate_stage(data, stage.kind)
    before = audit.snapshot(stage)
    stage.name = data["name"]
    stage.starts_at, stage.ends_at = data.get("starts_at"), data.get("ends_at")
    stage.config = config
    _touch(round_)
    audit.record(session, actor, "stage.update", stage, before=before)
    return stage


def remove_stage(session: Session, actor: audit.Actor, round_: Round, stage: Stage) -> None:
    require_draft(round_)
    for criterion in criteria_of(session, stage):
        session.delete(criterion)
    before = audit.snapshot(stage)
    session.delete(stage)
    _touch(round_)
    audit.record(session, actor, "stage.delete", object_type="stage", object_id=stage.id,
                 before=before)


def move_stage(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
               direction: int) -> None:
    require_draft(round_)
    ordered = stages_of(session, round_)
    index = next(i for i, s in enumerate(ordered) if s.id == stage.id)
    other = index + direction
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    _touch(round_)
    audit.record(session, actor, "stage.move", stage)


def stages_of(session: Session, round_: Round) -> list[Stage]:
    return list(session.execute(select(Stage).where(Stage.round_id == round_.id)
                                .order_by(Stage.position, Stage.id)).scalars())


# ---- rubrics ------------------------------------------------------------------------------

def criteria_of(session: Session, stage: Stage) -> list[Criterion]:
    return list(session.execute(select(Criterion).where(Criterion.stage_id == stage.id)
                                .order_by(Criterion.position, Criterion.id)).scalars())


def _validate_criterion(session: Session, stage: Stage, data: dict[str, Any],
                        criterion: Criterion | None) -> str:
    """Check a criterion's fields; returns its key (generated from its position if blank)."""
    errors: dict[str, str] = dict(data.get("_errors", {}))
    if not data.get("name") and "name" not in errors:
        errors["name"] = _("This field is required.")
    points = data.get("max_points")
    if points is None and "max_points" not in errors:
        errors["max_points"] = _("This field is required.")
    elif points is not None and points <= 0 and "max_points" not in errors:
        errors["max_points"] = _("Enter a whole number of points greater than zero.")
    others = [c for c in criteria_of(session, stage)
              if criterion is None or c.id != criterion.id]
    taken = {c.key for c in others}
    key = (data.get("key") or "").strip().lower()
    if key:
        if not KEY_PATTERN.match(key):
            errors["key"] = _("A key is lower-case letters, digits and _ and starts with a "
                              "letter, e.g. need or c1.")
        elif key in taken:
            errors["key"] = _("Another criterion of this rubric has the key %(key)s.", key=key)
    else:
        position = criterion.position if criterion else len(others) + 1
        key = f"c{position}"
        while key in taken:
            position += 1
            key = f"c{position}"
    for number, level in enumerate(data.get("guidance", []), start=1):
        low, high = level.get("min"), level.get("max")
        if not level.get("level"):
            errors.setdefault(f"level_{number}",
                              _("Level %(n)s needs a name, e.g. 优秀.", n=number))
        elif low is None or high is None:
            errors.setdefault(f"level_{number}",
                              _("Level %(n)s needs a point range (from and to).", n=number))
        elif low < 0 or low > high or (points and high > points):
            errors.setdefault(f"level_{number}", _(
                "Level %(n)s: the range must run from 0 or more up to at most the maximum "
                "(%(max)s), and “from” cannot exceed “to”.", n=number, max=points or 0))
    if errors:
        raise FormErrors(errors)
    return key


def add_criterion(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                  data: dict[str, Any]) -> Criterion:
    require_draft(round_)
    key = _validate_criterion(session, stage, data, None)
    position = session.execute(select(func.coalesce(func.max(Criterion.position), 0))
                               .where(Criterion.stage_id == stage.id)).scalar_one() + 1
    criterion = Criterion(stage_id=stage.id, key=key, name=data["name"],
                          description=data.get("description", ""),
                          max_points=data["max_points"], guidance=data.get("guidance", []),
                          position=position)
    session.add(criterion)
    _touch(round_)
    audit.record(session, actor, "criterion.create", criterion)
    return criterion


def update_criterion(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                     criterion: Criterion, data: dict[str, Any]) -> Criterion:
    require_draft(round_)
    key = _validate_criterion(session, stage, data, criterion)
    before = audit.snapshot(criterion)
    criterion.key, criterion.name = key, data["name"]
    criterion.description = data.get("description", "")
    criterion.max_points = data["max_points"]
    criterion.guidance = data.get("guidance", [])
    _touch(round_)
    audit.record(session, actor, "criterion.update", criterion, before=before)
    return criterion


def remove_criterion(session: Session, actor: audit.Actor, round_: Round,
                     criterion: Criterion) -> None:
    require_draft(round_)
    before = audit.snapshot(criterion)
    session.delete(criterion)
    _touch(round_)
    audit.record(session, actor, "criterion.delete", object_type="criterion",
                 object_id=criterion.id, before=before)


def rubric_problems(stage: Stage, criteria: list[Criterion]) -> list[str]:
    """Why a scoring stage's rubric is not usable, in plain words (empty when it is)."""
    from scoring.rubric import Criterion as RubricCriterion
    from scoring.rubric import Rubric, validate_rubric

    if not criteria:
        return [_("The rubric of “%(stage)s” has no criteria yet.", stage=stage.name)]
    total = sum(c.max_points for c in criteria)
    if total != 100:
        return [_("The rubric of “%(stage)s” totals %(total)s points; it must total 100.",
                  stage=stage.name, total=total)]
    try:
        validate_rubric(Rubric(tuple(RubricCriterion(key=c.key, name=c.name,
                                                     max_points=float(c.max_points))
                                     for c in criteria)))
    except Exception as exc:  # scoring raises ScoringError with an English reason
        return [_("The rubric of “%(stage)s” is not valid: %(reason)s", stage=stage.name,
                  reason=str(exc))]
    return []


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
        for c in session.execute(select(Criterion).where(Criterion.stage_id.in_(ids))  # type: ignore[attr-defined]
                                 .order_by(Criterion.position, Criterion.id)).scalars():
            config.criteria[c.stage_id].append(c)
    return config


# ---- copying into next year's round -------------------------------------------------------

def shift_years(moment: datetime | None, years: int) -> datetime | None:
    """The same wall-clock time in the local zone, `years` later (29 Feb becomes 28 Feb)."""
    if moment is None:
        return None
    shown = local(moment)
    try:
        moved = shown.replace(year=shown.year + years)
    except ValueError:
        moved = shown.replace(year=shown.year + years, day=28)
    return moved.astimezone(UTC)


def _shift_date(text: str | None, years: int) -> str | None:
    if not text:
        return None
    day = date.fromisoformat(text)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def suggested_copy_name(round_: Round) -> str:
    year = str(round_.year)
    name = round_.name.replace(year, str(round_.year + 1), 1)
    return name if name != round_.name else f"{round_.name}（{round_.year + 1}）"


def copy_round(session: Session, actor: audit.Actor, source: Round, data: dict[str, Any]
               ) -> tuple[Round, list[str]]:
    """A draft copy of `source` for another year; returns it and the notes on what was not
    copied (funds whose money is no longer free)."""
    data = {k: data.get(k) for k in ("name", "year", "_errors")}
    data.setdefault("_errors", {})
    if data["_errors"] is None:
        data["_errors"] = {}
    _validate_basics(session, data, None)
    years = int(data["year"]) - source.year
    config = load_config(session, source)
    copy = Round(name=data["name"], organiser_unit=source.organiser_unit, year=data["year"],
                 status="draft", description=source.description,
                 opens_at=shift_years(source.opens_at, years),
                 closes_at=shift_years(source.closes_at, years),
                 grant_min_fen=source.grant_min_fen, grant_max_fen=source.grant_max_fen,
                 max_applications_per_org=source.max_applications_per_org,
                 eligibility=dict(source.eligibility), budget_rules=dict(source.budget_rules),
                 tranche_template=[dict(r) for r in source.tranche_template],
                 reporting_plan={k: _shift_date(v, years)
                                 for k, v in (source.reporting_plan or {}).items()},
                 copied_from_id=source.id)
    session.add(copy)
    audit.record(session, actor, "round.copy", copy,
                 before={"copied_from": source.id, "name": source.name})
    for track in config.tracks:
        session.add(Track(round_id=copy.id, name=track.name, service_area=track.service_area,
                          description=track.description, position=track.position))
    for stage in config.stages:
        new_stage = Stage(round_id=copy.id, kind=stage.kind, name=stage.name,
                          position=stage.position, starts_at=shift_years(stage.starts_at, years),
                          ends_at=shift_years(stage.ends_at, years),
                          config=_deep_copy(stage.config))
        session.add(new_stage)
        session.flush()
        for c in config.criteria.get(stage.id or 0, []):
            session.add(Criterion(stage_id=new_stage.id, key=c.key, name=c.name,
                                  description=c.description, max_points=c.max_points,
                                  guidance=_deep_copy(c.guidance), position=c.position))
    notes: list[str] = []
    rooms = attachable(session, [f.id for _l, f in config.funds if f.id], copy.id)
    for link, fund in config.funds:
        room = rooms[fund.id or 0]
        if fund.is_active and link.amount_fen <= room.free:
            session.add(RoundFund(round_id=copy.id, fund_id=fund.id, amount_fen=link.amount_fen))
        else:
            notes.append(_("Not copied: %(fund)s has only %(free)s free (the old round had "
                           "%(amount)s).", fund=fund.name, free=format_yuan(room.free),
                           amount=format_yuan(link.amount_fen)))
    session.flush()
    return copy, notes


def _deep_copy(value: Any) -> Any:
    import copy as copy_module

    return copy_module.deepcopy(value)


# ---- lists --------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundFilters:
    q: str = ""
    year: int | None = None
    status: str = ""


def search(filters: RoundFilters, statuses: tuple[str, ...] | None = None) -> Any:
    query = select(Round).order_by(Round.year.desc(), Round.name)  # type: ignore[attr-defined]
    if filters.q:
        like = f"%{filters.q}%"
        query = query.where(or_(Round.name.like(like),  # type: ignore[attr-defined]
                                Round.organiser_unit.like(like)))  # type: ignore[attr-defined]
    if filters.year:
        query = query.where(Round.year == filters.year)
    if filters.status in ROUND_STATUSES:
        query = query.where(Round.status == filters.status)
    if statuses is not None:
        query = query.where(Round.status.in_(statuses))  # type: ignore[attr-defined]
    return query


def years(session: Session) -> list[int]:
    return list(session.execute(select(Round.year).distinct().order_by(Round.year.desc())  # type: ignore[attr-defined]
                                ).scalars())


def budgets(session: Session, round_ids: list[int]) -> dict[int, int]:
    if not round_ids:
        return {}
    rows = session.execute(select(RoundFund.round_id, func.sum(RoundFund.amount_fen))
                           .where(RoundFund.round_id.in_(round_ids))  # type: ignore[attr-defined]
                           .group_by(RoundFund.round_id)).all()
    out = dict.fromkeys(round_ids, 0)
    out.update({rid: int(total) for rid, total in rows})
    return out


def tracks_by_round(session: Session, round_ids: list[int]) -> dict[int, list[Track]]:
    out: dict[int, list[Track]] = {i: [] for i in round_ids}
    if round_ids:
        for track in session.execute(select(Track).where(Track.round_id.in_(round_ids))  # type: ignore[attr-defined]
                                     .order_by(Track.position, Track.id)).scalars():
            out[track.round_id].append(track)
    return out


# ---- plain-language summaries -------------------------------------------------------------

def eligibility_sentences(round_: Round, community_names: dict[int, str]) -> list[str]:
    from grants.vocab import labels

    rules = round_.eligibility or {}
    out = []
    if rules.get("registered_only"):
        out.append(_("Only registered organisations (登记) may apply; filed ones (备案) may not."))
    else:
        out.append(_("Registered and filed community organisations may apply."))
    if rules.get("min_rating"):
        out.append(_("The organisation needs an assessment rating of %(rating)s or higher.",
                     rating=rules["min_rating"]))
    if rules.get("exclude_black_list"):
        out.append(_("Organisations on the black list (失信) may not apply."))
    if rules.get("categories"):
        out.append(_("Open to these categories: %(list)s.",
                     list=labels(CATEGORIES, rules["categories"])))
    if rules.get("community_ids"):
        out.append(_("Open to organisations in: %(list)s.", list="、".join(
            community_names.get(i, str(i)) for i in rules["community_ids"])))
    out.append(_("Each organisation may submit at most %(n)s application(s).",
                 n=round_.max_applications_per_org))
    return out


def budget_rule_sentences(round_: Round) -> list[str]:
    rules = round_.budget_rules or {}
    out = []
    if rules.get("admin_max_pct") is not None:
        out.append(_("Administrative costs at most %(pct)s %% of the amount requested.",
                     pct=rules["admin_max_pct"]))
    if rules.get("cofunding_min_pct") is not None:
        out.append(_("Co-funding (配套资金) at least %(pct)s %% of the amount requested.",
                     pct=rules["cofunding_min_pct"]))
    if rules.get("personnel_max_pct") is not None:
        out.append(_("Personnel costs at most %(pct)s %% of the amount requested.",
                     pct=rules["personnel_max_pct"]))
    return out or [_("No budget rules.")]
