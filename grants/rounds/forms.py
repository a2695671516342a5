"""Reading the round editor's forms (one per section, and one per row for lists of rows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from grants.forms import Cleaner
from grants.i18n import gettext as _
from grants.money import fen_to_yuan_str
from grants.rounds.choices import ADVANCEMENT_LABELS, AGGREGATION_LABELS
from grants.rounds.models import TRANCHE_CONDITIONS, Criterion, Round, Stage, Track
from grants.timeutil import local, parse_local
from grants.validation import EARLIEST_YEAR, LATEST_YEAR, normalise_digits
from grants.vocab import AWARD_LEVELS, CATEGORIES, RATINGS, SERVICE_AREAS

WINNER_LEVELS = AWARD_LEVELS

TRANCHE_ROWS = 5
GUIDANCE_ROWS = 4


def _local_datetime(clean: Cleaner, name: str, *, required: bool = False) -> datetime | None:
    raw = clean.raw(name).strip()
    if not raw:
        if required:
            clean.errors[name] = _("This field is required.")
        return None
    try:
        moment = parse_local(normalise_digits(raw))
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValueError(raw)
        return moment
    except (ValueError, OverflowError):
        clean.errors[name] = _("Enter a date and time as YYYY-MM-DD HH:MM (China Standard Time).")
        return None


def _date(clean: Cleaner, name: str) -> date | None:
    value: date | None = clean.date(name)
    return value


def _percent(clean: Cleaner, name: str) -> int | None:
    value = clean.integer(name, minimum=None, maximum=None)
    if value is not None and not 0 <= value <= 100:
        clean.errors[name] = _("Enter a percentage from 0 to 100, or leave it empty.")
    return value


def read_basics(form: Any) -> dict[str, Any]:
    """Only the fields present in the form: disabled (locked) inputs are not sent."""
    clean = Cleaner(form)
    data: dict[str, Any] = {}
    if "name" in form:
        data["name"] = clean.text("name", required=True, max_length=120, min_length=4)
    if "organiser_unit" in form:
        data["organiser_unit"] = clean.text("organiser_unit", required=True, max_length=100)
    if "year" in form:
        data["year"] = clean.integer("year", required=True, minimum=2000, maximum=2100)
    if "description" in form:
        data["description"] = clean.text("description", max_length=5000)
    if "series" in form:
        data["series"] = clean.text("series", max_length=100)
    if "edition" in form:
        data["edition"] = clean.integer("edition", minimum=1, maximum=100)
    if "region_id" in form:
        data["region_id"] = clean.integer("region_id", minimum=1)
    data["_errors"] = clean.errors
    return data


def read_copy(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "name": clean.text("name", required=True, max_length=120, min_length=4),
        "year": clean.integer("year", required=True, minimum=2000, maximum=2100),
    }
    data["_errors"] = clean.errors
    return data


def read_window(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "opens_at": _local_datetime(clean, "opens_at", required=True),
        "closes_at": _local_datetime(clean, "closes_at", required=True),
        "grant_min_fen": clean.money("grant_min", required=True),
        "grant_max_fen": clean.money("grant_max", required=True),
        "max_applications_per_org": clean.integer("max_applications_per_org", required=True,
                                                  minimum=1, maximum=100),
    }
    data["_errors"] = clean.errors
    return data


def read_rules(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    rating = clean.choice("min_rating", RATINGS, required=False)
    data: dict[str, Any] = {
        "eligibility": {
            "registered_only": clean.boolean("registered_only"),
            "min_rating": rating,
            "exclude_black_list": clean.boolean("exclude_black_list"),
            "categories": clean.choices("categories", CATEGORIES),
            "community_ids": clean.ids("community_ids"),
            "series_max_per_year": clean.integer("series_max_per_year", minimum=1, maximum=20),
            "exclude_winner_levels": clean.choices("exclude_winner_levels", WINNER_LEVELS),
        },
        "budget_rules": {
            "admin_max_pct": _percent(clean, "admin_max_pct"),
            "cofunding_min_pct": _percent(clean, "cofunding_min_pct"),
            "personnel_max_pct": _percent(clean, "personnel_max_pct"),
        },
    }
    data["_errors"] = clean.errors
    return data


def read_tranches(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    rows = []
    for i in range(1, TRANCHE_ROWS + 1):
        percent_raw = clean.raw(f"percent_{i}").strip()
        condition = clean.raw(f"condition_{i}").strip()
        if not percent_raw and not condition:
            continue
        percent = clean.integer(f"percent_{i}", minimum=None, maximum=None)
        if condition not in TRANCHE_CONDITIONS:
            clean.errors[f"condition_{i}"] = _("Choose when tranche %(n)s is paid.", n=i)
        rows.append({"percent": percent, "condition": condition})
    data: dict[str, Any] = {
        "tranches": rows,
        "reporting_plan": {"midterm_due": _date(clean, "midterm_due"),
                           "final_due": _date(clean, "final_due"),
                           "grace_days": clean.integer("grace_days", minimum=0, maximum=180)},
    }
    data["_errors"] = clean.errors
    return data


def read_fund(form: Any) -> tuple[int | None, int | None, dict[str, str]]:
    clean = Cleaner(form)
    fund_id = clean.integer("fund_id", minimum=1)
    amount = clean.money("amount", required=True)
    return fund_id, amount, clean.errors


def read_track(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "name": clean.text("name", required=True, max_length=60),
        "service_area": clean.choice("service_area", SERVICE_AREAS, required=False),
        "description": clean.text("description", max_length=500),
    }
    data["_errors"] = clean.errors
    return data


def read_stage(form: Any, kind: str | None = None) -> dict[str, Any]:
    clean = Cleaner(form)
    starts_on, ends_on = _date(clean, "starts_on"), _date(clean, "ends_on")
    data: dict[str, Any] = {
        "kind": kind if kind is not None else clean.raw("kind").strip(),
        "name": clean.text("name", required=True, max_length=60),
        "starts_at": parse_local(starts_on.isoformat()) if starts_on else None,
        "ends_at": parse_local(f"{ends_on.isoformat()}T23:59") if ends_on else None,
    }
    if "judges_per_app" in form or "objection_days" in form:
        advancement = clean.number("advancement_value")
        data["config"] = {
            "judges_per_app": clean.integer("judges_per_app", minimum=None, maximum=50),
            "min_sheets": clean.integer("min_sheets", minimum=None, maximum=50),
            "blind": clean.boolean("blind"),
            "aggregation": clean.choice("aggregation", AGGREGATION_LABELS, required=False),
            "advancement_rule": clean.choice("advancement_rule", ADVANCEMENT_LABELS,
                                             required=False),
            "advancement_value": advancement,
            "objection_days": clean.integer("objection_days", minimum=None, maximum=None),
            "comments_required": clean.boolean("comments_required"),
            "public_weight": clean.integer("public_weight", minimum=0, maximum=100),
            "funding_table": clean.raw("funding_table").strip(),
            "funding_cap": clean.integer("funding_cap", minimum=0, maximum=100),
            "special_cap": clean.integer("special_cap", minimum=0, maximum=100),
        }
    data["_errors"] = clean.errors
    return data


def read_criterion(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    guidance = []
    for i in range(1, GUIDANCE_ROWS + 1):
        level = clean.text(f"level_{i}", max_length=20)
        low_raw, high_raw = clean.raw(f"min_{i}").strip(), clean.raw(f"max_{i}").strip()
        text = clean.text(f"text_{i}", max_length=500)
        if not (low_raw or high_raw or text):
            # Guidance is optional: a level left with only its prefilled name (优秀, 良好 …)
            # describes nothing and is not kept.
            continue
        low = clean.integer(f"min_{i}", minimum=None, maximum=None)
        high = clean.integer(f"max_{i}", minimum=None, maximum=None)
        for name in (f"min_{i}", f"max_{i}"):
            if name in clean.errors:
                clean.errors[f"level_{i}"] = clean.errors.pop(name)
        guidance.append({"level": level, "min": low, "max": high, "text": text})
    data: dict[str, Any] = {
        "key": clean.text("key", max_length=40),
        "name": clean.text("name", required=True, max_length=80),
        "description": clean.text("description", max_length=1000),
        "max_points": clean.integer("max_points", required=True, minimum=None, maximum=100),
        "guidance": guidance,
    }
    data["_errors"] = clean.errors
    return data


# ---- values for re-displaying saved objects -----------------------------------------------

def _local_input(moment: datetime | None) -> str:
    return local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _local_day(moment: datetime | None) -> str:
    return local(moment).strftime("%Y-%m-%d") if moment else ""


def basics_values(round_: Round) -> dict[str, Any]:
    values = {k: getattr(round_, k) for k in ("name", "organiser_unit", "year", "description",
                                              "region_id", "series", "edition")}
    values["edition"] = "" if round_.edition is None else round_.edition
    return values


def window_values(round_: Round) -> dict[str, Any]:
    return {
        "opens_at": _local_input(round_.opens_at), "closes_at": _local_input(round_.closes_at),
        "grant_min": fen_to_yuan_str(round_.grant_min_fen) if round_.grant_min_fen else "",
        "grant_max": fen_to_yuan_str(round_.grant_max_fen) if round_.grant_max_fen else "",
        "max_applications_per_org": round_.max_applications_per_org,
    }


def rules_values(round_: Round) -> dict[str, Any]:
    values: dict[str, Any] = dict(round_.eligibility or {})
    if values.get("series_max_per_year") is None:
        values["series_max_per_year"] = ""
    values.update({k: ("" if v is None else v) for k, v in (round_.budget_rules or {}).items()})
    return values


def rules_values_from(data: dict[str, Any], form: Any) -> dict[str, Any]:
    values = dict(data["eligibility"])
    values.update({k: form.get(k, "") for k in ("admin_max_pct", "cofunding_min_pct",
                                                 "personnel_max_pct")})
    return values


def tranche_values(round_: Round) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, row in enumerate(round_.tranche_template or [], start=1):
        values[f"percent_{i}"] = row.get("percent")
        values[f"condition_{i}"] = row.get("condition")
    plan = round_.reporting_plan or {}
    values["midterm_due"] = plan.get("midterm_due") or ""
    values["final_due"] = plan.get("final_due") or ""
    grace = plan.get("grace_days")
    values["grace_days"] = "" if grace is None else grace
    return values


def form_values(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if k != "csrf_token"}


def track_values(track: Track) -> dict[str, Any]:
    return {"name": track.name, "service_area": track.service_area or "",
            "description": track.description}


def stage_values(stage: Stage) -> dict[str, Any]:
    values: dict[str, Any] = {"kind": stage.kind, "name": stage.name,
                              "starts_on": _local_day(stage.starts_at),
                              "ends_on": _local_day(stage.ends_at)}
    config = dict(stage.config or {})
    advancement = config.pop("advancement", None) or {}
    values.update(config)
    values["advancement_rule"] = advancement.get("rule", "")
    values["advancement_value"] = advancement.get("value", "")
    composition = values.pop("composition", None) or {}
    values["public_weight"] = composition.get("public_weight", "") or ""
    values["funding_table"] = ", ".join(f"{pct}:{points}" for pct, points
                                        in composition.get("funding_table", []))
    values["funding_cap"] = composition.get("funding_cap", "") or ""
    values["special_cap"] = composition.get("special_cap", "") or ""
    return values


def criterion_values(criterion: Criterion) -> dict[str, Any]:
    values: dict[str, Any] = {"key": criterion.key, "name": criterion.name,
                              "description": criterion.description,
                              "max_points": criterion.max_points}
    for i, level in enumerate(criterion.guidance or [], start=1):
        values[f"level_{i}"] = level.get("level", "")
        values[f"min_{i}"] = level.get("min", "")
        values[f"max_{i}"] = level.get("max", "")
        values[f"text_{i}"] = level.get("text", "")
    return values


def blank_criterion_values() -> dict[str, Any]:
    from grants.rounds.choices import DEFAULT_LEVELS

    return {f"level_{i}": name for i, name in enumerate(DEFAULT_LEVELS, start=1)}


def read_extension(form: Any) -> dict[str, Any]:
    """The new closing time and the reason of a deadline extension."""
    clean = Cleaner(form)
    data: dict[str, Any] = {"closes_at": _local_datetime(clean, "closes_at", required=True),
                            "reason": " ".join(clean.raw("reason").split())}
    data["_errors"] = clean.errors
    return data
