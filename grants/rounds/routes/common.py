"""What every round page shares: rendering with the round choices, and reading the round (and
its rows) from the URL with the permission checked."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from grants.auth import current_user, require
from grants.permissions import can
from grants.rounds import choices, workflow
from grants.rounds.models import Round
from grants.web import db, get_or_404, path_int, render


def render_page(request: Request, template: str, context: dict[str, Any],
                status_code: int = 200) -> Response:
    context.setdefault("rc", choices)
    context.setdefault("STATUSES", workflow.STATUSES)
    return render(request, template, context, status_code=status_code)


def round_or_404(request: Request, action: str) -> Round:
    round_ = get_or_404(db(request), Round, path_int(request))
    if not can(current_user(request), "round.view", round_):
        raise HTTPException(404)  # a draft round does not exist for those who may not see it
    require(request, action, round_)
    return round_


def child_or_404(request: Request, model: type, name: str, round_: Round) -> Any:
    obj = get_or_404(db(request), model, path_int(request, name))
    if getattr(obj, "round_id", None) != round_.id:
        raise HTTPException(404)
    return obj
