"""A round judged to the end: four applications scored by three judges, the stage closed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from grants import lifecycle
from grants.audit import SYSTEM
from grants.awards import services as awards
from grants.judging import results, services
from grants.rounds.models import RoundFund
from tests.judging.factories import World, world
from tests.rounds import factories as rf

# totals per application (rows) and judge (columns): ranks 1, 2, 3, 4 in order
TOTALS = [[90, 88, 92], [80, 82, 78], [70, 72, 68], [60, 62, 58]]
REQUESTS = [50_000_00, 40_000_00, 40_000_00, 30_000_00]


def points_for(total: float) -> dict[str, float]:
    return {key: points * total / 100 for key, _n, points in rf.RUBRIC}


def judged(session: Any, *, budget_fen: int | None = None, advance: int = 4) -> World:
    """Scored and closed; every application advances; requests as REQUESTS."""
    w = world(session, n_apps=4, n_judges=3, k=3, blind=False)
    for app, request in zip(w.apps, REQUESTS, strict=True):
        app.request_fen = request
    w.stage.config = {**w.stage.config, "advancement": {"rule": "top_n", "value": advance}}
    if budget_fen is not None:
        link = session.execute(select(RoundFund).where(
            RoundFund.round_id == w.round.id)).scalars().one()
        link.amount_fen = budget_fen
    for i, app in enumerate(w.apps):
        for j, judge in enumerate(w.judges):
            assignment = w.assignment(session, judge, app)
            lifecycle.perform(session, SYSTEM, judge, "assignment.confirm", assignment)
            sheet = services.sheet_of(session, assignment, create=True)
            services.save_sheet(session, SYSTEM, judge, sheet,
                                services.SheetInput(points=points_for(TOTALS[i][j])),
                                submit=True)
    results.close_stage(session, SYSTEM, None, w.stage)
    session.commit()
    return w


def proposed(session: Any, **kwargs: Any) -> tuple[World, Any]:
    w = judged(session, **kwargs)
    notice = awards.propose(session, SYSTEM, w.organiser, w.round)
    session.commit()
    return w, notice
