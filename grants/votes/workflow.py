"""A round's public vote, as data for the one engine (grants/lifecycle.py).

    draft → open → closed → published

The votes themselves have no lifecycle: they are immutable rows. `can(user, "vote.open",
setup)` reads this table.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from grants.i18n import N_
from grants.i18n import gettext as _
from grants.lifecycle import Lifecycle, State, Transition, register

LIFECYCLE = register(Lifecycle(
    noun="vote",
    states=(
        State("draft", N_("Being prepared")),
        State("open", N_("Voting open")),
        State("closed", N_("Voting closed")),
        State("published", N_("Results published"), final=True),
    ),
    transitions=(
        Transition("configure", ("draft",), None, ("organiser",), label=N_("Edit")),
        Transition("open", ("draft",), "open", ("organiser",), ("vote_window", "vote_candidates"),
                   N_("Open the vote"),
                   N_("The public may vote during the window. The settings are then locked.")),
        Transition("close", ("open",), "closed", ("organiser",), (), N_("Close the vote"),
                   N_("No more votes are accepted, even if the window has not ended.")),
        Transition("publish", ("closed",), "published", ("organiser",), (),
                   N_("Publish the results"),
                   N_("The counted votes are final and shown on the public page.")),
    ),
))

STATUSES: dict[str, str] = LIFECYCLE.labels()


@LIFECYCLE.check("vote_window", N_("The voting window is set"))
def _window(session: Session, setup: Any, context: Any = None) -> list[str]:
    if setup.opens_at is None or setup.closes_at is None:
        return [_("Set when voting opens and closes.")]
    if setup.closes_at <= setup.opens_at:
        return [_("Voting must close after it opens.")]
    return []


@LIFECYCLE.check("vote_candidates", N_("Projects take part"))
def _candidates(session: Session, setup: Any, context: Any = None) -> list[str]:
    return [] if setup.application_ids else [_("Choose at least one project for the vote.")]
