"""Helpers shared by the application route modules: loading the application in the URL,
the round's tracks and the proposal form's context."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request

from grants.applications import attachments as files
from grants.applications import rules
from grants.applications.forms import Rows
from grants.applications.models import Application
from grants.auth import require
from grants.i18n import gettext as _
from grants.regions import services as regions
from grants.rounds.models import Round, Track
from grants.spreadsheets import XLSX  # noqa: F401 - the pages send spreadsheets
from grants.web import db, get_or_404, path_int


def load(request: Request, action: str = "application.view") -> tuple[Application, Round]:
    """The application in the URL and its round, checked against the user before anything
    is shown."""
    session = db(request)
    app = get_or_404(session, Application, path_int(request))
    require(request, "application.view", app)
    round_: Round = app.round
    if action != "application.view":
        require(request, action, app)
    return app, round_


def tracks(request: Request, round_: Round) -> list[Track]:
    return list(db(request).execute(select(Track).where(Track.round_id == round_.id)
                                    .order_by(Track.position, Track.id)).scalars())


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def form_context(request: Request, app: Application, round_: Round, values: dict,
                 rows: Rows, errors: dict | None = None, file_error: str = "") -> dict:
    session = db(request)
    totals = live_totals(rows)
    rules_doc = round_.budget_rules or {}
    return {
        "app": app, "round": round_, "values": values, "errors": errors or {},
        "tracks": [(t.id, t.name) for t in tracks(request, round_)],
        "communities": _served_choices(session, round_, values.get("community_ids") or []),
        "attachments": files.live(session, app), "file_error": file_error,
        "line_rows": [*rows.lines, *[{} for _ in range(3)]],
        "activity_rows": [*rows.activities, *[{} for _ in range(3)]],
        "categories": [(code, _(label)) for code, label in rules.CATEGORY_LABELS.items()],
        "totals": totals, "budget_rules": rules_doc,
        "shares": {
            "admin": rules.percent_text(totals.by_category.get("admin", 0), totals.request_fen,
                                        round_up=True),
            "personnel": rules.percent_text(totals.by_category.get("personnel", 0),
                                            totals.request_fen, round_up=True),
            "cofunding": rules.percent_text(totals.cofunding_fen, totals.request_fen,
                                            round_up=False),
        },
        "max_attachments": files.MAX_PER_APPLICATION,
        "max_mb": f"{files.get_settings().max_upload_bytes / 1048576:g}",
    }


def _served_choices(session: Any, round_: Round, chosen: Any) -> list[tuple[int, str]]:
    """The communities a project may serve: the round's own, when it names them (and any
    the draft has chosen already, so that saving does not drop them unseen)."""
    choices = regions.community_choices(session)
    allowed = set((round_.eligibility or {}).get("community_ids") or [])
    if not allowed:
        return choices
    allowed |= {c for c in chosen if isinstance(c, int)}
    return [c for c in choices if c[0] in allowed]


def live_totals(rows: Rows) -> rules.Totals:
    """The budget's totals as typed so far (rows whose amounts do not read are left out)."""
    from grants import money

    out = []
    for row in rows.lines:
        try:
            out.append(rules.Line(row.get("category", ""),
                                  money.parse_yuan(row["amount"]) if row.get("amount") else 0,
                                  money.parse_yuan(row["cofunding"]) if row.get("cofunding")
                                  else 0))
        except (money.MoneyError, KeyError):
            continue
    return rules.totals(out)
