"""Every route × every role: the answer agrees with the permission tables.

The routes come from the app's own route table; each named route says which action guards it
and on which object (EXPECT below). For every identity — each role, members of two different
organisations, and anonymous visitors — the test asks `can()` what the answer should be and
sends the request (POSTs with a valid CSRF token, so the permission layer is what refuses).
A route without an expectation fails the test: a new page must say who may open it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from starlette.routing import Route

from grants.app import collect_routes
from grants.applications import attachments as files
from grants.applications import services
from grants.applications.models import Application
from grants.audit import Actor
from grants.notifications.models import Notice
from grants.permissions import can, state_refusal
from tests import factories
from tests.applications import factories as af
from tests.rounds import factories as rf

# Routes anyone may use without logging in.
PUBLIC = {"login", "healthz", "favicon", "switch_language", "organisation_register",
          "organisation_join", "judge_invite", "vote_public", "vote_code", "vote_confirm", "vote_cast",
          "public_index", "public_notice", "public_notice_pdf", "public_objection", "verify",
          "verify_code", "public_impact"}


@dataclass
class World:
    """Objects of two organisations, a round, funds, and one user of each role."""

    users: dict[str, Any]
    round: Any
    app_a: Any
    app_b: Any
    attachment: Any
    org_a: Any
    org_b: Any
    fund: Any
    other_fund: Any
    region: Any
    notice_a: Any
    stage: Any
    track: Any
    criterion: Any
    round_fund: Any
    change: Any = None  # an identity change request of org_a
    roadshow: Any = None
    pending_entry: Any = None  # an adjustment out of other_fund waiting for a second person
    award: Any = None  # a confirmed award of app_b, on a published notice of the round
    objection: Any = None  # an objection to it, with evidence
    sheet: Any = None  # the judge's submitted score sheet of app_b
    agreement: Any = None  # the agreement of the award, signed, with a paid first tranche
    tranche: Any = None  # its first tranche
    payment: Any = None  # the approved payment of it (with a voucher)
    refund: Any = None  # a refund due on it
    report: Any = None  # its mid-term report, a draft
    report_file: Any = None  # an attachment of the report
    bar: Any = None  # a bar from applying on org_a
    vote_award: Any = None  # the 人气奖 of the round's published vote, won by app_b


Guard = tuple[str, Callable[[World], Any], Callable[[World], dict[str, Any]]]


def _none(_w: World) -> None:
    return None


def _no_params(_w: World) -> dict[str, Any]:
    return {}


def _round(w: World) -> dict[str, Any]:
    return {"id": w.round.id}


def _app(w: World) -> dict[str, Any]:
    return {"id": w.app_a.id}


# route name -> (action, the object it is asked about, the path parameters)
EXPECT: dict[str, Guard] = {
    "home": ("account.use", _none, _no_params),
    "logout": ("account.use", _none, _no_params),
    "password": ("account.use", _none, _no_params),
    "users": ("user.manage", _none, _no_params),
    "user_new": ("user.manage", _none, _no_params),
    "user_detail": ("user.manage", lambda w: w.users["applicant_a"],
                    lambda w: {"id": w.users["applicant_a"].id}),
    "user_reset_password": ("user.manage", lambda w: w.users["applicant_b"],
                            lambda w: {"id": w.users["applicant_b"].id}),
    "user_set_active": ("user.manage", lambda w: w.users["applicant_b"],
                        lambda w: {"id": w.users["applicant_b"].id}),
    "regions": ("region.manage", _none, _no_params),
    "region_new": ("region.manage", _none, _no_params),
    "region_rename": ("region.manage", lambda w: w.region, lambda w: {"id": w.region.id}),
    "region_move": ("region.manage", lambda w: w.region, lambda w: {"id": w.region.id}),
    "region_retire": ("region.manage", lambda w: w.region, lambda w: {"id": w.region.id}),
    "my_applications": ("application.mine", _none, _no_params),
    "application_apply": ("round.apply", lambda w: w.round, _round),
    "round_applications": ("application.list", lambda w: w.round, _round),
    "round_applications_screen": ("round.screen", lambda w: w.round, _round),
    "round_applications_export": ("application.export", lambda w: w.round, _round),
    "application_detail": ("application.view", lambda w: w.app_a, _app),
    "application_edit": ("application.edit", lambda w: w.app_a, _app),
    "application_submit": ("application.prepare", lambda w: w.app_a, _app),
    "application_withdraw": ("application.withdraw", lambda w: w.app_b,
                             lambda w: {"id": w.app_b.id}),
    "application_screen": ("application.pass_screening", lambda w: w.app_b,
                           lambda w: {"id": w.app_b.id}),
    "application_return": ("application.return", lambda w: w.app_b,
                           lambda w: {"id": w.app_b.id}),
    "application_version": ("application.view", lambda w: w.app_b,
                            lambda w: {"id": w.app_b.id, "number": 1}),
    "attachment_add": ("application.edit", lambda w: w.app_a, _app),
    "attachment_get": ("application.view", lambda w: w.app_a,
                       lambda w: {"id": w.app_a.id, "aid": w.attachment.id}),
    "attachment_remove": ("application.edit", lambda w: w.app_a,
                          lambda w: {"id": w.app_a.id, "aid": w.attachment.id}),
    "organisation_import": ("organisation.import", _none, _no_params),
    "organisation_import_template": ("organisation.import", _none, _no_params),
    "organisations": ("organisation.list", _none, _no_params),
    "organisation_new": ("organisation.create", _none, _no_params),
    "organisation_detail": ("organisation.view", lambda w: w.org_a,
                            lambda w: {"id": w.org_a.id}),
    "organisation_edit": ("organisation.edit", lambda w: w.org_a, lambda w: {"id": w.org_a.id}),
    "my_organisation": ("organisation.mine", _none, _no_params),
    "organisation_verification": ("organisation.verify", lambda w: w.org_a,
                                  lambda w: {"id": w.org_a.id, "action": "verify"}),
    "organisation_invite": ("organisation.invite", lambda w: w.org_a,
                            lambda w: {"id": w.org_a.id}),
    "organisation_change_decide": ("organisation.decide_change", lambda w: w.change,
                                   lambda w: {"id": w.change.id}),
    "funds": ("fund.list", _none, _no_params),
    "fund_new": ("fund.create", _none, _no_params),
    "fund_detail": ("fund.view", lambda w: w.fund, lambda w: {"id": w.fund.id}),
    "fund_edit": ("fund.edit", lambda w: w.other_fund, lambda w: {"id": w.other_fund.id}),
    "fund_entry_new": ("fund.record_entry", lambda w: w.other_fund,
                       lambda w: {"id": w.other_fund.id}),
    "fund_entry_reverse": ("fund.record_entry", lambda w: w.other_fund,
                           lambda w: {"id": w.other_fund.id, "entry_id": w.pending_entry.id}),
    "fund_entry_approve": ("fund.decide_entry", lambda w: w.pending_entry,
                           lambda w: {"id": w.other_fund.id, "entry_id": w.pending_entry.id}),
    "fund_entry_reject": ("fund.decide_entry", lambda w: w.pending_entry,
                          lambda w: {"id": w.other_fund.id, "entry_id": w.pending_entry.id}),
    "rounds": ("round.list", _none, _no_params),
    "rounds_open": ("round.browse_open", _none, _no_params),
    "round_new": ("round.create", _none, _no_params),
    "round_detail": ("round.view", lambda w: w.round, _round),
    "round_edit": ("round.edit", lambda w: w.round, _round),
    "round_edit_section": ("round.edit", lambda w: w.round,
                           lambda w: {"id": w.round.id, "section": "basics"}),
    "round_fund_attach": ("round.edit", lambda w: w.round, _round),
    "round_fund_detach": ("round.edit", lambda w: w.round,
                          lambda w: {"id": w.round.id, "link_id": w.round_fund.id}),
    "round_track_add": ("round.edit", lambda w: w.round, _round),
    "round_track_update": ("round.edit", lambda w: w.round,
                           lambda w: {"id": w.round.id, "track_id": w.track.id}),
    "round_stage_add": ("round.edit", lambda w: w.round, _round),
    "round_stage_update": ("round.edit", lambda w: w.round,
                           lambda w: {"id": w.round.id, "stage_id": w.stage.id}),
    "round_rubric": ("round.edit", lambda w: w.round,
                     lambda w: {"id": w.round.id, "stage_id": w.stage.id}),
    "round_criterion_add": ("round.edit", lambda w: w.round,
                            lambda w: {"id": w.round.id, "stage_id": w.stage.id}),
    "round_criterion_update": ("round.edit", lambda w: w.round,
                               lambda w: {"id": w.round.id, "stage_id": w.stage.id,
                                          "criterion_id": w.criterion.id}),
    "round_transition": ("round.manage", lambda w: w.round,
                         lambda w: {"id": w.round.id, "to": "closed"}),
    "round_copy": ("round.copy", lambda w: w.round, _round),
    "audit": ("audit.view", _none, _no_params),
    "audit_verify": ("audit.view", _none, _no_params),
    "notices": ("account.use", _none, _no_params),
    "notices_read_all": ("account.use", _none, _no_params),
    "notice_read": ("notice.view", lambda w: w.notice_a, lambda w: {"id": w.notice_a.id}),
    # Judging: organisers manage panels and stages; judges reach only their own assignments
    # and sheets (none exist in this world, so every identity is refused).
    **{name: ("judging.manage", lambda w: w.round, _round) for name in (
        "judging_panel", "judging_panel_add", "judging_panel_invite", "judging_panel_import",
        "judging_panel_template")},
    **{name: ("judging.manage", lambda w: w.round,
              lambda w: {"id": w.round.id, "member_id": 999999})
       for name in ("judging_panel_update", "judging_panel_remove")},
    **{name: ("judging.manage", lambda w: w.round, lambda w: {"id": w.stage.id}) for name in (
        "judging_stage", "judging_assign", "judging_assignment_add", "judging_open",
        "judging_close", "judging_remind", "judging_advance", "judging_matrix_export",
        "judging_bonus")},
    "judging_mine": ("judging.mine", _none, _no_params),
    "judging_assignment": ("assignment.confirm", _none, lambda w: {"id": 999999}),
    "judging_assignment_remove": ("assignment.remove", _none, lambda w: {"id": 999999}),
    "judging_file": ("assignment.view", _none, lambda w: {"id": 999999, "n": 1}),
    "judging_sheet": ("sheet.save", _none, lambda w: {"id": 999999}),
    "judging_sheet_reopen": ("sheet.reopen", _none, lambda w: {"id": 999999}),
    **{name: ("roadshow.control", lambda w: w.round, lambda w: {"id": w.roadshow.id})
       for name in ("roadshow_control", "roadshow_projection")},
    **{name: ("roadshow.follow", lambda w: w.round, lambda w: {"id": w.roadshow.id})
       for name in ("roadshow_live", "roadshow_live_json")},
    "round_extend": ("round.extend", lambda w: w.round, _round),
    "vote_settings": ("vote.manage", lambda w: w.round, _round),
    "vote_move": ("vote.manage", lambda w: w.round,
                  lambda w: {"id": w.round.id, "action": "open"}),
    "vote_results": ("vote.manage", lambda w: w.round, _round),
    "vote_exclude": ("vote.exclude", lambda w: w.round, _round),
    "vote_certificate_pdf": ("vote.certificate", lambda w: w.vote_award,
                             lambda w: {"id": w.vote_award.round_id}),
    **{name: ("award.manage", lambda w: w.round, _round)
       for name in ("round_awards", "round_awards_propose", "round_awards_publish",
                    "round_awards_confirm", "round_award_list_pdf", "round_certificates_pdf")},
    **{name: ("award.manage", lambda w: w.award, lambda w: {"id": w.award.id})
       for name in ("award_edit", "award_withdraw", "award_revoke")},
    **{name: ("award.documents", lambda w: w.award, lambda w: {"id": w.award.id})
       for name in ("award_certificate_pdf", "award_letter_pdf", "award_agreement_pdf")},
    **{name: ("objection.manage", lambda w: w.objection, lambda w: {"id": w.objection.id})
       for name in ("objection_detail", "objection_evidence")},
    "stage_score_summary_pdf": ("judging.manage", lambda w: w.stage,
                                lambda w: {"id": w.stage.id}),
    "sheet_pdf": ("sheet.view", lambda w: w.sheet, lambda w: {"id": w.sheet.id}),
    "calendar": ("calendar.view", _none, _no_params),
    "finance": ("finance.work", _none, _no_params),
    "finance_payments_xlsx": ("finance.work", _none, _no_params),
    **{name: ("agreement.view", lambda w: w.agreement, lambda w: {"id": w.agreement.id})
       for name in ("agreement_detail", "agreement_schedule", "agreement_sign")},
    "agreement_evaluate": ("agreement.evaluate", lambda w: w.agreement,
                           lambda w: {"id": w.agreement.id}),
    "agreement_scan": ("agreement.view", lambda w: w.agreement,
                       lambda w: {"id": w.agreement.id}),
    "payment_voucher_file": ("payment.view", lambda w: w.payment,
                             lambda w: {"id": w.agreement.id, "pid": w.payment.id}),
    "tranche_pay": ("payment.record", lambda w: w.tranche, lambda w: {"id": w.tranche.id}),
    "payment_decide": ("payment.view", lambda w: w.payment, lambda w: {"id": w.payment.id}),
    "payment_voucher": ("payment.view", lambda w: w.payment, lambda w: {"id": w.payment.id}),
    "refund_act": ("payment.view", lambda w: w.refund, lambda w: {"id": w.refund.id}),
    **{name: ("fund.statement", lambda w: w.fund, lambda w: {"id": w.fund.id})
       for name in ("fund_statement", "fund_statement_xlsx")},
    "fund_reconcile": ("finance.work", lambda w: w.fund, lambda w: {"id": w.fund.id}),
    "report_start": ("report.start", lambda w: w.agreement,
                     lambda w: {"id": w.agreement.id, "kind": "final"}),
    "report_detail": ("report.view", lambda w: w.report, lambda w: {"id": w.report.id}),
    **{f"report_{action}": (f"report.{action}", lambda w: w.report,
                            lambda w: {"id": w.report.id})
       for action in ("submit", "return", "evaluate")},
    "evaluations": ("report.evaluations", _none, _no_params),
    "agreement_terminate": ("agreement.terminate", lambda w: w.agreement,
                            lambda w: {"id": w.agreement.id}),
    "agreement_ask_back": ("refund.open", lambda w: w.agreement,
                           lambda w: {"id": w.agreement.id}),
    "organisation_bar_lift": ("organisation.bar_lift", lambda w: w.org_a,
                              lambda w: {"id": w.org_a.id, "bar": w.bar.id}),
    "round_evaluators": ("evaluator.manage", lambda w: w.round, _round),
    "report_file": ("report.view", lambda w: w.report,
                    lambda w: {"id": w.report.id, "fid": w.report_file.id}),
    "report_file_add": ("report.edit", lambda w: w.report, lambda w: {"id": w.report.id}),
    "report_file_remove": ("report.edit", lambda w: w.report,
                           lambda w: {"id": w.report.id, "fid": w.report_file.id}),
    **dict.fromkeys(("impact", "impact_pdf", "impact_xlsx"), ("impact.view", _none, _no_params)),
    "calendar_day_save": ("calendar.edit", _none, _no_params),
    "calendar_day_remove": ("calendar.edit", _none, _no_params),
}

IDENTITIES = ("anonymous", "organiser", "street_organiser", "finance", "judge", "funder",
              "applicant_a", "applicant_b", "evaluator")


def _routes() -> list[tuple[str, str, str]]:
    out = []
    for route in collect_routes():
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                out.append((route.name, method, route.path))
    return out


def _path(template: str, params: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(params[name])

    return re.sub(r"\{([^}]+)\}", fill, template)


def test_every_route_says_who_may_use_it():
    missing = sorted({name for name, _m, _p in _routes()} - set(EXPECT) - PUBLIC)
    assert not missing, f"routes without a permission expectation: {missing}"


def _world(session) -> World:
    from grants.rounds.models import Criterion, RoundFund, Stage, Track

    round_ = rf.opened(session)
    user_a = af.applicant(session)
    user_b = af.applicant(session)
    app_a = af.application(session, round_, user_a)
    app_b = af.application(session, round_, user_b)
    actor = Actor(id=None, name="test", ip="")
    services.submit(session, actor, user_b, app_b, round_)
    attachment = files.add(session, actor, app_a, "预算.pdf", b"%PDF-1.4\n%%EOF\n")
    funder_org = factories.organisation(session)
    funder = factories.user(session, "funder", organisation=funder_org)
    fund = factories.fund(session, owner_org_id=funder_org.id, contributed_fen=100_000_00)
    other = factories.fund(session, contributed_fen=100_000_00)
    notice = Notice(user_id=user_a.id, title="测试通知", body="正文", link="/")
    session.add(notice)
    session.flush()
    stage = session.execute(select(Stage).where(Stage.round_id == round_.id,
                                                Stage.kind == "scoring")).scalars().first()
    track = session.execute(select(Track).where(Track.round_id == round_.id)).scalars().first()
    criterion = session.execute(select(Criterion).where(Criterion.stage_id == stage.id)
                                ).scalars().first()
    round_fund = session.execute(select(RoundFund).where(RoundFund.round_id == round_.id)
                                 ).scalars().first()
    from grants.rounds.stages import default_stage_config

    roadshow = Stage(round_id=round_.id, kind="roadshow", name="路演答辩", position=99,
                     config=default_stage_config("roadshow"))
    session.add(roadshow)
    users = {"organiser": factories.user(session, "organiser"),
             "finance": factories.user(session, "finance"),
             "judge": factories.user(session, "judge"), "funder": funder,
             "applicant_a": user_a, "applicant_b": user_b,
             # an organiser of another street: the round, organisations and funds lie outside
             "street_organiser": factories.user(session, "organiser"),
             # a third-party evaluator given this round's reports
             "evaluator": factories.user(session, "evaluator")}
    from grants.reports.models import RoundEvaluator

    session.add(RoundEvaluator(round_id=round_.id, user_id=users["evaluator"].id))
    other_street = factories.community(session)
    users["street_organiser"].scope_region_id = other_street.parent_id
    from grants.organisations.models import OrganisationChange

    change = OrganisationChange(organisation_id=user_a.organisation_id,
                                changes={"category": ["charity", "life_service"]})
    session.add(change)
    from grants.funds import services as fund_services

    pending = fund_services.add_entry(session, actor, other, kind="adjustment_out",
                                      amount_fen=1_00)
    award, objection, sheet = _award_objects(session, round_, stage, app_b, users["judge"])
    agreement, tranche, payment, refund = _money_objects(session, award, fund)
    from grants.reports import services as report_services

    report = report_services.start(session, actor, None, agreement, "midterm")
    from grants.reports import files as report_files

    report_file = report_files.add(session, actor, None, report, kind="attachment",
                                   filename="签到表.pdf", data=b"%PDF-1.4\n%%EOF\n")
    from datetime import timedelta

    from grants.organisations import bars
    from grants.timeutil import today

    bar = bars.bar(session, actor, None, user_a.organisation_id, reason="违约",
                   ends_on=today() + timedelta(days=30))
    from grants.votes.models import VoteAward, VoteSetup

    voted = rf.opened(session)  # its own round: the world's round keeps a vote in draft
    session.add(VoteSetup(round_id=voted.id, status="published", application_ids=[app_b.id]))
    vote_award = VoteAward(round_id=voted.id, application_id=app_b.id,
                           organisation_id=user_b.organisation_id, counted=3, code="POPTEST123")
    session.add(vote_award)
    session.commit()
    return World(users=users, round=round_, app_a=app_a, app_b=app_b, attachment=attachment,
                 org_a=session.get(type(funder_org), user_a.organisation_id),
                 org_b=session.get(type(funder_org), user_b.organisation_id), fund=fund,
                 other_fund=other, region=factories.community(session), notice_a=notice,
                 stage=stage, track=track, criterion=criterion, round_fund=round_fund,
                 change=change, roadshow=roadshow, pending_entry=pending, award=award,
                 objection=objection, sheet=sheet, agreement=agreement, tranche=tranche,
                 payment=payment, refund=refund, report=report, report_file=report_file, bar=bar,
                 vote_award=vote_award)


def _money_objects(session, award, fund) -> tuple[Any, Any, Any, Any]:
    """The award's agreement (signed, with a scan), its first tranche paid by an approved
    payment with a voucher, and a refund due."""
    from datetime import date

    from grants.audit import SYSTEM
    from grants.awards.models import AwardAllocation
    from grants.disbursements import services as money
    from grants.funds import services as fund_services
    from grants.timeutil import local, today

    session.add(AwardAllocation(award_id=award.id, round_id=award.round_id, fund_id=fund.id,
                                amount_fen=award.amount_fen))
    fund_services.add_entry(session, SYSTEM, fund, kind="commitment",
                            amount_fen=award.amount_fen, ref_type="award", ref_id=award.id)
    agreement = money.create_for_award(session, SYSTEM, award)
    signed_on = min(date(2026, 10, 8), today())
    if award.confirmed_at is not None:  # signed once the award was confirmed
        signed_on = max(signed_on, local(award.confirmed_at).date())
    money.sign(session, SYSTEM, None, agreement, signed_on=signed_on,
               signatories="甲乙", filename="协议.pdf", data=b"%PDF-1.4\n%%EOF\n")
    tranche = money.tranches_of(session, agreement)[0]
    maker = factories.user(session, "finance")
    payment = money.record_payment(session, SYSTEM, maker, tranche,
                                   amount_fen=tranche.amount_fen, paid_on=signed_on,
                                   bank_reference="REF-1", filename="回单.pdf",
                                   data=b"%PDF-1.4\n%%EOF\n")
    money.approve(session, SYSTEM, None, payment)
    refund = money.open_refund(session, SYSTEM, None, agreement, 1_00, "测试")
    return agreement, tranche, payment, refund


def _award_objects(session, round_, stage, app, judge) -> tuple[Any, Any, Any]:
    """A published notice with a confirmed award (documents exist), an objection with
    evidence, the stage closed with results, and a judge's submitted sheet."""
    from datetime import timedelta

    from grants.awards import services as awards
    from grants.awards.models import Award, AwardNotice
    from grants.judging.models import Assignment, PanelMember, ScoreSheet, StageJudging
    from grants.timeutil import now, today

    notice = AwardNotice(round_id=round_.id, status="published", title="公示",
                         window_start=today(), window_end=today() + timedelta(days=7),
                         published_at=now())
    session.add(notice)
    session.flush()
    award = Award(round_id=round_.id, notice_id=notice.id, application_id=app.id,
                  organisation_id=app.organisation_id, status="confirmed", position=1,
                  amount_fen=10_000_00, code=awards.new_code(), confirmed_at=now())
    session.add(award)
    session.flush()
    objection = awards.lodge(session, notice, name="王先生", contact="13800000000",
                             reasons="请核实该项目的预算是否合理。", application_id=app.id,
                             filename="证据.pdf", data=b"%PDF-1.4\n%%EOF\n", ip="192.0.2.1")
    session.add(StageJudging(stage_id=stage.id, round_id=round_.id, status="closed",
                             results={"method": "mean", "applications": []}))
    session.add(PanelMember(round_id=round_.id, user_id=judge.id))
    assignment = Assignment(stage_id=stage.id, application_id=app.id, user_id=judge.id,
                            status="confirmed")
    session.add(assignment)
    session.flush()
    sheet = ScoreSheet(assignment_id=assignment.id, stage_id=stage.id, application_id=app.id,
                       user_id=judge.id, status="submitted", points={}, total=0.0,
                       submitted_at=now())
    session.add(sheet)
    session.flush()
    return award, objection, sheet


def _said(refusal, user, action, obj, page: str) -> bool:
    """Whether the page says the state refusal (in English, the client's language)."""
    from html import escape

    from grants.i18n import using_locale

    with using_locale("en"):
        words = refusal(user, action, obj)
    return bool(words) and escape(words) in page


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_answers_as_the_permission_tables_say(app, session, identity):
    from tests.conftest import Client

    world = _world(session)
    session.commit()
    user = world.users.get(identity)
    wrong = []
    with Client(app, base_url="http://testserver", headers={"accept-language": "en"}) as client:
        if user is not None:
            client.login(user.username)
        for name, method, template in _routes():
            if name in PUBLIC or name == "logout":
                continue
            action, target, params = EXPECT[name]
            session.expire_all()
            obj = target(world)
            if obj is not None:
                obj = session.get(type(obj), obj.id)
                if isinstance(obj, Application):
                    obj.round  # noqa: B018 - the lifecycle reads the application's round
            allowed = user is not None and can(session.merge(user), action, obj)
            url = _path(template, params(world))
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            else:
                response = client.post_form(url, {})
            refused = response.status_code in (403, 404) or (
                user is None and response.status_code == 303
                and response.headers["location"].startswith("/login")) or (
                # a move the user could make, but not in the object's state: 400, saying so
                response.status_code == 400 and user is not None
                and _said(state_refusal, session.merge(user), action, obj, response.text))
            if response.status_code >= 500 or allowed == refused:
                wrong.append(f"{method} {url} ({name}): {response.status_code}, "
                             f"tables say {'allowed' if allowed else 'refused'}")
    assert not wrong, f"{identity}:\n" + "\n".join(wrong)
