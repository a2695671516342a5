"""Demo: a public vote (人气投票) running beside this year's live roadshow, on the projects that
passed screening, with some votes (a few flagged); and last year's vote, published with its
人气奖."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.applications import services as app_services
from grants.applications.models import Application
from grants.organisations.models import Organisation
from grants.rounds.models import Round, Stage, Track
from grants.timeutil import now
from grants.votes import services
from grants.votes.models import Vote, VoteSetup

PROJECTS = (
    ("长者食堂互助计划", "社区长者每周三次午餐，志愿者送餐上门，并开展健康讲座。"),
    ("四点半课堂", "放学后为双职工家庭的孩子提供作业辅导和阅读陪伴。"),
    ("楼道议事会", "在老旧小区推动居民自治，每月协商解决楼道公共事务。"),
    ("心灵驿站", "为社区居民提供心理咨询和压力疏导小组活动。"),
)


def _vote_round(session: Session) -> Round | None:
    """The round in judging whose roadshow runs live (a 人气投票 usually runs beside it), or,
    without one, the first finished round."""
    live = session.execute(
        select(Round).join(Stage, Stage.round_id == Round.id)
        .where(Round.status == "judging", Stage.kind == "roadshow").order_by(Round.id)
    ).scalars().first()
    return live or session.execute(select(Round).where(Round.status == "finished")
                                   .order_by(Round.id)).scalars().first()


def load_votes(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    round_ = _vote_round(session)
    if round_ is None:
        return {"votes": 0}
    apps = list(session.execute(select(Application).where(
        Application.round_id == round_.id, Application.status == "eligible")
        .order_by(Application.id)).scalars())
    if len(apps) < 3:  # a round without screened projects: some of its own for the vote
        apps = _projects(session, round_)
    setup = services.configure(session, actor, round_, None, {
        "opens_at": now() - timedelta(days=2), "closes_at": now() + timedelta(days=12),
        "votes_per_day": 3, "use": "award", "weight_pct": 0, "show_counts": True,
        "difficulty": 16, "per_address_hour": 60, "per_device_hour": 20})
    before = audit.snapshot(setup)
    setup.status = "open"
    audit.record(session, actor, "vote.open", setup, before=before)
    base = now() - timedelta(hours=5)
    count = 0
    # Ordinary voters, spread over the afternoon, from different addresses.
    for n in range(18):
        for k, app in enumerate(apps[: 1 + n % 3]):
            session.add(_vote(setup.round_id, app.id, f"demo-voter-{n}", f"10.1.{n}.1",
                              base + timedelta(minutes=13 * n + k)))
            count += 1
    # Six voters from one address, for the "many voters from one network address" flag.
    for n in range(6):
        session.add(_vote(setup.round_id, apps[1].id, f"demo-shared-{n}", "203.0.113.7",
                          base + timedelta(hours=2, minutes=n * 7)))
        count += 1
    session.flush()
    return {"votes": count}


def _projects(session: Session, round_: Round) -> list[Application]:
    tracks = list(session.execute(select(Track).where(Track.round_id == round_.id)
                                  .order_by(Track.position)).scalars())
    orgs = list(session.execute(select(Organisation).order_by(Organisation.id)
                                .limit(len(PROJECTS))).scalars())
    apps = []
    for n, ((title, summary), org) in enumerate(zip(PROJECTS, orgs, strict=False)):
        app = Application(round_id=round_.id, organisation_id=org.id, status="eligible",
                          track_id=tracks[n % len(tracks)].id if tracks else None,
                          title=title, summary=summary, submitted_at=now() - timedelta(days=300))
        session.add(app)
        apps.append(app)
    session.flush()
    for app in apps:
        app_services.record_arrived_version(session, app)
    return apps


def _vote(round_id: int, app_id: int, voter: str, ip: str, at: object) -> Vote:
    from grants.timeutil import local

    return Vote(round_id=round_id, application_id=app_id,
                voter_hash=services.keyed("email", f"{voter}@example.org"),
                ip_hash=services.keyed("ip", ip), device_hash=services.keyed("device", voter),
                day=local(at).date(), at=at)


def load_past_vote(session: Session, organiser: object, round_: Round,
                   application_ids: list[int], year: int) -> dict[str, int]:
    """A finished contest's public vote, published with its 人气奖 (seen on /verify too)."""
    from datetime import datetime

    from grants import lifecycle
    from grants.settings import get_settings

    opens = datetime(year, 4, 1, 9, tzinfo=get_settings().time_zone)
    setup = VoteSetup(round_id=round_.id, status="open", opens_at=opens,
                      closes_at=opens + timedelta(days=10), votes_per_day=3,
                      application_ids=sorted(application_ids), use="award", show_counts=True)
    session.add(setup)
    session.flush()
    who = audit.Actor(getattr(organiser, "id", None), getattr(organiser, "username", "demo"))
    audit.record(session, who, "vote.configure", setup)
    count = 0
    # Fewer votes for each later project: the first one clearly leads.
    for rank, app_id in enumerate(sorted(application_ids)):
        for n in range(max(3, 40 - 7 * rank)):
            session.add(_vote(round_.id, app_id, f"past-voter-{year}-{n}", f"10.9.{n}.{rank}",
                              opens + timedelta(hours=n, minutes=rank)))
            count += 1
    session.flush()
    lifecycle.perform(session, who, organiser, "vote.close", setup)
    award = services.publish(session, who, organiser, setup)
    # ... published the day after the vote closed, in that year (not the day the demo loads)
    if award is not None:
        award.created_at = setup.closes_at + timedelta(days=1)
    return {"past votes": count}
