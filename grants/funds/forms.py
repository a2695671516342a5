"""Reading the fund and ledger-entry forms."""

from __future__ import annotations

from typing import Any

from grants.forms import Cleaner
from grants.i18n import gettext as _
from grants.vocab import CATEGORIES, SERVICE_AREAS, TARGET_GROUPS


def read_fund(form: Any) -> dict[str, Any]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "name": clean.text("name", required=True, max_length=100, min_length=2),
        "kind": clean.raw("kind"),
        "owner_org_id": clean.integer("owner_org_id", minimum=1),
        "host_org_id": clean.integer("host_org_id", minimum=1),
        "owner_name": clean.text("owner_name", max_length=100),
        "description": clean.text("description", max_length=2000),
        "service_areas": clean.choices("service_areas", SERVICE_AREAS),
        "target_groups": clean.choices("target_groups", TARGET_GROUPS),
        "categories": clean.choices("categories", CATEGORIES),
        "community_ids": clean.ids("community_ids"),
        "region_id": clean.integer("region_id", minimum=1),
    }
    data["_errors"] = clean.errors
    return data


def read_entry(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    clean = Cleaner(form)
    data: dict[str, Any] = {
        "kind": clean.choice("kind", {"contribution", "adjustment_in", "adjustment_out"}),
        "amount_fen": clean.money("amount", required=True),
        "counterparty": clean.text("counterparty", max_length=100),
        "memo": clean.text("memo", max_length=300),
        "occurred_on": clean.date("occurred_on"),
        "form_key": clean.text("form_key", max_length=64) or None,
    }
    if data["amount_fen"] is not None and data["amount_fen"] <= 0:
        clean.errors["amount"] = _("Enter an amount greater than zero.")
    return data, clean.errors


def values_of(fund: Any) -> dict[str, Any]:
    from grants.funds.services import EDITABLE

    return {key: getattr(fund, key) for key in EDITABLE}
