"""Attachments (content sniffing, limits, immutability, headers) and cross-organisation access."""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from dataclasses import replace
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from grants.applications.models import Attachment
from grants.settings import get_settings, reset_settings
from tests import factories
from tests.applications import factories as af

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<doc/>")
    return buffer.getvalue()


def upload(client, app, name, data):
    return client.post_form(f"/applications/{app.id}/attachments",
                            files={"file": (name, data, "application/octet-stream")})


def count(session):
    return session.execute(select(func.count()).select_from(Attachment)).scalar_one()


@pytest.fixture
def draft(session):
    rnd = af.round_(session)
    user = af.applicant(session)
    app = af.application(session, rnd, user)
    session.commit()
    return rnd, user, app


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("项目方案.pdf", PDF, "pdf"), ("照片.jpg", JPEG, "jpeg"), ("photo.JPEG", JPEG, "jpeg"),
    ("图.png", PNG, "png"), ("预算.docx", office("word"), "docx"),
    ("预算表.xlsx", office("xl"), "xlsx"),
])
def test_allowed_types_are_accepted(client, session, draft, name, data, kind):
    _rnd, user, app = draft
    client.login(user.username)
    assert upload(client, app, name, data).status_code == 303
    stored = session.execute(select(Attachment)).scalar_one()
    assert stored.kind == kind and stored.filename == name
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    path = get_settings().upload_dir / stored.stored_name[:2] / stored.stored_name
    assert path.read_bytes() == data
    assert len(stored.stored_name) == 32 and name not in str(path)


@pytest.mark.parametrize(("name", "data", "phrase"), [
    ("方案.pdf", PNG, "named as a PDF file but its contents are a PNG file"),
    ("setup.pdf", EXE, "named as a PDF file but its contents are not a PDF file"),
    ("tool.exe", EXE, "files of this type are not accepted"),
    ("fake.docx", office("xl"), "named as a Word (DOCX) file but its contents are a Excel"),
    ("broken.docx", b"PK\x03\x04garbage", "its contents are not a Word (DOCX) file"),
])
def test_a_file_that_lies_about_its_type_is_refused(client, session, draft, name, data, phrase):
    _rnd, user, app = draft
    client.login(user.username)
    response = upload(client, app, name, data)
    assert response.status_code == 400
    import html

    assert phrase in html.unescape(response.text)
    assert count(session) == 0


def test_oversize_is_refused(client, session, draft, settings):
    _rnd, user, app = draft
    reset_settings(replace(settings, max_upload_bytes=1000))
    client.login(user.username)
    response = upload(client, app, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400 and "the limit is" in response.text
    assert count(session) == 0


def test_count_limit(client, session, draft):
    _rnd, user, app = draft
    client.login(user.username)
    for n in range(10):
        assert upload(client, app, f"f{n}.pdf", PDF + str(n).encode()).status_code == 303
    response = upload(client, app, "eleven.pdf", PDF + b"11")
    assert response.status_code == 400 and "at most 10 attachments" in response.text
    assert count(session) == 10


def test_served_with_the_right_headers_to_permitted_users_only(client, session, draft):
    _rnd, user, app = draft
    organiser = factories.user(session, "organiser", username="org1")
    other = af.applicant(session)
    judge = factories.user(session, "judge", username="judge1")
    session.commit()
    client.login(user.username)
    upload(client, app, "项目方案.pdf", PDF)
    att = session.execute(select(Attachment)).scalar_one()
    url = f"/applications/{app.id}/attachments/{att.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f"filename*=UTF-8''{quote('项目方案.pdf')}" in response.headers["content-disposition"]
    assert response.headers["content-disposition"].startswith("attachment;")
    client.login(organiser.username)
    assert client.get(url).status_code == 404  # drafts are private to the organisation
    session.get(type(app), app.id).status = "submitted"
    session.commit()
    assert client.get(url).status_code == 200
    for outsider in (other, judge):
        client.login(outsider.username)
        assert client.get(url).status_code in (403, 404)


def test_attachments_in_a_submitted_version_are_immutable(client, session, draft):
    _rnd, user, app = draft
    organiser = factories.user(session, "organiser", username="org2")
    session.commit()
    client.login(user.username)
    upload(client, app, "v1.pdf", PDF)
    att = session.execute(select(Attachment)).scalar_one()
    assert client.post_form(f"/applications/{app.id}/submit").status_code == 303
    # Deleting is refused while submitted; after a return the draft may drop it, the file stays.
    remove = f"/applications/{app.id}/attachments/{att.id}/remove"
    refused = client.post_form(remove)  # not while submitted, and the page says so
    assert refused.status_code == 400 and "Submitted" in refused.text
    client.login(organiser.username)
    client.post_form(f"/applications/{app.id}/return", {"reason": "换一份方案"})
    client.login(user.username)
    assert client.post_form(remove).status_code == 303
    session.expire_all()
    kept = session.get(Attachment, att.id)
    assert kept.removed_at is not None and kept.frozen
    path = get_settings().upload_dir / kept.stored_name[:2] / kept.stored_name
    assert path.read_bytes() == PDF
    page = client.get(f"/applications/{app.id}/versions/1")
    assert "v1.pdf" in page.text
    assert client.get(f"/applications/{app.id}/attachments/{att.id}").content == PDF


def test_removing_an_unsubmitted_attachment_deletes_its_file(client, session, draft):
    _rnd, user, app = draft
    client.login(user.username)
    upload(client, app, "draft.pdf", PDF)
    att = session.execute(select(Attachment)).scalar_one()
    path = get_settings().upload_dir / att.stored_name[:2] / att.stored_name
    assert path.exists()
    remove = f"/applications/{app.id}/attachments/{att.id}/remove"
    assert client.post_form(remove).status_code == 303
    assert not path.exists()
    assert client.get(f"/applications/{app.id}/attachments/{att.id}").status_code == 404


def test_another_organisation_cannot_reach_anything(client, session, draft):
    rnd, user, app = draft
    client.login(user.username)
    upload(client, app, "secret.pdf", PDF)
    assert client.post_form(f"/applications/{app.id}/submit").status_code == 303
    att = session.execute(select(Attachment)).scalar_one()
    intruder = af.applicant(session)
    session.commit()
    client.login(intruder.username)
    for url in (f"/applications/{app.id}", f"/applications/{app.id}/edit",
                f"/applications/{app.id}/submit", f"/applications/{app.id}/versions/1",
                f"/applications/{app.id}/attachments/{att.id}", f"/rounds/{rnd.id}/applications",
                f"/rounds/{rnd.id}/applications/export.xlsx"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "长者食堂互助计划" not in response.text
    data = af.proposal_data(session, rnd, user, title="被别人改了")
    for url, form in ((f"/applications/{app.id}/edit", af.form_for(data)),
                      (f"/applications/{app.id}/withdraw", {}),
                      (f"/applications/{app.id}/attachments/{att.id}/remove", {}),
                      (f"/applications/{app.id}/screen", {"outcome": "pass"}),
                      (f"/applications/{app.id}/return", {"reason": "x"})):
        assert client.post_form(url, form).status_code in (403, 404), url
    response = upload(client, app, "mine.pdf", PDF)
    assert response.status_code in (403, 404)
    session.expire_all()
    assert session.get(type(app), app.id).status == "submitted"
    assert session.get(type(app), app.id).title == "长者食堂互助计划"
    assert count(session) == 1
    assert "长者食堂互助计划" not in client.get("/applications/mine").text


def test_drafts_are_private_to_the_applicants_organisation(client, session, draft):
    _rnd, user, app = draft
    factories.user(session, "organiser", username="org-drafts")
    factories.user(session, "finance", username="fin-drafts")
    session.commit()
    for staff in ("org-drafts", "fin-drafts"):
        client.login(staff)
        assert client.get(f"/applications/{app.id}").status_code == 404
    client.login(user.username)
    assert client.get(f"/applications/{app.id}").status_code == 200


def test_the_same_file_is_not_attached_twice(client, session, draft):
    _rnd, user, app = draft
    client.login(user.username)
    assert upload(client, app, "预算.pdf", PDF).status_code == 303
    response = upload(client, app, "预算-副本.pdf", PDF)
    assert response.status_code == 400
    assert "already attached as “预算.pdf”" in html.unescape(response.text)
    assert count(session) == 1
