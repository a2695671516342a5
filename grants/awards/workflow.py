"""Lifecycles of awards, as data for the one engine (grants/lifecycle.py).

    award notice:  draft (the proposal, editable) → published (公示, objection window)
                   → confirmed (money committed, round decided)
    award:         proposed → confirmed (with the notice) | withdrawn (with a reason)
                   confirmed → revoked (with a reason; unpaid money released)
    objection:     lodged → investigating → upheld | dismissed (the objector is told)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import object_session
from sqlmodel import Session

from grants.awards.models import Award, AwardNotice, Objection
from grants.i18n import N_, ngettext
from grants.i18n import gettext as _
from grants.lifecycle import Lifecycle, State, Transition, register
from grants.rounds import workflow as round_workflow
from grants.rounds.models import Round
from grants.timeutil import today as local_today

UNRESOLVED = ("lodged", "investigating")
LIVE = ("proposed", "confirmed")  # awards that count: not withdrawn or revoked


def _notice_is_draft(obj: Any) -> bool:
    """Awards change only while their notice is a draft (not yet published)."""
    session = object_session(obj)
    if session is None:
        return False
    return session.execute(select(AwardNotice.status).where(
        AwardNotice.id == obj.notice_id)).scalar() == "draft"


NOTICE = register(Lifecycle(
    noun="award_notice",
    states=(State("draft", N_("Proposal")), State("published", N_("Public notice")),
            State("confirmed", N_("Confirmed"), final=True)),
    transitions=(
        Transition("propose", ("draft",), None, ("organiser_in_scope",), ("final_ranking",),
                   N_("Propose awards"),
                   N_("Awards are proposed from the final ranking within the round's funds; "
                      "a new proposal replaces the current one.")),
        Transition("publish", ("draft",), "published", ("organiser_in_scope",),
                   ("has_awards", "round_judging"),
                   N_("Publish the notice"),
                   N_("The proposed awards are published on a public page and as a PDF; "
                      "anyone may object until the window ends. Awards can no longer be "
                      "changed, only withdrawn.")),
        Transition("confirm", ("published",), "confirmed", ("organiser_in_scope",),
                   ("window_ended", "objections_resolved", "has_awards"),
                   N_("Confirm the awards"),
                   N_("The awards become final: the money is committed in the funds' ledgers, "
                      "the round is decided and the applicants are told.")),
    ),
))

AWARD = register(Lifecycle(
    noun="award",
    states=(State("proposed", N_("Proposed")), State("confirmed", N_("Confirmed")),
            State("withdrawn", N_("Withdrawn"), final=True),
            State("revoked", N_("Revoked"), final=True)),
    transitions=(
        Transition("edit", ("proposed",), None, ("organiser_in_scope",), (), N_("Change"),
                   when=_notice_is_draft, needs_reason=True,
                   unless=N_("The notice is published: awards can no longer be changed, only "
                             "withdrawn.")),
        Transition("withdraw", ("proposed",), "withdrawn", ("organiser_in_scope",), (),
                   N_("Withdraw the award"),
                   N_("The application receives nothing; for instance after an objection is "
                      "upheld. The reason is recorded."), needs_reason=True),
        # Done only by the notice's confirmation (grants.awards.services.confirm); no route
        # confirms a single award.
        Transition("confirm", ("proposed",), "confirmed", ("organiser_in_scope",),
                   label=N_("Confirm")),
        Transition("revoke", ("confirmed",), "revoked", ("organiser_in_scope",), (),
                   N_("Revoke the award"),
                   N_("A confirmed award is cancelled, for instance after misconduct comes to "
                      "light: the money not yet paid is released in the funds' ledgers and the "
                      "certificate check says the award is revoked."), needs_reason=True),
    ),
))

OBJECTION = register(Lifecycle(
    noun="objection",
    states=(State("lodged", N_("Lodged")), State("investigating", N_("Under investigation")),
            State("upheld", N_("Upheld"), final=True),
            State("dismissed", N_("Dismissed"), final=True)),
    transitions=(
        Transition("investigate", ("lodged",), "investigating", ("organiser_in_scope",), (),
                   N_("Record the investigation"),
                   N_("Note what is being checked; the objection stays open.")),
        Transition("uphold", UNRESOLVED, "upheld", ("organiser_in_scope",), (),
                   N_("Uphold"),
                   N_("The objection is founded. Withdraw or correct the award concerned; the "
                      "objector is told the outcome."), needs_reason=True),
        Transition("dismiss", UNRESOLVED, "dismissed", ("organiser_in_scope",), (),
                   N_("Dismiss"),
                   N_("The objection is unfounded; the objector is told why."),
                   needs_reason=True),
    ),
))

NOTICE_STATUSES = NOTICE.labels()
AWARD_STATUSES = AWARD.labels()
OBJECTION_STATUSES = OBJECTION.labels()


@NOTICE.check("final_ranking", N_("The final scoring stage has results"))
def _final_ranking(session: Session, notice: AwardNotice, _ctx: Any) -> list[str]:
    from grants.awards import services

    round_ = session.get(Round, notice.round_id)
    if round_ is None or round_.status != "judging":
        return [_("Awards are proposed while the round is being judged.")]
    return [] if services.final_stage(session, notice.round_id) is not None else [
        _("Close the last scoring stage first: awards follow its final ranking.")]


@NOTICE.check("has_awards", N_("At least one award"))
def _has_awards(session: Session, notice: AwardNotice, _ctx: Any) -> list[str]:
    n = session.execute(select(func.count()).select_from(Award).where(
        Award.notice_id == notice.id, Award.status.in_(LIVE))).scalar_one()
    return [] if n else [_("There is no award to announce; propose awards first.")]


@NOTICE.check("round_judging", N_("The round is at its judging stage"))
def _round_judging(session: Session, notice: AwardNotice, _ctx: Any) -> list[str]:
    round_ = session.get(Round, notice.round_id)
    if round_ is not None and round_.status == "judging":
        return round_workflow.LIFECYCLE.checks["judging_finished"].function(
            session, round_, None)
    return [_("The round is no longer being judged.")]


@NOTICE.check("window_ended", N_("The objection window has ended"))
def _window_ended(session: Session, notice: AwardNotice, _ctx: Any) -> list[str]:
    if notice.window_end is None or local_today() > notice.window_end:
        return []
    return [_("Objections may be lodged until %(day)s; confirm after that day.",
              day=notice.window_end.isoformat())]


@NOTICE.check("objections_resolved", N_("Every objection is resolved"))
def _objections_resolved(session: Session, notice: AwardNotice, _ctx: Any) -> list[str]:
    n = session.execute(select(func.count()).select_from(Objection).where(
        Objection.notice_id == notice.id, Objection.status.in_(UNRESOLVED))).scalar_one()
    if n:
        return [ngettext("%(num)s objection is not resolved yet.",
                         "%(num)s objections are not resolved yet.", n)]
    return []


@round_workflow.register_check("awards_confirmed", N_("The awards are confirmed after the "
                                                      "public notice"))
def _awards_confirmed(session: Session, round_: Round, _config: Any) -> list[str]:
    status = session.execute(select(AwardNotice.status).where(
        AwardNotice.round_id == round_.id)).scalar()
    if status == "confirmed":
        return []
    return [_("Confirm the awards after their public notice first.")]
