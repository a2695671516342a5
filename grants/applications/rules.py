"""Submission rules as pure functions: plain data in, a list of problems out.

Amounts are integer fen; shares are compared with integer arithmetic
(`part * 100 <= limit * whole`), so exactly at the limit passes and one fen over fails.
Percentages shown to people are rounded away from the limit, so a failing share never reads
as equal to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from grants.i18n import N_, join_list, ngettext
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.timeutil import format_local
from grants.vocab import CATEGORIES, rating_at_least

CATEGORY_LABELS = {
    "personnel": N_("Personnel costs"),
    "activity": N_("Activity costs"),
    "materials": N_("Materials"),
    "publicity": N_("Publicity"),
    "admin": N_("Administrative costs"),
    "other": N_("Other costs"),
}


@dataclass(frozen=True)
class Line:
    category: str
    amount_fen: int
    cofunding_fen: int = 0


@dataclass(frozen=True)
class OrgFacts:
    registration: str
    rating: str | None
    credit_status: str
    category: str
    community_id: int | None


@dataclass(frozen=True)
class Proposal:
    title: str = ""
    summary: str = ""
    need_analysis: str = ""
    objectives: str = ""
    track_id: int | None = None
    target_groups: Sequence[str] = ()
    community_ids: Sequence[int] = ()
    lines: Sequence[Line] = ()
    activity_count: int = 0
    planned_people: int | None = None  # None: not known (checks that do not need it)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str = ""


@dataclass(frozen=True)
class Totals:
    request_fen: int = 0
    cofunding_fen: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


def totals(lines: Iterable[Line]) -> Totals:
    by_category: dict[str, int] = {}
    request = cofunding = 0
    for line in lines:
        request += line.amount_fen
        cofunding += line.cofunding_fen
        by_category[line.category] = by_category.get(line.category, 0) + line.amount_fen
    return Totals(request, cofunding, by_category)


def percent_text(part: int, whole: int, *, round_up: bool) -> str:
    """part/whole as a percentage with at most two decimals, computed without floats.

    `round_up` rounds away from zero (use it for a share over a maximum), otherwise down
    (for a share under a minimum)."""
    if whole <= 0:
        return "—"
    numerator = part * 10000
    hundredths = -(-numerator // whole) if round_up else numerator // whole
    whole_pct, frac = divmod(hundredths, 100)
    if frac == 0:
        return f"{whole_pct}%"
    return f"{whole_pct}.{frac:02d}".rstrip("0") + "%"


def within_max(part: int, whole: int, max_pct: int) -> bool:
    return part * 100 <= max_pct * whole


def at_least(part: int, whole: int, min_pct: int) -> bool:
    return part * 100 >= min_pct * whole


def budget_problems(lines: Sequence[Line], rules: dict[str, Any]) -> list[Problem]:
    """The budget-rule breaches: admin and personnel shares, co-funding share."""
    problems: list[Problem] = []
    total = totals(lines)
    request = total.request_fen
    if request <= 0:
        return problems
    for key, category in (("admin_max_pct", "admin"), ("personnel_max_pct", "personnel")):
        limit = rules.get(key)
        if limit is None:
            continue
        amount = total.by_category.get(category, 0)
        if not within_max(amount, request, int(limit)):
            problems.append(Problem(f"budget.{category}", _(
                "%(category)s %(amount)s is %(pct)s of the requested amount, over this round's "
                "limit of %(limit)s%%.", category=_(CATEGORY_LABELS[category]),
                amount=format_yuan(amount), pct=percent_text(amount, request, round_up=True),
                limit=limit), "budget"))
    limit = rules.get("cofunding_min_pct")
    if limit is not None and not at_least(total.cofunding_fen, request, int(limit)):
        problems.append(Problem("budget.cofunding", _(
            "Co-funding %(amount)s is %(pct)s of the requested amount, under this round's "
            "minimum of %(limit)s%%.", amount=format_yuan(total.cofunding_fen),
            pct=percent_text(total.cofunding_fen, request, round_up=False), limit=limit),
            "budget"))
    return problems


def range_problems(request_fen: int, grant_min_fen: int, grant_max_fen: int) -> list[Problem]:
    if request_fen <= 0:
        return [Problem("range.empty", _("The requested amount is zero: add budget lines."),
                        "budget")]
    if grant_min_fen and request_fen < grant_min_fen:
        return [Problem("range.min", _(
            "The requested amount %(amount)s is below this round's minimum grant of %(min)s.",
            amount=format_yuan(request_fen), min=format_yuan(grant_min_fen)), "budget")]
    if grant_max_fen and request_fen > grant_max_fen:
        return [Problem("range.max", _(
            "The requested amount %(amount)s is above this round's maximum grant of %(max)s.",
            amount=format_yuan(request_fen), max=format_yuan(grant_max_fen)), "budget")]
    return []


def eligibility_problems(org: OrgFacts, eligibility: dict[str, Any],
                         names: dict[int, str] | None = None) -> list[Problem]:
    """The round's rules about who may apply, against the organisation's facts. With `names`
    (community id → name) a community refusal names the organisation's community and the
    allowed ones."""
    problems: list[Problem] = []
    if eligibility.get("registered_only") and org.registration != "registered":
        problems.append(Problem("eligibility.registered", _(
            "This round accepts only registered organisations; yours is filed.")))
    minimum = eligibility.get("min_rating")
    if minimum and not rating_at_least(org.rating, minimum):
        problems.append(Problem("eligibility.rating", _(
            "This round requires an assessment rating of at least %(min)s; your organisation "
            "is rated %(rating)s.", min=minimum, rating=org.rating or _("not rated"))))
    if eligibility.get("exclude_black_list") and org.credit_status == "black":
        problems.append(Problem("eligibility.black_list", _(
            "Organisations on the black list (dishonest) cannot apply to this round.")))
    categories = eligibility.get("categories") or []
    if categories and org.category not in categories:
        problems.append(Problem("eligibility.category", _(
            "This round is open to organisations in these categories: %(allowed)s; yours is "
            "%(category)s.", allowed=join_list(_(CATEGORIES[c]) for c in categories
                                               if c in CATEGORIES),
            category=_(CATEGORIES.get(org.category, org.category)))))
    communities = eligibility.get("community_ids") or []
    if communities and org.community_id not in communities:
        if names:
            problems.append(Problem("eligibility.community", _(
                "This round is open only to organisations based in %(allowed)s; yours is based "
                "in %(yours)s.", allowed=join_list(names.get(c, str(c)) for c in communities),
                yours=names.get(org.community_id or 0) or _("no community"))))
        else:
            problems.append(Problem("eligibility.community", _(
                "This round is open only to organisations based in its communities; yours is "
                "not one of them.")))
    return problems


def completeness_problems(proposal: Proposal) -> list[Problem]:
    problems = []
    required = (
        ("title", proposal.title, N_("Give the project a title.")),
        ("track_id", proposal.track_id, N_("Choose a track.")),
        ("summary", proposal.summary, N_("Write a summary.")),
        ("need_analysis", proposal.need_analysis, N_("Describe the need (need analysis).")),
        ("objectives", proposal.objectives, N_("State the objectives.")),
        ("target_groups", proposal.target_groups, N_("Choose at least one target group.")),
        ("community_ids", proposal.community_ids, N_("Choose the communities served.")),
    )
    for name, value, message in required:
        if not value:
            problems.append(Problem(f"complete.{name}", _(message), name))
    if not proposal.lines:
        problems.append(Problem("complete.budget", _("Add at least one budget line."), "budget"))
    if proposal.activity_count < 1:
        problems.append(Problem("complete.activities",
                                _("Add at least one activity to the plan."), "activities"))
    if proposal.planned_people is not None and proposal.planned_people < 1:
        problems.append(Problem("complete.planned_people", _(
            "State the planned outputs: at least how many people the project will serve."),
            "planned_people"))
    return problems


def window_problems(round_status: str, opens_at: datetime | None, closes_at: datetime | None,
                    moment: datetime) -> list[Problem]:
    """Whether the round takes submissions at `moment` (deadline shown in local time)."""
    if round_status != "open":
        return [Problem("window.status", _("This round is not open for applications."))]
    if opens_at is not None and moment < opens_at:
        return [Problem("window.early", _(
            "Applications open at %(opens)s (China Standard Time); you cannot submit yet.",
            opens=format_local(opens_at)))]
    if closes_at is not None and moment > closes_at:
        return [Problem("window.late", _(
            "The deadline was %(deadline)s (China Standard Time); submissions are closed.",
            deadline=format_local(closes_at)))]
    return []


def limit_problems(already: int, maximum: int) -> list[Problem]:
    if maximum and already >= maximum:
        return [Problem("limit.per_org", ngettext(
            "Your organisation has already submitted %(num)s application to this round; "
            "the limit is %(max)s.",
            "Your organisation has already submitted %(num)s applications to this round; "
            "the limit is %(max)s.", already, max=maximum))]
    return []


def started_limit_problems(started: int, maximum: int) -> list[Problem]:
    """A new draft counts too: an organisation at its limit continues one it has."""
    if maximum and started >= maximum:
        return [Problem("limit.per_org_started", ngettext(
            "Your organisation already has %(num)s application in this round (drafts "
            "included); the limit is %(max)s. Continue it, or withdraw it to start another.",
            "Your organisation already has %(num)s applications in this round (drafts "
            "included); the limit is %(max)s. Continue one, or withdraw one to start another.",
            started, max=maximum))]
    return []


def check(*, proposal: Proposal, org: OrgFacts, eligibility: dict[str, Any],
          budget_rules: dict[str, Any], grant_min_fen: int, grant_max_fen: int) -> list[Problem]:
    """Every content rule at once (the window and the per-organisation limit are apart)."""
    request = totals(proposal.lines).request_fen
    return [*completeness_problems(proposal), *eligibility_problems(org, eligibility),
            *range_problems(request, grant_min_fen, grant_max_fen),
            *budget_problems(proposal.lines, budget_rules)]
