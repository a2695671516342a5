"""Reading the organisation form."""

from __future__ import annotations

from typing import Any

from grants.forms import Cleaner
from grants.i18n import gettext as _
from grants.vocab import RATINGS


def read(form: Any) -> dict[str, Any]:
    """Field values from the form; errors are carried in `_errors` for the service to merge."""
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "name": clean.text("name", required=True, max_length=100, min_length=2),
        "registration": clean.raw("registration"),
        "credit_code": clean.text("credit_code", max_length=40),
        "filing_number": clean.text("filing_number", max_length=40),
        "org_type": clean.raw("org_type"),
        "category": clean.raw("category"),
        "community_id": clean.integer("community_id", minimum=1),
        "staff_count": clean.integer("staff_count", minimum=0, maximum=100000) or 0,
        "volunteer_count": clean.integer("volunteer_count", minimum=0, maximum=1000000) or 0,
        "rating": clean.raw("rating") or None,
        "star_rating": clean.integer("star_rating", minimum=1, maximum=5),
        "party_members": clean.integer("party_members", minimum=0, maximum=100000) or 0,
        "party_branch": clean.raw("party_branch") or "none",
        "credit_status": clean.raw("credit_status") or "normal",
        "contact_person": clean.text("contact_person", max_length=40),
        "contact_phone": clean.text("contact_phone", max_length=32),
        "address": clean.text("address", max_length=200),
        "intro": clean.text("intro", max_length=2000),
        "founded_on": clean.date("founded_on", earliest=1900, latest=9999),
    }
    if data["rating"] not in (None, *RATINGS):
        clean.errors["rating"] = _("Not a valid choice.")
    phone = data["contact_phone"]
    if phone and not all(ch.isdigit() or ch in "+-() " for ch in phone):
        clean.errors["contact_phone"] = _("A phone number has digits, spaces, '+', '-' or brackets.")
    data["_errors"] = clean.errors
    return data


def values_of(org: Any) -> dict[str, Any]:
    """The form's initial values for an existing organisation."""
    from grants.organisations.services import EDITABLE

    return {key: getattr(org, key) for key in EDITABLE}
