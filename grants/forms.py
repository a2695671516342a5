"""Reading submitted forms: `Cleaner` reads and validates a form's fields, collecting every
problem at once; `as_id` reads a database id. Routes parse forms through these (or a domain's
`forms.py` built on them) and never with bare `str(form.get(...))`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grants import i18n, money, validation
from grants.validation import FormErrors


@dataclass
class Cleaner:
    """Reads and validates fields of a submitted form, collecting every error at once."""

    form: Any
    errors: dict[str, str] = field(default_factory=dict)

    def raw(self, name: str) -> str:
        value = self.form.get(name, "")
        return value if isinstance(value, str) else ""

    def text(self, name: str, *, required: bool = False, max_length: int = 200,
             min_length: int = 0) -> str:
        """Text of at most `max_length` characters (use the column's length); short fields are
        one line with runs of spaces collapsed. NUL and control characters are refused."""
        value = " ".join(self.raw(name).split()) if max_length <= 200 else self.raw(name).strip()
        if validation.bad_characters(value):
            self.errors[name] = i18n.gettext("Contains characters that are not allowed.")
        elif required and not value:
            self.errors[name] = i18n.gettext("This field is required.")
        elif len(value) > max_length:
            self.errors[name] = i18n.gettext(
                "At most %(max)s characters (you entered %(n)s).", max=max_length, n=len(value))
        elif value and len(value) < min_length:
            self.errors[name] = i18n.gettext("At least %(min)s characters.", min=min_length)
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = 0,
                maximum: int | None = 10**9) -> int | None:
        """A whole number within [minimum, maximum]; without bounds, within a 32-bit column.
        Full-width digits and thousands commas are read; '1_000', '1e3' and '1.0' are not."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            value = validation.parse_whole(raw)
        except ValueError:
            self.errors[name] = i18n.gettext("Enter a whole number.")
            return None
        low = validation.INT_MIN if minimum is None else max(minimum, validation.INT_MIN)
        high = validation.INT_MAX if maximum is None else min(maximum, validation.INT_MAX)
        if value < low:
            self.errors[name] = i18n.gettext("Must be at least %(min)s.", min=low)
            return None
        if value > high:
            self.errors[name] = i18n.gettext("Must be at most %(max)s.", max=high)
            return None
        return value

    def number(self, name: str, *, required: bool = False) -> float | None:
        """A finite decimal number (NaN, infinity and exponents are refused)."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            return validation.parse_number(raw)
        except ValueError:
            self.errors[name] = i18n.gettext("Enter a number.")
            return None

    def date(self, name: str, *, required: bool = False, earliest: int = validation.EARLIEST_YEAR,
             latest: int = validation.LATEST_YEAR) -> Any:
        """A date typed as YYYY-MM-DD within a sane range of years."""
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        try:
            return validation.parse_date(raw, earliest, latest)
        except ValueError:
            self.errors[name] = validation.date_range_message(earliest, latest)
            return None

    def choice(self, name: str, choices: dict[str, str] | list[str] | set[str], *,
               required: bool = True) -> str | None:
        value = self.raw(name).strip()
        if not value:
            if required:
                self.errors[name] = i18n.gettext("Choose one.")
            return None
        if value not in choices:
            self.errors[name] = i18n.gettext("Not a valid choice.")
            return None
        return value

    def choices(self, name: str, choices: dict[str, str] | list[str] | set[str]) -> list[str]:
        values = [v for v in self.form.getlist(name) if isinstance(v, str) and v]
        bad = [v for v in values if v not in choices]
        if bad:
            self.errors[name] = i18n.gettext("Not a valid choice.")
        return sorted(set(values) - set(bad), key=values.index)

    def ids(self, name: str) -> list[int]:
        """Database ids (positive, within the id column's range); anything else is an error."""
        out = []
        for v in self.form.getlist(name):
            value = as_id(v)
            if value is None:
                self.errors[name] = i18n.gettext("Not a valid choice.")
            else:
                out.append(value)
        return out

    def money(self, name: str, *, required: bool = False) -> int | None:
        raw = self.raw(name).strip()
        if not raw:
            if required:
                self.errors[name] = i18n.gettext("This field is required.")
            return None
        if "_" in raw:
            self.errors[name] = i18n.gettext(
                "Enter an amount in yuan, for example 12000 or 12,000.50.")
            return None
        try:
            return money.parse_yuan(raw)
        except money.MoneyError:
            self.errors[name] = i18n.gettext(
                "Enter an amount in yuan, for example 12000 or 12,000.50.")
            return None

    def boolean(self, name: str) -> bool:
        return self.raw(name) in {"1", "on", "true", "yes"}

    def check(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def as_id(value: Any) -> int | None:
    """A database id from a form or query value, or None: ASCII digits, 1 to the column's max."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= validation.MAX_ID else None
