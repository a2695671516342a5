"""The organiser's view of the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.audit import AuditEvent
from grants.auth import login_required, require
from grants.web import db, page_number, paginate, render


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
    page = paginate(db(request), query, page_number(request), per_page=50)
    return render(request, "audit/list.html", {
        "page": page, "action": action, "object_type": object_type, "actor": actor_name})


routes = [Route("/admin/audit", audit_list, name="audit")]
