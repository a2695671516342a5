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
from grants.audit import AuditEvent, verify
from grants.auth import login_required, require
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.web import db, page_number, paginate, render

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
# Where an object of these types can be opened, and which column names it.
LINKS: dict[str, tuple[str, str]] = {"round": ("round_detail", "name"),
                                     "application": ("application_detail", "title"),
                                     "organisation": ("organisation_detail", "name"),
                                     "fund": ("fund_detail", "name")}
HIDDEN_FIELDS = {"updated_at", "created_at", "hash", "prev_hash", "seal"}


def describe(action: str) -> str:
    """An audit action in words: a lifecycle move's own label, else noun and verb."""
    found, transition = lifecycle.split(action)
    if found is not None and transition is not None and transition.label:
        return _(transition.label)
    noun, _dot, verb = action.partition(".")
    noun_text = _(NOUNS[noun]) if noun in NOUNS else noun
    verb_text = _(VERBS[verb]) if verb in VERBS else verb
    return f"{noun_text} · {verb_text}"


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field that differs, in the order recorded."""
    def load(raw: str | None) -> dict[str, Any]:
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    before, after = load(event.before), load(event.after)
    keys = [k for k in after if k not in HIDDEN_FIELDS] + [
        k for k in before if k not in after and k not in HIDDEN_FIELDS]
    return [(k, _short(before[k]) if k in before else "—",
             _short(after[k]) if k in after else "—")
            for k in keys if before.get(k) != after.get(k)][:12]


def _names(session: Any, events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The names of the linked objects on the page, one query per type."""
    from grants.applications.models import Application
    from grants.funds.models import Fund
    from grants.organisations.models import Organisation
    from grants.rounds.models import Round

    models = {"round": Round, "application": Application, "organisation": Organisation,
              "fund": Fund}
    found: dict[tuple[str, int], str] = {}
    for kind, model in models.items():
        ids = {int(e.object_id) for e in events if e.object_type == kind
               and str(e.object_id or "").isdigit()}
        if ids:
            column = getattr(model, LINKS[kind][1])
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
    return render(request, "audit/list.html", {
        "page": page, "action": action, "object_type": object_type, "actor": actor_name,
        "describe": describe, "changes": changes, "NOUNS": NOUNS, "LINKS": LINKS,
        "names": _names(session, list(page.items))})


@login_required
async def audit_verify(request: Request) -> Response:
    """Check the whole chain now, as `grants audit verify` does, and say what was found."""
    require(request, "audit.view")
    result = verify(db(request))
    return render(request, "audit/verify.html", {"result": result})


routes = [Route("/admin/audit", audit_list, name="audit"),
          Route("/admin/audit/verify", audit_verify, name="audit_verify")]
