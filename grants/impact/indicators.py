"""Impact indicators: what the funded projects planned and what their evaluated reports say
they achieved, summed over a portfolio (a fund, a funder, a round, a category, a community, a
year, or everything), with the breakdowns and the trend over years.

One definition, used by the page, the PDF, the spreadsheet and the public page:

- A project is a confirmed award. Its money is the award's amount — or, for a fund or a
  funder, only the part their funds pay (the award's allocations) — and what has been paid.
- Its achieved figures are those of its latest *evaluated* report (reports are cumulative: the
  final report gives the project's totals, a mid-term report the totals so far). Reports in
  draft, returned for correction or waiting for evaluation do not count: the figures are the
  ones somebody checked.
- Completion (achieved ÷ planned) is computed over the projects whose final report is
  evaluated, so that a project half way through does not read as a shortfall.
- A project's category is its track's service area (服务领域); its community is the first
  community the application serves, or else the organisation's own community.

The reading is a handful of SQL queries returning plain rows, summed here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants.applications.models import Application
from grants.awards.models import Award, AwardAllocation
from grants.disbursements.models import Agreement, Tranche, TrancheShare
from grants.organisations.models import Organisation
from grants.regions.models import Region
from grants.reports.models import Evaluation, Report
from grants.rounds.models import Round, Track

FIGURES = ("activities", "people", "volunteers")
UNCLASSIFIED = ""


@dataclass(frozen=True)
class Filters:
    fund_id: int | None = None
    round_id: int | None = None
    category: str | None = None
    community_id: int | None = None
    year: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to the PDF and the spreadsheet)."""
        return {name: str(value) for name, value in self.__dict__.items() if value}


@dataclass
class Project:
    award_id: int
    title: str
    organisation: str
    round_id: int
    round_name: str
    year: int
    category: str
    community_id: int | None
    awarded_fen: int
    paid_fen: int = 0
    target_groups: list[str] = field(default_factory=list)
    planned: dict[str, int] = field(default_factory=dict)
    achieved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (*FIGURES, "volunteer_hours"), 0))
    beneficiaries: dict[str, int] = field(default_factory=dict)
    budget_fen: int = 0
    spent_fen: int = 0
    reported: str = ""  # "" | midterm | final: the latest evaluated report
    grade: str = ""
    waiting: int = 0  # reports submitted and not yet evaluated


@dataclass
class Totals:
    projects: int = 0
    organisations: int = 0
    awarded_fen: int = 0
    paid_fen: int = 0
    planned: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    achieved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (*FIGURES, "volunteer_hours"), 0))
    reported_final: int = 0
    reported_midterm: int = 0
    not_reported: int = 0
    waiting: int = 0
    # planned and achieved over the projects whose final report is evaluated
    final_planned: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    final_achieved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    budget_fen: int = 0
    spent_fen: int = 0
    grades: dict[str, int] = field(default_factory=dict)

    def completion(self, figure: str) -> int | None:
        """Achieved as a whole percentage of planned, over projects with a final report."""
        planned = self.final_planned.get(figure, 0)
        if not planned:
            return None
        return (self.final_achieved.get(figure, 0) * 100 + planned // 2) // planned


@dataclass
class Portfolio:
    filters: Filters
    projects: list[Project]
    totals: Totals
    by_year: dict[int, Totals]
    by_category: dict[str, Totals]
    by_community: dict[int | None, Totals]
    by_group: dict[str, int]  # unique beneficiaries by target group (evaluated reports)
    community_names: dict[int, str]


def _add(totals: Totals, project: Project, organisations: set[int] | None = None) -> None:
    totals.projects += 1
    totals.awarded_fen += project.awarded_fen
    totals.paid_fen += project.paid_fen
    for name in FIGURES:
        totals.planned[name] += project.planned.get(name, 0)
    for name, value in project.achieved.items():
        totals.achieved[name] = totals.achieved.get(name, 0) + value
    if project.reported == "final":
        totals.reported_final += 1
        for name in FIGURES:
            totals.final_planned[name] += project.planned.get(name, 0)
            totals.final_achieved[name] += project.achieved.get(name, 0)
    elif project.reported == "midterm":
        totals.reported_midterm += 1
    else:
        totals.not_reported += 1
    totals.waiting += project.waiting
    if project.reported:
        totals.budget_fen += project.budget_fen
        totals.spent_fen += project.spent_fen
    if project.grade:
        totals.grades[project.grade] = totals.grades.get(project.grade, 0) + 1


def _award_query(filters: Filters, fund_ids: set[int] | None,
                 round_ids: set[int] | None) -> Any:
    query = (select(Award.id).join(Round, Round.id == Award.round_id)
             .where(Award.status == "confirmed"))
    if filters.year:
        query = query.where(Round.year == filters.year)
    if filters.round_id:
        query = query.where(Award.round_id == filters.round_id)
    if round_ids is not None:
        query = query.where(Award.round_id.in_(round_ids or {-1}))
    if fund_ids is not None:
        query = query.where(Award.id.in_(
            select(AwardAllocation.award_id).where(AwardAllocation.fund_id.in_(fund_ids or {-1}))))
    return query


def portfolio(session: Session, filters: Filters | None = None, *,
              fund_ids: set[int] | None = None, round_ids: set[int] | None = None) -> Portfolio:
    """The portfolio's projects and sums. `fund_ids` limits it to the awards those funds pay
    for, counting only their part of the money; `round_ids` to an organiser's rounds (None:
    no limit)."""
    filters = filters or Filters()
    if filters.fund_id:
        fund_ids = {filters.fund_id} if fund_ids is None else fund_ids & {filters.fund_id}
    ids = _award_query(filters, fund_ids, round_ids)

    rows = session.execute(
        select(Award.id, Award.amount_fen, Award.round_id, Round.name, Round.year,
               Application.title, Organisation.name, Organisation.id,
               Application.planned_activities, Application.planned_people,
               Application.planned_volunteers, Application.community_ids,
               Organisation.community_id, Track.service_area, Application.target_groups)
        .join(Application, Application.id == Award.application_id)
        .join(Round, Round.id == Award.round_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .outerjoin(Track, Track.id == Application.track_id)
        .where(Award.id.in_(ids)).order_by(Round.year, Award.round_id, Award.position,
                                           Award.id)).all()
    projects: dict[int, Project] = {}
    org_of: dict[int, int] = {}
    for (award_id, amount, round_id, round_name, year, title, org_name, org_id, p_act,
         p_people, p_vol, communities, org_community, area, groups) in rows:
        community = (communities[0] if communities else None) or org_community
        category = area or UNCLASSIFIED
        if filters.category is not None and filters.category != category:
            continue
        if filters.community_id and filters.community_id not in (
                *(communities or []), org_community):
            continue
        projects[award_id] = Project(
            award_id=award_id, title=title, organisation=org_name, round_id=round_id,
            round_name=round_name, year=year, category=category, community_id=community,
            awarded_fen=int(amount), target_groups=list(groups or []),
            planned={"activities": int(p_act or 0), "people": int(p_people or 0),
                     "volunteers": int(p_vol or 0)})
        org_of[award_id] = org_id

    if fund_ids is not None:  # only the funds' part of each award
        shares = session.execute(
            select(AwardAllocation.award_id, func.sum(AwardAllocation.amount_fen))
            .where(AwardAllocation.fund_id.in_(fund_ids or {-1}), AwardAllocation.award_id.in_(ids))
            .group_by(AwardAllocation.award_id)).all()
        for award_id, amount in shares:
            if award_id in projects:
                projects[award_id].awarded_fen = int(amount or 0)
        paid = session.execute(
            select(Agreement.award_id, func.sum(TrancheShare.paid_fen))
            .join(Tranche, Tranche.id == TrancheShare.tranche_id)
            .join(Agreement, Agreement.id == Tranche.agreement_id)
            .where(TrancheShare.fund_id.in_(fund_ids or {-1}), Agreement.award_id.in_(ids))
            .group_by(Agreement.award_id)).all()
    else:
        paid = session.execute(
            select(Agreement.award_id, func.sum(Tranche.paid_fen))
            .join(Tranche, Tranche.agreement_id == Agreement.id)
            .where(Agreement.award_id.in_(ids)).group_by(Agreement.award_id)).all()
    for award_id, amount in paid:
        if award_id in projects:
            projects[award_id].paid_fen = int(amount or 0)

    reports = session.execute(
        select(Report.award_id, Report.kind, Report.status, Report.activities_held,
               Report.people_served, Report.volunteers, Report.volunteer_hours,
               Report.beneficiaries, Report.spending, Evaluation.grade)
        .outerjoin(Evaluation, Evaluation.report_id == Report.id)
        .where(Report.award_id.in_(ids), Report.status.in_(("accepted", "submitted")))).all()
    for (award_id, kind, status, act, people, vol, hours, beneficiaries, spending,
         grade) in reports:
        project = projects.get(award_id)
        if project is None:
            continue
        if status == "submitted":
            project.waiting += 1
            continue
        if project.reported == "final" or (project.reported == "midterm" and kind == "midterm"):
            continue
        project.reported = kind
        project.grade = grade or ""
        project.achieved = {"activities": int(act or 0), "people": int(people or 0),
                            "volunteers": int(vol or 0), "volunteer_hours": int(hours or 0)}
        project.beneficiaries = {str(k): int(v or 0) for k, v in (beneficiaries or {}).items()}
        project.budget_fen = sum(int(line.get("budget_fen", 0) or 0) for line in spending or [])
        project.spent_fen = sum(int(line.get("spent_fen", 0) or 0) for line in spending or [])

    totals = Totals()
    by_year: dict[int, Totals] = defaultdict(Totals)
    by_category: dict[str, Totals] = defaultdict(Totals)
    by_community: dict[int | None, Totals] = defaultdict(Totals)
    by_group: dict[str, int] = defaultdict(int)
    for project in projects.values():
        _add(totals, project)
        _add(by_year[project.year], project)
        _add(by_category[project.category], project)
        _add(by_community[project.community_id], project)
        for group, count in project.beneficiaries.items():
            by_group[group] += count
    totals.organisations = len({org_of[a] for a in projects})
    for key, group_totals in by_year.items():
        group_totals.organisations = len({org_of[p.award_id] for p in projects.values()
                                          if p.year == key})
    community_ids = {c for c in by_community if c is not None}
    names = {row[0]: row[1] for row in session.execute(
        select(Region.id, Region.name).where(Region.id.in_(community_ids or {-1}))).all()}
    return Portfolio(filters=filters, projects=list(projects.values()), totals=totals,
                     by_year=dict(sorted(by_year.items())),
                     by_category=dict(sorted(by_category.items(),
                                             key=lambda kv: -kv[1].achieved["people"])),
                     by_community=dict(sorted(by_community.items(),
                                              key=lambda kv: -kv[1].achieved["people"])),
                     by_group=dict(sorted(by_group.items(), key=lambda kv: -kv[1])),
                     community_names=names)
