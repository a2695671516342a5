"""The typed form layer (grants/forms.py): declared fields read as their types, every problem
collected at once and kept apart from the values, cross-field checks, and a source check that
routes and services read forms only through it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from starlette.datastructures import FormData

from grants import i18n
from grants.forms import Choice, Date, Flag, Form, Id, Ids, Integer, Money, Text

ROOT = Path(__file__).resolve().parents[2]


class PaymentForm(Form):
    amount = Money(required=True, positive=True)
    paid_on = Date()
    reason = Text(required=True, max_length=10)
    tranche = Id(required=True, name="tranche_id")
    outcome = Choice(("pass", "fail"))
    copies = Integer(minimum=1, maximum=3)
    confirm = Flag()
    people = Ids()

    def check(self) -> None:
        if self.outcome == "fail" and not self.confirm:
            self.fail("confirm", "confirm a failure")


def read(**fields: str | list[str]) -> PaymentForm:
    items = [(k, v) for k, values in fields.items()
             for v in (values if isinstance(values, list) else [values])]
    return PaymentForm(FormData(items))


def test_values_are_typed_and_errors_apart() -> None:
    token = i18n.current_locale.set("en")
    try:
        form = read(amount="１２,０００.５０", paid_on="2026-12-04", reason="  two  words ",
                    tranche_id="7", outcome="pass", copies="2", confirm="1", people=["3", "4"])
        assert form.errors == {}
        assert (form.amount, form.paid_on, form.reason, form.tranche) == (
            1_200_050, date(2026, 12, 4), "two words", 7)
        assert (form.outcome, form.copies, form.confirm, form.people) == ("pass", 2, True, [3, 4])
        assert "_errors" not in form.values
    finally:
        i18n.current_locale.reset(token)


def test_every_problem_at_once_in_words() -> None:
    token = i18n.current_locale.set("zh_CN")
    try:
        form = read(amount="0", paid_on="2026-13-01", reason="x" * 11, tranche_id="1e3",
                    outcome="maybe", copies="4", people=["3", "-1"])
        assert set(form.errors) == {"amount", "paid_on", "reason", "tranche_id", "outcome",
                                    "copies", "people"}
        assert all(re.search(r"[\u4e00-\u9fff]", message) for message in form.errors.values())
        assert form.amount is None and form.tranche is None and form.people == [3]
        assert form.submitted["tranche_id"] == "1e3"  # shown again as typed
    finally:
        i18n.current_locale.reset(token)


def test_required_fields_and_cross_field_check() -> None:
    form = read(outcome="fail")
    assert {"amount", "reason", "tranche_id", "confirm"} <= set(form.errors)
    assert form.confirm is False and form.paid_on is None and form.copies is None
    assert read(outcome="fail", confirm="1").errors.get("confirm") is None


def test_long_text_counts_a_line_break_once() -> None:
    class CommentForm(Form):
        comment = Text(max_length=201)

    typed = "a" * 100 + "\n" + "b" * 100  # 201 characters in the text box
    form = CommentForm(FormData([("comment", typed.replace("\n", "\r\n"))]))  # as sent
    assert form.errors == {} and form.comment == typed


def test_subclasses_inherit_fields() -> None:
    class WithNote(PaymentForm):
        note = Text(max_length=5)

    assert list(WithNote.fields)[-1] == "note" and "amount" in WithNote.fields
    assert "note" not in PaymentForm.fields


def test_routes_and_services_never_read_raw_form_values() -> None:
    """Form values are read through grants.forms (a declared Form, or Cleaner for forms whose
    fields are made at run time), never by str(form.get(...)) or error keys in the values."""
    offenders = []
    allowed = {ROOT / "grants" / "forms.py", ROOT / "grants" / "middleware.py"}
    for source in sorted(set((ROOT / "grants").rglob("*.py")) - allowed):
        text = source.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"\bform\.get(list)?\(|\"_errors\"|\"_rows\"", line):
                offenders.append(f"{source.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)


def test_numbers_take_commas_only_as_thousands_separators() -> None:
    class CountForm(Form):
        count = Integer(maximum=None)
        amount = Money()

    good = CountForm(FormData([("count", "1,234,567"), ("amount", "12,000.50")]))
    assert good.errors == {} and (good.count, good.amount) == (1_234_567, 1_200_050)
    for typed in ("1,2,3", "12,34", ",123", "1,234,"):
        assert "count" in CountForm(FormData([("count", typed)])).errors, typed


def test_text_refuses_bidirectional_overrides() -> None:
    """A name that displays in another order than it is stored (申报书‮fdp.exe) is refused."""
    class NameForm(Form):
        name = Text()
        note = Text(max_length=2000)

    for typed in ("申报书\u202efdp.exe", "a\u2066b", "c\x9bd"):
        form = NameForm(FormData([("name", typed), ("note", typed)]))
        assert set(form.errors) == {"name", "note"}, typed
    assert NameForm(FormData([("name", "家庭 👨‍👩‍👧 服务")])).errors == {}  # joiners are fine


def test_proposal_rows_refuse_what_does_not_fit_instead_of_cutting_it() -> None:
    from grants.applications.forms import ProposalForm

    def rows(**columns: list[str]) -> ProposalForm:
        return ProposalForm(FormData([(k, v) for k, values in columns.items() for v in values]))

    long = rows(budget_category=["activity"], budget_item=["物" * 121], budget_amount=["100"],
                budget_cofunding=[""])
    assert "budget" in long.errors and long.lines == []
    assert long.rows.lines[0]["item"] == "物" * 121  # shown again as typed
    sessions = rows(activity_name=["社区讲座"], activity_month=["2027-03"],
                    activity_sessions=["1_000"])
    assert "activities" in sessions.errors and sessions.activities == []
    several = rows(activity_name=["讲座", "义诊"], activity_month=["2027-13", "2027-04"],
                   activity_sessions=["1", "四"])
    said = several.errors["activities"]
    assert ("row 1" in said and "row 2" in said) or ("第 1 行" in said and "第 2 行" in said)
    fine = rows(activity_name=["社区讲座"], activity_month=["2027-03"],
                activity_sessions=["１２"])
    assert fine.errors == {} and fine.activities[0]["sessions"] == 12


def test_a_secret_is_never_shown_again() -> None:
    from grants.forms import Raw

    class SignUp(Form):
        name = Text()
        password = Raw(secret=True)

    form = SignUp(FormData([("name", "王"), ("password", " p w ")]))
    assert form.password == " p w "  # read exactly as typed
    assert form.submitted == {"name": "王"} and form.shown == {"name": "王"}


def test_a_local_time_is_read_in_china_time_within_sane_years() -> None:
    from grants.forms import LocalDateTime

    class Window(Form):
        opens_at = LocalDateTime(required=True)

    read = Window(FormData([("opens_at", "２０２７-０３-０１ 09:00")]))
    assert read.errors == {} and read.opens_at is not None
    assert read.opens_at.utcoffset() is not None
    for typed in ("0001-01-01 00:00", "9999-12-31 23:59", "明天", ""):
        assert "opens_at" in Window(FormData([("opens_at", typed)])).errors, typed
