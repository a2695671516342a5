"""Funds: restrictions, a ledger from which balances are derived, funders see only their own."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from grants import audit
from grants.funds import services
from grants.funds.models import Fund, FundEntry
from grants.validation import FormErrors
from tests import factories


@pytest.fixture
def organiser(client, session):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    return client


def test_balances_are_derived_from_the_ledger(session):
    fund = factories.fund(session, contributed_fen=42_000_000)
    actor = audit.SYSTEM
    services.add_entry(session, actor, fund, kind="commitment", amount_fen=10_000_000)
    services.add_entry(session, actor, fund, kind="disbursement", amount_fen=5_000_000)
    services.add_entry(session, actor, fund, kind="release", amount_fen=1_000_000)
    out = services.add_entry(session, actor, fund, kind="adjustment_out", amount_fen=500_000)
    assert services.balances(session, [fund.id])[fund.id].pending_out == 500_000
    services.decide_entry(session, actor, factories.user(session, "finance"), out, True)
    balance = services.balances(session, [fund.id])[fund.id]
    assert balance.contributed == 41_500_000
    assert balance.committed == 4_000_000
    assert balance.disbursed == 5_000_000
    assert balance.available == 32_500_000


def test_a_fund_is_never_over_committed(session):
    fund = factories.fund(session, contributed_fen=100_000)
    with pytest.raises(FormErrors, match=r"1,000\.00"):
        services.add_entry(session, audit.SYSTEM, fund, kind="commitment", amount_fen=100_001)
    services.add_entry(session, audit.SYSTEM, fund, kind="commitment", amount_fen=100_000)
    assert services.balances(session, [fund.id])[fund.id].available == 0


def test_organiser_creates_a_restricted_named_fund(organiser, session):
    host = factories.organisation(session, name="南坑社区圆梦慈善基金会", org_type="foundation",
                                  credit_code=factories.credit_code("3"))
    place = factories.community(session, "南坑社区")
    session.commit()
    page = organiser.post_form("/funds/new", [
        ("name", "五和公益基金"), ("kind", "named_fund"), ("owner_name", "五和社区党委"),
        ("host_org_id", str(host.id)), ("service_areas", "elderly"),
        ("target_groups", "elderly"), ("community_ids", str(place.id))])
    assert page.status_code == 303
    fund = session.execute(select(Fund)).scalar_one()
    assert (fund.service_areas, fund.community_ids, fund.host_org_id) == \
        (["elderly"], [place.id], host.id)


def test_a_named_fund_needs_its_host_foundation(organiser, session):
    page = organiser.post_form("/funds/new", {"name": "某冠名基金", "kind": "named_fund",
                                              "owner_name": "某企业"})
    assert page.status_code == 400
    assert "public-fundraising foundation" in page.text
    assert session.execute(select(func.count()).select_from(Fund)).scalar_one() == 0


@pytest.mark.parametrize(("amount", "message"), [
    ("", "required"), ("abc", "amount in yuan"), ("-100", "amount in yuan"), ("0", "greater than zero"),
    ("1.234", "amount in yuan"),
])
def test_bad_amounts_are_refused_and_the_ledger_is_unchanged(organiser, session, amount, message):
    fund = factories.fund(session)
    session.commit()
    page = organiser.post_form(f"/funds/{fund.id}/entries", {"kind": "contribution",
                                                             "amount": amount})
    assert page.status_code == 400
    assert message in page.text
    assert session.execute(select(func.count()).select_from(FundEntry)).scalar_one() == 0


def test_recording_a_contribution_updates_the_balance(organiser, session):
    fund = factories.fund(session)
    session.commit()
    page = organiser.post_form(f"/funds/{fund.id}/entries", {
        "kind": "contribution", "amount": "120,000.50", "counterparty": "南山区财政局",
        "occurred_on": "2026-03-01"})
    assert page.status_code == 303
    detail = BeautifulSoup(organiser.get(f"/funds/{fund.id}").text, "html.parser")
    assert detail.select_one("#available").get_text() == "¥120,000.50"


def test_an_adjustment_cannot_take_the_balance_below_zero(organiser, session):
    fund = factories.fund(session, contributed_fen=1000)
    session.commit()
    page = organiser.post_form(f"/funds/{fund.id}/entries", {"kind": "adjustment_out",
                                                             "amount": "10.01"})
    assert page.status_code == 400
    assert "over-commit" in page.text


def test_funders_see_only_the_funds_they_own_or_host(client, session):
    foundation = factories.organisation(session, name="圆梦基金会", org_type="foundation",
                                        credit_code=factories.credit_code("3"))
    own = factories.fund(session, name="圆梦慈善公益基金", kind="community_foundation",
                         owner_org_id=foundation.id, contributed_fen=500_000)
    other = factories.fund(session, name="区财政专项资金")
    factories.user(session, "funder", username="donor", organisation=foundation)
    session.commit()
    client.login("donor")
    listing = BeautifulSoup(client.get("/funds").text, "html.parser")
    assert [a.get_text() for a in listing.select("#funds tbody a")] == ["圆梦慈善公益基金"]
    assert client.get(f"/funds/{own.id}").status_code == 200
    assert client.get(f"/funds/{other.id}").status_code == 404
    assert client.post_form(f"/funds/{own.id}/entries", {"kind": "contribution",
                                                          "amount": "1"}).status_code == 403


def test_applicants_and_judges_cannot_see_funds(client, session):
    fund = factories.fund(session)
    factories.user(session, "applicant", username="appl")
    factories.user(session, "judge", username="judge")
    session.commit()
    for name in ("appl", "judge"):
        client.login(name)
        assert client.get("/funds").status_code == 403
        assert client.get(f"/funds/{fund.id}").status_code == 404
        client.post_form("/logout")
