"""The one place that answers "may this user do this to this object now".

Each domain registers its rules with `@rule("noun.verb")`; `can()` is used by routes (through
`grants.auth.require`) and by templates alike. Unknown actions are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grants.accounts.models import User

Rule = Callable[[User, Any], bool]
RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"permission rule {action!r} registered twice")
            RULES[action] = function
        return function

    return register


def can(user: User | None, action: str, obj: Any = None) -> bool:
    if user is None or not user.is_active:
        return False
    check = RULES.get(action)
    if check is None:
        raise KeyError(f"no permission rule for {action!r}")
    return bool(check(user, obj))


def role_is(*roles: str) -> Rule:
    return lambda user, _obj: user.role in roles


# Rules that are not tied to one domain.
RULES["admin.access"] = role_is("organiser")
RULES["audit.view"] = role_is("organiser")
RULES["user.manage"] = role_is("organiser")
RULES["region.manage"] = role_is("organiser")
RULES["account.use"] = lambda user, _obj: True


def _member_of(user: User, org: Any) -> bool:
    return org is not None and user.organisation_id is not None and user.organisation_id == org.id


def _funder_of(user: User, fund: Any) -> bool:
    org = user.organisation_id
    return org is not None and fund is not None and org in (fund.owner_org_id, fund.host_org_id)


# Organisations
RULES["organisation.list"] = role_is("organiser", "finance")
RULES["organisation.create"] = role_is("organiser")
RULES["organisation.view"] = lambda u, o: u.role in ("organiser", "finance") or _member_of(u, o)
RULES["organisation.edit"] = lambda u, o: u.role == "organiser" or (
    u.role == "applicant" and _member_of(u, o))
RULES["organisation.edit_identity"] = role_is("organiser")

# Funds
RULES["fund.list"] = role_is("organiser", "finance", "funder")
RULES["fund.create"] = role_is("organiser")
RULES["fund.view"] = lambda u, f: u.role in ("organiser", "finance") or (
    u.role == "funder" and _funder_of(u, f))
RULES["fund.edit"] = role_is("organiser")
RULES["fund.record_entry"] = role_is("organiser", "finance")
