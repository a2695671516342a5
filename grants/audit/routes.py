"""The organiser's view of the audit trail: events in plain words, what changed, and a check of
the hash chain that needs no command line."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import lifecycle
from grants.audit import AuditEvent, fields, verify
from grants.auth import login_required, require
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.pagecache import no_page_cache
from grants.pagination import page_number, paginate
from grants.web import db, render

# What the objects are called, for the table types people meet most.
NOUNS: dict[str, str] = {
    "round": N_("Round"), "application": N_("Application"), "organisation": N_("Organisation"),
    "fund": N_("Fund"), "fund_entry": N_("Fund entry"), "user_account": N_("User"),
    "region": N_("Region"), "stage": N_("Stage"), "track": N_("Track"),
    "criterion": N_("Criterion"), "round_fund": N_("Fund attached to a round"),
    "panel_member": N_("Panel member"), "judge_assignment": N_("Assignment"),
    "score_sheet": N_("Score sheet"), "stage_judging": N_("Judging of a stage"),
    "award": N_("Award"), "award_notice": N_("Public notice"), "objection": N_("Objection"),
    "agreement": N_("Agreement"), "tranche": N_("Tranche"), "payment": N_("Payment"),
    "refund": N_("Refund"), "report": N_("Report"), "evaluation": N_("Evaluation"),
    "vote_setup": N_("Public vote"), "vote_award": N_("人气奖 (popularity award)"),
    "organisation_bar": N_("Bar from applying"), "bonus_grant": N_("Bonus points"),
    "round_evaluator": N_("Evaluator of a round"),
}
# What was done, for actions that are not moves of a lifecycle (those carry their own label).
VERBS: dict[str, str] = {
    "create": N_("created"), "update": N_("changed"), "delete": N_("deleted"),
    "login": N_("logged in"), "logout": N_("logged out"), "import": N_("imported"),
    "transition": N_("status changed"), "configure": N_("settings changed"),
    "copy": N_("copied"), "extend": N_("deadline extended"), "exclude": N_("votes excluded"),
    "award": N_("popularity award named"), "rename": N_("renamed"),
}
# Actions that are neither a lifecycle move nor a plain noun and verb, in words.
ACTIONS: dict[str, str] = {
    "agreement.evaluate": N_("Agreement: evaluation recorded"),
    "application.save": N_("Application draft saved"),
    "assignment.add": N_("Judge assigned by hand"),
    "attachment.add": N_("Attachment added"), "attachment.remove": N_("Attachment removed"),
    "bonus.grant": N_("Bonus points granted"), "bonus.change": N_("Bonus points changed"),
    "bonus.withdraw": N_("Bonus points withdrawn"),
    "calendar.set_day": N_("Working-day calendar changed"),
    "calendar.clear_day": N_("Working-day calendar changed"),
    "fund.entry_approve": N_("Fund entry approved"), "fund.reverse": N_("Fund entry reversed"),
    "judging.assign": N_("Judges assigned automatically"),
    "judging.override": N_("Advancement overridden"),
    "judging.remind": N_("Reminders sent to judges"),
    "judging.results": N_("Results computed"),
    "objection.lodge": N_("Objection lodged"), "objection.note": N_("Objection: note added"),
    "objection.told": N_("Objector told"),
    "organisation.change_request": N_("Identity change requested"),
    "organisation.change_approve": N_("Identity change approved"),
    "organisation.change_refuse": N_("Identity change refused"),
    "organisation.invite": N_("Member invited"), "organisation.join": N_("Member joined"),
    "organisation.register": N_("Organisation registered itself"),
    "organisation_bar.expire": N_("Bar from applying ended"),
    "organisation_bar.lift": N_("Bar from applying lifted"),
    "panel.add": N_("Panel member added"), "panel.invite": N_("Judge invited"),
    "panel.accept_invite": N_("Judge accepted the invitation"),
    "panel.remove": N_("Panel member removed"), "panel.update": N_("Panel member changed"),
    "payment.record": N_("Payment recorded"), "refund.open": N_("Refund opened"),
    "region.move": N_("Region moved"), "region.retire": N_("Region retired"),
    "region.restore": N_("Region made current again"),
    "report.start": N_("Report started"), "report.save": N_("Report saved"),
    "report_file.add": N_("Report file added"), "report_file.remove": N_("Report file removed"),
    "round.fund_attach": N_("Fund attached to the round"),
    "round.fund_detach": N_("Fund detached from the round"),
    "round.fund_import": N_("Funds copied into the round"),
    "round_evaluator.add": N_("Evaluator given the round"),
    "round_evaluator.remove": N_("Evaluator removed from the round"),
    "stage.move": N_("Stage moved in the plan"),
    "user.create": N_("User created"), "user.activate": N_("User activated"),
    "user.deactivate": N_("User deactivated"), "user.locale": N_("Language changed"),
    "user.login": N_("Logged in"), "user.logout": N_("Logged out"),
    "user.password_change": N_("Password changed"), "user.password_reset": N_("Password reset"),
    "vote.award": N_("人气奖 named"), "vote.exclude": N_("Vote excluded from the count"),
}
# Where an object of these types can be opened, and which column names it.
LINKS: dict[str, tuple[str, str]] = {"round": ("round_detail", "name"),
                                     "application": ("application_detail", "title"),
                                     "organisation": ("organisation_detail", "name"),
                                     "fund": ("fund_detail", "name")}
# Not shown as changes (the id is in the Object column already).
HIDDEN_FIELDS = {"id", "updated_at", "created_at", "hash", "prev_hash", "seal",
                 # keyed hashes (votes, objections): meaningless to read, kept in the record
                 "ip_hash", "voter_hash", "device_hash", "email_hash"}


def describe(action: str) -> str:
    """An audit action in words: its own label, a lifecycle move's label, else noun and verb;
    an action nobody worded yet shows as "Recorded" (its code is printed beside it)."""
    if action in ACTIONS:
        return _(ACTIONS[action])
    noun, _dot, verb = action.partition(".")
    if noun == "fund":  # ledger entries: fund.<kind>, or fund.<kind>_request (waiting)
        from grants.vocab import FUND_ENTRY_KINDS

        kind = verb.removesuffix("_request")
        if kind in FUND_ENTRY_KINDS:
            text = _("Fund entry: %(kind)s", kind=_(FUND_ENTRY_KINDS[kind]))
            return text + (" · " + _("waiting for approval") if verb != kind else "")
    found, transition = lifecycle.split(action)
    if found is not None and transition is not None and transition.label:
        return _(transition.label)
    if noun in NOUNS and verb in VERBS:
        return f"{_(NOUNS[noun])} · {_(VERBS[verb])}"
    return _("Recorded")


def _load(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def changes(event: AuditEvent, users: dict[int, str] | None = None,
            names: dict[tuple[str, int], str] | None = None) -> list[tuple[str, str, str]]:
    """(field label, before, after) in words for each field that differs, in the order
    recorded: amounts in yuan, states by their labels, users by name (those in `users`).
    A draft application's contents are private to its organisation (docs/applications.md):
    the trail says a draft was created or saved, and what it held only once submitted."""
    before, after = _load(event.before), _load(event.after)
    if event.object_type == "application" and after.get("status", before.get("status")) == "draft":
        return []
    keys = [k for k in after if k not in HIDDEN_FIELDS] + [
        k for k in before if k not in after and k not in HIDDEN_FIELDS]
    def empty(value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    status = fields.lifecycle_of(event.object_type)
    return [(fields.label(k),
             fields.value(k, before.get(k), status=status, users=users, table=event.object_type,
                          names=names),
             fields.value(k, after.get(k), status=status, users=users, table=event.object_type,
                          names=names))
            for k in keys if before.get(k) != after.get(k)
            and not (empty(before.get(k)) and empty(after.get(k)))][:12]


def _users(session: Any, events: list[AuditEvent]) -> dict[int, str]:
    """The names of the users the page's events name (as objects or in a changed field), in
    one query (run even when there are none, so the page's statements stay the same)."""
    from grants.accounts.models import User

    ids: set[int] = set()
    for e in events:
        if e.object_type == "user_account" and str(e.object_id or "").isdigit():
            ids.add(int(e.object_id))
        for recorded in (_load(e.before), _load(e.after)):
            for k in fields.USER_FIELDS & recorded.keys():
                ids |= fields.user_ids(recorded[k])
    return {user_id: name or username for user_id, name, username in session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(ids))).all()}


def _names(session: Any, events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The names of the linked objects on the page, one query per type."""
    from grants.applications.models import Application
    from grants.funds.models import Fund
    from grants.organisations.models import Organisation
    from grants.regions.models import Region
    from grants.rounds.models import Round

    models = {"round": Round, "application": Application, "organisation": Organisation,
              "fund": Fund, "region": Region}
    found: dict[tuple[str, int], str] = {}
    # the objects of the events, and those their recorded changes name (round_id …)
    referenced: dict[str, set[int]] = {kind: set() for kind in models}
    for event in events:
        for recorded in (_load(event.before), _load(event.after)):
            for field, kind in fields.REFERENCES.items():
                referenced[kind] |= fields.user_ids(recorded.get(field))
            for field, kind in fields.LIST_REFERENCES.items():
                referenced[kind] |= set(fields.id_list(recorded.get(field)))
    for kind, model in models.items():
        ids = {int(e.object_id) for e in events if e.object_type == kind
               and str(e.object_id or "").isdigit()} | referenced[kind]
        if ids:
            column = getattr(model, LINKS[kind][1] if kind in LINKS else "name")
            for object_id, name in session.execute(
                    select(model.id, column).where(model.id.in_(ids))).all():
                found[(kind, object_id)] = name
    return found


@login_required
async def audit_list(request: Request) -> Response:
    require(request, "audit.view")
    params = request.query_params
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = params.get("action", "").strip()[:80]
    object_type = params.get("object_type", "").strip()[:60]
    actor_name = params.get("actor", "").strip()[:120]
    if action:
        query = query.where(AuditEvent.action.ilike(f"{action}%"))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if actor_name:
        query = query.where(AuditEvent.actor_name == actor_name)
    session = db(request)
    page = paginate(session, query, page_number(request), per_page=50)
    events = list(page.items)
    users = _users(session, events)
    names = _names(session, events)
    return render(request, "audit/list.html", {
        "page": page, "action": action, "object_type": object_type, "actor": actor_name,
        "describe": describe, "changes": lambda event: changes(event, users, names),
        "NOUNS": NOUNS, "LINKS": LINKS, "names": names, "users": users})


@login_required
async def audit_verify(request: Request) -> Response:
    """Check the whole chain now, as `grants audit verify` does, and say what was found."""
    require(request, "audit.view")
    # Never kept: it reads the checkpoint files, and looks for changes made outside the
    # application, which raise no version (grants/pagecache.py).
    no_page_cache(request)
    result = verify(db(request))
    return render(request, "audit/verify.html", {"result": result})


routes = [Route("/admin/audit", audit_list, name="audit"),
          Route("/admin/audit/verify", audit_verify, name="audit_verify")]
