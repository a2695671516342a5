"""Working days: Monday to Friday, except public holidays; plus make-up working days (调休).

The shipped national schedule (grants/calendar/data.py) is merged with organisers' local
entries (CalendarDay), which win for the same day. Every function takes the session first;
changes are audited and never committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.calendar import data
from grants.calendar.models import CalendarDay
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.validation import FormErrors, column_problems

KINDS = {"holiday": N_("Public holiday"), "workday": N_("Make-up working day"),
         "normal": N_("Ordinary day (cancels the national schedule)")}
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MAX_SPAN_DAYS = 400  # longer than any window: a guard against runaway counting


def _local(session: Session, first: date, last: date) -> dict[date, CalendarDay]:
    return {row.day: row for row in session.execute(select(CalendarDay).where(
        CalendarDay.day >= first, CalendarDay.day <= last)).scalars()}


def _kind(day: date, local: dict[date, CalendarDay]) -> str:
    entry = local.get(day)
    if entry is not None and entry.kind in ("holiday", "workday"):
        return entry.kind
    shipped = data.BY_DAY.get(day)
    if shipped is not None and entry is None:
        return shipped.kind
    return "weekend" if day.weekday() >= 5 else "weekday"


def day_kind(session: Session, day: date) -> str:
    """"holiday", "workday" (a make-up working day), "weekend" or "weekday"."""
    return _kind(day, _local(session, day, day))


def is_working_day(session: Session, day: date) -> bool:
    return day_kind(session, day) in ("workday", "weekday")


def add_working_days(session: Session, start: date, n: int) -> date:
    """The n-th working day after `start` (start itself is not counted; n >= 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    local = _local(session, start, start + timedelta(days=MAX_SPAN_DAYS))
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if (day - start).days > MAX_SPAN_DAYS:
            raise ValueError("no working day within the span")
        if _kind(day, local) in ("workday", "weekday"):
            counted += 1
    return day


def working_days_between(session: Session, first: date, last: date) -> int:
    """Working days after `first` up to and including `last`."""
    local = _local(session, first, last)
    return sum(1 for i in range(1, (last - first).days + 1)
               if _kind(first + timedelta(days=i), local) in ("workday", "weekday"))


@dataclass(frozen=True)
class Entry:
    day: date
    kind: str  # holiday | workday | normal
    name: str
    source: str  # official | local
    announced: bool = True
    note: str = ""


def days(session: Session, year: int) -> list[Entry]:
    """Every special day of the year (shipped and local, local winning), in date order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    local = _local(session, first, last)
    out: dict[date, Entry] = {}
    for o in data.SCHEDULE:
        if first <= o.day <= last:
            out[o.day] = Entry(o.day, o.kind, data.HOLIDAY_NAMES.get(o.name, o.name),
                               "official", o.announced)
    for d, row in local.items():
        out[d] = Entry(d, row.kind, row.name, "local", True, row.note)
    return [out[d] for d in sorted(out)]


def year_announced(year: int) -> bool:
    return data.ANNOUNCED.get(year, False)


def set_day(session: Session, actor: audit.Actor, day: date | None, kind: str, name: str,
            note: str = "", user_id: int | None = None) -> CalendarDay:
    """Add or change a local entry for the day."""
    name, note = name.strip(), note.strip()
    errors = column_problems(CalendarDay, {"name": name, "note": note})
    if day is None:
        errors["day"] = _("Enter a date.")
    elif not EARLIEST <= day <= LATEST:
        errors["day"] = _("Enter a date between %(first)s and %(last)s.",
                          first=EARLIEST.isoformat(), last=LATEST.isoformat())
    if kind not in KINDS:
        errors["kind"] = _("Not a valid choice.")
    elif kind == "holiday" and not name:
        errors.setdefault("name", _("Name the holiday."))
    if errors:
        raise FormErrors(errors)
    assert day is not None
    row = session.execute(select(CalendarDay).where(CalendarDay.day == day)).scalars().first()
    before = audit.snapshot(row) if row is not None else None
    row = row or CalendarDay(day=day, kind=kind, created_by_id=user_id)
    row.kind, row.name, row.note = kind, name, note
    session.add(row)
    session.flush()
    audit.record(session, actor, "calendar.set_day", row, before=before)
    return row


def clear_day(session: Session, actor: audit.Actor, day: date | None) -> None:
    """Remove the local entry: the day follows the shipped schedule again."""
    row = (session.execute(select(CalendarDay).where(CalendarDay.day == day)).scalars().first()
           if day is not None else None)
    if row is None:
        raise FormErrors({"day": _("There is no local entry for this day.")})
    audit.record(session, actor, "calendar.clear_day", row, before=audit.snapshot(row),
                 after={})
    session.delete(row)
