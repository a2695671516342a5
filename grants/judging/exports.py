"""xlsx exports of a stage: the score matrix (applications × judges × criteria) and the
ranking. In a blind stage the applying organisation is left out."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlmodel import Session

from grants.accounts.models import User
from grants.i18n import gettext as _
from grants.judging import results, services
from grants.judging.models import ScoreSheet
from grants.organisations.models import Organisation
from grants.rounds.models import Stage
from grants.rounds.rubrics import criteria_of


def score_matrix(session: Session, stage: Stage) -> bytes:
    blind = bool(stage.config.get("blind"))
    apps = services.stage_applications(session, stage)
    criteria = criteria_of(session, stage)
    sheets = list(session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.status == "submitted")
        .order_by(ScoreSheet.application_id, ScoreSheet.user_id)).scalars())
    judges = {u.id: u.display_name for u in session.execute(select(User).where(
        User.id.in_({s.user_id for s in sheets} or {-1}))).scalars()}  # type: ignore[attr-defined]
    orgs = {o.id: o.name for o in session.execute(select(Organisation).where(
        Organisation.id.in_({a.organisation_id for a in apps} or {-1}))).scalars()}  # type: ignore[union-attr]
    by_id = {a.id: a for a in apps}
    book = Workbook()
    sheet = book.active
    sheet.title = _("Scores")[:31]
    head = [_("Application"), _("Title")] + ([] if blind else [_("Organisation")]) + [
        _("Judge")] + [f"{c.name} ({c.max_points})" for c in criteria] + [_("Total")]
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for s in sheets:
        app = by_id.get(s.application_id)
        if app is None:
            continue
        row = [app.id, app.title] + ([] if blind else [orgs.get(app.organisation_id, "")])
        row += [judges.get(s.user_id, "")] + [s.points.get(c.key) for c in criteria] + [s.total]
        sheet.append(row)
    ranking = book.create_sheet(_("Ranking")[:31])
    ranking.append([_("Rank"), _("Application"), _("Title")]
                   + ([] if blind else [_("Organisation")])
                   + [_("Score"), _("Sheets"), _("Advances"), _("Probability of passing")])
    computed = services.judging_of(session, stage).results or results.compute(session, stage)
    for a in sorted(computed.get("applications", []), key=lambda r: r["position"]):
        app = by_id.get(a["id"])
        if app is None:
            continue
        ranking.append([a["display_rank"], app.id, app.title]
                       + ([] if blind else [orgs.get(app.organisation_id, "")])
                       + [a["score"], a["n_sheets"], _("yes") if a["passes"] else _("no"),
                          a["probability"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
