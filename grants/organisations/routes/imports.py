"""Organisation import pages (organiser): upload an .xlsx of organisations, download the
template. Mounted with the application routes so that /organisations/import is matched before
/organisations/{id}."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants.auth import actor, login_required, require
from grants.i18n import gettext as _
from grants.organisations import imports
from grants.organisations.forms import ImportForm
from grants.regions import scope
from grants.spreadsheets import XLSX
from grants.web import db, flash, get_form, render


@login_required
async def organisation_import(request: Request) -> Response:
    user = require(request, "organisation.import")
    if request.method == "GET":
        return render(request, "organisations/import.html", {"result": None})
    upload = ImportForm(await get_form(request)).file
    session = db(request)
    if upload is None:
        result = imports.ImportResult(rows=[], file_error=_("Choose an .xlsx file to import."))
    else:
        result = imports.run(session, actor(request), await upload.read(),
                             scope.region_ids(session, user.scope_region_id))
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
    Route("/organisations/import", organisation_import, methods=["GET", "POST"],
          name="organisation_import"),
    Route("/organisations/import/template.xlsx", organisation_import_template,
          name="organisation_import_template"),
]
