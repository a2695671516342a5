"""The one place that answers "may this user do this to this object now".

`can(user, "noun.action", obj)` is used by routes (through `grants.auth.require`) and by
templates alike. Actions that move an object through its lifecycle are answered from the
lifecycle tables (each domain's `workflow.py`, read by `grants.lifecycle`); every other action
from `RULES` below. Both say who may act with the same named relations — never with role
checks written in routes or templates. Unknown actions are refused loudly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from grants import lifecycle
from grants.accounts.models import User
from grants.i18n import N_
from grants.lifecycle import relation
from grants.regions import scope

# The domains whose lifecycle tables `can()` reads; a new lifecycle adds its module here.
WORKFLOW_MODULES = (
    "grants.rounds.workflow",
    "grants.applications.workflow",
    "grants.organisations.workflow",
    "grants.judging.workflow",
    "grants.votes.workflow",
    "grants.awards.workflow",
    "grants.disbursements.workflow",
    "grants.reports.workflow",
)


# ---- relations: who a user is to an object ------------------------------------------------

def _role(*roles: str) -> lifecycle.Relation:
    return lambda user, _obj: user.role in roles


for _name, _roles in {"organiser": ("organiser",), "finance": ("finance",),
                      "funder": ("funder",), "staff": ("organiser", "finance"),
                      "evaluator": ("evaluator",)}.items():
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


@relation("organisation_owner")
def _organisation_owner(user: User, obj: Any) -> bool:
    """The applicant who owns the organisation (may invite further members)."""
    return user.role == "applicant" and user.is_org_owner and _member(user, obj)


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


def region_of(obj: Any) -> int | None:
    """The region an object belongs to, for organiser scopes (None: platform-wide).

    Rounds carry their organising region; organisations (and their change requests and
    invitations) their community; funds their owning region; applications (and anything
    hanging off one) the region of their round; users their organisation's community, or an
    organiser's own scope region."""
    table = getattr(obj, "__tablename__", "")
    if table == "region":
        return obj.id
    if table in ("round", "fund"):
        return obj.region_id
    if table == "organisation":
        return obj.community_id
    if table == "user_account":
        if obj.organisation_id is not None:
            from grants.organisations.models import Organisation

            session = scope.session_of(obj)
            org = session.get(Organisation, obj.organisation_id) if session else None
            return org.community_id if org is not None else None
        return obj.scope_region_id
    if table in ("organisation_change", "organisation_invitation"):
        return region_of(obj.organisation)
    if table == "application":
        return region_of(obj.round)
    for attribute in ("application", "round"):
        owner = getattr(obj, attribute, None)
        if owner is not None:
            return region_of(owner)
    fund_id = getattr(obj, "fund_id", None)  # ledger entries belong to their fund's region
    if fund_id is not None and table != "round_fund":
        from grants.funds.models import Fund

        session = scope.session_of(obj)
        fund = session.get(Fund, fund_id) if session else None
        return fund.region_id if fund is not None else None
    round_id = _judging_round_id(obj)  # stages, panels, assignments, score sheets
    if round_id is not None:
        from grants.rounds.models import Round

        session = scope.session_of(obj)
        owner = session.get(Round, round_id) if session else None
        return owner.region_id if owner is not None else None
    return None


SCOPED_TABLES = frozenset({"round", "fund", "organisation", "user_account", "application",
                           "organisation_change", "organisation_invitation", "region"})


def _scoped(obj: Any) -> bool:
    return (getattr(obj, "__tablename__", "") in SCOPED_TABLES
            or getattr(obj, "application", None) is not None
            or getattr(obj, "round", None) is not None
            or getattr(obj, "round_id", None) is not None
            or getattr(obj, "stage_id", None) is not None
            or getattr(obj, "fund_id", None) is not None)


def in_scope(user: User, obj: Any) -> bool:
    """Whether the object lies within the user's scope (objects without a region: yes)."""
    if obj is None or user.scope_region_id is None or not _scoped(obj):
        return True
    return scope.covers(scope.session_of(obj, user), user.scope_region_id, region_of(obj))


@relation("organiser_in_scope")
def _organiser_in_scope(user: User, obj: Any) -> bool:
    """An organiser whose scope (a district, a street, or the whole platform) covers the
    object; with no object (lists, new objects) every organiser, the lists being filtered."""
    return user.role == "organiser" and in_scope(user, obj)


@relation("organiser_over_region")
def _organiser_over_region(user: User, obj: Any) -> bool:
    """An organiser whose scope lies above the region (a street office changes its own
    communities, not its street or another street's); a platform-wide organiser, any region."""
    if user.role != "organiser":
        return False
    if obj is None or user.scope_region_id is None:
        return True
    return obj.id != user.scope_region_id and in_scope(user, obj)


@relation("platform_organiser")
def _platform_organiser(user: User, obj: Any) -> bool:
    """An organiser without a scope: the platform's own staff."""
    return user.role == "organiser" and user.scope_region_id is None


@relation("staff_in_scope")
def _staff_in_scope(user: User, obj: Any) -> bool:
    """Finance staff, or an organiser in scope."""
    return user.role == "finance" or _organiser_in_scope(user, obj)


@relation("staff_after_submission")
def _staff_after_submission(user: User, obj: Any) -> bool:
    """Staff in scope, once the application has been submitted: drafts are private to the
    applicant's organisation (docs/applications.md)."""
    app = getattr(obj, "application", obj)
    return getattr(app, "status", None) != "draft" and _staff_in_scope(user, obj)


def _own_record(field: str, message: str) -> Callable[[User, Any], str]:
    """The refusal of a maker-checker relation: the user recorded the thing themselves."""
    return lambda user, obj: message if obj is not None and getattr(obj, field, None) == user.id \
        else ""


@relation("entry_checker", _own_record(
    "created_by_id", N_("You recorded this entry: another person must approve it.")))
def _entry_checker(user: User, entry: Any) -> bool:
    """Maker-checker: staff other than the person who recorded the ledger entry."""
    return _staff_in_scope(user, entry) and (
        entry is None or entry.created_by_id is None or entry.created_by_id != user.id)


@relation("published_round")
def _published_round(user: User, round_: Any) -> bool:
    """Anyone may read a round once it is published (not a draft); organisers read the
    rounds of their scope only (organiser_in_scope)."""
    return round_ is not None and round_.status != "draft" and user.role != "organiser"


# ---- judging: panel membership, not a global role, gives the right to judge in a round ----

def _judging_round_id(obj: Any) -> int | None:
    """The round a judging object (round, stage, application, assignment, sheet) belongs to."""
    from sqlalchemy.orm import object_session

    from grants.rounds.models import Stage

    if obj is None:
        return None
    if getattr(obj, "__tablename__", "") == "round":
        return obj.id
    if getattr(obj, "round_id", None) is not None:
        return obj.round_id
    stage_id = getattr(obj, "stage_id", None)
    session = object_session(obj)
    if stage_id is None or session is None:
        return None
    stage = session.get(Stage, stage_id)
    return stage.round_id if stage is not None else None


@relation("panel_member")
def _panel_member(user: User, obj: Any) -> bool:
    """A member of the judging panel of the object's round."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from grants.judging.models import PanelMember

    round_id = _judging_round_id(obj)
    session = object_session(obj) if obj is not None else None
    if round_id is None or session is None:
        return False
    return session.execute(select(PanelMember.id).where(
        PanelMember.round_id == round_id, PanelMember.user_id == user.id)).first() is not None


@relation("assigned_judge")
def _assigned_judge(user: User, obj: Any) -> bool:
    """The panel member an assignment or score sheet belongs to."""
    return (obj is not None and getattr(obj, "user_id", None) == user.id
            and _panel_member(user, obj))


@relation("judge_while_open")
def _judge_while_open(user: User, obj: Any) -> bool:
    """The assigned judge, while the stage is open for scoring."""
    from grants.judging.workflow import stage_is_open

    return _assigned_judge(user, obj) and stage_is_open(obj)


@relation("round_evaluator")
def _round_evaluator(user: User, obj: Any) -> bool:
    """Someone given the evaluation of the object's round (organiser staff or a third-party
    evaluation agency); with no object, anyone who evaluates some round (their list)."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from grants.reports.models import RoundEvaluator

    if user.role not in ("evaluator", "organiser"):  # only these can be made evaluators
        return False
    if obj is None:  # anyone who evaluates some round (their list shows only those)
        session = object_session(user)
        return session is not None and session.execute(select(RoundEvaluator.id).where(
            RoundEvaluator.user_id == user.id)).first() is not None
    round_id = getattr(obj, "round_id", None) or (
        obj.id if getattr(obj, "__tablename__", "") == "round" else None)
    session = object_session(obj)
    if round_id is None or session is None:
        return False
    return session.execute(select(RoundEvaluator.id).where(
        RoundEvaluator.round_id == round_id, RoundEvaluator.user_id == user.id)).first() is not None


# ---- money: finance records, a different person approves --------------------------------

@relation("finance_in_scope")
def _finance_in_scope(user: User, obj: Any) -> bool:
    """Finance staff (their work spans every organiser's rounds)."""
    return user.role == "finance"


@relation("payment_checker", _own_record(
    "recorded_by_id", N_("You recorded this payment: another finance user must approve or "
                         "reject it.")))
def _payment_checker(user: User, payment: Any) -> bool:
    """Finance staff other than the person who recorded the payment."""
    return user.role == "finance" and (
        payment is None or payment.recorded_by_id is None or payment.recorded_by_id != user.id)


@relation("refund_checker", _own_record(
    "requested_by_id", N_("You asked for this write-off: another person must decide it.")))
def _refund_checker(user: User, refund: Any) -> bool:
    """Finance staff, or an organiser in scope, other than the person who asked for the
    write-off."""
    return _staff_in_scope(user, refund) and (
        refund is None or refund.requested_by_id is None or refund.requested_by_id != user.id)


# ---- rules: actions that do not move a lifecycle -----------------------------------------

RULES: dict[str, tuple[str, ...]] = {
    "account.use": ("anyone",),
    "admin.access": ("organiser",),
    "audit.view": ("platform_organiser",),  # the whole trail names every office's work
    "user.manage": ("organiser_in_scope",),
    "region.manage": ("organiser_over_region",),  # the tree below the organiser's scope
    # Organisations
    "organisation.list": ("staff_in_scope",),
    "organisation.create": ("organiser_in_scope",),
    "organisation.import": ("organiser_in_scope",),
    "organisation.view": ("staff_in_scope", "member"),
    "organisation.edit": ("organiser_in_scope", "applicant_member"),
    "organisation.edit_identity": ("organiser_in_scope",),
    "organisation.mine": ("has_organisation",),
    "organisation.invite": ("organisation_owner",),
    "organisation.decide_change": ("organiser_in_scope",),
    "organisation.bar_lift": ("organiser_in_scope",),  # end a bar from applying early
    # Funds
    "fund.list": ("staff_in_scope", "funder"),
    "fund.create": ("organiser_in_scope",),
    "fund.view": ("staff_in_scope", "funder_of"),
    "fund.list_all": ("staff_in_scope",),  # others see only the funds they own or host
    "fund.edit": ("organiser_in_scope",),
    "fund.record_entry": ("staff_in_scope",),
    "fund.decide_entry": ("entry_checker",),  # approve or reject a pending adjustment out
    # Rounds
    "round.list": ("staff_in_scope",),
    "round.browse_open": ("anyone",),
    "round.view": ("staff_in_scope", "published_round"),
    "round.create": ("organiser_in_scope",),
    "round.edit": ("organiser_in_scope",),  # the services refuse locked fields, saying why
    "round.copy": ("organiser_in_scope",),
    "round.extend": ("organiser_in_scope",),  # an open round's deadline, with a reason
    "round.manage": ("organiser_in_scope",),  # the status page with its checklist
    "round.screen": ("organiser_in_scope",),  # the screening list and bulk screening
    # Applications
    "application.mine": ("applicant_with_organisation",),
    "application.view": ("staff_after_submission", "member"),
    "application.prepare": ("applicant_member",),  # the submission page with its checks
    "application.list": ("staff_in_scope",),
    "application.export": ("organiser_in_scope",),
    # Notices
    "notice.view": ("recipient",),
    # Judging
    "judging.manage": ("organiser_in_scope",),  # panels, assignment, progress, results
    "judging.mine": ("anyone",),  # a judge's own list (empty for everyone else)
    "assignment.view": ("assigned_judge",),
    "sheet.view": ("assigned_judge", "organiser_in_scope"),
    "roadshow.control": ("organiser_in_scope",),  # the control page and the hall's projection
    "roadshow.follow": ("organiser_in_scope", "panel_member"),  # the judges' live page
    # Public vote (the round's vote moves are in grants/votes/workflow.py)
    "vote.manage": ("organiser_in_scope",),  # the vote's settings, results, flags and exclusions
    "vote.exclude": ("organiser_in_scope",),
    "vote.certificate": ("organiser_in_scope", "member"),  # the 人气奖 certificate
    # Awards (the notice, award and objection moves are in grants/awards/workflow.py)
    "award.manage": ("organiser_in_scope",),  # proposal, notice, objections, documents
    "award.documents": ("staff_in_scope", "member"),  # a confirmed award's letter and so on
    "objection.manage": ("organiser_in_scope",),
    # Money after the award (the moves are in grants/disbursements/workflow.py)
    "agreement.view": ("staff_in_scope", "member"),
    "agreement.evaluate": ("organiser_in_scope",),  # record a mid-term or final outcome
    "finance.work": ("staff_in_scope",),  # due tranches, approvals waiting, exports
    "payment.record": ("finance_in_scope",),
    "payment.view": ("staff_in_scope",),
    "refund.open": ("organiser_in_scope",),
    "fund.statement": ("staff_in_scope", "funder_of"),
    # Reports (their moves are in grants/reports/workflow.py)
    "report.view": ("staff_in_scope", "member", "round_evaluator"),
    "report.start": ("applicant_member",),
    "report.evaluations": ("organiser_in_scope", "round_evaluator"),  # reports waiting
    "report.evaluate_in_scope": ("organiser_in_scope",),  # every report of a round in scope
    "evaluator.manage": ("organiser_in_scope",),  # who evaluates a round's reports
    # who may be made an evaluator of a round: evaluation-agency accounts, organisers in scope
    "evaluator.eligible": ("evaluator", "organiser_in_scope"),
    # Impact: organisers see their scope, finance everything, a funder its own funds' projects
    "impact.view": ("staff_in_scope", "funder"),
    # The working-day calendar (national: any organiser)
    "calendar.view": ("organiser",),
    "calendar.edit": ("organiser",),
}


_loaded = False


def load_workflows() -> None:
    """Import every lifecycle table once (they register themselves with the engine)."""
    global _loaded
    if not _loaded:
        for name in WORKFLOW_MODULES:
            importlib.import_module(name)
        _loaded = True


def out_of_scope(user: User | None, obj: Any) -> bool:
    """An organiser asking about an object outside their scope. Routes answer 404 for it, as
    if the object did not exist, so that a URL reveals nothing about other offices' work."""
    return (user is not None and user.role == "organiser" and obj is not None
            and not in_scope(user, obj))


def state_refusal(user: User | None, action: str, obj: Any) -> str:
    """For a move the user could make but not in the object's present state (terminating an
    agreement already cancelled), that state in words; otherwise ""."""
    if user is None or obj is None:
        return ""
    load_workflows()
    found, transition = lifecycle.split(action)
    if found is None or transition is None or found.applies(transition, obj):
        return ""
    if not lifecycle.holds(user, transition.who, obj):
        return ""
    return lifecycle.state_refusal(found, transition, obj)


# The action that reads a kind of object, where it is not "<noun>.view".
VIEWS = {"award": "award.documents", "objection": "objection.manage"}


def hidden(user: User | None, action: str, obj: Any) -> bool:
    """Whether a refusal of `action` on `obj` should say "not found": the user may not even
    see the object (outside an organiser's scope, or refused its kind's view), so that an
    address reveals nothing about whether something exists."""
    if obj is None:
        return False
    if out_of_scope(user, obj):
        return True
    noun = action.partition(".")[0]
    view = VIEWS.get(noun, f"{noun}.view")
    if action == view:
        return True
    # only for an object of the action's own kind (fund.correct_entry is asked of an entry)
    return (getattr(obj, "__tablename__", None) == noun and view in RULES
            and not can(user, view, obj))


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
