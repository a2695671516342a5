"""The finance forms: schedules, signing, evaluations, termination, payments and refunds."""

from __future__ import annotations

from datetime import date
from typing import Any

from grants.forms import Choice, Date, Flag, Form, Money, Text, Upload
from grants.i18n import gettext as _

BAR_YEARS = (1, 2, 3, 5)
REASON = 2000  # services keep their own checks of a reason (required, stored length)


class ScheduleForm(Form):
    """Rows `amount_<i>` (yuan), `condition_<i>`, `due_on_<i>` for i in 1..ROWS; blank rows
    are skipped."""

    ROWS = 12
    reason = Text(max_length=REASON)

    def __init__(self, form: Any, conditions: Any) -> None:
        self.conditions = conditions
        self.rows: list[dict[str, Any]] = []
        super().__init__(form)

    def check(self) -> None:
        clean = self.clean
        for i in range(1, self.ROWS + 1):
            if not clean.raw(f"amount_{i}").strip() and not clean.raw(f"condition_{i}").strip():
                continue
            amount = clean.money(f"amount_{i}", required=True)
            condition = clean.choice(f"condition_{i}", self.conditions)
            if amount is None:
                continue
            if amount <= 0:
                self.fail(f"amount_{i}", _("Enter an amount greater than zero."))
            due_on = clean.date(f"due_on_{i}", required=True) if condition == "date" else None
            self.rows.append({"amount_fen": amount, "condition": condition or "",
                              "due_on": due_on, "percent": 0, "row": i})
        if not self.rows and not self.errors:
            self.fail("amount_1", _("Enter at least one tranche."))


class SignForm(Form):
    signed_on = Date()
    signatories = Text(max_length=REASON)
    scan = Upload()


class EvaluationForm(Form):
    which = Text()
    outcome = Choice(("passed", "failed"), required=False)
    note = Text(max_length=REASON)
    refund = Money()

    @property
    def passed(self) -> bool | None:
        return None if self.outcome is None else self.outcome == "passed"


class AskBackForm(Form):
    """Money paid under a revoked award, asked back."""

    refund = Money(required=True)
    reason = Text(max_length=REASON)


class TerminateForm(Form):
    reason = Text(max_length=REASON)
    refund = Money()
    bar_years = Choice(tuple(str(n) for n in BAR_YEARS), required=False)
    confirm = Flag()

    def check(self) -> None:
        if not self.confirm:
            self.fail("confirm", _("Tick the box to confirm the termination."))

    def bar_until(self, day: date) -> date | None:
        """The last day of the bar that starts on `day`, if one was chosen."""
        if self.bar_years is None:
            return None
        years = int(self.bar_years)
        try:
            later = day.replace(year=day.year + years)
        except ValueError:  # 29 February
            later = day.replace(year=day.year + years, day=28)
        return date.fromordinal(later.toordinal() - 1)


class PaymentForm(Form):
    amount = Money(required=True)
    paid_on = Date()
    bank_reference = Text(max_length=REASON)
    note = Text(max_length=REASON)
    voucher = Upload()
    form_key = Text(max_length=64)


class PaymentDecisionForm(Form):
    action = Choice(("approve", "reject"))
    reason = Text(max_length=REASON)


class RefundForm(Form):
    action = Choice(("record", "request_write_off", "approve_write_off", "reject_write_off"))
    refunded_on = Date()
    bank_reference = Text(max_length=REASON)
    reason = Text(max_length=REASON)


class UploadForm(Form):
    file = Upload()

