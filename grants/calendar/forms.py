"""Reading the calendar page's forms: a local entry for a day, and removing one."""

from __future__ import annotations

from grants.calendar.services import KINDS
from grants.forms import Choice, Date, Flag, Form, Text


class DayForm(Form):
    """A local entry (the service checks the name a holiday needs and the column lengths)."""

    day = Date(required=True)
    kind = Choice(KINDS)
    name = Text(max_length=40)
    note = Text(max_length=200)


class RemoveDayForm(Form):
    day = Date(required=True)
    confirm = Flag()
