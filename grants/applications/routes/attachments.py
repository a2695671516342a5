"""Attachment pages: the applicant adds and removes files on a draft; anyone who may view the
application downloads them."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from grants.applications import attachments as files
from grants.applications import forms, services
from grants.applications.routes import common as pages
from grants.auth import actor, login_required
from grants.i18n import gettext as _
from grants.urls import path
from grants.validation import FormErrors
from grants.web import db, flash, get_form, path_int, redirect, render


@login_required
async def attachment_add(request: Request) -> Response:
    app, round_ = pages.load(request, "application.edit")
    session = db(request)
    upload = forms.UploadForm(await get_form(request)).file
    try:
        if upload is None:
            raise FormErrors({"file": _("Choose a file to upload.")})
        data = await upload.read()
        attachment = files.add(session, actor(request), app, upload.filename, data)
    except FormErrors as exc:
        session.rollback()
        values, rows = forms.values_of(app, services.lines_of(session, app),
                                       services.activities_of(session, app))
        return render(request, "applications/form.html",
                      pages.form_context(request, app, round_, values, rows,
                                         file_error=exc.errors.get("file", "")), status_code=400)
    flash(request, _("%(name)s attached.", name=attachment.filename))
    return redirect(path("application_edit", id=app.id) + "#attachments")


@login_required
async def attachment_remove(request: Request) -> Response:
    app, _round = pages.load(request, "application.edit")
    session = db(request)
    found = services.attachment_for(session, app, path_int(request, "aid"))
    if found is None or found.removed_at is not None:
        raise HTTPException(404)
    files.remove(session, actor(request), found)
    flash(request, _("%(name)s removed from the draft.", name=found.filename))
    return redirect(path("application_edit", id=app.id) + "#attachments")


@login_required
async def attachment_get(request: Request) -> Response:
    app, _round = pages.load(request)
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
