"""Reading the language switch in the page header."""

from __future__ import annotations

from grants.forms import Form, Text


class LanguageForm(Form):
    """The language chosen, and the page to go back to (a path on this site)."""

    locale = Text(max_length=20)
    back = Text(max_length=2000, name="next")
