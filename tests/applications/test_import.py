"""Importing organisations from xlsx: all or nothing, with a row-by-row report."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from grants.audit import AuditEvent
from grants.organisations.imports import HEADERS
from grants.organisations.models import Organisation
from tests import factories


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(name, community, code=None, registration="登记", filing=""):
    return [name, registration, code if code is not None else factories.credit_code("1"),
            filing, "社会团体", "公益慈善", community, "3A", 2, "独立党支部", "王五",
            "0755-88886666", "幸福路1号"]


def post(client, data):
    return client.post_form("/organisations/import",
                            files={"file": ("orgs.xlsx", data, "application/octet-stream")})


def orgs(session):
    return session.execute(select(func.count()).select_from(Organisation)).scalar_one()


def test_template_has_the_headers(client, session):
    factories.user(session, "organiser", username="importer")
    session.commit()
    client.login("importer")
    response = client.get("/organisations/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert tuple(c.value for c in sheet[1]) == HEADERS
    assert client.get("/organisations/import").status_code == 200


def test_a_good_file_imports_every_row(client, session):
    community = factories.community(session, name="幸福社区")
    factories.user(session, "organiser", username="importer")
    session.commit()
    client.login("importer")
    data = workbook([row("幸福长者协会", "幸福社区"), row("阳光青少年服务社", "幸福社区"),
                     ["邻里互助队", "备案", "", "幸备〔2024〕第001号", "备案类社区社会组织",
                      "社区事务", "幸福社区", "", 0, "无", "", "", ""]])
    response = post(client, data)
    assert response.status_code == 200, response.text
    assert orgs(session) == 3
    imported = session.execute(select(Organisation).where(Organisation.name == "邻里互助队")
                               ).scalar_one()
    assert imported.registration == "filed" and imported.community_id == community.id
    assert imported.org_type == "community_filed" and imported.category == "community_affairs"
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "organisation.create")).scalar_one() == 3


def test_one_bad_row_imports_nothing_and_reports_every_failing_row(client, session):
    factories.community(session, name="幸福社区")
    existing = factories.organisation(session, name="已有组织")
    factories.user(session, "organiser", username="importer")
    session.commit()
    before = orgs(session)
    client.login("importer")
    dup = factories.credit_code("1")
    good = factories.credit_code("1")
    data = workbook([
        row("好的组织", "幸福社区", code=good),
        row("坏代码组织", "幸福社区", code="51440305MJL0000000"),
        row("文件内重复甲", "幸福社区", code=dup),
        row("文件内重复乙", "幸福社区", code=dup),
        row("库内重复", "幸福社区", code=existing.credit_code),
        row("未知社区组织", "不存在社区"),
        row("", "幸福社区"),
    ])
    response = post(client, data)
    assert response.status_code == 400
    assert orgs(session) == before
    text = response.text
    assert "Nothing was imported: 5 of 7 rows have problems" in text.replace("&#39;", "'")
    report = text[text.index('id="import-problems"'):]
    for number in ("<td>3</td>", "<td>5</td>", "<td>6</td>", "<td>7</td>", "<td>8</td>"):
        assert number in report, number
    assert "<td>2</td>" not in report and "<td>4</td>" not in report
    assert "also appears in row 4" in report
    assert "不存在社区 is not a known community" in report
    assert "the name is missing" in report
    assert "已有组织" in report  # the database clash names the existing organisation


def test_not_a_workbook(client, session):
    factories.user(session, "organiser", username="importer")
    session.commit()
    client.login("importer")
    response = post(client, b"%PDF-1.4 not a workbook")
    assert response.status_code == 400 and "not an Excel workbook" in response.text


def test_only_organisers_import(client, session):
    applicant = factories.user(session, "applicant", username="nosy")
    session.commit()
    client.login(applicant.username)
    assert client.get("/organisations/import").status_code == 403
    assert post(client, workbook([])).status_code == 403
