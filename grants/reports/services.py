"""Reports and evaluations. A report starts prefilled with what the application planned; its
evaluation records the mid-term or final outcome on the agreement
(grants.disbursements.services.record_evaluation), which releases or stops tranches.

Every function takes the session first, audits each change and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.accounts.models import User
from grants.applications.models import Application, BudgetLine
from grants.awards.models import Award
from grants.disbursements import services as money
from grants.disbursements.models import Agreement
from grants.disbursements.workflow import AGREEMENT_STATUSES
from grants.i18n import gettext as _
from grants.i18n import using_locale
from grants.reports import forms
from grants.reports.models import Evaluation, Report, RoundEvaluator
from grants.reports.workflow import GRADE_FLOORS, GRADES, KINDS, RUBRIC
from grants.rounds.models import Round
from grants.validation import FormErrors, column_problems, text_problem


def report_of(session: Session, agreement: Agreement, kind: str) -> Report | None:
    return session.execute(select(Report).where(Report.agreement_id == agreement.id,
                                                Report.kind == kind)).scalars().first()


def reports_of(session: Session, agreement: Agreement) -> list[Report]:
    return list(session.execute(select(Report).where(Report.agreement_id == agreement.id)
                                .order_by(Report.id)).scalars())


def _due(round_: Round, kind: str) -> date | None:
    raw = (round_.reporting_plan or {}).get(f"{kind}_due")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def start(session: Session, actor: audit.Actor, user: Any, agreement: Agreement,
          kind: str) -> Report:
    """The agreement's report of this kind, created as a draft prefilled with the plan."""
    if kind not in KINDS:
        raise FormErrors({"kind": _("Not a valid choice.")})
    if agreement.status == "draft":
        raise FormErrors({"kind": _("Reports are filed once the agreement is signed.")})
    if agreement.status != "signed":  # closed, terminated, or cancelled with its award
        raise FormErrors({"kind": _("This agreement is %(status)s: no more reports are filed.",
                                    status=_(AGREEMENT_STATUSES[agreement.status]))})
    existing = report_of(session, agreement, kind)
    if existing is not None:
        return existing
    recorded = getattr(agreement, kind, None)
    if recorded:  # evaluated without a report (one never submitted): nothing left to grade
        raise FormErrors({"kind": _(
            "The agreement's %(kind)s evaluation is already recorded (%(outcome)s): there is "
            "no report left to file.", kind=_("mid-term") if kind == "midterm" else _("final"),
            outcome=_("Passed") if recorded == "passed" else _("Failed"))})
    award = session.get(Award, agreement.award_id)
    round_ = session.get(Round, agreement.round_id)
    assert award is not None and round_ is not None
    app = session.get(Application, award.application_id)
    assert app is not None
    lines = session.execute(select(BudgetLine).where(BudgetLine.application_id == app.id)
                            .order_by(BudgetLine.position, BudgetLine.id)).scalars().all()
    report = Report(agreement_id=agreement.id, award_id=award.id, round_id=agreement.round_id,
                    organisation_id=agreement.organisation_id, kind=kind,
                    due_on=_due(round_, kind),
                    planned={"activities": app.planned_activities, "people": app.planned_people,
                             "volunteers": app.planned_volunteers,
                             "target_groups": list(app.target_groups or [])},
                    beneficiaries=dict.fromkeys(app.target_groups or [], 0),
                    spending=[{"line": f"{line.category}：{line.item}"[:120],
                               "category": line.category, "item": line.item,
                               "budget_fen": int(line.amount_fen), "spent_fen": 0}
                              for line in lines],
                    budget_fen=sum(int(line.amount_fen) for line in lines))
    session.add(report)
    session.flush()
    audit.record(session, actor, "report.start", report)
    return report


@dataclass(frozen=True)
class Overspend:
    """A budget line that spent more than its budget: by how much, and by what share."""

    index: int  # of the line in the report's spending
    line: dict[str, Any]
    over_fen: int
    percent: int  # of the line's budget, rounded up; 0 for a line without a budget


def overspending(report: Report) -> list[Overspend]:
    """The lines of a report that spent more than their budget, as saved: shown beside the
    line and to whoever evaluates the report (spending above a line's budget is not refused,
    since other money may pay for it, but it is never hidden)."""
    found = []
    for index, line in enumerate(report.spending):
        budget, spent = int(line.get("budget_fen", 0)), int(line.get("spent_fen", 0))
        if spent > budget:
            percent = -(-(spent - budget) * 100 // budget) if budget else 0
            found.append(Overspend(index, line, spent - budget, percent))
    return found


def line_label(line: dict[str, Any]) -> str:
    """A spending line in words: its budget category's label and the item. Lines written
    before the category was kept apart carry only "code：item" and are read the same way."""
    from grants.applications.rules import CATEGORY_LABELS

    category, item = line.get("category"), line.get("item")
    if category is None:
        text = str(line.get("line", ""))
        code, colon, rest = text.partition("：")
        if not colon or code not in CATEGORY_LABELS:
            return text
        category, item = code, rest
    name = _(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else str(category)
    return _("%(category)s: %(item)s", category=name, item=item) if item else name


def save(session: Session, actor: audit.Actor, user: Any, report: Report, form: Any,
         errors: dict[str, str] | None = None) -> Report:
    """Save the figures and the narrative of a draft (or returned) report. `form` is the
    report's read form (`forms.report_form`), or the submitted fields (the demo and tests
    give a plain dict), read here the same way; `errors` are problems found besides."""
    read = forms.read_report(report, form)
    errors = {**read.errors, **(errors or {})}
    for key, problem in column_problems(Report, {"narrative": read.narrative,
                                                 "stories": read.stories}).items():
        errors.setdefault(key, problem)
    if errors:
        raise FormErrors(errors)
    figures, beneficiaries = read.figures, read.beneficiaries
    spending = [{**line, "spent_fen": read.spent(i)} for i, line in enumerate(report.spending)]
    narrative, stories = read.narrative, read.stories
    lifecycle.perform(session, actor, user, "report.edit", report)
    for name, value in figures.items():
        setattr(report, name, value)
    report.beneficiaries = beneficiaries
    report.spending = spending
    report.budget_fen = sum(int(line.get("budget_fen", 0)) for line in spending)
    report.spent_fen = sum(int(line.get("spent_fen", 0)) for line in spending)
    report.narrative = narrative
    report.stories = stories
    audit.record(session, actor, "report.save", report)
    return report


def submit(session: Session, actor: audit.Actor, user: Any, report: Report) -> Report:
    lifecycle.perform(session, actor, user, "report.submit", report)
    report.submitted_at = report.updated_at
    return report


def return_for_correction(session: Session, actor: audit.Actor, user: Any, report: Report,
                          reason: str) -> Report:
    errors = column_problems(Report, {"returned_reason": reason.strip()})
    if errors:
        raise FormErrors({"reason": next(iter(errors.values()))})
    lifecycle.perform(session, actor, user, "report.return", report, reason=reason)
    report.returned_reason = reason.strip()
    return report


def evaluate(session: Session, actor: audit.Actor, user: Any, report: Report, *, grade: str,
             score: int | None, comments: str, refund_fen: int | None = None,
             scores: dict[str, int] | None = None) -> Evaluation:
    """Grade a submitted report; the outcome is recorded on the agreement (合格 or better:
    passed; 不合格: failed, stopping later tranches and possibly asking for a refund).
    `scores`, when given, are the rubric's points and their sum becomes the score."""
    comments = comments.strip()
    errors: dict[str, str] = {}
    if scores:
        if set(scores) != set(RUBRIC) or any(
                not 0 <= int(scores[k]) <= RUBRIC[k][1] for k in RUBRIC):
            errors["rubric"] = _("Score every criterion, or none.")
        else:
            score = sum(int(v) for v in scores.values())
    if user is not None and getattr(user, "organisation_id", None) == report.organisation_id:
        errors["grade"] = _("You cannot evaluate your own organisation's report.")
    if refund_fen is not None and grade != "fail":
        errors["refund"] = _("A refund is asked for only when the evaluation fails.")
    if grade not in GRADES:
        errors["grade"] = _("Choose a grade.")
    if score is not None and not 0 <= score <= 100:
        errors["score"] = _("Enter a whole number between 0 and %(max)s.", max=100)
    elif score is not None and grade in GRADES and score < GRADE_FLOORS[grade]:
        supported = next(g for g, floor in GRADE_FLOORS.items() if score >= floor)
        errors["grade"] = _(
            "A score of %(score)s/100 supports %(supported)s at most (%(grade)s needs %(floor)s "
            "or more). Choose that grade or a lower one, or correct the scores.", score=score,
            supported=_(GRADES[supported]), grade=_(GRADES[grade]), floor=GRADE_FLOORS[grade])
    if not comments:
        errors["comments"] = _("Give the evaluation's findings.")
    elif text_problem(comments, 5000):
        errors["comments"] = str(text_problem(comments, 5000))
    agreement = session.get(Agreement, report.agreement_id)
    assert agreement is not None
    recorded = getattr(agreement, report.kind, None)
    if recorded:  # recorded on the agreement before the report came (a report never submitted)
        errors["grade"] = _(
            "The agreement's %(kind)s evaluation is already recorded (%(outcome)s); a grade now "
            "would contradict it.",
            kind=_("mid-term") if report.kind == "midterm" else _("final"),
            outcome=_("Passed") if recorded == "passed" else _("Failed"))
    if errors:
        raise FormErrors(errors)
    lifecycle.perform(session, actor, user, "report.evaluate", report,
                      extra={"grade": grade, "score": score})
    evaluation = Evaluation(report_id=report.id, round_id=report.round_id,
                            evaluator_id=getattr(user, "id", None), grade=grade, score=score,
                            scores=dict(scores or {}), comments=comments)
    session.add(evaluation)
    session.flush()
    audit.record(session, actor, "evaluation.create", evaluation)
    with using_locale(None):  # kept on the agreement, in the platform's language
        note = _("%(grade)s: %(comments)s", grade=_(GRADES[grade]), comments=comments)[:500]
    money.record_evaluation(session, actor, user, agreement, report.kind, grade != "fail", note,
                            refund_fen=refund_fen if grade == "fail" else None)
    return evaluation


def record_agreement_evaluation(session: Session, actor: audit.Actor, user: Any,
                                agreement: Agreement, which: str, passed: bool | None,
                                note: str, refund_fen: int | None = None) -> None:
    """An evaluation recorded on the agreement page. An evaluation grades the report: a
    submitted one is graded on its own page (`evaluate`, which records the outcome on the
    agreement); without one, only a failure can be recorded (a report never submitted)."""
    if which in KINDS and not getattr(agreement, which):  # else: "already recorded", below
        report = report_of(session, agreement, which)
        if report is not None and report.status == "submitted":
            raise FormErrors({"which": _(
                "%(kind)s: waiting for its evaluation. Grade it on the report's page, which "
                "records the outcome here.", kind=_(KINDS[report.kind]))})
        if passed:
            raise FormErrors({"passed": _(
                "An evaluation passes by grading the submitted report. Without one, you may "
                "record a failure (for example for a report never submitted).")})
    money.record_evaluation(session, actor, user, agreement, which, passed, note,
                            refund_fen=refund_fen)


# ---- evaluators: organiser staff or a third-party evaluation agency, per round -------------

def evaluators(session: Session, round_id: int) -> list[tuple[RoundEvaluator, User]]:
    return [(e, u) for e, u in session.execute(
        select(RoundEvaluator, User).join(User, User.id == RoundEvaluator.user_id)
        .where(RoundEvaluator.round_id == round_id).order_by(RoundEvaluator.id)).all()]


def add_evaluator(session: Session, actor: audit.Actor, round_id: int, who: str,
                  agency: str) -> RoundEvaluator:
    """Give a user (by username or e-mail) the evaluation of this round's reports."""
    from grants.permissions import can

    who, agency = who.strip(), agency.strip()
    errors: dict[str, str] = {}
    if not who:
        errors["who"] = _("This field is required.")
    for name, value, most in (("who", who, 254), ("agency", agency, 100)):
        problem = text_problem(value, most)
        if problem:
            errors.setdefault(name, problem)
    if errors:
        raise FormErrors(errors)
    user = session.execute(select(User).where(
        (User.username == who.lower()) | (User.email == who.lower()))).scalars().first()
    if user is None or not user.is_active:
        raise FormErrors({"who": _("No active user has this username or e-mail address. "
                                   "Create the account on the Users page first.")})
    round_ = session.get(Round, round_id)
    if can(user, "application.mine"):  # a member of an applying organisation
        raise FormErrors({"who": _("An applicant organisation's member cannot evaluate "
                                   "reports.")})
    if not can(user, "evaluator.eligible", round_):
        raise FormErrors({"who": _("Only evaluator accounts (for a third-party evaluation "
                                   "agency) and organisers responsible for this round can "
                                   "evaluate its reports.")})
    exists = session.execute(select(RoundEvaluator.id).where(
        RoundEvaluator.round_id == round_id, RoundEvaluator.user_id == user.id)).first()
    if exists is not None:
        raise FormErrors({"who": _("%(name)s already evaluates this round.",
                                   name=user.display_name)})
    evaluator = RoundEvaluator(round_id=round_id, user_id=user.id, agency=agency,
                               added_by_id=actor.id)
    session.add(evaluator)
    session.flush()
    audit.record(session, actor, "round_evaluator.add", evaluator)
    return evaluator


def remove_evaluator(session: Session, actor: audit.Actor, evaluator: RoundEvaluator) -> None:
    audit.record(session, actor, "round_evaluator.remove", evaluator,
                 before=audit.snapshot(evaluator))
    session.delete(evaluator)


def waiting_query(session: Session, user: Any) -> Any:
    """Reports submitted and not yet evaluated that this user may evaluate: those of the
    rounds in an organiser's scope and of the rounds the user was given, oldest first."""
    from grants.permissions import can
    from grants.regions import scope

    mine = select(RoundEvaluator.round_id).where(RoundEvaluator.user_id == user.id)
    query = (select(Report).join(Agreement, Agreement.id == Report.agreement_id)
             .where(Report.status == "submitted", Agreement.status == "signed"))
    if can(user, "report.evaluate_in_scope"):
        condition = scope.in_scope(user, Round.region_id, session)
        if condition is not None:
            query = query.join(Round, Round.id == Report.round_id).where(
                condition | Report.round_id.in_(mine))
    else:
        query = query.where(Report.round_id.in_(mine))
    return query.order_by(Report.submitted_at, Report.id)


def waiting_for(session: Session, user: Any) -> list[Report]:
    return list(session.execute(waiting_query(session, user)).scalars())
