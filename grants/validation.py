"""The error services raise when input breaks a rule, and the bounds every input respects.

Form readers (`grants.forms.Cleaner`) and services (for input that does not come through a form,
such as a spreadsheet import) share the checks here, so a value that cannot be stored — an
integer beyond the database's range, a NUL byte, text longer than its column, a date in year 1,
NaN — is refused with a message instead of failing in the database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Any

from grants.i18n import gettext as _

# Integers typed into forms fit a 32-bit INTEGER column (ids and counts on PostgreSQL).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_ID = INT_MAX
# Dates people type: anything outside these years is a typo or an attack.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# Plain numbers (weights, thresholds): finite and of a human size.
MAX_NUMBER = 1e9

_WHOLE = re.compile(r"-?[0-9]{1,18}", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,6})?", re.ASCII)
# C0 controls except tab, line feed and carriage return, DEL, C1 controls, and the bidirectional
# overrides and isolates (U+202A–202E, U+2066–2069), which make text read in an order other than
# the one it is stored in (a file name "申报书\u202efdp.exe" shows as "申报书exe.pdf").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Thousands separators, where a number has them: 12,000 or 1,234,567 (never 1,2,3).
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", re.ASCII)


# An e-mail address as people give one: something@domain.tld, no spaces, at most 254 characters.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(EMAIL.match(value))


class FormErrors(Exception):
    """Field errors (field name -> translated message); nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def normalise_digits(text: str) -> str:
    """Full-width digits and signs (１２３, －５) as ASCII; commas as thousands separators,
    where they stand in groups of three (1,2,3 is left as it is, and refused by the caller)."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if "," in cleaned and _GROUPED.fullmatch(cleaned):
        return cleaned.replace(",", "")
    return cleaned


def parse_whole(text: str) -> int:
    """A whole number as people type it: ASCII or full-width digits, optional commas.

    Refuses what Python's int() would accept but a person did not mean: underscores
    ('1_000'), other scripts' digits, and more than 18 digits. Raises ValueError.
    """
    cleaned = normalise_digits(text)
    if not _WHOLE.fullmatch(cleaned):
        raise ValueError(text)
    return int(cleaned)


def parse_number(text: str) -> float:
    """A finite decimal number (no exponent, NaN or infinity). Raises ValueError."""
    cleaned = normalise_digits(text)
    if not _DECIMAL.fullmatch(cleaned):
        raise ValueError(text)
    value = float(cleaned)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ValueError(text)
    return value + 0.0  # "-0" is 0, not a negative zero stored and shown as "-0.0"


def parse_date(text: str, earliest: int = EARLIEST_YEAR, latest: int = LATEST_YEAR) -> date:
    """An ISO date (YYYY-MM-DD) within [earliest, latest]. Raises ValueError."""
    cleaned = normalise_digits(text)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cleaned, re.ASCII):
        raise ValueError(text)
    day = date.fromisoformat(cleaned)
    if not earliest <= day.year <= latest:
        raise ValueError(text)
    return day


def date_range_message(earliest: int = EARLIEST_YEAR, latest: int = LATEST_YEAR) -> str:
    return _("Enter a date as YYYY-MM-DD between %(first)s and %(last)s.",
             first=earliest, last=latest)


def bad_characters(value: str) -> bool:
    """Whether text holds NUL or other control characters (tab and new lines are fine)."""
    return bool(_CONTROL.search(value))


def text_problem(value: Any, max_length: int | None) -> str | None:
    """Why a text value cannot be stored, or None."""
    if not isinstance(value, str):
        return None
    if bad_characters(value):
        return _("Contains characters that are not allowed.")
    if max_length is not None and len(value) > max_length:
        return _("At most %(max)s characters (you entered %(n)s).", max=max_length,
                 n=len(value))
    return None


def reason_problem(reason: str, max_length: int) -> str | None:
    """Why a (stripped) reason an action requires cannot be taken, or None."""
    if not reason:
        return _("Give a reason.")
    return text_problem(reason, max_length)


def column_problems(model: type, data: dict[str, Any]) -> dict[str, str]:
    """Problems with the text values in `data` for `model`'s columns: NUL and control
    characters, and strings longer than the column. Services call this for input that does
    not come through a form reader (imports, the CLI) and as a last guard for forms."""
    table = getattr(model, "__table__", None)
    if table is None:
        return {}
    errors: dict[str, str] = {}
    for key, value in data.items():
        if key not in table.c or not isinstance(value, str):
            continue
        length = getattr(table.c[key].type, "length", None)
        problem = text_problem(value, length)
        if problem:
            errors[key] = problem
    return errors
