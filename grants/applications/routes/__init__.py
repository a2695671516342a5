"""Application pages: the applicant's drafts and submission (`drafts`), attachments
(`attachments`), the organiser's screening and export (`screening`) and what they share
(`common`)."""

from __future__ import annotations

from starlette.routing import Route

from grants.applications.routes.attachments import attachment_add, attachment_get, attachment_remove
from grants.applications.routes.drafts import (
    apply,
    detail,
    edit,
    my_applications,
    submit,
    version,
    withdraw,
)
from grants.applications.routes.screening import (
    bulk_screen,
    export_xlsx,
    return_one,
    round_applications,
    screen_one,
)

routes = [
    Route("/applications/mine", my_applications, name="my_applications"),
    Route("/rounds/{id:id}/apply", apply, methods=["GET", "POST"], name="application_apply"),
    Route("/rounds/{id:id}/applications", round_applications, name="round_applications"),
    Route("/rounds/{id:id}/applications/screen", bulk_screen, methods=["POST"],
          name="round_applications_screen"),
    Route("/rounds/{id:id}/applications/export.xlsx", export_xlsx, name="round_applications_export"),
    Route("/applications/{id:id}", detail, name="application_detail"),
    Route("/applications/{id:id}/edit", edit, methods=["GET", "POST"], name="application_edit"),
    Route("/applications/{id:id}/submit", submit, methods=["GET", "POST"], name="application_submit"),
    Route("/applications/{id:id}/withdraw", withdraw, methods=["POST"], name="application_withdraw"),
    Route("/applications/{id:id}/screen", screen_one, methods=["POST"], name="application_screen"),
    Route("/applications/{id:id}/return", return_one, methods=["POST"], name="application_return"),
    Route("/applications/{id:id}/versions/{number:id}", version, name="application_version"),
    Route("/applications/{id:id}/attachments", attachment_add, methods=["POST"],
          name="attachment_add"),
    Route("/applications/{id:id}/attachments/{aid:id}", attachment_get, name="attachment_get"),
    Route("/applications/{id:id}/attachments/{aid:id}/remove", attachment_remove, methods=["POST"],
          name="attachment_remove"),
]
