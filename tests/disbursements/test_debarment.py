"""Termination for breach and debarment: later tranches stop and their money is released, a
refund opens, the organisation is barred until a date (refused with that date, accepted the day
after), the bar shows on its profile, can be lifted with a reason, and its end is audited."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants import jobs, lifecycle
from grants.applications import services as applications
from grants.audit import SYSTEM, AuditEvent
from grants.disbursements import services as money
from grants.disbursements.models import Agreement, Refund
from grants.funds import services as funds
from grants.organisations import bars
from grants.organisations.models import Organisation, OrganisationBar
from grants.timeutil import today
from grants.validation import FormErrors
from tests import factories
from tests.applications import factories as af
from tests.disbursements.factories import confirmed, finance_pair, signed

pytestmark = pytest.mark.db


def _paid_first(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    maker, checker = finance_pair(session)
    first = money.tranches_of(session, agreement)[0]
    payment = money.record_payment(session, SYSTEM, maker, first, amount_fen=first.amount_fen,
                                   paid_on=date(2026, 10, 9), bank_reference="B-1")
    money.approve(session, SYSTEM, checker, payment)
    session.commit()
    return w, agreement


def test_terminating_stops_tranches_releases_money_opens_a_refund_and_bars(session,
                                                                          monkeypatch):
    w, agreement = _paid_first(session, monkeypatch)
    from grants.disbursements.models import Tranche, TrancheShare

    fund_ids = sorted(set(session.execute(select(TrancheShare.fund_id).join(
        Tranche, Tranche.id == TrancheShare.tranche_id).where(
        Tranche.agreement_id == agreement.id)).scalars()))
    committed_before = sum(funds.balances(session, fund_ids)[f].committed for f in fund_ids)
    unpaid = sum(t.amount_fen for t in money.tranches_of(session, agreement)
                 if t.status != "paid")
    until = date(2029, 12, 3)
    money.terminate(session, SYSTEM, w.organiser, agreement, reason="虚报服务人次，挪用项目资金。",
                    refund_fen=5_000_00, bar_until=until)
    session.commit()
    agreement = session.get(Agreement, agreement.id)
    assert agreement.status == "terminated"
    statuses = [t.status for t in money.tranches_of(session, agreement)]
    assert statuses[0] == "paid" and set(statuses[1:]) == {"stopped"}
    committed_after = sum(funds.balances(session, fund_ids)[f].committed for f in fund_ids)
    assert committed_before - committed_after == unpaid
    refund = session.execute(select(Refund).where(Refund.agreement_id == agreement.id)).scalar_one()
    assert refund.status == "due" and refund.amount_fen == 5_000_00
    barred = bars.active_bar(session, agreement.organisation_id)
    assert barred is not None and barred.ends_on == until
    events = set(session.execute(select(AuditEvent.action)).scalars())
    assert {"agreement.terminate", "organisation_bar.create", "tranche.stop"} <= events


def test_a_barred_organisation_is_refused_with_its_end_date_and_accepted_the_day_after(
        session, monkeypatch):
    w, agreement = _paid_first(session, monkeypatch)
    org = session.get(Organisation, agreement.organisation_id)
    member = factories.user(session, "applicant", organisation=org)
    until = today() + timedelta(days=30)
    bars.bar(session, SYSTEM, w.organiser, org.id, reason="违反资助协议", ends_on=until)
    session.commit()
    round_ = af.round_(session)
    session.commit()
    with pytest.raises(FormErrors) as refused:
        applications.create_draft(session, SYSTEM, member, round_,
                                  af.track_of(session, round_).id, "新项目")
    message = refused.value.errors["round"]
    assert until.isoformat() in message and "违反资助协议" in message
    session.rollback()
    monkeypatch.setattr(bars, "today", lambda: until + timedelta(days=1))
    app = af.application(session, round_, member)
    assert not [p for p in applications.problems(session, app, round_)
                if p.code == "eligibility.barred"]
    # on the last day it still counts, with the plain message among the submission problems
    monkeypatch.setattr(bars, "today", lambda: until)
    found = [p for p in applications.problems(session, app, round_)
             if p.code == "eligibility.barred"]
    assert found and until.isoformat() in found[0].message


def test_termination_waits_for_a_pending_payment_and_needs_a_reason(session, monkeypatch):
    w, agreements = confirmed(session, monkeypatch)
    agreement = signed(session, agreements[0])
    maker, _checker = finance_pair(session)
    first = money.tranches_of(session, agreement)[0]
    money.record_payment(session, SYSTEM, maker, first, amount_fen=first.amount_fen,
                         paid_on=date(2026, 10, 9), bank_reference="B-2")
    session.commit()
    with pytest.raises(FormErrors):
        money.terminate(session, SYSTEM, w.organiser, agreement, reason="  ")
    session.rollback()
    agreement = session.get(Agreement, agreement.id)
    with pytest.raises(lifecycle.Refused) as refused:
        money.terminate(session, SYSTEM, w.organiser, agreement, reason="违约")
    assert "waiting for approval" in str(refused.value.errors)
    session.rollback()
    assert session.get(Agreement, agreement.id).status == "signed"


def test_lifting_and_the_recorded_end_of_a_bar(session, monkeypatch):
    w, agreement = _paid_first(session, monkeypatch)
    org_id = agreement.organisation_id
    barred = bars.bar(session, SYSTEM, w.organiser, org_id, reason="违约",
                      ends_on=today() + timedelta(days=3))
    session.commit()
    with pytest.raises(FormErrors):
        bars.lift(session, SYSTEM, w.organiser, barred, "")
    bars.lift(session, SYSTEM, w.organiser, barred, "复核后认定情节轻微")
    session.commit()
    assert bars.active_bar(session, org_id) is None
    other = bars.bar(session, SYSTEM, w.organiser, org_id, reason="再次违约",
                     ends_on=today())
    session.commit()
    later = today() + timedelta(days=1)
    assert jobs.run(later)["bars ended"] == 1
    assert jobs.run(later)["bars ended"] == 0
    session.expire_all()
    assert session.get(OrganisationBar, other.id).expired_at is not None
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "organisation_bar.expire")).scalar_one() == 1


def test_terminate_and_the_bar_on_the_pages(session, monkeypatch, client):
    _w, agreement = _paid_first(session, monkeypatch)
    organiser = factories.user(session, "organiser", username="boss")
    member = factories.user(session, "applicant",
                            organisation=session.get(Organisation, agreement.organisation_id))
    session.commit()
    client.login("boss")
    page = client.get(f"/agreements/{agreement.id}")
    assert 'id="terminate-form"' in page.text
    missing = client.post_form(f"/agreements/{agreement.id}/terminate",
                               {"reason": "违约", "bar_years": "3"})
    assert missing.status_code == 400  # not confirmed
    bad = client.post_form(f"/agreements/{agreement.id}/terminate",
                           {"reason": "违约", "bar_years": "99", "confirm": "yes"})
    assert bad.status_code == 400
    # The evaluation form on the same page also has a refund field: the problem goes to the
    # form that was sent, and the list of problems links to it.
    wrong = client.post_form(f"/agreements/{agreement.id}/terminate",
                             {"reason": "违约", "confirm": "yes", "refund": "1,2,3"})
    assert wrong.status_code == 400
    assert 'href="#f-terminate-refund"' in wrong.text and 'id="terminate-refund-error"' in wrong.text
    assert 'id="evaluate-refund-error"' not in wrong.text and 'id="refund-error"' not in wrong.text
    done = client.post_form(f"/agreements/{agreement.id}/terminate",
                            {"reason": "虚报服务人次", "bar_years": "3", "confirm": "yes",
                             "refund": "1,000"})
    assert done.status_code == 303
    profile = client.get(f"/organisations/{agreement.organisation_id}").text
    assert 'id="active-bar"' in profile and "虚报服务人次" in profile
    client.post_form("/logout", {})
    client.login(member.username)
    mine = client.get(f"/organisations/{agreement.organisation_id}").text
    assert "虚报服务人次" in mine and 'action="/organisations' not in mine.split('id="bars"')[1]
    assert organiser.id


def test_the_demo_barred_organisation_is_told_until_when_and_why(session, client):
    from grants.demo import data, load
    from grants.rounds.models import Round

    load.load(session)
    session.commit()
    bantian = session.execute(select(Round).where(Round.status == "open",
                                                  Round.name.like("%坂田%"))).scalar_one()
    client.login("applicant5", data.DEMO_PASSWORD)
    page = client.get(f"/rounds/{bantian.id}/apply")
    assert page.status_code == 200 and "虚报服务人次" in page.text
    org = session.execute(select(Organisation).where(Organisation.name == "奶奶厨房帮")).scalar_one()
    barred = bars.active_bar(session, org.id)
    assert barred is not None and barred.ends_on.isoformat() in page.text
    track = af.track_of(session, bantian)
    refused = client.post_form(f"/rounds/{bantian.id}/apply",
                               {"title": "邻里共享厨房（第二期）", "track_id": str(track.id)})
    assert refused.status_code == 400 and barred.ends_on.isoformat() in refused.text


def test_nul_bytes_and_huge_ids_are_refused_with_a_message(session, monkeypatch, client):
    w, agreement = _paid_first(session, monkeypatch)
    factories.user(session, "organiser", username="chief")
    session.commit()
    client.login("chief")
    refused = client.post_form(f"/agreements/{agreement.id}/terminate",
                               {"reason": "违约\x00", "confirm": "yes"})
    assert refused.status_code == 400
    assert session.get(Agreement, agreement.id).status == "signed"
    org = agreement.organisation_id
    barred = bars.bar(session, SYSTEM, w.organiser, org, reason="违约",
                      ends_on=today() + timedelta(days=5))
    session.commit()
    lift = client.post_form(f"/organisations/{org}/bars/{barred.id}/lift",
                            {"reason": "复核\x00"})
    assert lift.status_code in (303, 400)  # refused with a message either way
    session.expire_all()
    assert session.get(OrganisationBar, barred.id).lifted_at is None
    huge = client.post_form(f"/organisations/{org}/bars/{'9' * 30}/lift", {"reason": "x"})
    assert huge.status_code == 404
    with pytest.raises(FormErrors):
        from grants.reports import services as reports

        reports.add_evaluator(session, SYSTEM, w.round.id, "agency\x00", "")
