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
# Maker-checker: the second person approves; the service refuses the entry's own maker.
RULES["fund.decide_entry"] = lambda u, e: u.role in ("organiser", "finance") and (
    e is None or e.created_by_id is None or e.created_by_id != u.id)

# Applications (申报, screening, attachments, import/export, notices)
def _app_of(obj: Any) -> Any:
    return getattr(obj, "application", obj)


def _app_member(user: User, obj: Any) -> bool:
    app = _app_of(obj)
    return (app is not None and user.organisation_id is not None
            and user.organisation_id == getattr(app, "organisation_id", None))


def _app_may(action: str) -> Rule:
    from grants.applications.workflow import may

    return lambda u, s: s is not None and may(u, action, s.application, s.round.status)


RULES["application.create"] = lambda u, r: (u.role == "applicant" and u.organisation_id is not None
                                            and r is not None and r.status == "open")
RULES["application.mine"] = lambda u, _o: u.role == "applicant" and u.organisation_id is not None
# Drafts are private to the applicant's organisation: staff see an application from its first
# submission on (docs/applications.md).
RULES["application.view"] = lambda u, a: (
    u.role in ("organiser", "finance") and getattr(_app_of(a), "status", None) != "draft") or (
    u.role == "applicant" and _app_member(u, a))
RULES["application.edit"] = _app_may("edit")
RULES["application.submit"] = _app_may("submit")
RULES["application.withdraw"] = _app_may("withdraw")
RULES["application.return"] = lambda u, s: u.role == "organiser" and (
    s is None or _app_may("return")(u, s))
RULES["application.screen"] = role_is("organiser")
RULES["application.list"] = role_is("organiser", "finance")
RULES["application.export"] = role_is("organiser")
RULES["organisation.import"] = role_is("organiser")
RULES["notice.view"] = lambda u, n: n is None or n.user_id == u.id

# Rounds
RULES["round.list"] = role_is("organiser", "finance")
RULES["round.browse_open"] = lambda u, _r: True  # the public information of open rounds
RULES["round.view"] = lambda u, r: u.role in ("organiser", "finance") or (
    r is not None and r.status != "draft")
RULES["round.create"] = role_is("organiser")
RULES["round.edit"] = role_is("organiser")  # the services refuse locked fields, saying why
RULES["round.transition"] = role_is("organiser")
RULES["round.copy"] = role_is("organiser")
