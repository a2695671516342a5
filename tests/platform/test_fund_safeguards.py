"""A fund's money promised to rounds or committed to awards cannot be withdrawn: one
definition of "available" on every page, maker-checker for adjustments out, and a form sent
twice records one entry."""

from __future__ import annotations

import html

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from grants import audit
from grants.audit import AuditEvent
from grants.funds import services
from grants.funds.models import FundEntry
from grants.validation import FormErrors
from tests import factories
from tests.rounds import factories as rf


def entry_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(FundEntry)).scalar_one()


@pytest.fixture
def promised(session):
    """A fund of ¥420,000 of which an open round has reserved ¥400,000."""
    fund = factories.fund(session, contributed_fen=420_000_00)
    round_ = rf.draft(session)
    from grants.rounds import funding

    funding.attach_fund(session, audit.SYSTEM, round_, fund.id, 400_000_00)
    round_.status = "open"
    factories.user(session, "finance", username="maker")
    factories.user(session, "finance", username="checker")
    session.commit()
    return fund


def figure(page, selector: str) -> str:
    return BeautifulSoup(page.text, "html.parser").select_one(selector).get_text(strip=True)


def test_fund_page_list_and_round_editor_show_the_same_available(client, session, promised):
    factories.user(session, "organiser", username="boss")
    other = rf.draft(session)
    session.commit()
    client.login("boss")
    assert figure(client.get(f"/funds/{promised.id}"), "#available") == "¥20,000.00"
    row = BeautifulSoup(client.get("/funds").text, "html.parser").select_one("#funds tbody tr")
    assert "¥20,000.00" in row.get_text()
    editor = html.unescape(client.get(f"/rounds/{other.id}/edit/funds").text)
    assert "¥20,000.00" in editor
    assert services.balances(session, [promised.id])[promised.id].available == 20_000_00


def test_withdrawing_promised_money_is_refused(client, session, promised):
    client.login("maker")
    before = entry_count(session)
    page = client.post_form(f"/funds/{promised.id}/entries",
                            {"kind": "adjustment_out", "amount": "420000"})
    assert page.status_code == 400
    assert "¥20,000.00" in html.unescape(page.text)
    assert entry_count(session) == before


def test_an_adjustment_out_needs_a_second_person(client, session, promised):
    client.login("maker")
    page = client.post_form(f"/funds/{promised.id}/entries",
                            {"kind": "adjustment_out", "amount": "20000", "memo": "退回"})
    assert page.status_code == 303
    entry = session.execute(select(FundEntry).where(FundEntry.kind == "adjustment_out")
                            ).scalar_one()
    assert entry.status == "pending"
    assert services.balances(session, [promised.id])[promised.id].available == 20_000_00
    # The maker cannot approve their own entry, and is not offered the button.
    approve_url = f"/funds/{promised.id}/entries/{entry.id}/approve"
    assert not BeautifulSoup(client.get(f"/funds/{promised.id}").text, "html.parser").select(
        f'form[action$="{approve_url}"]')
    assert client.post_form(
        f"/funds/{promised.id}/entries/{entry.id}/approve").status_code in (400, 403)
    session.expire_all()
    assert session.get(FundEntry, entry.id).status == "pending"
    client.post_form("/logout")
    client.cookies.clear()
    client.login("checker")
    assert BeautifulSoup(client.get(f"/funds/{promised.id}").text, "html.parser").select(
        f'form[action$="{approve_url}"]')
    assert client.post_form(
        f"/funds/{promised.id}/entries/{entry.id}/approve").status_code == 303
    session.expire_all()
    assert session.get(FundEntry, entry.id).status == "approved"
    assert services.balances(session, [promised.id])[promised.id].available == 0
    actions = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"fund.adjustment_out_request", "fund.entry_approve"} <= actions


def test_approval_rechecks_the_balance_and_rejection_counts_nothing(session, promised):
    maker, checker = (session.execute(select(factories.User).where(
        factories.User.username == name)).scalar_one() for name in ("maker", "checker"))
    as_maker = audit.Actor(id=maker.id, name=maker.username)
    first = services.add_entry(session, as_maker, promised, kind="adjustment_out",
                               amount_fen=15_000_00)
    second = services.add_entry(session, as_maker, promised, kind="adjustment_out",
                                amount_fen=15_000_00)
    with pytest.raises(FormErrors, match=r"second person|另一人"):
        services.decide_entry(session, as_maker, maker, first, True)
    services.decide_entry(session, audit.SYSTEM, checker, first, True)
    with pytest.raises(FormErrors):  # only ¥5,000 is left: the second cannot be approved
        services.decide_entry(session, audit.SYSTEM, checker, second, True)
    services.decide_entry(session, audit.SYSTEM, checker, second, False)
    assert second.status == "rejected"
    assert services.balances(session, [promised.id])[promised.id].available == 5_000_00
    with pytest.raises(FormErrors):
        services.decide_entry(session, audit.SYSTEM, checker, second, True)


def test_twenty_identical_contribution_posts_make_one_entry(client, session, promised):
    client.login("maker")
    page = client.get(f"/funds/{promised.id}")
    key = BeautifulSoup(page.text, "html.parser").select_one("input[name=form_key]")["value"]
    before = entry_count(session)
    statuses = [client.post_form(f"/funds/{promised.id}/entries",
                                 {"kind": "contribution", "amount": "1000", "form_key": key}
                                 ).status_code for _ in range(20)]
    assert set(statuses) == {303}
    assert entry_count(session) == before + 1
    # A fresh form (a new key) records a new entry.
    fresh = BeautifulSoup(client.get(f"/funds/{promised.id}").text, "html.parser")
    assert fresh.select_one("input[name=form_key]")["value"] != key
