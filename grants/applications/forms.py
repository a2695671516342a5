"""Reading the proposal form: fields, repeated budget-line and activity rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from grants import money
from grants.applications.models import BUDGET_CATEGORIES
from grants.forms import Choices, Form, Id, Ids, Integer, Text, Upload
from grants.i18n import gettext as _
from grants.validation import parse_whole
from grants.vocab import TARGET_GROUPS

MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
MAX_ROWS = 60
ITEM_LENGTH = 120  # a budget line's item and an activity's name (their columns)


def _amount(raw: str) -> int:
    return money.parse_yuan(raw) if raw.strip() else 0


@dataclass
class Rows:
    """The budget lines and activities as typed, to show again (and total) in the form."""

    lines: list[dict[str, str]] = field(default_factory=list)
    activities: list[dict[str, str]] = field(default_factory=list)


class ProposalForm(Form):
    title = Text(max_length=120)
    track_id = Integer(minimum=1)
    summary = Text(max_length=2000)
    need_analysis = Text(max_length=5000)
    objectives = Text(max_length=3000)
    target_groups = Choices(TARGET_GROUPS)
    community_ids = Ids()
    planned_activities = Integer(maximum=100000)
    planned_people = Integer(maximum=10**8)
    planned_volunteers = Integer(maximum=10**7)
    next = Text(max_length=20)  # "submit": go on to submitting after saving

    def check(self) -> None:
        self.rows = Rows()
        self.lines: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self._read_lines()
        self._read_activities()

    def row_problem(self, section: str, message: str) -> None:
        """Every row's problem is said at once (one save, not one per problem)."""
        self.errors[section] = f"{self.errors[section]} {message}" if section in self.errors \
            else message

    def _read_lines(self) -> None:
        clean = self.clean
        categories, items = clean.column("budget_category"), clean.column("budget_item")
        amounts, cofunding = clean.column("budget_amount"), clean.column("budget_cofunding")
        for index in range(min(max(len(categories), len(items), len(amounts)), MAX_ROWS)):
            row = {"category": _at(categories, index),
                   "item": " ".join(_at(items, index).split()),
                   "amount": _at(amounts, index), "cofunding": _at(cofunding, index)}
            self.rows.lines.append(row)
            if not (row["item"] or row["amount"] or row["cofunding"]):
                continue
            number = index + 1
            if row["category"] not in BUDGET_CATEGORIES:
                self.row_problem("budget", _("Budget row %(n)s: choose a category.", n=number))
                continue
            if not row["item"]:
                self.row_problem("budget", _("Budget row %(n)s: name the item.", n=number))
                continue
            if len(row["item"]) > ITEM_LENGTH:
                self.row_problem("budget", _("Budget row %(n)s: the item has at most %(max)s "
                                      "characters.", n=number, max=ITEM_LENGTH))
                continue
            try:
                amount, co = _amount(row["amount"]), _amount(row["cofunding"])
            except money.MoneyError:
                self.row_problem("budget", _(
                    "Budget row %(n)s: enter amounts in yuan, for example 12000 or 12,000.50.",
                    n=number))
                continue
            self.lines.append({"category": row["category"], "item": row["item"],
                               "amount_fen": amount, "cofunding_fen": co})

    def _read_activities(self) -> None:
        clean = self.clean
        names, months = clean.column("activity_name"), clean.column("activity_month")
        sessions = clean.column("activity_sessions")
        for index in range(min(max(len(names), len(months)), MAX_ROWS)):
            row = {"activity": " ".join(_at(names, index).split()),
                   "month": _at(months, index), "sessions": _at(sessions, index)}
            self.rows.activities.append(row)
            if not (row["activity"] or row["month"]):
                continue
            number = index + 1
            if not row["activity"]:
                self.row_problem("activities", _("Activity row %(n)s: name the activity.", n=number))
                continue
            if len(row["activity"]) > ITEM_LENGTH:
                self.row_problem("activities", _("Activity row %(n)s: the activity has at most "
                                          "%(max)s characters.", n=number, max=ITEM_LENGTH))
                continue
            if not MONTH.match(row["month"]):
                self.row_problem("activities", _("Activity row %(n)s: enter the month as YYYY-MM.",
                                          n=number))
                continue
            try:
                count = parse_whole(row["sessions"] or "1")
            except ValueError:
                count = -1
            if not 1 <= count <= 10000:
                self.row_problem("activities", _(
                    "Activity row %(n)s: the number of sessions must be a whole number from 1.",
                    n=number))
                continue
            self.activities.append({"activity": row["activity"], "month": row["month"],
                                    "sessions": count})

    @property
    def data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.values.items() if k != "next"}
        for key in ("planned_activities", "planned_people", "planned_volunteers"):
            data[key] = data[key] or 0
        return {**data, "lines": self.lines, "activities": self.activities}


def _at(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


class ApplyForm(Form):
    """Starting a draft: its title and track."""

    title = Text(max_length=120)
    track_id = Id()


class ScreeningForm(Form):
    """A screening decision on one application or on those ticked (`ids`)."""

    ids = Ids()
    outcome = Text(max_length=20)  # the service names a wrong outcome
    reason = Text(max_length=2000)


class UploadForm(Form):
    file = Upload()


def values_of(app: Any, lines: list[Any], activities: list[Any]
              ) -> tuple[dict[str, Any], Rows]:
    """A saved draft's values and rows, to fill the form."""
    from grants.applications.services import PROPOSAL_FIELDS

    values = {key: getattr(app, key) for key in PROPOSAL_FIELDS}
    rows = Rows(
        lines=[{"category": li.category, "item": li.item,
                "amount": money.fen_to_yuan_str(li.amount_fen),
                "cofunding": money.fen_to_yuan_str(li.cofunding_fen)} for li in lines],
        activities=[{"activity": a.activity, "month": a.month, "sessions": str(a.sessions)}
                    for a in activities])
    return values, rows
