"""Reading the organisation forms: the profile, the public registration (the profile's
identity and the owner's login), a member joining by invitation, and the organiser's
decisions with their reasons."""

from __future__ import annotations

from datetime import date
from typing import Any

from grants.forms import Choice, Cleaner, Field, Form, Id, Integer, Raw, Text, Upload
from grants.i18n import gettext as _
from grants.vocab import RATINGS


class Count(Integer):
    """A head count: blank is 0."""

    def read(self, clean: Cleaner) -> int:
        return super().read(clean) or 0


class FoundingDate(Field["date | None"]):
    """A founding date: organisations may be older than the dates typed elsewhere."""

    def read(self, clean: Cleaner) -> date | None:
        value: date | None = clean.date(self.key, earliest=1900, latest=9999)
        return value


class Code(Field[str]):
    """A code from a vocabulary the service checks (saying "Choose one." when it is not one);
    blank is `default`."""

    def __init__(self, *, default: str = "", name: str | None = None) -> None:
        super().__init__(name=name)
        self.default = default

    def read(self, clean: Cleaner) -> str:
        return clean.raw(self.key).strip() or self.default


class OrganisationForm(Form):
    """An organisation's fields (attribute names are the service's keys and the form's)."""

    name = Text(required=True, max_length=100, min_length=2)
    registration = Code()
    credit_code = Text(max_length=40)
    filing_number = Text(max_length=40)
    org_type = Code()
    category = Code()
    community_id = Id()
    staff_count = Count(minimum=0, maximum=100000)
    volunteer_count = Count(minimum=0, maximum=1000000)
    rating = Choice(RATINGS, required=False)
    star_rating = Integer(minimum=1, maximum=5)
    party_members = Count(minimum=0, maximum=100000)
    party_branch = Code(default="none")
    credit_status = Code(default="normal")
    contact_person = Text(max_length=40)
    contact_phone = Text(max_length=32)
    address = Text(max_length=200)
    intro = Text(max_length=2000)
    founded_on = FoundingDate()

    def check(self) -> None:
        phone = self.contact_phone
        if phone and not all(ch.isdigit() or ch in "+-() " for ch in phone):
            self.fail("contact_phone",
                      _("A phone number has digits, spaces, '+', '-' or brackets."))


class RegistrationForm(OrganisationForm):
    """The public registration: the organisation and its owner's login."""

    username = Raw()
    password = Raw(secret=True)
    password2 = Raw(secret=True)
    email = Raw()

    @property
    def account(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password,
                "password2": self.password2, "email": self.email}



class JoinForm(Form):
    """A new member's login, behind an invitation link."""

    username = Raw()
    password = Raw(secret=True)
    password2 = Raw(secret=True)
    email = Raw()
    display_name = Raw()

    @property
    def account(self) -> dict[str, str]:
        return {k: self.values[k] for k in self.fields}


class DecisionReasonForm(Form):
    """The reason given with a verification decision (kept to the column's 1000 characters:
    the service checks whether a reason is needed)."""

    reason = Text(max_length=1000)


class ChangeDecisionForm(Form):
    """An organiser approves or refuses an identity change request."""

    decision = Choice(("approve", "refuse"), required=False)
    reason = Text(max_length=1000)


class BarLiftForm(Form):
    reason = Text(max_length=1000)


class ImportForm(Form):
    file = Upload()


def values_of(org: Any) -> dict[str, Any]:
    """The form's initial values for an existing organisation."""
    from grants.organisations.services import EDITABLE

    return {key: getattr(org, key) for key in EDITABLE}
