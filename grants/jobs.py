"""Background jobs, run by `grants jobs run` — safe to run every few minutes from cron or the
systemd timer in deploy/ (grants-jobs.timer).

- Report reminders: to the organisation, from a week before a mid-term or final report is due
  until it is submitted (once "due soon", once "late").
- Late reports: when the round sets a grace period, a report still missing that many days
  after its due date counts as failing (不合格): the evaluation is recorded on the agreement,
  which stops the later tranches, and the organisation and the organisers are told.
- Evaluators: once a day, each organiser or third-party evaluator with reports waiting for
  them gets one notice counting them.
- Bars from applying that ended are recorded as ended in the audit trail (they stopped
  counting on their last day already).

Each reminder is sent once: its key is inserted into `sent_reminder` (unique) in the same
transaction as the notice and the e-mail, so that when two runs overlap the second insert
fails and that run skips the reminder. Each reminder is its own short transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from grants import audit
from grants.db import lock_row, session_scope
from grants.disbursements.models import Agreement
from grants.i18n import N_, Msgid
from grants.notifications.models import SentReminder
from grants.notifications.services import members, notify, organisers_covering
from grants.reports.models import Report, RoundEvaluator
from grants.rounds.models import Round
from grants.timeutil import today
from grants.urls import path

REMIND_DAYS_BEFORE = 7
JOB = audit.Actor(id=None, name="jobs")


@dataclass(frozen=True)
class Obligation:
    """A report an agreement still owes."""

    agreement_id: int
    organisation_id: int
    round_id: int
    region_id: int | None
    kind: str
    due: date
    grace_days: int | None


def _due(plan: dict[str, Any], kind: str) -> date | None:
    try:
        raw = plan.get(f"{kind}_due")
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def obligations(session: Session) -> list[Obligation]:
    """Reports owed by signed agreements: the mid-term one until its outcome is recorded, the
    final one too unless the mid-term failed; a report submitted or evaluated is not owed."""
    filed = {(a, k) for a, k in session.execute(select(Report.agreement_id, Report.kind).where(
        Report.status.in_(("submitted", "accepted")))).all()}
    out = []
    rows = session.execute(select(Agreement, Round).join(Round, Round.id == Agreement.round_id)
                           .where(Agreement.status == "signed")).all()
    for agreement, round_ in rows:
        plan = round_.reporting_plan or {}
        grace = plan.get("grace_days")
        for kind in ("midterm", "final"):
            if getattr(agreement, kind) or (kind == "final" and agreement.midterm == "failed"):
                continue
            due = _due(plan, kind)
            if due is None or (agreement.id, kind) in filed:
                continue
            out.append(Obligation(agreement.id or 0, agreement.organisation_id,
                                  round_.id or 0, round_.region_id, kind, due,
                                  int(grace) if isinstance(grace, int) else None))
    return out


def _once(key: str, work: Callable[[Session], bool]) -> bool:
    """Run `work` in its own transaction, marked by `key`; False when already done (by this
    run or an overlapping one) or when `work` finds nothing to do."""
    try:
        with session_scope() as session:
            if session.execute(select(SentReminder.id).where(SentReminder.key == key)).first():
                return False
            session.add(SentReminder(key=key))
            session.flush()  # a concurrent run holding the same key makes this fail
            if not work(session):
                session.rollback()
                return False
        return True
    except IntegrityError:
        return False


KIND_LABELS = {"midterm": Msgid(N_("mid-term report")), "final": Msgid(N_("final report"))}


def _remind(o: Obligation, late: bool) -> Callable[[Session], bool]:
    def work(session: Session) -> bool:
        agreement = session.get(Agreement, o.agreement_id)
        if agreement is None:
            return False
        params = {"kind": KIND_LABELS[o.kind], "number": agreement.number,
                  "due": o.due.isoformat()}
        link = path("agreement_detail", id=o.agreement_id)
        if late:
            notify(session, members(session, o.organisation_id),
                   title=N_("Late: the %(kind)s of %(number)s"),
                   body=N_("The %(kind)s of agreement %(number)s was due on %(due)s and has not "
                           "been submitted. Please submit it now; a report that stays missing "
                           "can count as failing and stop the later tranches."),
                   params=params, link=link)
            notify(session, organisers_covering(session, o.region_id),
                   title=N_("Late: the %(kind)s of %(number)s"),
                   body=N_("The %(kind)s of agreement %(number)s was due on %(due)s and has not "
                           "been submitted."), params=params, link=link, email=False)
        else:
            notify(session, members(session, o.organisation_id),
                   title=N_("Due on %(due)s: the %(kind)s of %(number)s"),
                   body=N_("The %(kind)s of agreement %(number)s is due on %(due)s. Start it "
                           "from the agreement's page; it is prefilled with your plan."),
                   params=params, link=link)
        return True
    return work


def _fail_late(o: Obligation) -> Callable[[Session], bool]:
    def work(session: Session) -> bool:
        from grants.disbursements import services as money

        lock_row(session, Agreement, o.agreement_id)
        agreement = session.get(Agreement, o.agreement_id)
        if agreement is None:
            return False
        session.refresh(agreement)
        filed = session.execute(select(Report.id).where(
            Report.agreement_id == o.agreement_id, Report.kind == o.kind,
            Report.status.in_(("submitted", "accepted")))).first()
        if agreement.status != "signed" or getattr(agreement, o.kind) or filed:
            return False
        note = (f"{'中期' if o.kind == 'midterm' else '结项'}报告逾期未交（应于{o.due.isoformat()}"
                f"提交，宽限{o.grace_days}天），按不合格处理。")
        money.record_evaluation(session, JOB, None, agreement, o.kind, False, note)
        params = {"kind": KIND_LABELS[o.kind], "number": agreement.number,
                  "due": o.due.isoformat(), "days": o.grace_days}
        link = path("agreement_detail", id=o.agreement_id)
        for users, email in ((members(session, o.organisation_id), True),
                             (organisers_covering(session, o.region_id), False)):
            notify(session, users, title=N_("Counted as failing: the %(kind)s of %(number)s"),
                   body=N_("The %(kind)s of agreement %(number)s, due on %(due)s, was still "
                           "missing %(days)s days later. It counts as failing (不合格) and "
                           "the later tranches are stopped."),
                   params=params, link=link, email=email)
        return True
    return work


def _evaluators_waiting(session: Session) -> dict[int, int]:
    """user id → how many submitted reports wait for them."""
    waiting = session.execute(select(Report.id, Round.id, Round.region_id).join(
        Round, Round.id == Report.round_id).where(Report.status == "submitted")).all()
    counts: dict[int, int] = {}
    extra: dict[int, set[int]] = {}
    for round_id, user_id in session.execute(select(RoundEvaluator.round_id,
                                                    RoundEvaluator.user_id)).all():
        extra.setdefault(round_id, set()).add(user_id)
    covering: dict[int | None, set[int | None]] = {}
    for _report_id, round_id, region_id in waiting:
        if region_id not in covering:  # one lookup per region, not per report
            covering[region_id] = {u.id for u in organisers_covering(session, region_id)}
        users = covering[region_id] | extra.get(round_id, set())
        for user_id in users:
            if user_id is not None:
                counts[user_id] = counts.get(user_id, 0) + 1
    return counts


def _digest(user_id: int, count: int) -> Callable[[Session], bool]:
    def work(session: Session) -> bool:
        from grants.accounts.models import User

        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return False
        notify(session, [user], title=N_("Reports waiting for evaluation: %(n)s"),
               body=N_("Mid-term or final reports waiting for your evaluation: %(n)s."),
               params={"n": count}, link=path("evaluations"))
        return True
    return work


def run(day: date | None = None) -> dict[str, int]:
    """Every job once; returns how many reminders and decisions went out, by kind."""
    day = day or today()
    counts = {"due soon": 0, "late": 0, "counted as failing": 0, "evaluator digests": 0,
              "bars ended": 0}
    from grants.organisations import bars

    with session_scope() as session:
        counts["bars ended"] = bars.expire(session, JOB, day)
    with session_scope() as session:
        owed = obligations(session)
        waiting = _evaluators_waiting(session)
    for o in owed:
        key = f"{o.agreement_id}:{o.kind}:{o.due.isoformat()}"
        if o.grace_days is not None and day > o.due + timedelta(days=o.grace_days):
            counts["counted as failing"] += _once(f"report-failed-late:{key}", _fail_late(o))
        elif day > o.due:
            counts["late"] += _once(f"report-late:{key}", _remind(o, late=True))
        elif day >= o.due - timedelta(days=REMIND_DAYS_BEFORE):
            counts["due soon"] += _once(f"report-due:{key}", _remind(o, late=False))
    for user_id, count in sorted(waiting.items()):
        counts["evaluator digests"] += _once(f"evaluate:{user_id}:{day.isoformat()}",
                                             _digest(user_id, count))
    return counts
