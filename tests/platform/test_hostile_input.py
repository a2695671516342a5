"""The hostile probe's findings, one test each: formula injection in exports, XML entities in
imports, 64-bit overflow ids, dates in year 1, NaN, NUL bytes and over-long text, '1_000'.
Each is refused with a clear message (or neutralised) and changes nothing, on both engines."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from grants import spreadsheets, validation
from grants.accounts.models import User
from grants.applications import services as app_services
from grants.forms import Cleaner
from grants.funds.models import Fund, FundEntry
from grants.organisations.imports import template
from grants.organisations.models import Organisation
from grants.rounds.models import Round, Stage
from tests import factories
from tests.applications import factories as af
from tests.rounds import factories as rf

OVERFLOW = str(2**64)
FORMULA = '=HYPERLINK("http://evil.example/","点击查看")'


class Form(dict):
    def getlist(self, name):
        value = self.get(name)
        return [] if value is None else (value if isinstance(value, list) else [value])


# ---- the form readers ------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [OVERFLOW, "9" * 30, "1_000", "1e3", "1.0", "٣", "0x10",
                                 "NaN", "inf", "--1", "1 000"])
def test_integer_refuses_what_a_person_did_not_mean(raw):
    clean = Cleaner(Form(n=raw))
    assert clean.integer("n", minimum=None, maximum=None) is None
    assert "n" in clean.errors


@pytest.mark.parametrize(("raw", "value"), [("1,000", 1000), ("１２３", 123), (" 42 ", 42),
                                            ("-5", -5)])
def test_integer_reads_what_people_type(raw, value):
    clean = Cleaner(Form(n=raw))
    assert clean.integer("n", minimum=None, maximum=None) == value and not clean.errors


def test_integer_without_bounds_stays_within_the_column():
    clean = Cleaner(Form(n=str(2**31)))
    assert clean.integer("n", minimum=None, maximum=None) is None and "n" in clean.errors


@pytest.mark.parametrize("raw", [OVERFLOW, "0", "-1", "1_0", "１", "9" * 30, str(2**31)])
def test_ids_are_positive_and_fit_the_id_column(raw):
    clean = Cleaner(Form(ids=["1", raw]))
    assert clean.ids("ids") == [1] and "ids" in clean.errors


@pytest.mark.parametrize("raw", ["NaN", "nan", "inf", "-inf", "Infinity", "1e23", "1e400",
                                 "9" * 30, "1_0"])
def test_number_refuses_non_finite_and_exponents(raw):
    clean = Cleaner(Form(x=raw))
    assert clean.number("x") is None and "x" in clean.errors


@pytest.mark.parametrize("raw", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01",
                                 "2026-02-30", "20260101", "２０２６-０１-０１x"])
def test_dates_outside_a_sane_range_are_refused(raw):
    clean = Cleaner(Form(d=raw))
    assert clean.date("d") is None and "d" in clean.errors


def test_dates_people_type_are_read():
    assert Cleaner(Form(d="2026-03-01")).date("d") == date(2026, 3, 1)
    assert Cleaner(Form(d="２０２６-０３-０１")).date("d") == date(2026, 3, 1)


@pytest.mark.parametrize("raw", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb"])
def test_text_refuses_nul_and_control_characters(raw):
    clean = Cleaner(Form(t=raw))
    clean.text("t", max_length=5000)
    assert "t" in clean.errors


def test_money_refuses_underscores():
    clean = Cleaner(Form(m="1_000"))
    assert clean.money("m") is None and "m" in clean.errors


def test_column_problems_know_each_columns_length():
    assert set(validation.column_problems(User, {"display_name": "名" * 81,
                                                 "email": "a@b.c"})) == {"display_name"}
    assert validation.column_problems(Organisation, {"name": "x\x00y"})


# ---- spreadsheets ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [FORMULA, "=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_looks_like_a_formula_is_stored_as_text(text):
    book, sheet = spreadsheets.new_workbook("t", ["h"])
    spreadsheets.append(sheet, [text, 12, -3.5])
    cell = load_workbook(io.BytesIO(spreadsheets.to_bytes(book))).worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'")  # XML turns \r into \n
    row = load_workbook(io.BytesIO(spreadsheets.to_bytes(book))).worksheets[0][2]
    assert (row[1].value, row[2].value) == (12, -3.5)


def test_the_application_export_neutralises_formulas(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="exporter")
    user = af.applicant(session)
    lines = af.budget()
    lines[0]["item"] = "=1+2"
    app = af.application(session, rnd, user, title=FORMULA, lines=lines)
    app_services.submit(session, af.ACTOR, user, app, rnd)
    session.commit()
    client.login(organiser.username)
    response = client.get(f"/rounds/{rnd.id}/applications/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    title = book.worksheets[0]["B2"]
    assert title.value == "'" + FORMULA and title.data_type == "s"
    items = [c.value for c in book.worksheets[1]["E"]]
    assert "'=1+2" in items
    assert isinstance(book.worksheets[0]["A2"].value, int)  # numbers stay numbers


def with_doctype(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + (
                    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'),
                    text, count=1)
                content = text.encode()
            target.writestr(info, content)
    return out.getvalue()


def test_an_xlsx_with_a_doctype_is_refused_before_openpyxl_reads_it(client, session):
    factories.user(session, "organiser", username="importer")
    session.commit()
    client.login("importer")
    before = session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    response = client.post_form("/organisations/import", files={
        "file": ("orgs.xlsx", with_doctype(template()), "application/octet-stream")})
    assert response.status_code == 400
    assert "DOCTYPE" in html.unescape(response.text)
    assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == before
    with pytest.raises(spreadsheets.UnsafeWorkbook):
        spreadsheets.load(with_doctype(template()))


# ---- over HTTP, on both engines --------------------------------------------------------------

@pytest.fixture
def organiser(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    return client


def counts(session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(session.execute(select(func.count()).select_from(model)).scalar_one()
                 for model in (Fund, FundEntry, Organisation, User, Round, Stage))


@pytest.mark.parametrize("field", ["owner_org_id", "host_org_id", "community_ids"])
def test_overflow_ids_in_the_fund_form(organiser, session, field):
    before = counts(session)
    page = organiser.post_form("/funds/new", {"name": "溢出基金", "kind": "fiscal",
                                              "owner_name": "某街道", field: OVERFLOW})
    assert page.status_code == 400
    assert counts(session) == before


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "x" * 101, "org_type": "social_group"}, "name"),
    ({"name": "含\x00空字符的组织"}, "name"),
    ({"name": "正常名称", "community_id": OVERFLOW}, "community_id"),
])
def test_bad_organisation_fields(organiser, session, data, field):
    before = counts(session)
    form = {"registration": "filed", "filing_number": "备2026001", "org_type": "community_filed",
            "category": "community_affairs", **data}
    page = organiser.post_form("/organisations/new", form)
    assert page.status_code == 400, page.status_code
    assert counts(session) == before


@pytest.mark.parametrize(("field", "value"), [("display_name", "名" * 300),
                                              ("email", "a" * 300 + "@example.com"),
                                              ("display_name", "零\x00字节"),
                                              ("organisation_id", OVERFLOW)])
def test_bad_account_fields(organiser, session, field, value):
    before = counts(session)
    form = {"username": "newuser", "display_name": "新用户", "role": "organiser",
            "password": "a-long-enough-pass-123", "email": "", field: value}
    page = organiser.post_form("/admin/users/new", form)
    assert page.status_code == 400
    assert counts(session) == before


@pytest.mark.parametrize(("field", "value"), [("opens_at", "0001-01-01"),
                                              ("closes_at", "9999-12-31 10:00"),
                                              ("grant_min", "1_000"),
                                              ("max_applications_per_org", OVERFLOW)])
def test_bad_round_window(organiser, session, field, value):
    round_ = rf.draft(session)
    session.commit()
    form = {"opens_at": "2026-03-01 09:00", "closes_at": "2026-04-01 17:00",
            "grant_min": "10000", "grant_max": "50000", "max_applications_per_org": "1",
            field: value}
    page = organiser.post_form(f"/rounds/{round_.id}/edit/window", form)
    assert page.status_code == 400
    session.expire_all()
    assert session.get(Round, round_.id).opens_at is None


@pytest.mark.parametrize(("field", "value"), [("advancement_value", "NaN"),
                                              ("advancement_value", "inf"),
                                              ("advancement_value", "1e23"),
                                              ("starts_on", "0001-01-01"),
                                              ("ends_on", "9999-12-31"),
                                              ("judges_per_app", OVERFLOW)])
def test_bad_stage_fields(organiser, session, field, value):
    round_ = rf.draft(session)
    session.commit()
    before = counts(session)
    form = {"kind": "scoring", "name": "初审", "judges_per_app": "3", "min_sheets": "3",
            "aggregation": "mean", "advancement_rule": "top_n", "advancement_value": "10",
            field: value}
    page = organiser.post_form(f"/rounds/{round_.id}/stages", form)
    assert page.status_code == 400
    assert counts(session) == before


@pytest.mark.parametrize(("field", "value"), [("occurred_on", "0001-01-01"),
                                              ("occurred_on", "9999-12-31"),
                                              ("amount", "1_000"),
                                              ("memo", "备注\x00"),
                                              ("amount", "NaN")])
def test_bad_ledger_entries(organiser, session, field, value):
    fund = factories.fund(session, contributed_fen=100_00)
    session.commit()
    before = counts(session)
    form = {"kind": "contribution", "amount": "1000", field: value}
    page = organiser.post_form(f"/funds/{fund.id}/entries", form)
    assert page.status_code == 400
    assert counts(session) == before


@pytest.mark.parametrize("value", [OVERFLOW, "9" * 30, "-1", "１"])
def test_bad_screening_ids(organiser, session, value):
    rnd = af.round_(session)
    session.commit()
    page = organiser.post_form(f"/rounds/{rnd.id}/applications/screen",
                               {"ids": value, "outcome": "pass"})
    assert page.status_code < 500


@pytest.mark.parametrize("number", [2**31, 2**40, 2**64, 10**30])
@pytest.mark.parametrize("path", ["/funds/{}", "/organisations/{}", "/rounds/{}",
                                  "/applications/{}", "/admin/users/{}"])
def test_ids_beyond_the_column_in_addresses_are_not_found(organiser, path, number):
    assert organiser.get(path.format(number)).status_code == 404


@pytest.mark.parametrize("query", ["q=%00", "track_id=99999999999", "community_id=%EF%BC%91",
                                   "page=99999999999999999999", "q=" + "长" * 5000])
def test_hostile_query_strings_on_lists(organiser, session, query):
    rnd = af.round_(session)
    session.commit()
    for path in (f"/rounds/{rnd.id}/applications", "/organisations", "/rounds"):
        assert organiser.get(f"{path}?{query}").status_code < 500


def test_nul_anywhere_in_a_form_is_refused_before_the_route(client, session):
    before = counts(session)
    response = client.post_form("/login", {"username": "boss\x00", "password": "x"})
    assert response.status_code == 400 and "NUL" in response.text
    assert counts(session) == before


def test_an_imported_name_longer_than_its_column_is_refused(client, session):
    from openpyxl import Workbook

    from grants.organisations.imports import HEADERS

    factories.community(session, name="幸福社区")
    factories.user(session, "organiser", username="importer")
    session.commit()
    client.login("importer")
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(["长" * 150, "备案", "", "幸备〔2024〕第009号", "备案类社区社会组织",
                        "社区事务", "幸福社区", "", 0, "无", "", "", ""])
    response = client.post_form("/organisations/import", files={
        "file": ("orgs.xlsx", spreadsheets.to_bytes(book), "application/octet-stream")})
    assert response.status_code == 400
    assert "At most 100 characters" in html.unescape(response.text)
    assert session.execute(select(func.count()).select_from(Organisation)).scalar_one() == 0
