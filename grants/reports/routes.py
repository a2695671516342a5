"""Report pages: the organisation files its mid-term and final reports; the organiser returns
or evaluates them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, current_user, login_required, require
from grants.disbursements.models import Agreement
from grants.i18n import gettext as _
from grants.money import MoneyError, parse_yuan
from grants.reports import services, workflow
from grants.reports.models import Evaluation, Report
from grants.urls import path
from grants.validation import FormErrors, parse_whole
from grants.vocab import TARGET_GROUPS
from grants.web import db, flash, get_form, get_or_404, redirect, render


def _context(request: Request, report: Report, errors: dict | None = None,
             values: dict | None = None) -> dict[str, Any]:
    from sqlalchemy import select

    session = db(request)
    evaluation = session.execute(select(Evaluation).where(
        Evaluation.report_id == report.id)).scalars().first()
    return {"report": report, "agreement": session.get(Agreement, report.agreement_id),
            "evaluation": evaluation, "errors": errors or {}, "values": values or {},
            "STATUSES": workflow.STATUSES, "KINDS": workflow.KINDS, "GRADES": workflow.GRADES,
            "TARGET_GROUPS": TARGET_GROUPS}


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
        form = await get_form(request)
        try:
            services.save(session, actor(request), current_user(request), report, form)
        except FormErrors as exc:
            session.rollback()
            report = get_or_404(session, Report, request.path_params["id"])
            values = {k: v for k, v in form.items() if isinstance(v, str)}
            return render(request, "reports/report.html",
                          _context(request, report, exc.errors, values), status_code=400)
        flash(request, _("The report is saved."))
        return redirect(path("report_detail", id=report.id))
    return render(request, "reports/report.html", _context(request, report))


async def _action(request: Request, work: Any, done: str, action: str) -> Response:
    report = _report(request)
    require(request, action, report)
    session = db(request)
    report_id = report.id
    form = await get_form(request)
    try:
        work(session, report, form)
    except FormErrors as exc:
        session.rollback()
        report = get_or_404(session, Report, report_id)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return render(request, "reports/report.html",
                      _context(request, report, exc.errors, values), status_code=400)
    flash(request, done)
    return redirect(path("report_detail", id=report_id))


@login_required
async def report_submit(request: Request) -> Response:
    return await _action(request, lambda s, r, f: services.submit(
        s, actor(request), current_user(request), r), _("The report is submitted."),
        "report.submit")


@login_required
async def report_return(request: Request) -> Response:
    return await _action(request, lambda s, r, f: services.return_for_correction(
        s, actor(request), current_user(request), r, str(f.get("reason", ""))),
        _("The report is returned for correction."), "report.return")


@login_required
async def report_evaluate(request: Request) -> Response:
    def work(session: Any, report: Report, form: Any) -> None:
        errors: dict[str, str] = {}
        score = None
        raw_score = str(form.get("score", "") or "").strip()
        if raw_score:
            try:
                score = parse_whole(raw_score)
            except ValueError:
                errors["score"] = _("Enter a whole number.")
        refund = None
        raw_refund = str(form.get("refund", "") or "").strip()
        if raw_refund:
            try:
                refund = parse_yuan(raw_refund)
            except MoneyError as error:
                errors["refund"] = str(error)
        if errors:
            raise FormErrors(errors)
        services.evaluate(session, actor(request), current_user(request), report,
                          grade=str(form.get("grade", "")), score=score,
                          comments=str(form.get("comments", "")), refund_fen=refund)

    return await _action(request, work, _("The evaluation is recorded."), "report.evaluate")


routes = [
    Route("/agreements/{id:id}/reports/{kind:str}", report_start, methods=["POST"],
          name="report_start"),
    Route("/reports/{id:id}", report_detail, methods=["GET", "POST"], name="report_detail"),
    Route("/reports/{id:id}/submit", report_submit, methods=["POST"], name="report_submit"),
    Route("/reports/{id:id}/return", report_return, methods=["POST"], name="report_return"),
    Route("/reports/{id:id}/evaluate", report_evaluate, methods=["POST"],
          name="report_evaluate"),
]
