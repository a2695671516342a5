"""Reading the proposal form: fields, repeated budget-line and activity rows."""

from __future__ import annotations

import re
from typing import Any

from grants import money
from grants.applications.models import BUDGET_CATEGORIES
from grants.forms import Cleaner
from grants.i18n import gettext as _
from grants.vocab import TARGET_GROUPS

MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
MAX_ROWS = 60


def _amount(raw: str) -> int:
    return money.parse_yuan(raw) if raw.strip() else 0


def read_proposal(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "title": clean.text("title", max_length=120),
        "track_id": clean.integer("track_id", minimum=1),
        "summary": clean.text("summary", max_length=2000),
        "need_analysis": clean.text("need_analysis", max_length=5000),
        "objectives": clean.text("objectives", max_length=3000),
        "target_groups": clean.choices("target_groups", TARGET_GROUPS),
        "community_ids": clean.ids("community_ids"),
        "planned_activities": clean.integer("planned_activities", maximum=100000) or 0,
        "planned_people": clean.integer("planned_people", maximum=10**8) or 0,
        "planned_volunteers": clean.integer("planned_volunteers", maximum=10**7) or 0,
    }
    lines, row_values = [], []
    categories = form.getlist("budget_category")
    items = form.getlist("budget_item")
    amounts = form.getlist("budget_amount")
    cofunding = form.getlist("budget_cofunding")
    for index in range(min(max(len(categories), len(items), len(amounts)), MAX_ROWS)):
        def at(values: list[Any], i: int = index) -> str:
            value = values[i] if i < len(values) else ""
            return value.strip() if isinstance(value, str) else ""

        row = {"category": at(categories), "item": " ".join(at(items).split())[:120],
               "amount": at(amounts), "cofunding": at(cofunding)}
        row_values.append(row)
        if not (row["item"] or row["amount"] or row["cofunding"]):
            continue
        number = index + 1
        if row["category"] not in BUDGET_CATEGORIES:
            clean.errors.setdefault("budget", _("Budget row %(n)s: choose a category.", n=number))
            continue
        if not row["item"]:
            clean.errors.setdefault("budget", _("Budget row %(n)s: name the item.", n=number))
            continue
        try:
            amount, co = _amount(row["amount"]), _amount(row["cofunding"])
        except money.MoneyError:
            clean.errors.setdefault("budget", _(
                "Budget row %(n)s: enter amounts in yuan, for example 12000 or 12,000.50.",
                n=number))
            continue
        lines.append({"category": row["category"], "item": row["item"], "amount_fen": amount,
                      "cofunding_fen": co})
    activities, activity_values = [], []
    names = form.getlist("activity_name")
    months = form.getlist("activity_month")
    sessions = form.getlist("activity_sessions")
    for index in range(min(max(len(names), len(months)), MAX_ROWS)):
        def at2(values: list[Any], i: int = index) -> str:
            value = values[i] if i < len(values) else ""
            return value.strip() if isinstance(value, str) else ""

        row = {"activity": " ".join(at2(names).split())[:120], "month": at2(months),
               "sessions": at2(sessions)}
        activity_values.append(row)
        if not (row["activity"] or row["month"]):
            continue
        number = index + 1
        if not row["activity"]:
            clean.errors.setdefault("activities", _("Activity row %(n)s: name the activity.",
                                                    n=number))
            continue
        if not MONTH.match(row["month"]):
            clean.errors.setdefault("activities", _(
                "Activity row %(n)s: enter the month as YYYY-MM.", n=number))
            continue
        try:
            count = int(row["sessions"] or "1")
        except ValueError:
            count = -1
        if not 1 <= count <= 10000:
            clean.errors.setdefault("activities", _(
                "Activity row %(n)s: the number of sessions must be a whole number from 1.",
                n=number))
            continue
        activities.append({"activity": row["activity"], "month": row["month"],
                           "sessions": count})
    data["lines"] = lines
    data["activities"] = activities
    data["_rows"] = {"lines": row_values, "activities": activity_values}
    data["_errors"] = clean.errors
    return data


def values_of(app: Any, lines: list[Any], activities: list[Any]) -> dict[str, Any]:
    from grants.applications.services import PROPOSAL_FIELDS

    values = {key: getattr(app, key) for key in PROPOSAL_FIELDS}
    values["_rows"] = {
        "lines": [{"category": li.category, "item": li.item,
                   "amount": money.fen_to_yuan_str(li.amount_fen),
                   "cofunding": money.fen_to_yuan_str(li.cofunding_fen)} for li in lines],
        "activities": [{"activity": a.activity, "month": a.month, "sessions": str(a.sessions)}
                       for a in activities],
    }
    return values
