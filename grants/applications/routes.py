"""Application pages: the applicant's drafts, submission, versions and attachments; the
organiser's round list, screening, return for correction, export; organisation import."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from grants.applications import attachments as files
from grants.applications import export, forms, rules, services, workflow
from grants.applications.models import Application, ApplicationVersion
from grants.auth import actor, current_user, login_required, require
from grants.i18n import gettext as _
from grants.organisations import imports
from grants.organisations.models import Organisation
from grants.regions import services as regions
from grants.rounds.models import Round, Track
from grants.timeutil import format_local, now
from grants.validation import FormErrors
from grants.vocab import CATEGORIES
from grants.web import (
    db,
    flash,
    get_form,
    get_or_404,
    page_number,
    paginate,
    path_int,
    query_int,
    redirect,
    render,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _load(request: Request, action: str = "application.view"
          ) -> tuple[Application, Round, workflow.Subject]:
    """The application in the URL, checked against the user before anything is shown."""
    session = db(request)
    app = get_or_404(session, Application, path_int(request))
    require(request, "application.view", app)
    round_ = session.get(Round, app.round_id)
    subject = workflow.Subject(app, round_)
    if action != "application.view":
        require(request, action, subject)
    return app, round_, subject


def _tracks(request: Request, round_: Round) -> list[Track]:
    return list(db(request).execute(select(Track).where(Track.round_id == round_.id)
                                    .order_by(Track.position, Track.id)).scalars())  # type: ignore[arg-type]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# ---- applicant ---------------------------------------------------------------------------

@login_required
async def my_applications(request: Request) -> Response:
    user = require(request, "application.mine")
    session = db(request)
    page = paginate(session, services.mine(user), page_number(request), per_page=20)
    round_ids = {a.round_id for a in page.items}
    rounds = {r.id: r for r in session.execute(
        select(Round).where(Round.id.in_(round_ids or {-1}))).scalars()}  # type: ignore[union-attr]
    open_rounds = list(session.execute(select(Round).where(Round.status == "open")
                                       .order_by(Round.closes_at, Round.id)).scalars())  # type: ignore[arg-type]
    return render(request, "applications/mine.html", {
        "page": page, "rounds": rounds, "open_rounds": open_rounds,
        "statuses": workflow.STATUSES})


@login_required
async def apply(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    user = require(request, "application.create", round_)
    tracks = _tracks(request, round_)
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        form = await get_form(request)
        values = {"title": " ".join(str(form.get("title", "")).split())[:120],
                  "track_id": str(form.get("track_id", ""))}
        try:
            track_id = int(values["track_id"]) if values["track_id"].isdigit() else None
            app = services.create_draft(session, actor(request), user, round_, track_id,
                                        values["title"])
        except FormErrors as exc:
            errors = exc.errors
        else:
            flash(request, _("Draft created. Fill in the sections and save as you go."))
            return redirect(f"/applications/{app.id}/edit")
    return render(request, "applications/apply.html", {
        "round": round_, "tracks": tracks, "values": values, "errors": errors},
        status_code=400 if errors else 200)


def _form_context(request: Request, app: Application, round_: Round, values: dict,
                  errors: dict | None = None, file_error: str = "") -> dict:
    session = db(request)
    lines = values.get("_rows", {}).get("lines", [])
    totals = _live_totals(values)
    rules_doc = round_.budget_rules or {}
    return {
        "app": app, "round": round_, "values": values, "errors": errors or {},
        "tracks": [(t.id, t.name) for t in _tracks(request, round_)],
        "communities": regions.community_choices(session),
        "attachments": files.live(session, app), "file_error": file_error,
        "line_rows": [*lines, *[{} for _ in range(3)]],
        "activity_rows": [*values.get("_rows", {}).get("activities", []), *[{} for _ in range(3)]],
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


def _live_totals(values: dict) -> rules.Totals:
    from grants import money

    out = []
    for row in values.get("_rows", {}).get("lines", []):
        try:
            out.append(rules.Line(row.get("category", ""),
                                  money.parse_yuan(row["amount"]) if row.get("amount") else 0,
                                  money.parse_yuan(row["cofunding"]) if row.get("cofunding")
                                  else 0))
        except (money.MoneyError, KeyError):
            continue
    return rules.totals(out)


@login_required
async def edit(request: Request) -> Response:
    app, round_, _subject = _load(request, "application.edit")
    session = db(request)
    if request.method == "GET":
        values = forms.values_of(app, services.lines_of(session, app),
                                 services.activities_of(session, app))
        return render(request, "applications/form.html",
                      _form_context(request, app, round_, values))
    data = forms.read_proposal(await get_form(request))
    try:
        services.save_draft(session, actor(request), app, round_, dict(data))
    except FormErrors as exc:
        session.rollback()
        if _wants_json(request):
            return JSONResponse({"saved": False, "errors": exc.errors}, status_code=400)
        return render(request, "applications/form.html",
                      _form_context(request, app, round_, data, exc.errors), status_code=400)
    if _wants_json(request):
        return JSONResponse({"saved": True, "at": format_local(now())[-5:],
                             "request_fen": app.request_fen})
    form = await get_form(request)
    if form.get("next") == "submit":
        return redirect(f"/applications/{app.id}/submit")
    flash(request, _("Draft saved."))
    return redirect(f"/applications/{app.id}/edit")


@login_required
async def submit(request: Request) -> Response:
    app, round_, _subject = _load(request)
    session = db(request)
    user = current_user(request)
    if user is None or user.role != "applicant" or user.organisation_id != app.organisation_id:
        raise HTTPException(403)
    if app.status not in ("draft", "returned"):
        if request.method == "GET":
            return redirect(f"/applications/{app.id}")
        raise HTTPException(400, _("This application cannot be submitted in its current state."))
    if request.method == "GET":
        return render(request, "applications/submit.html", {
            "app": app, "round": round_, "problems": services.problems(session, app, round_)})
    try:
        version = services.submit(session, actor(request), user, app, round_)  # type: ignore[arg-type]
    except services.SubmissionRefused as exc:
        session.rollback()
        return render(request, "applications/submit.html", {
            "app": app, "round": round_, "problems": exc.problems}, status_code=400)
    flash(request, _("Submitted: version %(n)s is frozen and with the organiser.",
                     n=version.number))
    return redirect(f"/applications/{app.id}")


@login_required
async def detail(request: Request) -> Response:
    app, round_, subject = _load(request)
    session = db(request)
    return render(request, "applications/detail.html", {
        "app": app, "round": round_, "subject": subject, "p": services.snapshot(session, app),
        "versions": services.versions_of(session, app),
        "decision": services.latest_decision(session, app),
        "statuses": workflow.STATUSES, "paths": regions.path_labels(session),
        "category_labels": rules.CATEGORY_LABELS, "errors": {},
    })


@login_required
async def version(request: Request) -> Response:
    app, round_, _subject = _load(request)
    session = db(request)
    number = path_int(request, "number")
    found = session.execute(select(ApplicationVersion).where(
        ApplicationVersion.application_id == app.id,
        ApplicationVersion.number == number)).scalar_one_or_none()
    if found is None:
        raise HTTPException(404)
    return render(request, "applications/version.html", {
        "app": app, "round": round_, "version": found, "p": found.snapshot,
        "paths": regions.path_labels(session), "category_labels": rules.CATEGORY_LABELS})


@login_required
async def withdraw(request: Request) -> Response:
    app, round_, _subject = _load(request)
    session = db(request)
    user = current_user(request)
    if user is None or user.organisation_id != app.organisation_id:
        raise HTTPException(403)
    try:
        services.withdraw(session, actor(request), user, app, round_)
    except FormErrors as exc:
        session.rollback()
        raise HTTPException(400, next(iter(exc.errors.values()))) from None
    flash(request, _("The application was withdrawn."))
    return redirect(f"/applications/{app.id}")


# ---- attachments -------------------------------------------------------------------------

@login_required
async def attachment_add(request: Request) -> Response:
    app, round_, _subject = _load(request, "application.edit")
    session = db(request)
    form = await get_form(request)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormErrors({"file": _("Choose a file to upload.")})
        data = await upload.read()
        attachment = files.add(session, actor(request), app, upload.filename, data)
    except FormErrors as exc:
        session.rollback()
        values = forms.values_of(app, services.lines_of(session, app),
                                 services.activities_of(session, app))
        return render(request, "applications/form.html",
                      _form_context(request, app, round_, values,
                                    file_error=exc.errors.get("file", "")), status_code=400)
    flash(request, _("%(name)s attached.", name=attachment.filename))
    return redirect(f"/applications/{app.id}/edit#attachments")


@login_required
async def attachment_remove(request: Request) -> Response:
    app, _round, _subject = _load(request, "application.edit")
    session = db(request)
    found = services.attachment_for(session, app, path_int(request, "aid"))
    if found is None or found.removed_at is not None:
        raise HTTPException(404)
    files.remove(session, actor(request), found)
    flash(request, _("%(name)s removed from the draft.", name=found.filename))
    return redirect(f"/applications/{app.id}/edit#attachments")


@login_required
async def attachment_get(request: Request) -> Response:
    app, _round, _subject = _load(request)
    found = services.attachment_for(db(request), app, path_int(request, "aid"))
    if found is None:
        raise HTTPException(404)
    path = files.storage_path(found.stored_name)
    if not path.is_file():
        raise HTTPException(404)
    ascii_name = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_"
                         for c in found.filename)
    return FileResponse(path, media_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(found.filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })


# ---- organiser ---------------------------------------------------------------------------


@login_required
async def round_applications(request: Request, errors: dict | None = None,
                             status_code: int = 200) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    require(request, "application.list", round_)
    params = request.query_params
    filters = services.ListFilters(
        q=params.get("q", "").strip()[:100], track_id=query_int(request, "track_id"),
        status=params.get("status", "") if params.get("status") in workflow.STATUSES else "",
        community_id=query_int(request, "community_id"),
        category=params.get("category", "") if params.get("category") in CATEGORIES else "",
        sort=params.get("sort", "-submitted"))
    page = paginate(session, services.round_list(round_, filters), page_number(request),
                    per_page=30)
    org_ids = {a.organisation_id for a in page.items}
    orgs = {o.id: o for o in session.execute(select(Organisation).where(
        Organisation.id.in_(org_ids or {-1}))).scalars()}  # type: ignore[union-attr]
    tracks = _tracks(request, round_)
    return render(request, "applications/round_list.html", {
        "round": round_, "page": page, "filters": filters, "orgs": orgs,
        "tracks": tracks, "track_names": {t.id: t.name for t in tracks},
        "communities": regions.community_choices(session), "statuses": workflow.STATUSES,
        "visible_statuses": workflow.VISIBLE_TO_ORGANISER, "errors": errors or {},
    }, status_code=status_code)


@login_required
async def bulk_screen(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    user = require(request, "application.screen", round_)
    form = await get_form(request)
    ids = [int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()]
    try:
        count = services.bulk_screen(session, actor(request), user, round_, ids,
                                     str(form.get("outcome", "")), str(form.get("reason", "")))
    except FormErrors as exc:
        session.rollback()
        return await round_applications.__wrapped__(request, exc.errors, 400)  # type: ignore[attr-defined]
    flash(request, _("%(n)s application(s) screened.", n=count))
    return redirect(f"/rounds/{round_.id}/applications")


@login_required
async def screen_one(request: Request) -> Response:
    app, round_, _subject = _load(request, "application.screen")
    session = db(request)
    form = await get_form(request)
    user = current_user(request)
    try:
        services.screen(session, actor(request), user, app, round_,  # type: ignore[arg-type]
                        str(form.get("outcome", "")), str(form.get("reason", "")))
    except FormErrors as exc:
        session.rollback()
        return await _detail_with_errors(request, app, round_, exc.errors)
    flash(request, _("Screening decision recorded."))
    return redirect(f"/applications/{app.id}")


@login_required
async def return_one(request: Request) -> Response:
    app, round_, _subject = _load(request, "application.return")
    session = db(request)
    form = await get_form(request)
    try:
        services.return_for_correction(session, actor(request), current_user(request),  # type: ignore[arg-type]
                                       app, round_, str(form.get("reason", "")))
    except FormErrors as exc:
        session.rollback()
        return await _detail_with_errors(request, app, round_, exc.errors)
    flash(request, _("Returned to the applicant for correction."))
    return redirect(f"/applications/{app.id}")


async def _detail_with_errors(request: Request, app: Application, round_: Round,
                              errors: dict) -> Response:
    session = db(request)
    session.refresh(app)
    return render(request, "applications/detail.html", {
        "app": app, "round": round_, "subject": workflow.Subject(app, round_),
        "p": services.snapshot(session, app), "versions": services.versions_of(session, app),
        "decision": services.latest_decision(session, app), "statuses": workflow.STATUSES,
        "paths": regions.path_labels(session), "category_labels": rules.CATEGORY_LABELS,
        "errors": errors,
    }, status_code=400)


@login_required
async def export_xlsx(request: Request) -> Response:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    require(request, "application.export", round_)
    name = f"{round_.name}-申报项目.xlsx"
    return Response(export.workbook(session, round_), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"applications-{round_.id}.xlsx\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "private, no-store"})


# ---- organisation import -----------------------------------------------------------------

@login_required
async def organisation_import(request: Request) -> Response:
    require(request, "organisation.import")
    if request.method == "GET":
        return render(request, "organisations/import.html", {"result": None})
    form = await get_form(request)
    upload = form.get("file")
    session = db(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        result = imports.ImportResult(rows=[], file_error=_("Choose an .xlsx file to import."))
    else:
        result = imports.run(session, actor(request), await upload.read())
    if not result.ok:
        session.rollback()
        return render(request, "organisations/import.html", {"result": result}, status_code=400)
    flash(request, _("%(n)s organisations imported.", n=len(result.created)))
    return render(request, "organisations/import.html", {"result": result})


@login_required
async def organisation_import_template(request: Request) -> Response:
    require(request, "organisation.import")
    return Response(imports.template(), media_type=XLSX, headers={
        "Content-Disposition": "attachment; filename=\"organisations-template.xlsx\"; "
                               f"filename*=UTF-8''{quote('社会组织导入模板.xlsx', safe='')}"})


routes = [
    Route("/applications/mine", my_applications, name="my_applications"),
    Route("/rounds/{id}/apply", apply, methods=["GET", "POST"], name="application_apply"),
    Route("/rounds/{id}/applications", round_applications, name="round_applications"),
    Route("/rounds/{id}/applications/screen", bulk_screen, methods=["POST"],
          name="round_applications_screen"),
    Route("/rounds/{id}/applications/export.xlsx", export_xlsx, name="round_applications_export"),
    Route("/applications/{id}", detail, name="application_detail"),
    Route("/applications/{id}/edit", edit, methods=["GET", "POST"], name="application_edit"),
    Route("/applications/{id}/submit", submit, methods=["GET", "POST"], name="application_submit"),
    Route("/applications/{id}/withdraw", withdraw, methods=["POST"], name="application_withdraw"),
    Route("/applications/{id}/screen", screen_one, methods=["POST"], name="application_screen"),
    Route("/applications/{id}/return", return_one, methods=["POST"], name="application_return"),
    Route("/applications/{id}/versions/{number}", version, name="application_version"),
    Route("/applications/{id}/attachments", attachment_add, methods=["POST"],
          name="attachment_add"),
    Route("/applications/{id}/attachments/{aid}", attachment_get, name="attachment_get"),
    Route("/applications/{id}/attachments/{aid}/remove", attachment_remove, methods=["POST"],
          name="attachment_remove"),
    Route("/organisations/import", organisation_import, methods=["GET", "POST"],
          name="organisation_import"),
    Route("/organisations/import/template.xlsx", organisation_import_template,
          name="organisation_import_template"),
]
