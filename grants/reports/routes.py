"""Report pages: the organisation files its mid-term and final reports; the organiser returns
or evaluates them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from grants.accounts.models import User
from grants.auth import actor, current_user, login_required, require
from grants.disbursements.models import Agreement
from grants.disbursements.workflow import AGREEMENT_STATUSES
from grants.forms import Form
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.reports import files, forms, services, workflow
from grants.reports.models import Evaluation, Report, ReportFile, RoundEvaluator
from grants.rounds.models import Round
from grants.urls import path
from grants.validation import FormErrors
from grants.vocab import TARGET_GROUPS
from grants.web import db, flash, get_form, get_or_404, redirect, render


def _context(request: Request, report: Report, errors: dict | None = None,
             values: dict | None = None) -> dict[str, Any]:
    session = db(request)
    evaluation = session.execute(select(Evaluation).where(
        Evaluation.report_id == report.id)).scalars().first()
    return {"report": report, "agreement": session.get(Agreement, report.agreement_id),
            "evaluation": evaluation, "errors": errors or {}, "values": values or {},
            "photos": files.live(session, report, "photo"),
            "attachments": files.live(session, report, "attachment"),
            "MAX_PHOTOS": files.MAX_PHOTOS, "MAX_ATTACHMENTS": files.MAX_ATTACHMENTS,
            "STATUSES": workflow.STATUSES, "KINDS": workflow.KINDS, "GRADES": workflow.GRADES,
            "AGREEMENT_STATUSES": AGREEMENT_STATUSES,
            "RUBRIC": workflow.RUBRIC, "TARGET_GROUPS": TARGET_GROUPS,
            "line_label": services.line_label,
            "overspent": {o.index: o for o in services.overspending(report)}}


@login_required
async def report_start(request: Request) -> Response:
    session = db(request)
    agreement = get_or_404(session, Agreement, request.path_params["id"])
    require(request, "report.start", agreement)
    try:
        report = services.start(session, actor(request), current_user(request), agreement,
                                str(request.path_params["kind"]))
    except FormErrors as exc:
        session.rollback()
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect(path("agreement_detail", id=agreement.id))
    return redirect(path("report_detail", id=report.id))


def _report(request: Request) -> Report:
    report = get_or_404(db(request), Report, request.path_params["id"])
    require(request, "report.view", report)
    return report


@login_required
async def report_detail(request: Request) -> Response:
    report = _report(request)
    session = db(request)
    if request.method == "POST":
        form = forms.report_form(report)(await get_form(request))
        try:
            services.save(session, actor(request), current_user(request), report, form)
        except FormErrors as exc:
            session.rollback()
            report = get_or_404(session, Report, request.path_params["id"])
            return render(request, "reports/report.html",
                          _context(request, report, exc.errors, form.submitted),
                          status_code=400)
        flash(request, _("The report is saved."))
        return redirect(path("report_detail", id=report.id))
    return render(request, "reports/report.html", _context(request, report))


async def _action(request: Request, kind: type[Form], work: Any, done: str,
                  action: str) -> Response:
    """Read the form `kind` and run `work(session, report, form)`; a bad form or a refusal
    shows the report again with the problems."""
    report = _report(request)
    require(request, action, report)
    session = db(request)
    report_id = report.id
    form = kind(await get_form(request))
    try:
        form.raise_errors()
        work(session, report, form)
    except FormErrors as exc:
        session.rollback()
        report = get_or_404(session, Report, report_id)
        return render(request, "reports/report.html",
                      _context(request, report, exc.errors, form.submitted), status_code=400)
    flash(request, done)
    return redirect(path("report_detail", id=report_id))


@login_required
async def report_submit(request: Request) -> Response:
    """Submit the report. The button sits in the report's form, so what is typed there comes
    with it and is saved first, in the same transaction: nothing typed is lost, and problems
    (of the figures or of completeness) show the form again with what was typed."""
    report = _report(request)
    require(request, "report.submit", report)
    session = db(request)
    report_id = report.id
    posted = await get_form(request)
    form = forms.report_form(report)(posted)
    try:
        if "narrative" in posted:  # the report's fields came with the button
            services.save(session, actor(request), current_user(request), report, form)
        services.submit(session, actor(request), current_user(request), report)
    except FormErrors as exc:
        session.rollback()
        report = get_or_404(session, Report, report_id)
        return render(request, "reports/report.html",
                      _context(request, report, exc.errors, form.submitted), status_code=400)
    flash(request, _("The report is submitted."))
    return redirect(path("report_detail", id=report_id))


@login_required
async def report_return(request: Request) -> Response:
    return await _action(request, forms.ReturnForm, lambda s, r, f: services.return_for_correction(
        s, actor(request), current_user(request), r, f.reason),
        _("The report is returned for correction."), "report.return")


@login_required
async def report_evaluate(request: Request) -> Response:
    def work(session: Any, report: Report, form: forms.EvaluationForm) -> None:
        services.evaluate(session, actor(request), current_user(request), report,
                          grade=form.grade, score=form.score, comments=form.comments,
                          refund_fen=form.refund_fen, scores=form.scores)

    return await _action(request, forms.EvaluationForm, work, _("The evaluation is recorded."),
                         "report.evaluate")


# ---- photos and attachments ----------------------------------------------------------------

@login_required
async def report_file_add(request: Request) -> Response:
    async def work(session: Any, report: Report, form: forms.FileForm) -> None:
        form.raise_errors()
        kind = form.kind or "photo"
        if form.file is None:
            raise FormErrors({kind: _("Choose a file to upload.")})
        files.add(session, actor(request), current_user(request), report, kind=kind,
                  filename=form.file.filename or "", data=await form.file.read(),
                  caption=form.caption)

    report = _report(request)
    require(request, "report.edit", report)
    session = db(request)
    report_id = report.id
    form = forms.FileForm(await get_form(request))
    try:
        await work(session, report, form)
    except FormErrors as exc:
        session.rollback()
        report = get_or_404(session, Report, report_id)
        return render(request, "reports/report.html",
                      _context(request, report, exc.errors, form.submitted), status_code=400)
    flash(request, _("The file is added."))
    return redirect(path("report_detail", id=report_id) + "#report-photos")


def _file(request: Request, report: Report) -> ReportFile:
    item = get_or_404(db(request), ReportFile, request.path_params["fid"])
    if item.report_id != report.id or item.removed_at is not None:
        raise HTTPException(404)
    return item


@login_required
async def report_file(request: Request) -> Response:
    from grants.applications import attachments

    report = _report(request)
    item = _file(request, report)
    thumb = request.query_params.get("thumb") == "1" and item.thumb_name
    stored = item.thumb_name if thumb else item.stored_name
    path_ = attachments.storage_path(stored)
    if not path_.exists():
        raise HTTPException(404)
    inline = item.file_kind in ("jpeg", "png", "pdf")
    return FileResponse(path_, media_type=attachments.KINDS[item.file_kind][0],
                        filename=item.filename, content_disposition_type=(
                            "inline" if inline else "attachment"),
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "private, max-age=3600"})


@login_required
async def report_file_remove(request: Request) -> Response:
    report = _report(request)
    require(request, "report.edit", report)
    item = _file(request, report)
    files.remove(db(request), actor(request), current_user(request), report, item)
    flash(request, _("The file is removed."))
    return redirect(path("report_detail", id=report.id) + "#report-photos")


# ---- evaluators and the evaluation list -----------------------------------------------------

@login_required
async def evaluations(request: Request) -> Response:
    """Reports waiting for evaluation that the signed-in user may evaluate."""
    user = require(request, "report.evaluations")
    session = db(request)
    waiting = services.waiting_for(session, user)
    agreements = {a.id: a for a in session.execute(select(Agreement).where(
        Agreement.id.in_({r.agreement_id for r in waiting} or {-1}))).scalars()}
    names = {row[0]: row[1] for row in session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.id.in_({r.organisation_id for r in waiting} or {-1}))).all()}
    rounds = {row[0]: row[1] for row in session.execute(select(Round.id, Round.name).where(
        Round.id.in_({r.round_id for r in waiting} or {-1}))).all()}
    return render(request, "reports/evaluations.html", {
        "waiting": waiting, "agreements": agreements, "names": names, "rounds": rounds,
        "KINDS": workflow.KINDS})


@login_required
async def round_evaluators(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "evaluator.manage", round_)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        form = forms.EvaluatorForm(await get_form(request))
        values = form.submitted
        try:
            if form.remove is not None or "remove" in form.errors:
                evaluator = session.get(RoundEvaluator, form.remove) if form.remove else None
                if evaluator is None or evaluator.round_id != round_.id:
                    raise HTTPException(404)
                services.remove_evaluator(session, actor(request), evaluator)
                flash(request, _("The evaluator is removed."))
            else:
                form.raise_errors()
                added = services.add_evaluator(session, actor(request), round_.id or 0,
                                               form.who, form.agency)
                flash(request, _("%(name)s now evaluates this round's reports.",
                                 name=session.get(User, added.user_id).display_name))
        except FormErrors as exc:
            session.rollback()
            errors = exc.errors
        else:
            return redirect(path("round_evaluators", id=round_.id))
    return render(request, "reports/evaluators.html", {
        "round": round_, "evaluators": services.evaluators(session, round_.id or 0),
        "errors": errors, "values": values}, status_code=400 if errors else 200)


routes = [
    Route("/evaluations", evaluations, name="evaluations"),
    Route("/rounds/{id:id}/evaluators", round_evaluators, methods=["GET", "POST"],
          name="round_evaluators"),
    Route("/reports/{id:id}/files", report_file_add, methods=["POST"], name="report_file_add"),
    Route("/reports/{id:id}/files/{fid:id}", report_file, name="report_file"),
    Route("/reports/{id:id}/files/{fid:id}/remove", report_file_remove, methods=["POST"],
          name="report_file_remove"),
    Route("/agreements/{id:id}/reports/{kind:str}", report_start, methods=["POST"],
          name="report_start"),
    Route("/reports/{id:id}", report_detail, methods=["GET", "POST"], name="report_detail"),
    Route("/reports/{id:id}/submit", report_submit, methods=["POST"], name="report_submit"),
    Route("/reports/{id:id}/return", report_return, methods=["POST"], name="report_return"),
    Route("/reports/{id:id}/evaluate", report_evaluate, methods=["POST"],
          name="report_evaluate"),
]
