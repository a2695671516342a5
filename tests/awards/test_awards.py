"""Awards from the final ranking, the public notice with its window, objections, confirming.

Routing is checked against scoring.route called directly; money never over-commits a fund;
the objection window is counted on the working-day calendar."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants import lifecycle
from grants.audit import SYSTEM, AuditEvent
from grants.awards import services as awards
from grants.awards import workflow
from grants.awards.models import Award, AwardAllocation, AwardUnfunded, Objection
from grants.funds import services as fund_services
from grants.funds.models import Fund, FundEntry
from grants.notifications.models import Notice
from grants.rounds.models import Round, RoundFund, Track
from grants.validation import FormErrors
from scoring import route as routing
from tests.awards.factories import REQUESTS, judged, proposed

pytestmark = pytest.mark.db


def _awards(session, notice):
    return list(session.execute(select(Award).where(Award.notice_id == notice.id)
                                .order_by(Award.position)).scalars())


def _publish(session, w, notice, on=date(2026, 9, 18), days=5, monkeypatch=None):
    monkeypatch.setattr(awards, "today", lambda: on)
    awards.publish(session, SYSTEM, w.organiser, notice, title="拟资助项目公示",
                   contact="0755-0000 0000", working_days=days)
    session.commit()


def test_proposal_pays_in_rank_order_within_the_budget_and_says_why_not(session):
    w, notice = proposed(session, budget_fen=100_000_00)
    got = _awards(session, notice)
    # the same answer as scoring.route on the same input
    expected = routing.route([routing.RankedApplication(str(a.id), r, 10_000_00, 50_000_00)
                              for a, r in zip(w.apps, REQUESTS, strict=True)],
                             [routing.Fund("f", 100_000_00)])
    assert [(a.application_id, a.amount_fen) for a in got] == [
        (int(x.application_id), x.total) for x in expected.awards()]
    assert [a.amount_fen for a in got] == [50_000_00, 40_000_00, 10_000_00]
    assert got[2].partial and got[2].sought_fen == 40_000_00
    assert [a.position for a in got] == [1, 2, 3]
    unfunded = session.execute(select(AwardUnfunded)).scalars().all()
    assert [(u.application_id, u.reason) for u in unfunded] == [(w.apps[3].id, "exhausted")]
    assert "already awarded" in awards.unfunded_reason(unfunded[0])
    event = session.execute(select(AuditEvent).where(
        AuditEvent.action == "award_notice.propose")).scalar_one()
    assert '"amount_fen": 10000000' in event.after


def test_routing_never_pays_an_application_its_fund_excludes(session):
    w = judged(session)
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    session.get(Fund, fund_id).service_areas = ["elderly"]
    for track in session.execute(select(Track).where(Track.round_id == w.round.id)).scalars():
        track.service_area = "youth"
    session.commit()
    notice = awards.propose(session, SYSTEM, w.organiser, w.round)
    assert _awards(session, notice) == []
    reasons = session.execute(select(AwardUnfunded.reason)).scalars().all()
    assert reasons == ["no_fund"] * 4


def test_levels_follow_the_ranking(session):
    w = judged(session)
    notice = awards.propose(session, SYSTEM, w.organiser, w.round,
                            {"first": 1, "second": 1, "third": 0, "excellence": True})
    assert [a.level for a in _awards(session, notice)] == [
        "first", "second", "excellence", "excellence"]


def test_an_organiser_changes_an_award_with_a_reason_and_never_over_commits(session):
    w, notice = proposed(session, budget_fen=100_000_00)
    first, second, third = _awards(session, notice)
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    with pytest.raises(FormErrors) as refused:
        awards.edit(session, SYSTEM, w.organiser, third, {fund_id: 40_000_00}, "", "补足")
    assert "left for this round" in refused.value.errors[f"fund_{fund_id}"]
    session.rollback()
    with pytest.raises(lifecycle.Refused):
        awards.edit(session, SYSTEM, w.organiser, third, {fund_id: 5_000_00}, "", "  ")
    session.rollback()
    with pytest.raises(FormErrors) as refused:
        awards.edit(session, SYSTEM, w.organiser, second, {fund_id: 60_000_00}, "", "加")
    assert "more than" in refused.value.errors["amount"]
    session.rollback()
    awards.edit(session, SYSTEM, w.organiser, first, {fund_id: 30_000_00}, "third", "评审会议调整")
    awards.edit(session, SYSTEM, w.organiser, third, {fund_id: 30_000_00}, "", "评审会议调整")
    session.commit()
    assert [a.amount_fen for a in _awards(session, notice)] == [30_000_00, 40_000_00, 30_000_00]
    total = session.execute(select(func.sum(AwardAllocation.amount_fen))).scalar_one()
    assert total == 100_000_00
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "award.edit")).scalar_one() == 2


def test_the_window_counts_working_days_across_a_make_up_sunday(session, monkeypatch):
    w, notice = proposed(session)
    _publish(session, w, notice, on=date(2026, 9, 18), monkeypatch=monkeypatch)
    # Sat 19 is a weekend; Sun 20 is a make-up working day (调休上班): 20, 21, 22, 23, 24
    assert notice.status == "published"
    assert (notice.window_start, notice.window_end) == (date(2026, 9, 18), date(2026, 9, 24))
    # the round's 公示 stage now shows the real window, not the planned dates
    from grants.rounds.models import Stage
    from grants.timeutil import local

    stages = session.execute(select(Stage).where(Stage.round_id == w.round.id,
                                                 Stage.kind == "notice")).scalars().all()
    assert stages
    assert {(local(s.starts_at).date(), local(s.ends_at).date()) for s in stages} == {
        (date(2026, 9, 18), date(2026, 9, 24))}
    from grants.audit import AuditEvent

    assert session.execute(select(AuditEvent).where(
        AuditEvent.action == "stage.update",
        AuditEvent.object_id == str(stages[0].id))).first() is not None


def test_the_window_skips_the_national_day_holiday(session, monkeypatch):
    w, notice = proposed(session)
    _publish(session, w, notice, on=date(2026, 9, 30), monkeypatch=monkeypatch)
    # 1-7 October are holidays; 8, 9, Sat 10 (make-up), 12, 13
    assert notice.window_end == date(2026, 10, 13)


def test_awards_are_frozen_once_published(session, monkeypatch):
    w, notice = proposed(session)
    _publish(session, w, notice, on=date(2026, 9, 18), monkeypatch=monkeypatch)
    award = _awards(session, notice)[0]
    assert not workflow.AWARD.applies(workflow.AWARD.transition("edit"), award)
    with pytest.raises(lifecycle.Refused):
        awards.edit(session, SYSTEM, w.organiser, award, {1: 1_00}, "", "改")


def _lodge(session, notice, **changes):
    data = {"name": "张三", "contact": "13800138000", "reasons": "该项目申报材料与实际不符，请核实。",
            "application_id": None, "ip": "198.51.100.1"}
    data.update(changes)
    return awards.lodge(session, notice, **data)


def test_confirming_is_refused_while_an_objection_is_open(session, monkeypatch):
    w, notice = proposed(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    objection = _lodge(session, notice)
    session.commit()
    assert objection.reference.startswith("YY")
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 25))
    problems = lifecycle.problems(session, "award_notice.confirm", notice)
    assert problems == ["1 objection is not resolved yet."]
    with pytest.raises(lifecycle.Refused):
        awards.confirm(session, SYSTEM, w.organiser, notice)
    session.rollback()
    awards.investigate(session, SYSTEM, w.organiser, objection, "已联系申报单位核实材料。")
    from grants.timeutil import format_local, now

    # The note is stamped in China Standard Time, as every time the site shows.
    assert objection.investigation.startswith(f"[{format_local(now())[:13]}")
    assert "UTC" not in objection.investigation
    awards.resolve(session, SYSTEM, w.organiser, objection, "dismiss", "材料属实，异议不成立。")
    session.commit()
    assert lifecycle.problems(session, "award_notice.confirm", notice) == []


def test_confirming_before_the_window_ends_is_refused(session, monkeypatch):
    w, notice = proposed(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 24))
    assert lifecycle.problems(session, "award_notice.confirm", notice) == [
        "Objections may be lodged until 2026-09-24; confirm after that day."]


def test_confirming_commits_the_money_decides_the_round_and_tells_the_applicants(
        session, monkeypatch):
    w, notice = proposed(session, budget_fen=100_000_00)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    third = _awards(session, notice)[2]
    awards.withdraw(session, SYSTEM, w.organiser, third, "异议成立：重复申报")
    session.commit()
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 28))
    assert awards.confirm(session, SYSTEM, w.organiser, notice) == 2
    session.commit()
    assert session.get(Round, w.round.id).status == "decided"
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    commitments = session.execute(select(FundEntry.amount_fen).where(
        FundEntry.fund_id == fund_id, FundEntry.kind == "commitment")).scalars().all()
    assert sorted(commitments) == [40_000_00, 50_000_00]
    balance = fund_services.balances(session, [fund_id])[fund_id]
    assert balance.committed == 90_000_00 and balance.reserved == 0
    assert [a.status for a in _awards(session, notice)] == ["confirmed", "confirmed",
                                                            "withdrawn"]
    told = session.execute(select(Notice.link).order_by(Notice.link)).scalars().all()
    assert told == sorted(f"/applications/{a.id}" for a in w.apps[:2])
    first = _awards(session, notice)[0]
    assert awards.verify(session, first.code.lower()).valid
    assert not awards.verify(session, third.code).valid and awards.verify(
        session, third.code).found
    assert not awards.verify(session, "NOSUCHCODE").found
    assert not awards.verify(session, "<script>").found


def test_objections_outside_the_window_or_with_bad_input_change_nothing(session, monkeypatch):
    w, notice = proposed(session)
    with pytest.raises(FormErrors):  # not published yet
        _lodge(session, notice)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    session.commit()
    bad = [{"name": ""}, {"contact": "not a contact"}, {"reasons": "太短"},
           {"name": "张\x00三"}, {"application_id": 999999},
           {"filename": "evidence.pdf", "data": b"MZ\x90\x00 not a pdf"},
           {"reasons": "长" * 6000}]
    for changes in bad:
        with pytest.raises(FormErrors):
            _lodge(session, notice, **changes)
        session.rollback()
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 25))  # the day after
    with pytest.raises(FormErrors) as closed:
        _lodge(session, notice)
    assert "closed" in closed.value.errors["reasons"]
    session.rollback()
    assert session.execute(select(func.count()).select_from(Objection)).scalar_one() == 0


def test_one_address_may_object_only_a_few_times_an_hour(session, monkeypatch):
    w, notice = proposed(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    for _i in range(awards.OBJECTIONS_PER_ADDRESS_HOUR):
        _lodge(session, notice)
    with pytest.raises(FormErrors) as refused:
        _lodge(session, notice)
    assert "Too many" in refused.value.errors["reasons"]
    _lodge(session, notice, ip="198.51.100.2")  # another address is not affected


def test_resolving_tells_an_objector_who_gave_an_email(session, monkeypatch):
    from grants.notifications.models import OutboxMessage

    w, notice = proposed(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    objection = _lodge(session, notice, contact="objector@example.org")
    awards.resolve(session, SYSTEM, w.organiser, objection, "uphold", "异议成立，已撤销该奖项。")
    session.commit()
    mails = session.execute(select(OutboxMessage).where(
        OutboxMessage.to == "objector@example.org").order_by(OutboxMessage.id)).scalars().all()
    assert len(mails) == 2  # received, then the outcome
    assert objection.reference in mails[1].subject and "异议成立" in mails[1].body
    assert objection.status == "upheld" and objection.resolved_at is not None
    with pytest.raises(lifecycle.Refused):  # resolved objections stay resolved
        awards.resolve(session, SYSTEM, w.organiser, objection, "dismiss", "改判")


def test_publishing_checks_its_input(session):
    w, notice = proposed(session)
    for title, days in (("", 5), ("公示", 0), ("公示", 31), ("公示", None), ("x" * 121, 5)):
        with pytest.raises(FormErrors):
            awards.publish(session, SYSTEM, w.organiser, notice, title=title, contact="",
                           working_days=days)
        session.rollback()
    assert notice.status == "draft"


def test_the_round_cannot_be_decided_without_confirmed_awards(session):
    w, _notice = proposed(session)
    problems = lifecycle.problems(session, "round.decide", session.get(Round, w.round.id))
    assert "Confirm the awards after their public notice first." in problems


def test_the_window_ends_today_until_the_end_of_the_day(session, monkeypatch):
    w, notice = proposed(session)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    assert awards.window_open(notice, date(2026, 9, 24))
    assert not awards.window_open(notice, date(2026, 9, 24) + timedelta(days=1))
    assert not awards.window_open(notice, date(2026, 9, 17))


def test_revoking_a_confirmed_award_releases_its_money_and_the_check_says_so(
        session, monkeypatch):
    w, notice = proposed(session, budget_fen=100_000_00)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, w.organiser, notice, title="公示", contact="",
                   working_days=5)
    monkeypatch.setattr(workflow, "local_today", lambda: date(2026, 9, 28))
    awards.confirm(session, SYSTEM, w.organiser, notice)
    session.commit()
    first = _awards(session, notice)[0]
    with pytest.raises(lifecycle.Refused):
        awards.revoke(session, SYSTEM, w.organiser, first, "  ")
    session.rollback()
    first = _awards(session, notice)[0]
    assert awards.revoke(session, SYSTEM, w.organiser, first, "发现重复申报") == 50_000_00
    session.commit()
    fund_id = session.execute(select(RoundFund.fund_id).where(
        RoundFund.round_id == w.round.id)).scalar_one()
    assert fund_services.balances(session, [fund_id])[fund_id].committed == 50_000_00
    check = awards.verify(session, first.code)
    assert check.found and check.revoked and not check.valid
    assert first.id not in {r.award.id for r in awards.award_rows(session, notice,
                                                                  live_only=True)}
    with pytest.raises(lifecycle.Refused):  # once revoked, always revoked
        awards.revoke(session, SYSTEM, w.organiser, first, "再次")
