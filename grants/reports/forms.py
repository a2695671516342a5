"""Reading the report forms: the figures and narrative an organisation files (with a count per
target group and a spent amount per budget line, made for each report), the organiser's
return and evaluation (with the rubric), photos and attachments, and the round's evaluators."""

from __future__ import annotations

from typing import Any, cast

from grants.awards.forms import Whole, Yuan
from grants.forms import Choice, Cleaner, Form, Id, Integer, Text, Upload
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.reports.workflow import RUBRIC
from grants.vocab import TARGET_GROUPS

MAX_COUNT = 10_000_000
MAX_TEXT = 20_000
FIGURES = ("activities_held", "people_served", "volunteers", "volunteer_hours")


def _count() -> Whole:
    return Whole(0, MAX_COUNT, bad=N_("Enter a whole number."),
                 out_of_range=N_("Enter a whole number between 0 and %(max)s."), default=0)


class Spent(Yuan):
    """What a budget line spent, in yuan (blank: nothing)."""

    def read(self, clean: Cleaner) -> int:
        return super().read(clean) or 0


class ReportForm(Form):
    """A report's figures and narrative; `report_form` adds, for one report, a count per
    planned target group (`group_<code>`) and the spending per budget line (`spent_<i>`)."""

    activities_held = _count()
    people_served = _count()
    volunteers = _count()
    volunteer_hours = _count()
    narrative = Text(max_length=MAX_TEXT)
    stories = Text(max_length=MAX_TEXT)

    @property
    def figures(self) -> dict[str, int]:
        return {name: self.values[name] for name in FIGURES}

    @property
    def beneficiaries(self) -> dict[str, int]:
        return {key.removeprefix("group_"): value for key, value in self.values.items()
                if key.startswith("group_")}

    def spent(self, line: int) -> int:
        value: int = self.values.get(f"spent_{line}", 0)
        return value


def report_form(report: Any) -> type[ReportForm]:
    """The form of this report: its planned target groups and its budget lines."""
    fields: dict[str, Any] = {
        f"group_{group}": _count()
        for group in report.planned.get("target_groups", []) or [] if group in TARGET_GROUPS}
    fields.update({f"spent_{i}": Spent() for i in range(len(report.spending))})
    return cast(type[ReportForm], type("ReportForm", (ReportForm,), fields))


def read_report(report: Any, form: Any) -> ReportForm:
    """The report's form read from submitted fields (a read ReportForm is kept as it is)."""
    return form if isinstance(form, ReportForm) else report_form(report)(form)


class ReturnForm(Form):
    reason = Text(max_length=1000)


def _points(criterion: str) -> Whole:
    return Whole(0, RUBRIC[criterion][1], bad=N_("Enter a whole number."),
                 out_of_range=N_("Enter a whole number between 0 and %(max)s."))


class RubricForm(Form):
    """The evaluation rubric's points (`rubric_<criterion>`): every criterion or none."""

    rubric_goals = _points("goals")
    rubric_delivery = _points("delivery")
    rubric_money = _points("money")
    rubric_benefit = _points("benefit")

    def check(self) -> None:
        given = [key for key in RUBRIC if self.clean.raw(f"rubric_{key}").strip()]
        if given:
            for key in RUBRIC:
                if key not in given:
                    self.fail(f"rubric_{key}", _("Score every criterion, or none."))

    @property
    def scores(self) -> dict[str, int]:
        """The points by criterion, or none when the rubric was left blank or is wrong."""
        scores = {key: self.values[f"rubric_{key}"] for key in RUBRIC}
        if any(value is None for value in scores.values()) or any(
                key.startswith("rubric_") for key in self.errors):
            return {}
        return cast(dict[str, int], scores)


assert set(RubricForm.fields) == {f"rubric_{key}" for key in RUBRIC}, "one field a criterion"


def rubric_scores(form: Any) -> tuple[dict[str, int], dict[str, str]]:
    """The rubric's points from submitted fields, and the problems."""
    read = RubricForm(form)
    return read.scores, read.errors


class EvaluationForm(RubricForm):
    """The organiser's (or the evaluation agency's) grade of a submitted report."""

    grade = Text(max_length=40)  # the service asks to choose one of the grades
    score = Integer(minimum=None, maximum=None)
    comments = Text(max_length=5000)
    refund_fen = Yuan(name="refund")


class FileForm(Form):
    """A photo or an attachment added to a report."""

    file = Upload()
    kind = Choice(("photo", "attachment"), required=False)
    caption = Text(max_length=200)

    def check(self) -> None:
        if "kind" in self.errors:
            del self.errors["kind"]
            self.fail("photo", _("Choose a photo or an attachment."))
        elif self.kind is None:
            self.values["kind"] = "photo"


class EvaluatorForm(Form):
    """Add an evaluator (a username or an e-mail address, and the agency) or remove one."""

    remove = Id()
    who = Text(max_length=254)
    agency = Text(max_length=100)
