"""Award pages: the organiser's proposal, notice and objections; the public notice with its
objection form; the certificate check; and every document (PDF, or HTML with ?format=html)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from grants import lifecycle, pdf
from grants.applications.models import Application
from grants.auth import actor, current_user, login_required, require
from grants.awards import documents, forms, services, workflow
from grants.awards.models import Award, AwardNotice, Objection
from grants.forms import Form
from grants.i18n import gettext as _
from grants.i18n import ngettext
from grants.money import format_yuan
from grants.rounds.models import Round
from grants.urls import path
from grants.validation import FormErrors, is_email
from grants.web import db, flash, get_form, get_or_404, redirect, render


def _applies(obj: Any, action: str) -> bool:
    """Whether the object's state allows the move (who may do it is asked separately)."""
    found, transition = lifecycle.split(action)
    return found is not None and transition is not None and found.applies(transition, obj)


# ---- organiser: the round's awards page ------------------------------------------------------

def _awards_context(request: Request, round_: Round, errors: dict | None = None,
                    values: dict | None = None) -> dict[str, Any]:
    session = db(request)
    notice = services.notice_of(session, round_.id)
    user = current_user(request)
    context: dict[str, Any] = {
        "round": round_, "notice": notice, "errors": errors or {}, "values": values or {},
        "stage": services.final_stage(session, round_.id), "LEVELS": services.LEVELS,
        "NOTICE_STATUSES": workflow.NOTICE_STATUSES, "AWARD_STATUSES": workflow.AWARD_STATUSES,
        "OBJECTION_STATUSES": workflow.OBJECTION_STATUSES,
        "uses": services.fund_use(session, round_.id), "rows": [], "unfunded": [],
        "objections": [], "checks": {}, "moves": [], "agreements": {}}
    probe = notice or AwardNotice(round_id=round_.id)
    context["propose_problems"] = (lifecycle.problems(session, "award_notice.propose", probe)
                                   if probe.status == "draft" else [])
    if notice is not None:
        context["rows"] = services.award_rows(session, notice)
        context["unfunded"] = [(u, title, org, services.unfunded_reason(u))
                               for u, title, org in services.unfunded_rows(session, notice)]
        context["objections"] = list(session.execute(select(Objection).where(
            Objection.notice_id == notice.id).order_by(Objection.id)).scalars())
        for action in ("publish", "confirm"):
            if _applies(notice, f"award_notice.{action}"):
                context["checks"][action] = lifecycle.checklist(
                    session, f"award_notice.{action}", notice)
        context["moves"] = [t for t in lifecycle.available(user, notice, "award_notice")
                            if t.action in ("publish", "confirm")]
        from grants.disbursements.models import Agreement

        context["agreements"] = dict(session.execute(select(
            Agreement.award_id, Agreement.id).where(Agreement.round_id == round_.id)).all())
        context["total_fen"] = sum(r.award.amount_fen for r in context["rows"]
                                   if r.award.status in workflow.LIVE)
    return context


@login_required
async def awards_page(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "award.manage", round_)
    return render(request, "awards/round.html", _awards_context(request, round_))


async def _round_action(request: Request, kind: type[Form], work: Any) -> Response:
    """Read the form `kind` and run `work(session, round_, form)`, which returns the message
    to show; a bad form or a refusal shows the page again with the problems."""
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "award.manage", round_)
    form = kind(await get_form(request))
    try:
        form.raise_errors()
        message = work(session, round_, form)
    except FormErrors as exc:
        session.rollback()
        round_ = get_or_404(session, Round, request.path_params["id"])
        return render(request, "awards/round.html",
                      _awards_context(request, round_, exc.errors, form.submitted),
                      status_code=400)
    flash(request, message)
    return redirect(path("round_awards", id=round_.id))


@login_required
async def propose(request: Request) -> Response:
    def work(session: Any, round_: Round, form: forms.LevelsForm) -> str:
        notice = services.propose(session, actor(request), current_user(request), round_,
                                  form.values)
        n = len(services.award_rows(session, notice))
        return ngettext("%(num)s award proposed.", "%(num)s awards proposed.", n)

    return await _round_action(request, forms.LevelsForm, work)


@login_required
async def publish(request: Request) -> Response:
    def work(session: Any, round_: Round, form: forms.PublishForm) -> str:
        notice = services.notice_of(session, round_.id)
        if notice is None:
            raise FormErrors({"status": _("Propose awards first.")})
        services.publish(session, actor(request), current_user(request), notice,
                         title=form.title, contact=form.contact,
                         working_days=form.working_days)
        return _("The notice is published. Objections may be lodged until %(day)s.",
                 day=notice.window_end.isoformat() if notice.window_end else "")

    return await _round_action(request, forms.PublishForm, work)


@login_required
async def confirm(request: Request) -> Response:
    def work(session: Any, round_: Round, form: forms.ConfirmForm) -> str:
        notice = services.notice_of(session, round_.id)
        if notice is None:
            raise FormErrors({"status": _("Propose awards first.")})
        n = services.confirm(session, actor(request), current_user(request), notice)
        return ngettext("%(num)s award confirmed; the money is committed.",
                        "%(num)s awards confirmed; the money is committed.", n)

    return await _round_action(request, forms.ConfirmForm, work)


# ---- organiser: one award ----------------------------------------------------------------

def _award_context(request: Request, award: Award, errors: dict | None = None,
                   values: dict | None = None) -> dict[str, Any]:
    session = db(request)
    round_ = session.get(Round, award.round_id)
    application = session.get(Application, award.application_id)
    uses = services.fund_use(session, award.round_id)
    current = {a.fund_id: a.amount_fen for a in session.execute(
        select(services.AwardAllocation).where(
            services.AwardAllocation.award_id == award.id)).scalars()}
    return {"award": award, "round": round_, "application": application, "uses": uses,
            "current": current, "errors": errors or {}, "values": values or {},
            "LEVELS": services.LEVELS, "AWARD_STATUSES": workflow.AWARD_STATUSES,
            "can_edit": _applies(award, "award.edit"),
            "can_withdraw": _applies(award, "award.withdraw"),
            "can_revoke": _applies(award, "award.revoke")}


def _award_or_404(request: Request, action: str) -> Award:
    award = get_or_404(db(request), Award, request.path_params["id"])
    require(request, action, award)
    return award


@login_required
async def award_edit(request: Request) -> Response:
    award = _award_or_404(request, "award.manage")
    session = db(request)
    if request.method == "POST":
        uses = services.fund_use(session, award.round_id)
        form = forms.award_edit_form([u.fund.id for u in uses if u.fund.id is not None])(
            await get_form(request))
        try:
            form.raise_errors()
            services.edit(session, actor(request), current_user(request), award,
                          form.allocations, form.level or "", form.reason)
        except FormErrors as exc:
            session.rollback()
            award = get_or_404(session, Award, request.path_params["id"])
            return render(request, "awards/award.html",
                          _award_context(request, award, exc.errors, form.submitted),
                          status_code=400)
        flash(request, _("The award is changed."))
        return redirect(path("round_awards", id=award.round_id))
    return render(request, "awards/award.html", _award_context(request, award))


@login_required
async def award_withdraw(request: Request) -> Response:
    award = _award_or_404(request, "award.manage")
    session = db(request)
    form = forms.WithdrawForm(await get_form(request))
    try:
        form.raise_errors()
        services.withdraw(session, actor(request), current_user(request), award, form.reason)
    except FormErrors as exc:
        session.rollback()
        award = get_or_404(session, Award, request.path_params["id"])
        return render(request, "awards/award.html",
                      _award_context(request, award, exc.errors, form.submitted),
                      status_code=400)
    flash(request, _("The award is withdrawn."))
    return redirect(path("round_awards", id=award.round_id))


@login_required
async def award_revoke(request: Request) -> Response:
    award = _award_or_404(request, "award.manage")
    session = db(request)
    form = forms.RevokeForm(await get_form(request))
    try:
        form.raise_errors()
        released = services.revoke(session, actor(request), current_user(request), award,
                                   form.reason)
    except FormErrors as exc:
        session.rollback()
        award = get_or_404(session, Award, request.path_params["id"])
        return render(request, "awards/award.html",
                      _award_context(request, award, exc.errors, form.submitted),
                      status_code=400)
    flash(request, _("The award is revoked; %(amount)s is released in the funds.",
                     amount=format_yuan(released)))
    return redirect(path("round_awards", id=award.round_id))


# ---- organiser: objections ------------------------------------------------------------------

def _objection_context(request: Request, objection: Objection, errors: dict | None = None,
                       values: dict | None = None) -> dict[str, Any]:
    session = db(request)
    notice = session.get(AwardNotice, objection.notice_id)
    application = (session.get(Application, objection.application_id)
                   if objection.application_id else None)
    award = (session.execute(select(Award).where(
        Award.application_id == objection.application_id)).scalars().first()
        if objection.application_id else None)
    return {"objection": objection, "notice": notice, "application": application,
            "award": award, "round": session.get(Round, objection.round_id),
            "errors": errors or {}, "values": values or {},
            "STATUSES": workflow.OBJECTION_STATUSES,
            "resolved": objection.status not in workflow.UNRESOLVED,
            "by_email": is_email(objection.contact)}


@login_required
async def objection_detail(request: Request) -> Response:
    session = db(request)
    objection = get_or_404(session, Objection, request.path_params["id"])
    require(request, "objection.manage", objection)
    if request.method == "POST":
        form = forms.ObjectionActionForm(await get_form(request))
        try:
            form.raise_errors()
            if form.action == "investigate":
                services.investigate(session, actor(request), current_user(request), objection,
                                     form.note)
                message = _("The investigation is recorded.")
            else:
                services.resolve(session, actor(request), current_user(request), objection,
                                 form.action or "", form.reason)
                message = _("The objection is resolved and the outcome recorded.")
        except FormErrors as exc:
            session.rollback()
            objection = get_or_404(session, Objection, request.path_params["id"])
            return render(request, "awards/objection.html",
                          _objection_context(request, objection, exc.errors, form.submitted),
                          status_code=400)
        flash(request, message)
        return redirect(path("objection_detail", id=objection.id))
    return render(request, "awards/objection.html", _objection_context(request, objection))


@login_required
async def objection_evidence(request: Request) -> Response:
    from grants.applications import attachments

    session = db(request)
    objection = get_or_404(session, Objection, request.path_params["id"])
    require(request, "objection.manage", objection)
    if not objection.evidence_stored:
        raise HTTPException(404)
    file_path = attachments.storage_path(objection.evidence_stored)
    if not file_path.exists():
        raise HTTPException(404)
    return FileResponse(file_path, media_type=attachments.KINDS[objection.evidence_kind][0],
                        filename=objection.evidence_name or "evidence",
                        headers={"X-Content-Type-Options": "nosniff"})


# ---- public ----------------------------------------------------------------------------------

PUBLIC_STATUSES = ("published", "confirmed")


def _public_notice(request: Request) -> tuple[AwardNotice, Round]:
    session = db(request)
    notice = get_or_404(session, AwardNotice, request.path_params["id"])
    if notice.status not in PUBLIC_STATUSES:
        raise HTTPException(404)
    round_ = session.get(Round, notice.round_id)
    assert round_ is not None
    return notice, round_


async def public_index(request: Request) -> Response:
    session = db(request)
    rows = session.execute(select(AwardNotice, Round).join(Round, Round.id == AwardNotice.round_id)
                           .where(AwardNotice.status.in_(PUBLIC_STATUSES))
                           .order_by(AwardNotice.published_at.desc(), AwardNotice.id.desc())
                           .limit(200)).all()
    from grants.votes import services as votes
    from grants.votes import workflow as vote_workflow
    from grants.votes.models import VoteSetup

    polls = session.execute(select(VoteSetup, Round).join(Round, Round.id == VoteSetup.round_id)
                            .where(VoteSetup.status != "draft")
                            .order_by(VoteSetup.opens_at.desc(), VoteSetup.id.desc())
                            .limit(50)).all()
    return render(request, "awards/public_index.html",
                  {"rows": rows, "STATUSES": workflow.NOTICE_STATUSES,
                   "open_ids": {n.id for n, _r in rows if services.window_open(n)},
                   "polls": polls, "VOTE_STATUSES": vote_workflow.STATUSES,
                   "voting": {s.id for s, _r in polls if votes.is_open(s)}})


def _public_context(request: Request, notice: AwardNotice, round_: Round,
                    errors: dict | None = None, values: dict | None = None,
                    lodged: Any = None) -> dict[str, Any]:
    session = db(request)
    return {"notice": notice, "round": round_,
            "rows": services.award_rows(session, notice, live_only=True),
            "changes": services.changed_rows(session, notice),
            "open": services.window_open(notice), "errors": errors or {},
            "values": values or {}, "lodged": lodged, "LEVELS": services.LEVELS,
            "STATUSES": workflow.NOTICE_STATUSES}


async def public_notice(request: Request) -> Response:
    notice, round_ = _public_notice(request)
    # The receipt of an objection just lodged, shown once (the POST redirected here, so that
    # reloading does not lodge it again).
    lodged = request.session.get("lodged_objection")
    receipt = None
    if isinstance(lodged, list) and len(lodged) == 2 and lodged[0] == notice.id:
        request.session.pop("lodged_objection")
        receipt = SimpleNamespace(reference=str(lodged[1]))
    return render(request, "awards/public_notice.html",
                  _public_context(request, notice, round_, lodged=receipt))


async def public_object(request: Request) -> Response:
    notice, round_ = _public_notice(request)
    session = db(request)
    form = forms.ObjectionForm(await get_form(request))
    filename, data = "", b""
    if form.evidence is not None:
        filename, data = form.evidence.filename or "", await form.evidence.read()
    try:
        objection = services.lodge(
            session, notice, name=form.name, contact=form.contact, reasons=form.reasons,
            application_id=form.application_id, filename=filename, data=data,
            ip=request.client.host if request.client else "", errors=form.errors)
    except FormErrors as exc:
        session.rollback()
        notice, round_ = _public_notice(request)
        return render(request, "awards/public_notice.html",
                      _public_context(request, notice, round_, exc.errors, form.submitted),
                      status_code=400)
    request.session["lodged_objection"] = [notice.id, objection.reference]
    return redirect(path("public_notice", id=notice.id) + "#objection-received")


async def verify(request: Request) -> Response:
    code = request.path_params.get("code") or request.query_params.get("code", "")
    result = services.verify(db(request), str(code)[:40]) if code else None
    return render(request, "awards/verify.html", {"code": str(code)[:40], "result": result,
                                                  "LEVELS": services.LEVELS},
                  status_code=200 if result is None or result.found else 404)


# ---- documents ------------------------------------------------------------------------------

def send_document(request: Request, doc: documents.Document) -> Response:
    if request.query_params.get("format") == "html":
        return pdf.preview(doc.html())
    return Response(doc.pdf(), media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"{doc.filename}\"",
        "Cache-Control": "private, no-store"})


async def public_notice_pdf(request: Request) -> Response:
    notice, round_ = _public_notice(request)
    return send_document(request, documents.award_list(db(request), notice, round_))


@login_required
async def award_list_pdf(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "award.manage", round_)
    notice = services.notice_of(session, round_.id)
    if notice is None:
        raise HTTPException(404)
    return send_document(request, documents.award_list(session, notice, round_))


@login_required
async def certificates_pdf(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, request.path_params["id"])
    require(request, "award.manage", round_)
    awards = list(session.execute(select(Award).where(
        Award.round_id == round_.id, Award.status == "confirmed")
        .order_by(Award.position)).scalars())
    if not awards:
        raise HTTPException(404)
    return send_document(request, documents.certificates(session, awards))


def _confirmed_award(request: Request) -> Award:
    award = _award_or_404(request, "award.documents")
    if award.status != "confirmed":
        raise HTTPException(404)
    return award


@login_required
async def certificate_pdf(request: Request) -> Response:
    award = _confirmed_award(request)
    return send_document(request, documents.certificates(db(request), [award]))


@login_required
async def letter_pdf(request: Request) -> Response:
    award = _confirmed_award(request)
    return send_document(request, documents.letter(db(request), award))


@login_required
async def agreement_pdf(request: Request) -> Response:
    award = _confirmed_award(request)
    return send_document(request, documents.agreement(db(request), award))


@login_required
async def score_summary_pdf(request: Request) -> Response:
    from grants.judging.models import StageJudging
    from grants.rounds.models import Stage

    session = db(request)
    stage = get_or_404(session, Stage, request.path_params["id"])
    require(request, "judging.manage", stage)
    judging = session.execute(select(StageJudging).where(
        StageJudging.stage_id == stage.id)).scalars().first()
    if judging is None or judging.status != "closed":
        raise HTTPException(404)
    return send_document(request, documents.score_summary(session, stage, judging))


@login_required
async def sheet_pdf(request: Request) -> Response:
    from grants.judging.models import ScoreSheet

    session = db(request)
    sheet = get_or_404(session, ScoreSheet, request.path_params["id"])
    require(request, "sheet.view", sheet)
    if sheet.status != "submitted":
        raise HTTPException(404)
    return send_document(request, documents.score_sheet(session, sheet))


routes = [
    Route("/rounds/{id:id}/awards", awards_page, name="round_awards"),
    Route("/rounds/{id:id}/awards/propose", propose, methods=["POST"], name="round_awards_propose"),
    Route("/rounds/{id:id}/awards/publish", publish, methods=["POST"], name="round_awards_publish"),
    Route("/rounds/{id:id}/awards/confirm", confirm, methods=["POST"], name="round_awards_confirm"),
    Route("/rounds/{id:id}/awards/list.pdf", award_list_pdf, name="round_award_list_pdf"),
    Route("/rounds/{id:id}/awards/certificates.pdf", certificates_pdf,
          name="round_certificates_pdf"),
    Route("/awards/{id:id}", award_edit, methods=["GET", "POST"], name="award_edit"),
    Route("/awards/{id:id}/withdraw", award_withdraw, methods=["POST"], name="award_withdraw"),
    Route("/awards/{id:id}/revoke", award_revoke, methods=["POST"], name="award_revoke"),
    Route("/awards/{id:id}/certificate.pdf", certificate_pdf, name="award_certificate_pdf"),
    Route("/awards/{id:id}/letter.pdf", letter_pdf, name="award_letter_pdf"),
    Route("/awards/{id:id}/agreement.pdf", agreement_pdf, name="award_agreement_pdf"),
    Route("/objections/{id:id}", objection_detail, methods=["GET", "POST"],
          name="objection_detail"),
    Route("/objections/{id:id}/evidence", objection_evidence, name="objection_evidence"),
    Route("/stages/{id:id}/score-summary.pdf", score_summary_pdf, name="stage_score_summary_pdf"),
    Route("/sheets/{id:id}/sheet.pdf", sheet_pdf, name="sheet_pdf"),
    Route("/public", public_index, name="public_index"),
    Route("/public/notices/{id:id}", public_notice, name="public_notice"),
    Route("/public/notices/{id:id}/notice.pdf", public_notice_pdf, name="public_notice_pdf"),
    Route("/public/notices/{id:id}/objections", public_object, methods=["POST"],
          name="public_objection"),
    Route("/verify", verify, name="verify"),
    Route("/verify/{code:str}", verify, name="verify_code"),
]
