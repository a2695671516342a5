"""Reading the award forms: the organiser's proposal, notice and award changes, objections'
handling, and the public's objection. The length of each reason is the column's (the
services keep their own checks)."""

from __future__ import annotations

from typing import Any, cast

from grants.awards.services import MAX_WORKING_DAYS
from grants.forms import Choice, Cleaner, Field, Flag, Form, Id, Text, Upload
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.money import MoneyError, parse_yuan
from grants.validation import parse_whole
from grants.vocab import AWARD_LEVELS

_FULL_WIDTH = frozenset("０１２３４５６７８９－，")


class Whole(Field["int | None"]):
    """A whole number within [minimum, maximum] (blank: `default`), with the page's own words
    for what is not one (`bad`) and for what is out of range (`out_of_range`, given `max`)."""

    def __init__(self, minimum: int, maximum: int, *, bad: str, out_of_range: str,
                 default: int | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.minimum, self.maximum, self.default = minimum, maximum, default
        self.bad, self.out_of_range = bad, out_of_range

    def read(self, clean: Cleaner) -> int | None:
        raw = clean.raw(self.key).strip()
        if not raw:
            return self.default
        try:
            if not all(ch.isascii() or ch in _FULL_WIDTH for ch in raw):
                raise ValueError(raw)  # ² or ٨ are not typed digits
            value = parse_whole(raw)
        except ValueError:
            clean.errors[self.key] = _(self.bad, max=self.maximum)
            return self.default
        if not self.minimum <= value <= self.maximum:
            clean.errors[self.key] = _(self.out_of_range, max=self.maximum)
            return self.default
        return value


class Yuan(Field["int | None"]):
    """An amount typed in yuan, in fen (blank: None), with the money parser's own account of
    what is wrong with it."""

    def read(self, clean: Cleaner) -> int | None:
        raw = clean.raw(self.key).strip()
        if not raw:
            return None
        try:
            return parse_yuan(raw)
        except MoneyError as error:
            clean.errors[self.key] = str(error)
            return None


def _prizes() -> Whole:
    message = N_("Enter a whole number between 0 and 1000.")
    return Whole(0, 1000, bad=message, out_of_range=message, default=0)


class LevelsForm(Form):
    """How many first, second and third prizes (blank: none), and whether the other awards
    are 优秀奖 (the notice's levels, as the service stores them)."""

    first = _prizes()
    second = _prizes()
    third = _prizes()
    excellence = Flag()


class PublishForm(Form):
    title = Text(max_length=120)
    contact = Text(max_length=200)
    working_days = Whole(1, MAX_WORKING_DAYS,
                         bad=N_("Enter a whole number between 1 and %(max)s."),
                         out_of_range=N_("Enter a whole number between 1 and %(max)s."))


class ConfirmForm(Form):
    confirm = Flag()

    def check(self) -> None:
        if not self.confirm:
            self.fail("confirm", _("Tick the box to confirm that the awards are final and the "
                                   "money is committed."))


class AwardEditForm(Form):
    """An award's level and the reason for the change; `award_edit_form` adds the amount per
    fund (`fund_<id>`, in yuan; blank or 0: none)."""

    level = Choice(AWARD_LEVELS, required=False)
    reason = Text(max_length=500)

    @property
    def allocations(self) -> dict[int, int]:
        return {int(key.removeprefix("fund_")): value for key, value in self.values.items()
                if key.startswith("fund_") and value}


def award_edit_form(fund_ids: list[int]) -> type[AwardEditForm]:
    """The award editor for a round whose funds are `fund_ids`."""
    fields: dict[str, Any] = {f"fund_{fid}": Yuan() for fid in fund_ids}
    return cast(type[AwardEditForm], type("AwardEditForm", (AwardEditForm,), fields))


class WithdrawForm(Form):
    reason = Text(max_length=500)


class RevokeForm(Form):
    reason = Text(max_length=500)
    confirm = Flag()

    def check(self) -> None:
        if not self.confirm:
            self.fail("confirm", _("Tick the box to confirm the revocation."))


class ObjectionActionForm(Form):
    """The organiser investigates an objection (a note) or resolves it (the outcome told)."""

    action = Choice(("investigate", "uphold", "dismiss"), required=False)
    note = Text(max_length=5000)
    reason = Text(max_length=5000)

    def check(self) -> None:
        if self.action is None:
            self.fail("action", _("Not a valid choice."))


class ObjectionForm(Form):
    """The public's objection to a notice (the service checks the contact and the reasons)."""

    name = Text(max_length=40)
    contact = Text(max_length=100)
    reasons = Text(max_length=5000)
    application_id = Id()  # blank: the notice as a whole
    evidence = Upload()

    def check(self) -> None:
        if "application_id" in self.errors:
            self.errors["application_id"] = _("Choose a project listed in this notice.")
