"""The one place that answers "may this user do this to this object now".

`can(user, "noun.action", obj)` is used by routes (through `grants.auth.require`) and by
templates alike. Actions that move an object through its lifecycle are answered from the
lifecycle tables (each domain's `workflow.py`, read by `grants.lifecycle`); every other action
from `RULES` below. Both say who may act with the same named relations — never with role
checks written in routes or templates. Unknown actions are refused loudly.
"""

from __future__ import annotations

import importlib
from typing import Any

from grants import lifecycle
from grants.accounts.models import User
from grants.lifecycle import relation

# The domains whose lifecycle tables `can()` reads; a new lifecycle adds its module here.
WORKFLOW_MODULES = (
    "grants.rounds.workflow",
    "grants.applications.workflow",
    "grants.votes.workflow",
)


# ---- relations: who a user is to an object ------------------------------------------------

def _role(*roles: str) -> lifecycle.Relation:
    return lambda user, _obj: user.role in roles


for _name, _roles in {"organiser": ("organiser",), "finance": ("finance",),
                      "funder": ("funder",), "staff": ("organiser", "finance")}.items():
    relation(_name)(_role(*_roles))


@relation("anyone")
def _anyone(user: User, obj: Any) -> bool:
    return True


def organisation_id_of(obj: Any) -> int | None:
    """The organisation an object belongs to (an organisation is its own)."""
    if obj is None:
        return None
    if getattr(obj, "__tablename__", "") == "organisation":
        return obj.id
    return getattr(obj, "organisation_id", None)


@relation("member")
def _member(user: User, obj: Any) -> bool:
    """A member of the organisation the object belongs to."""
    org = organisation_id_of(obj)
    return org is not None and user.organisation_id == org


@relation("applicant_member")
def _applicant_member(user: User, obj: Any) -> bool:
    """An applicant acting for the organisation the object belongs to."""
    return user.role == "applicant" and _member(user, obj)


@relation("applicant_with_organisation")
def _applicant_with_organisation(user: User, obj: Any) -> bool:
    return user.role == "applicant" and user.organisation_id is not None


@relation("has_organisation")
def _has_organisation(user: User, obj: Any) -> bool:
    return user.organisation_id is not None


@relation("funder_of")
def _funder_of(user: User, fund: Any) -> bool:
    """Staff of the organisation that owns or hosts the fund."""
    org = user.organisation_id
    return (user.role == "funder" and org is not None and fund is not None
            and org in (fund.owner_org_id, fund.host_org_id))


@relation("recipient")
def _recipient(user: User, notice: Any) -> bool:
    return notice is None or notice.user_id == user.id


@relation("published_round")
def _published_round(user: User, round_: Any) -> bool:
    """Anyone may read a round once it is published (not a draft)."""
    return round_ is not None and round_.status != "draft"


# ---- rules: actions that do not move a lifecycle -----------------------------------------

RULES: dict[str, tuple[str, ...]] = {
    "account.use": ("anyone",),
    "admin.access": ("organiser",),
    "audit.view": ("organiser",),
    "user.manage": ("organiser",),
    "region.manage": ("organiser",),
    # Organisations
    "organisation.list": ("staff",),
    "organisation.create": ("organiser",),
    "organisation.import": ("organiser",),
    "organisation.view": ("staff", "member"),
    "organisation.edit": ("organiser", "applicant_member"),
    "organisation.edit_identity": ("organiser",),
    "organisation.mine": ("has_organisation",),
    # Funds
    "fund.list": ("staff", "funder"),
    "fund.create": ("organiser",),
    "fund.view": ("staff", "funder_of"),
    "fund.list_all": ("staff",),  # others see only the funds they own or host
    "fund.edit": ("organiser",),
    "fund.record_entry": ("staff",),
    # Rounds
    "round.list": ("staff",),
    "round.browse_open": ("anyone",),
    "round.view": ("staff", "published_round"),
    "round.create": ("organiser",),
    "round.edit": ("organiser",),  # the services refuse locked fields, saying why
    "round.copy": ("organiser",),
    "round.manage": ("organiser",),  # the status page with its checklist
    "round.screen": ("organiser",),  # the screening list and bulk screening
    # Applications
    "application.mine": ("applicant_with_organisation",),
    "application.view": ("staff", "member"),
    "application.prepare": ("applicant_member",),  # the submission page with its checks
    "application.list": ("staff",),
    "application.export": ("organiser",),
    # Notices
    "notice.view": ("recipient",),
    # Public vote (the round's vote moves are in grants/votes/workflow.py)
    "vote.manage": ("organiser",),  # the vote's settings, results, flags and exclusions
    "vote.exclude": ("organiser",),
}


def allow(action: str, *who: str) -> None:
    """Add a rule (for domains registered later); each action is declared once."""
    if action in RULES:
        raise RuntimeError(f"permission rule {action!r} declared twice")
    RULES[action] = who


_loaded = False


def load_workflows() -> None:
    """Import every lifecycle table once (they register themselves with the engine)."""
    global _loaded
    if not _loaded:
        for name in WORKFLOW_MODULES:
            importlib.import_module(name)
        _loaded = True


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """Whether `user` may do `action` (e.g. "application.submit") to `obj` now."""
    if user is None or not user.is_active:
        return False
    load_workflows()
    found, transition = lifecycle.split(action)
    if found is not None and transition is not None:
        return lifecycle.permits(user, found, transition, obj)
    who = RULES.get(action)
    if who is None:
        raise KeyError(f"no permission rule for {action!r}")
    return lifecycle.holds(user, who, obj)
