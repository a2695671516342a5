"""The report lifecycle, as data for the one engine (grants/lifecycle.py).

    draft → submitted → returned (for correction, with a reason) → submitted → accepted
    (an evaluation grades it; 不合格 stops the agreement's later tranches)
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from grants.i18n import N_
from grants.i18n import gettext as _
from grants.lifecycle import Lifecycle, State, Transition, register
from grants.reports.models import Report

LIFECYCLE = register(Lifecycle(
    noun="report",
    states=(State("draft", N_("Draft")), State("submitted", N_("Submitted")),
            State("returned", N_("Returned for correction")),
            State("accepted", N_("Evaluated"), final=True)),
    transitions=(
        Transition("edit", ("draft", "returned"), None, ("applicant_member",),
                   ("agreement_signed",), N_("Edit")),
        Transition("submit", ("draft", "returned"), "submitted", ("applicant_member",),
                   ("agreement_signed", "report_complete"), N_("Submit the report"),
                   N_("The report goes to the organiser for evaluation and can no longer be "
                      "changed unless it is returned.")),
        Transition("return", ("submitted",), "returned",
                   ("organiser_in_scope", "round_evaluator"), ("agreement_signed",),
                   N_("Return for correction"),
                   N_("The organisation corrects the report and submits it again."),
                   needs_reason=True),
        Transition("evaluate", ("submitted",), "accepted", ("organiser_in_scope", "round_evaluator"),
                   ("agreement_signed",),
                   N_("Record the evaluation"),
                   N_("The grade is final. 合格 or better makes the tranches waiting for this "
                      "report due; 不合格 stops the later tranches.")),
    ),
))

STATUSES = LIFECYCLE.labels()
KINDS = {"midterm": N_("Mid-term report"), "final": N_("Final report")}
# The evaluation rubric (评估指标): points per criterion, 100 in all.
RUBRIC = {"goals": (N_("Goals and outputs achieved"), 30),
          "delivery": (N_("Delivery as planned, records kept"), 25),
          "money": (N_("Use of funds as budgeted"), 25),
          "benefit": (N_("Benefit to residents and sustainability"), 20)}
GRADES = {"excellent": N_("Excellent (优秀)"), "good": N_("Good (良好)"),
          "pass": N_("Pass (合格)"), "fail": N_("Fail (不合格)")}
# The least rubric score (out of 100) each grade needs: a grade above what the score supports
# is refused; a lower one (a serious breach found despite good figures) is the evaluator's call.
GRADE_FLOORS = {"excellent": 90, "good": 80, "pass": 60, "fail": 0}


@LIFECYCLE.check("agreement_signed", N_("The agreement is in force"))
def _agreement_signed(session: Session, report: Report, _ctx: Any) -> list[str]:
    """A report belongs to a signed agreement; once it is terminated, cancelled with its
    award or closed, the report is no longer edited, submitted, returned or evaluated."""
    from grants.disbursements.models import Agreement
    from grants.disbursements.workflow import AGREEMENT_STATUSES

    agreement = session.get(Agreement, report.agreement_id)
    if agreement is None or agreement.status == "signed":
        return []
    return [_("This report's agreement is %(status)s: the report is no longer edited, "
              "submitted or evaluated.", status=_(AGREEMENT_STATUSES[agreement.status]))]


@LIFECYCLE.check("report_complete", N_("The report is complete"))
def _complete(session: Session, report: Report, _ctx: Any) -> list[str]:
    found = []
    if len(report.narrative.strip()) < 20:
        found.append(_("Describe what was done in at least 20 characters."))
    if report.activities_held <= 0 and report.people_served <= 0:
        found.append(_("Give the activities held or the people served."))
    return found
