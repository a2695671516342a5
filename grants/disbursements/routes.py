"""Finance pages: the work waiting, an agreement with its tranches, payments and refunds,
fund statements with their exports, reconciliation against a bank statement, and the
payment voucher (付款凭证)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from grants import lifecycle, spreadsheets
from grants.auth import actor, current_user, login_required, require
from grants.awards.models import Award
from grants.disbursements import forms, services, workflow
from grants.disbursements.models import Agreement, Payment, Refund, Tranche
from grants.funds.models import Fund, FundEntry
from grants.i18n import N_
from grants.i18n import gettext as _
from grants.organisations.models import Organisation
from grants.pagecache import one_time_key
from grants.permissions import can
from grants.reports import services as report_services
from grants.reports import workflow as report_workflow
from grants.rounds.choices import TRANCHE_CONDITION_LABELS
from grants.rounds.models import Round
from grants.timeutil import today
from grants.urls import path
from grants.validation import FormErrors, parse_date
from grants.vocab import FUND_ENTRY_KINDS
from grants.web import db, flash, get_form, get_or_404, redirect, render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OVERDUE_DAYS = 15  # a due tranche unpaid this long is overdue


def _date(value: str | None) -> date | None:
    """A date from a query parameter (the period of a statement), or None."""
    try:
        return parse_date((value or "").strip(), 2000, 2100)
    except ValueError:
        return None


async def _upload(upload: UploadFile | None) -> tuple[str, bytes]:
    if upload is None or not upload.filename:
        return "", b""
    return upload.filename, await upload.read()


# ---- the finance page --------------------------------------------------------------------

@login_required
async def finance(request: Request) -> Response:
    user = require(request, "finance.work")
    session = db(request)
    day = today()
    rounds_in_scope = [r for r in session.execute(select(Round)).scalars()
                       if can(user, "finance.work", r)]
    ids = [r.id for r in rounds_in_scope]
    due = list(session.execute(
        select(Tranche, Agreement, Organisation.name)
        .join(Agreement, Agreement.id == Tranche.agreement_id)
        .join(Organisation, Organisation.id == Tranche.organisation_id)
        .where(Tranche.round_id.in_(ids), or_(
            Tranche.status.in_(("due", "requested")),
            (Tranche.status == "scheduled") & (Tranche.condition == "date")
            & (Tranche.due_on <= day)))
        .order_by(Tranche.due_on, Tranche.id).limit(500)).all())
    pending = list(session.execute(
        select(Payment, Organisation.name).join(Organisation,
                                                Organisation.id == Payment.organisation_id)
        .where(Payment.round_id.in_(ids), Payment.status == "pending")
        .order_by(Payment.id).limit(500)).all())
    refunds = list(session.execute(
        select(Refund, Organisation.name).join(Organisation,
                                               Organisation.id == Refund.organisation_id)
        .where(Refund.round_id.in_(ids), Refund.status.in_(("due", "write_off_requested")))
        .order_by(Refund.id).limit(500)).all())
    drafts = list(session.execute(
        select(Agreement, Organisation.name).join(Organisation,
                                                  Organisation.id == Agreement.organisation_id)
        .where(Agreement.round_id.in_(ids), Agreement.status == "draft")
        .order_by(Agreement.id).limit(500)).all())
    return render(request, "finance/index.html", {
        "due": due, "pending": pending, "refunds": refunds, "drafts": drafts,
        "overdue_before": day - timedelta(days=OVERDUE_DAYS), "today": day,
        "TRANCHE_STATUSES": workflow.TRANCHE_STATUSES,
        "REFUND_STATUSES": workflow.REFUND_STATUSES, "OVERDUE_DAYS": OVERDUE_DAYS})


# ---- an agreement ----------------------------------------------------------------------------

def _agreement_context(request: Request, agreement: Agreement, errors: dict | None = None,
                       values: dict | None = None) -> dict[str, Any]:
    session = db(request)
    tranches = services.tranches_of(session, agreement)
    payments = list(session.execute(select(Payment).where(
        Payment.agreement_id == agreement.id).order_by(Payment.id)).scalars())
    refunds = list(session.execute(select(Refund).where(
        Refund.agreement_id == agreement.id).order_by(Refund.id)).scalars())
    award = session.get(Award, agreement.award_id)
    from grants.applications.models import Application

    application = session.get(Application, award.application_id) if award else None
    return {"agreement": agreement, "tranches": tranches, "payments": payments,
            "refunds": refunds, "award": award, "application": application,
            "organisation": session.get(Organisation, agreement.organisation_id),
            "round": session.get(Round, agreement.round_id), "errors": errors or {},
            "values": values or {}, "paid": services.paid_total(session, agreement),
            "pending": {t.id: services.pending_on(session, t.id or 0) for t in tranches},
            "AGREEMENT_STATUSES": workflow.AGREEMENT_STATUSES,
            "TRANCHE_STATUSES": workflow.TRANCHE_STATUSES,
            "PAYMENT_STATUSES": workflow.PAYMENT_STATUSES,
            "REFUND_STATUSES": workflow.REFUND_STATUSES,
            "CONDITIONS": CONDITION_LABELS, "form_key": one_time_key(request),
            "reports": {r.kind: r for r in report_services.reports_of(session, agreement)},
            "REPORT_KINDS": report_workflow.KINDS, "REPORT_STATUSES": report_workflow.STATUSES,
            "BAR_YEARS": forms.BAR_YEARS,
            "terminate_problems": lifecycle.problems(session, "agreement.terminate", agreement)
            if agreement.status == "signed" else []}


CONDITION_LABELS = {**TRANCHE_CONDITION_LABELS, "date": N_("on a date")}


def _agreement(request: Request, action: str = "agreement.view") -> Agreement:
    agreement = get_or_404(db(request), Agreement, request.path_params["id"])
    require(request, action, agreement)
    return agreement


@login_required
async def agreement_detail(request: Request) -> Response:
    agreement = _agreement(request)
    return render(request, "finance/agreement.html", _agreement_context(request, agreement))


async def _agreement_action(request: Request, agreement: Agreement, work: Any,
                            tranche_id: int | None = None) -> Response:
    """Run `work`; a refusal shows the agreement page again with the problems and what was
    typed (`tranche_id`: the tranche whose payment form was sent)."""
    session = db(request)
    agreement_id = agreement.id
    form = await get_form(request)
    try:
        message = await work(session, form)
    except FormErrors as exc:
        session.rollback()
        agreement = get_or_404(session, Agreement, agreement_id)
        values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        values["paying_tranche"] = tranche_id
        values["_sent"] = request.url.path.rstrip("/").rsplit("/", 1)[-1]  # which form
        return render(request, "finance/agreement.html",
                      _agreement_context(request, agreement, exc.errors, values),
                      status_code=400)
    flash(request, message)
    return redirect(path("agreement_detail", id=agreement_id))


@login_required
async def agreement_schedule(request: Request) -> Response:
    agreement = _agreement(request)

    async def work(session: Any, form: Any) -> str:
        read = forms.ScheduleForm(form, services.CONDITIONS)
        read.raise_errors()
        services.change_schedule(session, actor(request), current_user(request), agreement,
                                 read.rows, read.reason)
        return _("The schedule is changed.")

    return await _agreement_action(request, agreement, work)


@login_required
async def agreement_sign(request: Request) -> Response:
    agreement = _agreement(request)

    async def work(session: Any, form: Any) -> str:
        read = forms.SignForm(form)
        read.raise_errors()
        filename, data = await _upload(read.scan)
        services.sign(session, actor(request), current_user(request), agreement,
                      signed_on=read.signed_on, signatories=read.signatories,
                      filename=filename, data=data)
        return _("The signing is recorded.")

    return await _agreement_action(request, agreement, work)


@login_required
async def agreement_evaluate(request: Request) -> Response:
    agreement = _agreement(request, "agreement.evaluate")

    async def work(session: Any, form: Any) -> str:
        read = forms.EvaluationForm(form)
        read.raise_errors()
        report_services.record_agreement_evaluation(
            session, actor(request), current_user(request), agreement, read.which or "",
            read.passed, read.note, refund_fen=read.refund)
        return _("The evaluation is recorded.")

    return await _agreement_action(request, agreement, work)


@login_required
async def agreement_terminate(request: Request) -> Response:
    agreement = _agreement(request, "agreement.terminate")

    async def work(session: Any, form: Any) -> str:
        read = forms.TerminateForm(form)
        read.raise_errors()
        services.terminate(session, actor(request), current_user(request), agreement,
                           reason=read.reason, refund_fen=read.refund,
                           bar_until=read.bar_until(today()))
        return _("The agreement is terminated.")

    return await _agreement_action(request, agreement, work)


@login_required
async def agreement_ask_back(request: Request) -> Response:
    agreement = _agreement(request, "refund.open")

    async def work(session: Any, form: Any) -> str:
        read = forms.AskBackForm(form)
        read.raise_errors()
        services.ask_back(session, actor(request), current_user(request), agreement,
                          read.refund, read.reason)
        return _("The refund is asked for; finance records it when the money comes back.")

    return await _agreement_action(request, agreement, work)


@login_required
async def tranche_pay(request: Request) -> Response:
    session = db(request)
    tranche = get_or_404(session, Tranche, request.path_params["id"])
    user = require(request, "payment.record", tranche)
    agreement = get_or_404(session, Agreement, tranche.agreement_id)

    async def work(session: Any, form: Any) -> str:
        read = forms.PaymentForm(form)
        read.raise_errors()
        filename, data = await _upload(read.voucher)
        try:
            services.record_payment(session, actor(request), user, tranche,
                                    amount_fen=read.amount, paid_on=read.paid_on,
                                    bank_reference=read.bank_reference, note=read.note,
                                    filename=filename, data=data,
                                    form_key=read.form_key or None)
        except services.DuplicatePayment:
            session.rollback()
            return _("This payment was already recorded.")
        return _("The payment is recorded; another finance user must approve it.")

    return await _agreement_action(request, agreement, work, tranche_id=tranche.id)


@login_required
async def payment_decide(request: Request) -> Response:
    session = db(request)
    payment = get_or_404(session, Payment, request.path_params["id"])
    require(request, "payment.view", payment)
    agreement = get_or_404(session, Agreement, payment.agreement_id)

    async def work(session: Any, form: Any) -> str:
        read = forms.PaymentDecisionForm(form)
        read.raise_errors()
        if read.action == "approve":
            services.approve(session, actor(request), current_user(request), payment)
            return _("The payment is approved and entered in the ledger.")
        services.reject(session, actor(request), current_user(request), payment, read.reason)
        return _("The payment is rejected.")

    return await _agreement_action(request, agreement, work)


@login_required
async def refund_act(request: Request) -> Response:
    session = db(request)
    refund = get_or_404(session, Refund, request.path_params["id"])
    require(request, "payment.view", refund)
    agreement = get_or_404(session, Agreement, refund.agreement_id)

    async def work(session: Any, form: Any) -> str:
        read, user = forms.RefundForm(form), current_user(request)
        read.raise_errors()
        if read.action == "record":
            try:
                services.record_refund(session, actor(request), user, refund,
                                       refunded_on=read.refunded_on,
                                       bank_reference=read.bank_reference)
            except services.DuplicateRefund:  # the same form sent again
                session.rollback()
                return _("This refund was already recorded.")
            return _("The refund is recorded and returned to the funds.")
        if read.action == "request_write_off":
            services.request_write_off(session, actor(request), user, refund, read.reason)
            return _("The write-off awaits a second person's approval.")
        services.decide_write_off(session, actor(request), user, refund,
                                  read.action == "approve_write_off", read.reason)
        return _("The decision is recorded.")

    return await _agreement_action(request, agreement, work)


@login_required
async def agreement_file(request: Request) -> Response:
    """The scanned agreement (kind=scan) or a payment's voucher (kind=voucher, pid=...)."""
    from grants.applications import attachments

    agreement = _agreement(request)
    session = db(request)
    if request.path_params.get("pid"):
        payment = get_or_404(session, Payment, request.path_params["pid"])
        if payment.agreement_id != agreement.id:
            raise HTTPException(404)
        require(request, "payment.view", payment)
        stored, name, kind = payment.voucher_stored, payment.voucher_name, payment.voucher_kind
    else:
        stored, name, kind = agreement.scan_stored, agreement.scan_name, agreement.scan_kind
    if not stored or not attachments.storage_path(stored).exists():
        raise HTTPException(404)
    return FileResponse(attachments.storage_path(stored), media_type=attachments.KINDS[kind][0],
                        filename=name or "file", headers={"X-Content-Type-Options": "nosniff"})


@login_required
async def payment_voucher(request: Request) -> Response:
    from grants import pdf

    session = db(request)
    payment = get_or_404(session, Payment, request.path_params["id"])
    require(request, "payment.view", payment)
    if payment.status != "approved":
        raise HTTPException(404)
    agreement = get_or_404(session, Agreement, payment.agreement_id)
    tranche = get_or_404(session, Tranche, payment.tranche_id)
    round_ = session.get(Round, payment.round_id)
    org = session.get(Organisation, payment.organisation_id)
    from grants.accounts.models import User

    names = {u.id: u.display_name for u in session.execute(select(User).where(
        User.id.in_([payment.recorded_by_id or 0, payment.decided_by_id or 0]))).scalars()}
    funds_paid = session.execute(select(Fund.name, FundEntry.amount_fen).join(
        Fund, Fund.id == FundEntry.fund_id).where(FundEntry.ref_type == "payment",
                                                  FundEntry.ref_id == payment.id)
        .order_by(FundEntry.id)).all()
    context = {"payment": payment, "agreement": agreement, "tranche": tranche,
               "round_name": round_.name if round_ else "",
               "organiser_unit": round_.organiser_unit if round_ else "",
               "organisation": org, "maker": names.get(payment.recorded_by_id or 0, ""),
               "checker": names.get(payment.decided_by_id or 0, ""),
               "funds": [{"name": n, "amount_fen": int(a)} for n, a in funds_paid]}
    if request.query_params.get("format") == "html":
        return pdf.preview(pdf.html("pdf/voucher.html", **context))
    return Response(pdf.render("pdf/voucher.html", **context), media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="voucher-{payment.id}.pdf"',
                             "Cache-Control": "private, no-store"})


# ---- statements, exports, reconciliation -------------------------------------------------------

def _fund(request: Request) -> Fund:
    fund = get_or_404(db(request), Fund, request.path_params["id"])
    require(request, "fund.statement", fund)
    return fund


def _period(request: Request) -> tuple[date, date, dict[str, str]]:
    day = today()
    errors: dict[str, str] = {}
    first = _date(request.query_params.get("from")) if request.query_params.get(
        "from") else date(day.year, 1, 1)
    last = _date(request.query_params.get("to")) if request.query_params.get("to") else day
    if first is None:
        errors["from"] = _("Enter a date like 2027-03-31.")
    if last is None:
        errors["to"] = _("Enter a date like 2027-03-31.")
    first = first or date(day.year, 1, 1)
    last = last or day
    if first > last:
        errors["to"] = _("The end of the period must not be before its start.")
        last = first
    return first, last, errors


@login_required
async def statement(request: Request) -> Response:
    fund = _fund(request)
    first, last, errors = _period(request)
    data = services.statement(db(request), fund, first, last)
    return render(request, "finance/statement.html", {
        **data, "errors": errors, "KINDS": FUND_ENTRY_KINDS,
        "can_reconcile": can(current_user(request), "finance.work", fund)},
        status_code=400 if errors else 200)


@login_required
async def statement_xlsx(request: Request) -> Response:
    fund = _fund(request)
    first, last, errors = _period(request)
    if errors:
        raise HTTPException(400)
    data = services.statement(db(request), fund, first, last)
    book, sheet = spreadsheets.new_workbook(_("Ledger"), [
        _("Date"), _("Kind"), _("Correction of"), _("Counterparty"), _("Memo"),
        _("Effect on available (yuan)"), _("Effect on held (yuan)"), _("Entry")])
    spreadsheets.append(sheet, [first.isoformat(), _("Opening balance held"), "", "", "", "",
                                data["opening_held"] / 100, ""])
    for m in data["moves"]:
        e = m.entry
        spreadsheets.append(sheet, [e.occurred_on.isoformat(),
                                    _(FUND_ENTRY_KINDS.get(e.kind, e.kind)),
                                    e.reverses_id or "", e.counterparty, e.memo,
                                    m.signed_available / 100, m.signed_held / 100, e.id])
    spreadsheets.append(sheet, [last.isoformat(), _("Closing balance held"), "", "", "", "",
                                data["closing_held"] / 100, ""])
    return Response(spreadsheets.to_bytes(book), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="ledger-{fund.id}-{first}-{last}.xlsx"'})


@login_required
async def payments_xlsx(request: Request) -> Response:
    user = require(request, "finance.work")
    session = db(request)
    ids = [r.id for r in session.execute(select(Round)).scalars() if can(user, "finance.work", r)]
    book, sheet = spreadsheets.new_workbook(_("Payments"), [
        _("Payment"), _("Organisation"), _("Agreement"), _("Tranche"), _("Amount (yuan)"),
        _("Paid on"), _("Bank reference"), _("Status")])
    rows = session.execute(select(Payment, Organisation.name, Agreement.number, Tranche.position)
                           .join(Organisation, Organisation.id == Payment.organisation_id)
                           .join(Agreement, Agreement.id == Payment.agreement_id)
                           .join(Tranche, Tranche.id == Payment.tranche_id)
                           .where(Payment.round_id.in_(ids)).order_by(Payment.id)).all()
    for p, org, number, position in rows:
        spreadsheets.append(sheet, [p.id, org, number, position, p.amount_fen / 100,
                                    p.paid_on.isoformat(), p.bank_reference,
                                    _(workflow.PAYMENT_STATUSES.get(p.status, p.status))])
    return Response(spreadsheets.to_bytes(book), media_type=XLSX, headers={
        "Content-Disposition": 'attachment; filename="payments.xlsx"'})


@login_required
async def reconcile(request: Request) -> Response:
    fund = _fund(request)
    require(request, "finance.work", fund)
    context: dict[str, Any] = {"fund": fund, "result": None, "errors": {}}
    if request.method == "POST":
        filename, data = await _upload(forms.UploadForm(await get_form(request)).file)
        try:
            lines = services.parse_bank_statement(filename, data)
        except FormErrors as exc:
            context["errors"] = exc.errors
            return render(request, "finance/reconcile.html", context, status_code=400)
        context["result"] = services.reconcile(db(request), fund, lines)
    return render(request, "finance/reconcile.html", context)


routes = [
    Route("/finance", finance, name="finance"),
    Route("/finance/payments.xlsx", payments_xlsx, name="finance_payments_xlsx"),
    Route("/agreements/{id:id}", agreement_detail, name="agreement_detail"),
    Route("/agreements/{id:id}/schedule", agreement_schedule, methods=["POST"],
          name="agreement_schedule"),
    Route("/agreements/{id:id}/sign", agreement_sign, methods=["POST"], name="agreement_sign"),
    Route("/agreements/{id:id}/evaluate", agreement_evaluate, methods=["POST"],
          name="agreement_evaluate"),
    Route("/agreements/{id:id}/refunds", agreement_ask_back, methods=["POST"],
          name="agreement_ask_back"),
    Route("/agreements/{id:id}/terminate", agreement_terminate, methods=["POST"],
          name="agreement_terminate"),
    Route("/agreements/{id:id}/scan", agreement_file, name="agreement_scan"),
    Route("/agreements/{id:id}/payments/{pid:id}/voucher-file", agreement_file,
          name="payment_voucher_file"),
    Route("/tranches/{id:id}/payments", tranche_pay, methods=["POST"], name="tranche_pay"),
    Route("/payments/{id:id}/decide", payment_decide, methods=["POST"], name="payment_decide"),
    Route("/payments/{id:id}/voucher.pdf", payment_voucher, name="payment_voucher"),
    Route("/refunds/{id:id}", refund_act, methods=["POST"], name="refund_act"),
    Route("/funds/{id:id}/statement", statement, name="fund_statement"),
    Route("/funds/{id:id}/statement.xlsx", statement_xlsx, name="fund_statement_xlsx"),
    Route("/funds/{id:id}/reconcile", reconcile, methods=["GET", "POST"], name="fund_reconcile"),
]
