"""Reading the round editor's forms (one per section, and one per row for lists of rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants.forms import (
    Choice,
    Choices,
    Cleaner,
    Date,
    Field,
    Flag,
    Form,
    Ids,
    Integer,
    LocalDateTime,
    Money,
    Text,
)
from grants.i18n import gettext as _
from grants.money import fen_to_yuan_str
from grants.rounds.choices import ADVANCEMENT_LABELS, AGGREGATION_LABELS
from grants.rounds.models import TRANCHE_CONDITIONS, Criterion, Round, Stage, Track
from grants.timeutil import local, parse_local
from grants.vocab import AWARD_LEVELS, CATEGORIES, RATINGS, SERVICE_AREAS

WINNER_LEVELS = AWARD_LEVELS

TRANCHE_ROWS = 5
GUIDANCE_ROWS = 4


def _percent(clean: Cleaner, name: str) -> int | None:
    value = clean.integer(name, minimum=None, maximum=None)
    if value is not None and not 0 <= value <= 100:
        clean.errors[name] = _("Enter a percentage from 0 to 100, or leave it empty.")
    return value


class BasicsForm(Form):
    """Only the fields present in the form: disabled (locked) inputs are not sent."""

    partial = True
    name = Text(required=True, max_length=120, min_length=4)
    organiser_unit = Text(required=True, max_length=100)
    year = Integer(required=True, minimum=2000, maximum=2100)
    description = Text(max_length=5000)
    series = Text(max_length=100)
    edition = Integer(minimum=1, maximum=100)
    region_id = Integer(minimum=1)


class CopyForm(Form):
    name = Text(required=True, max_length=120, min_length=4)
    year = Integer(required=True, minimum=2000, maximum=2100)


class WindowForm(Form):
    opens_at = LocalDateTime(required=True)
    closes_at = LocalDateTime(required=True)
    grant_min_fen = Money(required=True, name="grant_min")
    grant_max_fen = Money(required=True, name="grant_max")
    max_applications_per_org = Integer(required=True, minimum=1, maximum=100)


class Percent(Field["int | None"]):
    def read(self, clean: Cleaner) -> int | None:
        return _percent(clean, self.key)


class RulesForm(Form):
    registered_only = Flag()
    min_rating = Choice(RATINGS, required=False)
    exclude_black_list = Flag()
    categories = Choices(CATEGORIES)
    community_ids = Ids()
    series_max_per_year = Integer(minimum=1, maximum=20)
    exclude_winner_levels = Choices(WINNER_LEVELS)
    admin_max_pct = Percent()
    cofunding_min_pct = Percent()
    personnel_max_pct = Percent()

    BUDGET = ("admin_max_pct", "cofunding_min_pct", "personnel_max_pct")

    @property
    def data(self) -> dict[str, Any]:
        return {"eligibility": {k: v for k, v in self.values.items() if k not in self.BUDGET},
                "budget_rules": {k: self.values[k] for k in self.BUDGET}}

    @property
    def redisplay(self) -> dict[str, Any]:
        """The eligibility as read, the percentages as typed."""
        return {**self.data["eligibility"], **{k: self.clean.raw(k) for k in self.BUDGET}}


class TranchesForm(Form):
    midterm_due = Date()
    final_due = Date()
    grace_days = Integer(minimum=0, maximum=180)

    def check(self) -> None:
        self.rows: list[dict[str, Any]] = []
        clean = self.clean
        for i in range(1, TRANCHE_ROWS + 1):
            percent_raw = clean.raw(f"percent_{i}").strip()
            condition = clean.raw(f"condition_{i}").strip()
            if not percent_raw and not condition:
                continue
            percent = clean.integer(f"percent_{i}", minimum=None, maximum=None)
            if condition not in TRANCHE_CONDITIONS:
                self.fail(f"condition_{i}", _("Choose when tranche %(n)s is paid.", n=i))
            self.rows.append({"percent": percent, "condition": condition})

    @property
    def data(self) -> dict[str, Any]:
        return {"tranches": self.rows, "reporting_plan": dict(self.values)}


class FundForm(Form):
    fund_id = Integer(minimum=1)
    amount = Money(required=True)


class TrackForm(Form):
    name = Text(required=True, max_length=60)
    service_area = Choice(SERVICE_AREAS, required=False)
    description = Text(max_length=500)


class StageForm(Form):
    """A stage; the judging and notice settings are read when the form carries them."""

    name = Text(required=True, max_length=60)
    starts_on = Date()
    ends_on = Date()

    def __init__(self, form: Any, kind: str | None = None) -> None:
        self.kind = kind
        super().__init__(form)

    def check(self) -> None:
        clean = self.clean
        if self.kind is None:
            self.kind = clean.raw("kind").strip()
        self.config: dict[str, Any] | None = None
        if "judges_per_app" in clean.form or "objection_days" in clean.form:
            advancement = clean.number("advancement_value")
            self.config = {
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

    @property
    def data(self) -> dict[str, Any]:
        starts_on, ends_on = self.starts_on, self.ends_on
        data: dict[str, Any] = {
            "kind": self.kind, "name": self.name,
            "starts_at": parse_local(starts_on.isoformat()) if starts_on else None,
            "ends_at": parse_local(f"{ends_on.isoformat()}T23:59") if ends_on else None}
        if self.config is not None:
            data["config"] = self.config
        return data


class CriterionForm(Form):
    key = Text(max_length=40)
    name = Text(required=True, max_length=80)
    description = Text(max_length=1000)
    max_points = Integer(required=True, minimum=None, maximum=100)

    def check(self) -> None:
        clean = self.clean
        self.guidance: list[dict[str, Any]] = []
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
            self.guidance.append({"level": level, "min": low, "max": high, "text": text})

    @property
    def data(self) -> dict[str, Any]:
        return {**self.values, "guidance": self.guidance}


class RowActionForm(Form):
    """The buttons beside a row of a list (a track, stage or criterion) other than saving."""

    remove = Flag()
    move = Choice(("up", "down"), required=False)


class ExtensionForm(Form):
    """The new closing time and the reason of a deadline extension."""

    closes_at = LocalDateTime(required=True)
    reason = Text(max_length=2000)


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
