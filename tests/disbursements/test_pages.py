"""The money pages as finance staff use them: sign, pay with a second person approving, the
voucher, the fund statement matching its export and an imported bank statement; funders see
their own funds only."""

import io
import subprocess
from datetime import date

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select

from grants.disbursements import services as money
from grants.disbursements.models import Payment, Tranche
from grants.funds.models import Fund
from grants.rounds.models import RoundFund
from tests import factories
from tests.conftest import Client
from tests.disbursements.factories import confirmed, finance_pair

pytestmark = pytest.mark.db


def test_finance_walk_from_signing_to_reconciliation(app, client, session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    maker, checker = finance_pair(session)
    agreement = agreements[0]
    client.login(w.organiser.username)
    page = client.get(f"/agreements/{agreement.id}")
    assert page.status_code == 200 and 'id="sign-form"' in page.text
    bad = client.post_form(f"/agreements/{agreement.id}/sign",
                           {"signed_on": "2099-01-01", "signatories": ""})
    assert bad.status_code == 400
    signed = client.post_form(f"/agreements/{agreement.id}/sign",
                              {"signed_on": "2026-10-08", "signatories": "张主任；王理事长"},
                              files={"scan": ("协议.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert signed.status_code == 303
    assert client.get(f"/agreements/{agreement.id}/scan").status_code == 200
    tranche = money.tranches_of(session, agreement)[0]
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as a:
        a.login(maker.username)
        assert "Tranches to pay" in a.get("/finance").text
        for amount in ("abc", "-1", "1.234", "2万", "25,000.00.1", "1,2,3", "0", "25000.01"):
            response = a.post_form(f"/tranches/{tranche.id}/payments", {
                "amount": amount, "paid_on": "2026-10-10", "bank_reference": "CMB001",
                "form_key": "k-" + amount})
            assert response.status_code == 400, amount
        form = {"amount": "２５，０００.00", "paid_on": "2026-10-10", "bank_reference": "CMB001",
                "form_key": "k1"}
        assert a.post_form(f"/tranches/{tranche.id}/payments", form).status_code == 303
        assert a.post_form(f"/tranches/{tranche.id}/payments", form).status_code == 303  # twice
        payment = session.execute(select(Payment)).scalar_one()
        own = a.post_form(f"/payments/{payment.id}/decide", {"action": "approve"})
        assert own.status_code == 400  # nobody approves their own payment
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as b:
        b.login(checker.username)
        assert b.post_form(f"/payments/{payment.id}/decide",
                           {"action": "approve"}).status_code == 303
        voucher = b.get(f"/payments/{payment.id}/voucher.pdf")
        assert voucher.status_code == 200
        text = subprocess.run(["pdftotext", "-", "-"], input=voucher.content,
                              capture_output=True, check=True).stdout.decode().replace(" ", "")
        assert "付款凭证" in text and "贰万伍仟元整" in text and "CMB001" in text
        fund_id = session.execute(select(RoundFund.fund_id).where(
            RoundFund.round_id == w.round.id)).scalar_one()
        statement = b.get(f"/funds/{fund_id}/statement?from=2026-01-01&to=2026-12-31")
        assert statement.status_code == 200 and "Disbursement" in statement.text
        # each row's figures are its changes, and the headings say so (not balances)
        assert "Change in money held" in statement.text
        export = b.get(f"/funds/{fund_id}/statement.xlsx?from=2026-01-01&to=2026-12-31")
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        held = [r[6] for r in rows[1:] if r[6] is not None]
        assert held[0] + sum(held[1:-1]) == held[-1]  # opening + movements = closing
        assert -25000.0 in [r[6] for r in rows]
        csv = ("日期,参考号,金额\n2026-10-10,CMB001,-25000.00\n2026-10-11,UNKNOWN9,-10.00\n"
               ).encode()
        result = b.post_form(f"/funds/{fund_id}/reconcile", {},
                             files={"file": ("bank.csv", csv, "text/csv")})
        assert result.status_code == 200
        assert 'id="matched"' in result.text and "UNKNOWN9" in result.text
        bad_file = b.post_form(f"/funds/{fund_id}/reconcile", {},
                               files={"file": ("bank.xlsx", b"not a workbook", "x")})
        assert bad_file.status_code == 400
    session.expire_all()
    assert session.get(Tranche, tranche.id).status == "paid"


def test_funders_see_statements_of_their_own_funds_only(app, session):
    owner_org = factories.organisation(session)
    funder = factories.user(session, "funder", organisation=owner_org)
    mine = factories.fund(session, owner_org_id=owner_org.id, contributed_fen=1_000_00)
    other = factories.fund(session, contributed_fen=1_000_00)
    session.commit()
    with Client(app, base_url="http://testserver") as c:
        c.login(funder.username)
        assert c.get(f"/funds/{mine.id}/statement").status_code == 200
        # another's fund is "not found", as at /funds/{id}: the answer says nothing of whether
        # it exists; their own fund's reconciliation is "not allowed"
        assert c.get(f"/funds/{other.id}/statement").status_code == 404
        assert c.get(f"/funds/{other.id}").status_code == 404
        assert c.get(f"/funds/{other.id + 1000}/statement").status_code == 404
        assert c.get(f"/funds/{mine.id}/reconcile").status_code == 403
        assert c.get("/finance").status_code == 403
        bad = c.get(f"/funds/{mine.id}/statement?from=2026-13-01")
        assert bad.status_code == 400
    assert session.get(Fund, mine.id) is not None and date.today()


def test_a_contribution_is_corrected_by_reversal_from_the_fund_page(client, session):
    from grants.funds.models import FundEntry

    organiser = factories.user(session, "organiser")
    fund = factories.fund(session, contributed_fen=3_000_00)
    session.commit()
    entry = session.execute(select(FundEntry).where(FundEntry.fund_id == fund.id)).scalar_one()
    client.login(organiser.username)
    url = f"/funds/{fund.id}/entries/{entry.id}/reverse"
    assert client.post_form(url, {"reason": ""}).status_code == 400
    assert client.post_form(url, {"reason": "重复录入"}).status_code == 303
    assert client.post_form(url, {"reason": "再次"}).status_code == 400
    page = client.get(f"/funds/{fund.id}").text
    assert f"#{entry.id}" in page
    entries = session.execute(select(FundEntry).where(FundEntry.fund_id == fund.id)
                              .order_by(FundEntry.id)).scalars().all()
    assert [e.reverses_id for e in entries] == [None, entry.id]


def test_the_organisation_sees_its_payments_without_staff_links(client, session, monkeypatch):
    """A member of the funded organisation sees its payments numbered 1, 2 … and no link to
    the staff-only payment voucher (which answered it 404)."""


    from grants.audit import SYSTEM
    from grants.organisations.models import Organisation
    from tests.disbursements.factories import confirmed, finance_pair, signed

    _w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    maker, checker = finance_pair(session)
    tranche = money.tranches_of(session, agreement)[0]
    payment = money.record_payment(session, SYSTEM, maker, tranche, amount_fen=tranche.amount_fen,
                                   paid_on=date(2026, 10, 10), bank_reference="CMB777")
    money.approve(session, SYSTEM, checker, payment)
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, agreement.organisation_id))
    session.commit()
    client.login(member.username)
    page = client.get(f"/agreements/{agreement.id}").text
    row = page.split('id="payments"', 1)[1].split("</table>", 1)[0]
    assert "CMB777" in row and "<td>1</td>" in row
    assert "voucher.pdf" not in page
    assert client.get(f"/payments/{payment.id}/voucher.pdf").status_code in (403, 404)


def test_the_certificate_check_says_when_the_funding_was_terminated(client, session,
                                                                    monkeypatch):
    from grants.audit import SYSTEM
    from grants.awards.models import Award
    from tests.disbursements.factories import confirmed, signed

    _w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    code = session.get(Award, agreement.award_id).code
    assert 'id="verify-valid"' in client.get(f"/verify/{code}").text
    money.terminate(session, SYSTEM, None, agreement, reason="虚报活动数据，挪用资金。")
    session.commit()
    page = client.get(f"/verify/{code}")
    assert 'id="verify-terminated"' in page.text and 'id="verify-valid"' not in page.text


def test_a_refused_payment_names_its_field_and_keeps_what_was_typed(client, session,
                                                                    monkeypatch):
    from tests.disbursements.factories import confirmed, finance_pair, signed

    _w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    maker, _checker = finance_pair(session)
    session.commit()
    tranche = money.tranches_of(session, agreement)[0]
    client.login(maker.username)
    refused = client.post_form(f"/tranches/{tranche.id}/payments", {
        "amount": "", "paid_on": "2026-10-10", "bank_reference": "CMB9", "form_key": "k"})
    assert refused.status_code == 400
    form = refused.text.split(f'action="/tranches/{tranche.id}/payments"', 1)[1].split(
        "</form>", 1)[0]
    assert 'id="f-amount"' in form and 'value=""' in form.split('id="f-amount"', 1)[1][:60]
    assert 'value="CMB9"' in form
    assert "Amount (yuan): " in refused.text  # the problem names its field


def test_the_agreement_names_a_filed_organisations_filing_number_as_such(client, session,
                                                                          monkeypatch):
    from grants.awards.models import Award
    from grants.organisations.models import Organisation

    w, agreements = confirmed(session, monkeypatch)
    award = session.get(Award, agreements[0].award_id)
    org = session.get(Organisation, award.organisation_id)
    org.credit_code, org.filing_number, org.registration = None, "南山备〔2022〕第047号", "filed"
    session.commit()
    client.login(w.organiser.username)
    page = client.get(f"/awards/{award.id}/agreement.pdf?format=html").text
    assert "<th>备案号</th><td>南山备〔2022〕第047号</td>" in page
    assert "统一社会信用代码" not in page
    other = session.get(Award, agreements[1].award_id)
    registered = session.get(Organisation, other.organisation_id)
    page = client.get(f"/awards/{other.id}/agreement.pdf?format=html").text
    assert f"<th>统一社会信用代码</th><td>{registered.credit_code}</td>" in page


def test_a_revoked_award_reads_as_revoked_on_the_organisations_pages(client, session,
                                                                      monkeypatch):
    from grants.audit import SYSTEM
    from grants.awards import services as awards
    from grants.awards.models import Award
    from grants.organisations.models import Organisation
    from tests.disbursements.factories import signed

    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    award = session.get(Award, agreement.award_id)
    member = factories.user(session, "applicant", organisation=session.get(
        Organisation, award.organisation_id))
    awards.revoke(session, SYSTEM, w.organiser, award, "发现重复申报")
    session.commit()
    client.login(member.username)
    page = BeautifulSoup(client.get(f"/applications/{award.application_id}").text,
                         "html.parser")
    assert "发现重复申报" in page.select_one("#award-revoked").get_text()
    assert page.select_one("#award-documents") is None
    assert client.get(f"/awards/{award.id}/agreement.pdf").status_code == 404
    detail = client.get(f"/agreements/{agreement.id}").text
    assert "Cancelled: the award was revoked" in detail and "agreement.pdf" not in detail
    assert client.post_form(f"/agreements/{agreement.id}/reports/final").status_code in (303, 400)
    client.login(w.organiser.username)  # a move the organiser could make, but not now: why
    refused = client.post_form(f"/agreements/{agreement.id}/terminate",
                               {"reason": "违约", "confirm": "yes"})
    assert refused.status_code == 400 and "Not possible now" in refused.text
    assert "Cancelled: the award was revoked" in refused.text
    session.expire_all()
    from grants.reports.models import Report

    assert session.execute(select(Report).where(Report.agreement_id == agreement.id)
                           ).first() is None



def test_money_paid_under_a_revoked_award_can_be_asked_back(client, session, monkeypatch):
    from grants.audit import SYSTEM
    from grants.awards import services as awards
    from grants.awards.models import Award
    from grants.disbursements.models import Refund
    from tests.disbursements.factories import signed

    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    maker, checker = finance_pair(session)
    tranche = money.tranches_of(session, agreement)[0]
    money.approve(session, SYSTEM, checker, money.record_payment(
        session, SYSTEM, maker, tranche, amount_fen=10_000_00, paid_on=date(2026, 10, 9),
        bank_reference="CMB-AB-1"))
    session.commit()
    client.login(w.organiser.username)
    assert 'id="ask-back"' not in client.get(f"/agreements/{agreement.id}").text  # signed
    refused = client.post_form(f"/agreements/{agreement.id}/refunds",
                               {"refund": "100", "reason": "撤销前已拨付"})
    assert refused.status_code == 400 and "only when the award was revoked" in refused.text
    awards.revoke(session, SYSTEM, w.organiser, session.get(Award, agreement.award_id),
                  "发现虚假材料")
    session.commit()
    assert 'id="ask-back"' in client.get(f"/agreements/{agreement.id}").text
    too_much = client.post_form(f"/agreements/{agreement.id}/refunds",
                                {"refund": "10000.01", "reason": "追回全部拨款"})
    assert too_much.status_code == 400 and 'id="f-askback-refund"' in too_much.text
    assert client.post_form(f"/agreements/{agreement.id}/refunds",
                            {"refund": "10000", "reason": "追回全部拨款"}).status_code == 303
    refund = session.execute(select(Refund).where(Refund.agreement_id == agreement.id)
                             ).scalar_one()
    assert (refund.amount_fen, refund.status, refund.reason) == (10_000_00, "due", "追回全部拨款")
    client.login(maker.username)  # finance records it when the money comes back
    assert client.post_form(f"/refunds/{refund.id}", {
        "action": "record", "refunded_on": date.today().isoformat(),
        "bank_reference": "CMB-AB-BACK"}).status_code == 303
