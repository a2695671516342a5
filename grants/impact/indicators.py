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
- A project whose agreement was terminated for breach keeps its money in the sums, but its
  reports' figures are left out (the breach may have been about those figures).
- A project's category is its track's service area (服务领域); its community is the first
  community the application serves, or else the organisation's own community (the community
  filter and the breakdown use the same one).

The database does the summing: one statement per breakdown over the same derived table (the
projects in the portfolio with their counted report), one for the beneficiaries by target
group, and one for the page of projects shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, or_, select, true, union_all
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
        out = {name: str(value) for name, value in self.__dict__.items() if value}
        if self.category == UNCLASSIFIED:
            out["category"] = "none"
        return out


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
    planned: dict[str, int] = field(default_factory=dict)
    achieved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        (*FIGURES, "volunteer_hours"), 0))
    beneficiaries: dict[str, int] = field(default_factory=dict)
    budget_fen: int = 0
    spent_fen: int = 0
    reported: str = ""  # "" | midterm | final: the latest evaluated report
    grade: str = ""
    waiting: int = 0  # reports submitted and not yet evaluated
    terminated: bool = False  # its agreement was terminated for breach: figures not counted
    code: str = ""  # the award's verification code, printed on its certificate


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
    terminated: int = 0  # agreements terminated for breach: their reports are not counted

    def completion(self, figure: str) -> int | None:
        """Achieved as a whole percentage of planned, over projects with a final report."""
        planned = self.final_planned.get(figure, 0)
        if not planned:
            return None
        return (self.final_achieved.get(figure, 0) * 100 + planned // 2) // planned


@dataclass
class Portfolio:
    filters: Filters
    projects: list[Project]  # all of them, or the page asked for
    totals: Totals
    by_year: dict[int, Totals]
    by_category: dict[str, Totals]
    by_community: dict[int | None, Totals]
    by_group: dict[str, int]  # unique beneficiaries by target group (evaluated reports)
    community_names: dict[int, str]


def _derived(filters: Filters, fund_ids: set[int] | None, round_ids: set[int] | None) -> Any:
    """The portfolio's projects, one row each, with their money and their counted report."""
    funds = fund_ids or {-1}
    if fund_ids is None:
        awarded: Any = Award.amount_fen
        paid_q = (select(Agreement.award_id.label("award_id"),
                         func.sum(Tranche.paid_fen).label("paid"))
                  .join(Tranche, Tranche.agreement_id == Agreement.id)
                  .group_by(Agreement.award_id).subquery())
    else:  # only the funds' part of each award
        share_q = (select(AwardAllocation.award_id.label("award_id"),
                          func.sum(AwardAllocation.amount_fen).label("share"))
                   .where(AwardAllocation.fund_id.in_(funds))
                   .group_by(AwardAllocation.award_id).subquery())
        awarded = share_q.c.share
        paid_q = (select(Agreement.award_id.label("award_id"),
                         func.sum(TrancheShare.paid_fen).label("paid"))
                  .join(Tranche, Tranche.id == TrancheShare.tranche_id)
                  .join(Agreement, Agreement.id == Tranche.agreement_id)
                  .where(TrancheShare.fund_id.in_(funds))
                  .group_by(Agreement.award_id).subquery())
    finals = select(Report.award_id).where(Report.kind == "final", Report.status == "accepted")
    counted = (select(Report.award_id, Report.kind, Report.activities_held,
                      Report.people_served, Report.volunteers, Report.volunteer_hours,
                      Report.beneficiaries, Report.budget_fen, Report.spent_fen,
                      Evaluation.grade)
               .outerjoin(Evaluation, Evaluation.report_id == Report.id)
               .join(Agreement, Agreement.id == Report.agreement_id)
               .where(Report.status == "accepted", Agreement.status != "terminated",
                      or_(Report.kind == "final", Report.award_id.not_in(finals)))
               .subquery())
    # An agreement terminated for breach: its money counts, its reports' figures do not.
    terminated = (select(Agreement.award_id.label("award_id"))
                  .where(Agreement.status == "terminated").subquery())
    waiting = (select(Report.award_id.label("award_id"), func.count().label("n"))
               .where(Report.status == "submitted").group_by(Report.award_id).subquery())
    community = func.coalesce(Application.community_ids[0].as_integer(),
                              Organisation.community_id)
    category = func.coalesce(Track.service_area, literal(UNCLASSIFIED))
    query = (select(
        Award.id.label("award_id"), Award.position.label("position"), Award.code.label("code"),
        Award.organisation_id.label("org_id"), Organisation.name.label("org_name"),
        Award.round_id.label("round_id"), Round.name.label("round_name"),
        Round.year.label("year"), Application.title.label("title"),
        category.label("category"), community.label("community"),
        func.coalesce(awarded, 0).label("awarded"),
        func.coalesce(paid_q.c.paid, 0).label("paid"),
        Application.planned_activities.label("p_act"),
        Application.planned_people.label("p_people"),
        Application.planned_volunteers.label("p_vol"),
        counted.c.kind.label("reported"), counted.c.grade.label("grade"),
        func.coalesce(counted.c.activities_held, 0).label("a_act"),
        func.coalesce(counted.c.people_served, 0).label("a_people"),
        func.coalesce(counted.c.volunteers, 0).label("a_vol"),
        func.coalesce(counted.c.volunteer_hours, 0).label("a_hours"),
        counted.c.beneficiaries.label("beneficiaries"),
        # The budget of a report that gave no spending is left out of the execution rate
        # (a blank is not a report of nothing spent).
        case((counted.c.spent_fen > 0, counted.c.budget_fen), else_=0).label("budget"),
        func.coalesce(counted.c.spent_fen, 0).label("spent"),
        func.coalesce(waiting.c.n, 0).label("waiting"),
        case((terminated.c.award_id.is_not(None), 1), else_=0).label("terminated"))
        .join(Application, Application.id == Award.application_id)
        .join(Round, Round.id == Award.round_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .outerjoin(Track, Track.id == Application.track_id)
        .outerjoin(paid_q, paid_q.c.award_id == Award.id)
        .outerjoin(counted, counted.c.award_id == Award.id)
        .outerjoin(waiting, waiting.c.award_id == Award.id)
        .outerjoin(terminated, terminated.c.award_id == Award.id)
        .where(Award.status == "confirmed"))
    if fund_ids is not None:
        query = query.join(share_q, share_q.c.award_id == Award.id)
    if filters.year:
        query = query.where(Round.year == filters.year)
    if filters.round_id:
        query = query.where(Award.round_id == filters.round_id)
    if round_ids is not None:
        query = query.where(Award.round_id.in_(round_ids or {-1}))
    if filters.category is not None:
        query = query.where(category == filters.category)
    if filters.community_id:
        query = query.where(community == filters.community_id)
    # Computed once per statement: without MATERIALIZED, SQLite flattens the derived table into
    # a grouped query and re-reads the report subqueries for every project.
    return query.cte("portfolio").prefix_with("MATERIALIZED")


GROUPINGS = ("total", "year", "category", "community")


def _beneficiaries(session: Session, d: Any, width: int) -> Any:
    """(tag 'group', target group, unique beneficiaries, padding…) from the counted reports'
    JSON objects, unnested by the database."""
    postgres = session.get_bind().dialect.name == "postgresql"
    each = (func.json_each_text if postgres else func.json_each)(d.c.beneficiaries) \
        .table_valued("key", "value")
    count = func.sum(cast(each.c.value, Integer))
    return (select(literal("group").label("tag"), cast(each.c.key, String).label("key"), count,
                   *[literal(0)] * (width - 3))
            .select_from(d).join(each, true())
            .where(d.c.beneficiaries.is_not(None)).group_by(each.c.key))


def _sums(session: Session, d: Any) -> tuple[dict[str, dict[Any, Totals]], dict[str, int]]:
    """The totals, the breakdowns by year, category and community, and the beneficiaries by
    target group, in one statement."""
    final = d.c.reported == "final"
    counted = d.c.reported.is_not(None)

    def when(condition: Any, value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    columns = [func.count(), func.count(func.distinct(d.c.org_id)),
               *[func.coalesce(func.sum(c), 0) for c in (
                   d.c.awarded, d.c.paid, d.c.p_act, d.c.p_people, d.c.p_vol, d.c.a_act,
                   d.c.a_people, d.c.a_vol, d.c.a_hours, d.c.waiting)],
               when(final, 1), when(d.c.reported == "midterm", 1), when(~counted, 1),
               *[when(final, c) for c in (d.c.p_act, d.c.p_people, d.c.p_vol, d.c.a_act,
                                         d.c.a_people, d.c.a_vol)],
               when(counted, d.c.budget), when(counted, d.c.spent),
               func.coalesce(func.sum(d.c.terminated), 0)]
    parts = []
    for tag in GROUPINGS:
        group = None if tag == "total" else d.c[tag]
        key = cast(group if group is not None else literal(None), String)
        part = select(literal(tag).label("tag"), key.label("key"), *columns)
        parts.append(part.group_by(group) if group is not None else part)
    parts.append(_beneficiaries(session, d, len(columns) + 2))
    out: dict[str, dict[Any, Totals]] = {tag: {} for tag in GROUPINGS}
    groups: dict[str, int] = {}
    for tag, key, n, orgs, awarded, paid, p_act, p_people, p_vol, a_act, a_people, a_vol, \
            hours, waiting, n_final, n_mid, n_none, fp_act, fp_people, fp_vol, fa_act, \
            fa_people, fa_vol, budget, spent, ended in session.execute(union_all(*parts)).all():
        if tag == "group":
            groups[str(key)] = int(n or 0)
            continue
        if not n:
            continue
        if tag in ("year", "community") and key is not None:
            key = int(key)
        elif tag == "category":
            key = key or UNCLASSIFIED
        out[tag][key] = Totals(
            projects=int(n), organisations=int(orgs), awarded_fen=int(awarded),
            paid_fen=int(paid),
            planned={"activities": int(p_act), "people": int(p_people), "volunteers": int(p_vol)},
            achieved={"activities": int(a_act), "people": int(a_people),
                      "volunteers": int(a_vol), "volunteer_hours": int(hours)},
            reported_final=int(n_final), reported_midterm=int(n_mid), not_reported=int(n_none),
            waiting=int(waiting),
            final_planned={"activities": int(fp_act), "people": int(fp_people),
                           "volunteers": int(fp_vol)},
            final_achieved={"activities": int(fa_act), "people": int(fa_people),
                            "volunteers": int(fa_vol)},
            budget_fen=int(budget), spent_fen=int(spent), terminated=int(ended))
    return out, groups


def _project(row: Any) -> Project:
    return Project(
        award_id=row.award_id, title=row.title, organisation=row.org_name,
        round_id=row.round_id, round_name=row.round_name, year=row.year,
        category=row.category or UNCLASSIFIED, community_id=row.community,
        awarded_fen=int(row.awarded), paid_fen=int(row.paid),
        planned={"activities": int(row.p_act or 0), "people": int(row.p_people or 0),
                 "volunteers": int(row.p_vol or 0)},
        achieved={"activities": int(row.a_act), "people": int(row.a_people),
                  "volunteers": int(row.a_vol), "volunteer_hours": int(row.a_hours)},
        beneficiaries={str(k): int(v or 0) for k, v in (row.beneficiaries or {}).items()},
        budget_fen=int(row.budget), spent_fen=int(row.spent), reported=row.reported or "",
        grade=row.grade or "", waiting=int(row.waiting), terminated=bool(row.terminated),
        code=row.code or "")


def portfolio(session: Session, filters: Filters | None = None, *,
              fund_ids: set[int] | None = None, round_ids: set[int] | None = None,
              limit: int | None = None, offset: int = 0) -> Portfolio:
    """The portfolio's sums, breakdowns and projects (all, or `limit` from `offset`).
    `fund_ids` limits it to the awards those funds pay for, counting only their part of the
    money; `round_ids` to an organiser's rounds (None: no limit)."""
    filters = filters or Filters()
    if filters.fund_id:
        fund_ids = {filters.fund_id} if fund_ids is None else fund_ids & {filters.fund_id}
    d = _derived(filters, fund_ids, round_ids)
    sums, by_group = _sums(session, d)
    totals = sums["total"].get(None, Totals())
    by_year, by_category, by_community = sums["year"], sums["category"], sums["community"]
    listing = select(d).order_by(d.c.year, d.c.round_id, d.c.position, d.c.award_id)
    if limit is not None:
        listing = listing.limit(limit).offset(offset)
    projects = [_project(row) for row in session.execute(listing).all()]
    ids = {c for c in by_community if c is not None}
    names = {row[0]: row[1] for row in session.execute(
        select(Region.id, Region.name).where(Region.id.in_(ids or {-1}))).all()}
    return Portfolio(filters=filters, projects=projects, totals=totals,
                     by_year=dict(sorted(by_year.items())),
                     by_category=dict(sorted(by_category.items(),
                                             key=lambda kv: -kv[1].achieved["people"])),
                     by_community=dict(sorted(by_community.items(),
                                              key=lambda kv: -kv[1].achieved["people"])),
                     by_group=dict(sorted(by_group.items(), key=lambda kv: -kv[1])),
                     community_names=names)
