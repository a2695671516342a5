"""Reading the fund and ledger-entry forms."""

from __future__ import annotations

from typing import Any

from grants.forms import Choice, Choices, Date, Form, Id, Ids, Money, Text
from grants.organisations.forms import Code
from grants.vocab import CATEGORIES, SERVICE_AREAS, TARGET_GROUPS

ENTRY_KINDS = ("contribution", "adjustment_in", "adjustment_out")


class FundForm(Form):
    """A fund's editable fields (attribute names are the service's keys and the form's)."""

    name = Text(required=True, max_length=100, min_length=2)
    kind = Code()
    owner_org_id = Id()
    host_org_id = Id()
    owner_name = Text(max_length=100)
    description = Text(max_length=2000)
    service_areas = Choices(SERVICE_AREAS)
    target_groups = Choices(TARGET_GROUPS)
    categories = Choices(CATEGORIES)
    community_ids = Ids()
    region_id = Id()


class EntryForm(Form):
    """A contribution or an adjustment recorded in a fund's ledger."""

    kind = Choice(ENTRY_KINDS)
    amount_fen = Money(required=True, positive=True, name="amount")
    counterparty = Text(max_length=100)
    memo = Text(max_length=300)
    occurred_on = Date()
    form_key = Text(max_length=64)  # the form's one-time key (a second send records nothing)


class ReverseForm(Form):
    """Why an entry is reversed (the reversing entry's memo, as long as a memo)."""

    reason = Text(max_length=300)


def values_of(fund: Any) -> dict[str, Any]:
    from grants.funds.services import EDITABLE

    return {key: getattr(fund, key) for key in EDITABLE}
