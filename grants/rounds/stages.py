"""A round's stages: their default settings, adding, changing, removing and reordering them.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.rounds.choices import ADVANCEMENT_LABELS, AGGREGATION_LABELS, SCORED_KINDS
from grants.rounds.models import STAGE_KINDS, Round, Stage
from grants.rounds.rubrics import criteria_of
from grants.rounds.services import require_draft, touch
from grants.validation import FormErrors


def default_stage_config(kind: str) -> dict[str, Any]:
    if kind in SCORED_KINDS:
        return {"judges_per_app": 5 if kind == "scoring" else 7, "blind": kind == "scoring",
                "aggregation": "drop_high_low" if kind == "roadshow" else "mean",
                "advancement": {"rule": "top_n", "value": 20}, "min_sheets": 3}
    if kind == "notice":
        return {"objection_days": 5}
    return {}


def parse_funding_table(text: str) -> list[list[int]]:
    """"10:5, 20:10, 30:20" (also with ：and ，) → [[10, 5], [20, 10], [30, 20]]: from 10 % of the
    budget raised from others, 5 points; ValueError with the reason in words otherwise."""
    text = text.replace("：", ":").replace("，", ",").replace("；", ",").replace(";", ",")
    rows: list[list[int]] = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        pct, sep, points = part.partition(":")
        if not sep or not (pct.strip().isascii() and pct.strip().isdigit()
                           and points.strip().isascii() and points.strip().isdigit()):
            raise ValueError(_("Write each step as share:points, e.g. 10:5, 20:10, 30:20."))
        row = [int(pct), int(points)]
        if not 0 < row[0] <= 100 or row[1] > 100:
            raise ValueError(_("Shares are from 1 to 100 %% and points at most 100."))
        rows.append(row)
    if len(rows) > 10:
        raise ValueError(_("At most %(n)s steps.", n=10))
    if [r[0] for r in rows] != sorted({r[0] for r in rows}):
        raise ValueError(_("List the steps from the smallest share up, each share once."))
    return rows


def _composition(raw: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The stage's score composition: the public panel's weight (%), 筹资加分 from a table of
    the co-funding share with its cap, and the cap on 特别加分. Empty: experts only."""
    weight = raw.get("public_weight") or 0
    try:
        table = parse_funding_table(str(raw.get("funding_table") or ""))
    except ValueError as error:
        errors.setdefault("funding_table", str(error))
        table = []
    funding_cap = raw.get("funding_cap")
    special_cap = raw.get("special_cap") or 0
    if table and funding_cap is None:
        errors.setdefault("funding_cap", _("Give the most points the table can give."))
    if not (weight or table or special_cap):
        return {}
    return {"public_weight": int(weight), "funding_table": table,
            "funding_cap": int(funding_cap or 0), "special_cap": int(special_cap)}


def _validate_stage(data: dict[str, Any], kind: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
    errors = dict(errors or {})
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
        elif rule == "top_n" and (value < 1 or value > 10000 or value != int(value)):
            errors.setdefault("advancement_value",
                              _("For “top N”, enter a whole number of applications (1 or more)."))
        elif rule == "threshold" and not 0 < value <= 100:
            errors.setdefault("advancement_value",
                              _("For a threshold, enter a score above 0 and at most 100."))
        jpa, ms = raw.get("judges_per_app"), raw.get("min_sheets")
        if jpa and ms and ms > jpa and "min_sheets" not in errors:
            errors["min_sheets"] = _("Cannot require more valid sheets (%(ms)s) than judges "
                                     "per application (%(jpa)s).", ms=ms, jpa=jpa)
        composition = _composition(raw, errors)
        if not errors:
            config = {"judges_per_app": jpa, "blind": bool(raw.get("blind")),
                      "aggregation": raw["aggregation"],
                      "advancement": {"rule": rule,
                                      "value": int(value) if rule == "top_n" else value},
                      "min_sheets": ms, "comments_required": bool(raw.get("comments_required"))}
            if composition:
                config["composition"] = composition
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


def add_stage(session: Session, actor: audit.Actor, round_: Round, data: dict[str, Any],
              errors: dict[str, str] | None = None) -> Stage:
    require_draft(round_)
    kind = data.get("kind") or ""
    if not data.get("config"):
        data = {**data, "config": _flat_config(default_stage_config(kind))}
    config = _validate_stage(data, kind, errors)
    position = session.execute(select(func.coalesce(func.max(Stage.position), 0))
                               .where(Stage.round_id == round_.id)).scalar_one() + 1
    stage = Stage(round_id=round_.id, kind=kind, name=data["name"], position=position,
                  starts_at=data.get("starts_at"), ends_at=data.get("ends_at"), config=config)
    session.add(stage)
    touch(round_)
    audit.record(session, actor, "stage.create", stage)
    return stage


def _flat_config(config: dict[str, Any]) -> dict[str, Any]:
    flat = dict(config)
    composition = flat.pop("composition", None) or {}
    flat.update({k: v for k, v in composition.items() if k != "funding_table"})
    if composition.get("funding_table"):
        flat["funding_table"] = ", ".join(f"{p}:{n}" for p, n in composition["funding_table"])
    advancement = flat.pop("advancement", None)
    if advancement:
        flat["advancement_rule"] = advancement["rule"]
        flat["advancement_value"] = advancement["value"]
    return flat


def update_stage(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                 data: dict[str, Any], errors: dict[str, str] | None = None) -> Stage:
    """Change a stage's name, dates and settings (its kind is fixed; remove and add instead)."""
    require_draft(round_)
    config = _validate_stage(data, stage.kind, errors)
    before = audit.snapshot(stage)
    stage.name = data["name"]
    stage.starts_at, stage.ends_at = data.get("starts_at"), data.get("ends_at")
    stage.config = config
    touch(round_)
    audit.record(session, actor, "stage.update", stage, before=before)
    return stage


def remove_stage(session: Session, actor: audit.Actor, round_: Round, stage: Stage) -> None:
    require_draft(round_)
    for criterion in criteria_of(session, stage):
        session.delete(criterion)
    before = audit.snapshot(stage)
    session.delete(stage)
    touch(round_)
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
    touch(round_)
    audit.record(session, actor, "stage.move", stage)


def stages_of(session: Session, round_: Round) -> list[Stage]:
    return list(session.execute(select(Stage).where(Stage.round_id == round_.id)
                                .order_by(Stage.position, Stage.id)).scalars())
