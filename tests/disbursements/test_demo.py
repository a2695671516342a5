"""The demo's money: signed agreements, a paid first tranche, a payment waiting for the
finance login, a stopped tranche with a refund due, and a statement showing them."""

import pytest
from sqlalchemy import select

from grants.demo import data
from grants.disbursements.models import Agreement, Payment, Refund, Tranche
from grants.rounds.models import Round, RoundFund

pytestmark = pytest.mark.db


def test_demo_money_leaves_finance_work_waiting(client, session):
    from grants.demo import load

    load.load(session)
    session.commit()
    # the past years' agreements are signed too; one was terminated for breach afterwards
    assert {a.status for a in session.execute(select(Agreement)).scalars()} == {
        "signed", "terminated"}
    this_year = session.execute(select(Round.id).where(
        Round.name.like("%立项演示%"))).scalar_one()  # the past years are fully paid
    assert sorted(p.status for p in session.execute(select(Payment).where(
        Payment.round_id == this_year)).scalars()) == ["approved", "approved", "pending"]
    assert "stopped" in {t.status for t in session.execute(select(Tranche)).scalars()}
    assert session.execute(select(Refund.status).where(
        Refund.round_id == this_year)).scalar_one() == "due"
    from grants.reports.models import Report

    # one mid-term report waits for evaluation; the failed evaluation graded a submitted one
    assert sorted(session.execute(select(Report.status).where(
        Report.round_id == this_year)).scalars()) == ["accepted", "submitted"]
    # the awards were confirmed before their agreements were signed and paid
    from grants.awards.models import Award
    from grants.timeutil import local

    for agreement in session.execute(select(Agreement).where(
            Agreement.round_id == this_year)).scalars():
        award = session.get(Award, agreement.award_id)
        assert local(award.confirmed_at).date() < agreement.signed_on
    client.login("finance", data.DEMO_PASSWORD)
    page = client.get("/finance").text
    assert 'id="waiting-approval"' in page and "CMB2026110003" in page
    agreement = session.execute(select(Agreement).order_by(Agreement.id)).scalars().first()
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == agreement.round_id)).scalars().first()
    statement = client.get(f"/funds/{fund_id}/statement?from=2000-01-01")
    assert statement.status_code == 200 and "CMB2026110001" in statement.text


def test_demo_ledgers_never_show_money_committed_below_zero_on_any_day(session):
    """A statement for any period reads the entries by their dates: a commitment dated after
    the payments it made possible would show negative committed money in between."""
    from collections import defaultdict

    from grants.demo import load
    from grants.funds.models import FundEntry
    from grants.funds.services import ENTRY_EFFECTS

    load.load(session)
    session.commit()
    entries = defaultdict(list)
    for entry in session.execute(select(FundEntry).where(FundEntry.status == "approved")
                                 .order_by(FundEntry.occurred_on, FundEntry.id)).scalars():
        entries[entry.fund_id].append(entry)
    assert entries
    for fund_id, rows in entries.items():
        committed, by_day = 0, {}
        for entry in rows:
            committed += ENTRY_EFFECTS[entry.kind][1] * entry.amount_fen
            by_day[entry.occurred_on] = committed
        assert min(by_day.values()) >= 0, (fund_id, by_day)
