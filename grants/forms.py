"""Reading submitted forms, one way everywhere.

A form is a class that declares its fields; reading one gives typed values and every problem
at once, in separate places (never error keys mixed into the values):

    class ReopenForm(Form):
        reason = Text(required=True, max_length=500)

    form = ReopenForm(await get_form(request))
    if form.errors: ...            # field name -> translated message
    services.reopen(..., form.reason)   # a str, as declared: mypy checks the use

Each field type reads through `Cleaner`, which does the work (NUL and control characters,
lengths, full-width digits, amounts in fen, dates within sane years, choices, database ids).
A form's `check()` adds problems that involve several fields; a domain's `forms.py` holds its
forms. We wrote this small typed layer rather than adopting WTForms: the pages render their
own fields through macros, the values must be typed for mypy (WTForms' `.data` is `Any`), and
the parsing rules (fen, full-width digits, ids within the column) were already ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar, overload

from starlette.datastructures import UploadFile

from grants import i18n, money, timeutil, validation
from grants.validation import FormErrors

T = TypeVar("T")


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
        one line with runs of spaces collapsed; longer ones keep their lines, with the CR LF
        browsers send counted as one character, as the text box counted it. NUL and control
        characters are refused."""
        raw = self.raw(name)
        value = (" ".join(raw.split()) if max_length <= 200
                 else raw.replace("\r\n", "\n").strip())
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

    def typed(self, name: str, required: bool) -> str | None:
        """What was typed in the field, stripped; None when it is blank (a problem when it is
        required)."""
        raw = self.raw(name).strip()
        if raw:
            return raw
        if required:
            self.errors[name] = i18n.gettext("This field is required.")
        return None

    def integer(self, name: str, *, required: bool = False, minimum: int | None = 0,
                maximum: int | None = 10**9) -> int | None:
        """A whole number within [minimum, maximum]; without bounds, within a 32-bit column.
        Full-width digits and thousands commas are read; '1_000', '1e3' and '1.0' are not."""
        raw = self.typed(name, required)
        if raw is None:
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
        raw = self.typed(name, required)
        if raw is None:
            return None
        try:
            return validation.parse_number(raw)
        except ValueError:
            self.errors[name] = i18n.gettext("Enter a number.")
            return None

    def date(self, name: str, *, required: bool = False, earliest: int = validation.EARLIEST_YEAR,
             latest: int = validation.LATEST_YEAR) -> Any:
        """A date typed as YYYY-MM-DD within a sane range of years."""
        raw = self.typed(name, required)
        if raw is None:
            return None
        try:
            return validation.parse_date(raw, earliest, latest)
        except ValueError:
            self.errors[name] = validation.date_range_message(earliest, latest)
            return None

    def local_datetime(self, name: str, *, required: bool = False) -> datetime | None:
        """A date and time typed in China Standard Time (YYYY-MM-DD HH:MM, full-width digits
        read), within the sane range of years."""
        raw = self.typed(name, required)
        if raw is None:
            return None
        try:
            moment = timeutil.parse_local(validation.normalise_digits(raw))
            if not validation.EARLIEST_YEAR <= timeutil.local(moment).year \
                    <= validation.LATEST_YEAR:
                raise ValueError(raw)
            return moment
        except (ValueError, OverflowError):  # year 1 overflows on the way to UTC
            self.errors[name] = i18n.gettext(
                "Enter a date and time as YYYY-MM-DD HH:MM (China Standard Time).")
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
        raw = self.typed(name, required)
        if raw is None:
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

    def column(self, name: str) -> list[str]:
        """Every value sent under `name` (a column of repeated rows), stripped; a file sent
        there reads as empty."""
        return [v.strip() if isinstance(v, str) else "" for v in self.form.getlist(name)]

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


# ---- declared forms --------------------------------------------------------------------------

class Field(Generic[T]):
    """A declared field: its name in the submitted form and how it is read. On a read form the
    attribute is the value (`form.reason` is a `str` for a `Text` field)."""

    def __init__(self, *, name: str | None = None) -> None:
        self.key = name or ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name
        self.key = self.key or name

    @overload
    def __get__(self, obj: None, owner: type) -> Field[T]: ...

    @overload
    def __get__(self, obj: Form, owner: type) -> T: ...

    def __get__(self, obj: Form | None, owner: type) -> Field[T] | T:
        if obj is None:
            return self
        value: T = obj.values.get(self.attribute)
        return value

    def read(self, clean: Cleaner) -> T:
        raise NotImplementedError


class Text(Field[str]):
    """One line (at most 200 characters, spaces collapsed) or a longer text."""

    def __init__(self, *, required: bool = False, max_length: int = 200, min_length: int = 0,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        self.required, self.max_length, self.min_length = required, max_length, min_length

    def read(self, clean: Cleaner) -> str:
        return clean.text(self.key, required=self.required, max_length=self.max_length,
                          min_length=self.min_length)


class Raw(Field[str]):
    """The value exactly as typed: a password (spaces count), or a login name the service
    checks itself. A `secret` one (a password) is never shown again."""

    def __init__(self, *, secret: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        self.secret = secret

    def read(self, clean: Cleaner) -> str:
        return clean.raw(self.key)


class Integer(Field["int | None"]):
    def __init__(self, *, required: bool = False, minimum: int | None = 0,
                 maximum: int | None = 10**9, name: str | None = None) -> None:
        super().__init__(name=name)
        self.required, self.minimum, self.maximum = required, minimum, maximum

    def read(self, clean: Cleaner) -> int | None:
        return clean.integer(self.key, required=self.required, minimum=self.minimum,
                             maximum=self.maximum)


class Id(Field["int | None"]):
    """A database id (of a row the form offered); anything else is 'Not a valid choice'."""

    def __init__(self, *, required: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        self.required = required

    def read(self, clean: Cleaner) -> int | None:
        raw = clean.raw(self.key).strip()
        if not raw:
            if self.required:
                clean.errors[self.key] = i18n.gettext("Choose one.")
            return None
        value = as_id(raw)
        if value is None:
            clean.errors[self.key] = i18n.gettext("Not a valid choice.")
        return value


class Ids(Field["list[int]"]):
    def read(self, clean: Cleaner) -> list[int]:
        return clean.ids(self.key)


class Money(Field["int | None"]):
    """An amount typed in yuan, read as integer fen; `positive` refuses zero and less."""

    def __init__(self, *, required: bool = False, positive: bool = False,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        self.required, self.positive = required, positive

    def read(self, clean: Cleaner) -> int | None:
        value = clean.money(self.key, required=self.required)
        if value is not None and self.positive and value <= 0:
            clean.errors[self.key] = i18n.gettext("Enter an amount greater than zero.")
            return None
        return value


class Date(Field["date | None"]):
    def __init__(self, *, required: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        self.required = required

    def read(self, clean: Cleaner) -> date | None:
        value: date | None = clean.date(self.key, required=self.required)
        return value


class LocalDateTime(Field["datetime | None"]):
    """A date and time typed in China Standard Time (YYYY-MM-DD HH:MM)."""

    def __init__(self, *, required: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        self.required = required

    def read(self, clean: Cleaner) -> datetime | None:
        return clean.local_datetime(self.key, required=self.required)


class Choice(Field["str | None"]):
    """One of `choices` (codes); `required=False` lets it be left empty (None)."""

    def __init__(self, choices: dict[str, Any] | list[str] | set[str] | tuple[str, ...], *,
                 required: bool = True, name: str | None = None) -> None:
        super().__init__(name=name)
        self.choices, self.required = set(choices), required

    def read(self, clean: Cleaner) -> str | None:
        return clean.choice(self.key, self.choices, required=self.required)


class Choices(Field["list[str]"]):
    def __init__(self, choices: dict[str, Any] | list[str] | set[str] | tuple[str, ...], *,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        self.choices = set(choices)

    def read(self, clean: Cleaner) -> list[str]:
        return clean.choices(self.key, self.choices)


class Flag(Field[bool]):
    """A checkbox or a yes/no button: ticked is '1', 'on', 'true' or 'yes'."""

    def read(self, clean: Cleaner) -> bool:
        return clean.boolean(self.key)


class Upload(Field["UploadFile | None"]):
    """A file chosen in the form, or None when none was (an empty file input)."""

    def read(self, clean: Cleaner) -> UploadFile | None:
        value = clean.form.get(self.key)
        return value if isinstance(value, UploadFile) and value.filename else None


class Form:
    """Declared fields, read from a submitted form when constructed.

    `values` holds every field's typed value by attribute name, `errors` every problem by
    field name; `check()` (override it) adds problems that involve several fields, and
    `data` (override it) shapes the values as the domain's service takes them. A `partial`
    form reads only the fields the submission carries (a locked field is sent disabled, so
    not at all) and leaves the others out of `values`."""

    fields: ClassVar[dict[str, Field[Any]]] = {}
    partial: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Field[Any]] = {}
        for klass in reversed(cls.__mro__):
            found.update({k: v for k, v in vars(klass).items() if isinstance(v, Field)})
        cls.fields = found

    def __init__(self, form: Any) -> None:
        self.clean = Cleaner(form)
        self.values: dict[str, Any] = {name: f.read(self.clean)
                                       for name, f in self.fields.items()
                                       if not self.partial or f.key in form}
        self.check()

    @property
    def data(self) -> dict[str, Any]:
        """The values as the domain's service takes them (by default, as declared)."""
        return dict(self.values)

    @property
    def errors(self) -> dict[str, str]:
        return self.clean.errors

    @property
    def submitted(self) -> dict[str, str]:
        """What was typed, field by field, to show again beside the errors (never a secret
        such as a password)."""
        return {f.key: self.clean.raw(f.key) for f in self.fields.values()
                if not isinstance(f, Upload | Choices | Ids) and not getattr(f, "secret", False)}

    @property
    def shown(self) -> dict[str, Any]:
        """The values as read, to show again (never a secret such as a password)."""
        return {k: v for k, v in self.values.items()
                if not getattr(self.fields[k], "secret", False)}

    def fail(self, key: str, message: str) -> None:
        """Record a problem with a field, unless it already has one."""
        self.clean.errors.setdefault(key, message)

    def check(self) -> None:
        """Problems involving several fields (override)."""

    def raise_errors(self) -> None:
        """Raise FormErrors when anything was wrong (for services that report that way)."""
        self.clean.check()
