"""Reading the organiser's vote settings form."""

from __future__ import annotations

from typing import Any

from grants.forms import Choice, Cleaner, Form, Id, Ids, Text
from grants.i18n import gettext as _
from grants.timeutil import local
from grants.votes.models import VoteSetup
from grants.votes.services import FLAGS, USES


def read_settings(form: Any, allowed_ids: set[int]) -> dict[str, Any]:
    """Validated settings; raises FormErrors with every problem at once."""
    c = Cleaner(form)
    data: dict[str, Any] = {
        "opens_at": c.local_datetime("opens_at", required=True),
        "closes_at": c.local_datetime("closes_at", required=True),
        "votes_per_day": c.integer("votes_per_day", required=True, minimum=1, maximum=50),
        "use": c.choice("use", USES),
        "weight_pct": c.integer("weight_pct", minimum=0, maximum=100) or 0,
        "show_counts": c.boolean("show_counts"),
        "difficulty": c.integer("difficulty", required=True, minimum=8, maximum=24),
        "per_address_hour": c.integer("per_address_hour", required=True, minimum=1,
                                      maximum=100_000),
        "per_device_hour": c.integer("per_device_hour", required=True, minimum=1,
                                     maximum=10_000),
    }
    ids = c.ids("application_ids")
    if set(ids) - allowed_ids:
        c.errors["application_ids"] = _("Only projects that passed screening may take part.")
    data["application_ids"] = ids
    if (data["opens_at"] and data["closes_at"] and data["closes_at"] <= data["opens_at"]):
        c.errors["closes_at"] = _("Voting must close after it opens.")
    if data["use"] == "score" and not data["weight_pct"]:
        c.errors["weight_pct"] = _("Give the weight of the vote in the score (1 to 100 %).")
    c.check()
    return data


def values_of(setup: VoteSetup | None) -> dict[str, Any]:
    if setup is None:
        return {"votes_per_day": 3, "use": "award", "weight_pct": 0, "difficulty": 16,
                "per_address_hour": 60, "per_device_hour": 20, "show_counts": False}
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "opens_at": local(setup.opens_at).strftime(fmt) if setup.opens_at else "",
        "closes_at": local(setup.closes_at).strftime(fmt) if setup.closes_at else "",
        "votes_per_day": setup.votes_per_day, "use": setup.use, "weight_pct": setup.weight_pct,
        "show_counts": setup.show_counts, "difficulty": setup.difficulty,
        "per_address_hour": setup.per_address_hour, "per_device_hour": setup.per_device_hour,
    }


# ---- the public page and the organiser's moves -----------------------------------------------

class EmailForm(Form):
    """Asking for a code (the service checks the address)."""

    email = Text(max_length=254)


class CodeForm(EmailForm):
    """The e-mailed code; the address comes from the session when the page does not send it."""

    code = Text(max_length=20)


class CastForm(Form):
    """A vote: the voter's token, the signed challenge and its proof of work (all checked by the
    service, which refuses them in the voter's words)."""

    token = Text(max_length=500)
    challenge = Text(max_length=500)
    nonce = Text(max_length=100)


class MoveForm(Form):
    """A move of the vote's lifecycle; publishing on a tie names the winner with a reason."""

    came_from = Choice(("results", "settings"), required=False, name="from")
    winner = Id()
    reason = Text(max_length=500)


class ExcludeForm(Form):
    """Excluding votes from the count: those chosen, or all that carry a flag."""

    flag = Choice(FLAGS, required=False)
    vote_ids = Ids()
    reason = Text(max_length=500)
