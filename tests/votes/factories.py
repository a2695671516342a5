"""A round with screened applications and an open public vote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.applications.models import Application
from grants.rounds.models import Round
from grants.timeutil import now
from grants.votes import services
from grants.votes.models import VoteSetup
from tests import factories
from tests.applications import factories as app_factories

DIFFICULTY = 8


def voting_round(session: Session, projects: int = 3, **setup_fields: Any
                 ) -> tuple[Round, VoteSetup, list[Application]]:
    round_ = app_factories.round_(session, status="closed",
                                  closes_at=now() - timedelta(days=1))
    track = app_factories.track_of(session, round_)
    apps = []
    for i in range(projects):
        org = factories.organisation(session, community_id=factories.community(session).id)
        app = Application(round_id=round_.id, track_id=track.id, organisation_id=org.id,
                          status="eligible", title=f"社区项目{i + 1}",
                          summary=f"项目{i + 1}的简介")
        session.add(app)
        apps.append(app)
    session.flush()
    data: dict[str, Any] = {"opens_at": now() - timedelta(hours=1),
                            "closes_at": now() + timedelta(days=7), "votes_per_day": 3,
                            "use": "award", "weight_pct": 0, "show_counts": True,
                            "difficulty": DIFFICULTY, "per_address_hour": 60,
                            "per_device_hour": 20}
    data.update(setup_fields)
    setup = services.configure(session, audit.SYSTEM, round_, None, data)
    setup.status = "open"
    session.flush()
    return round_, setup, apps


def token_for(session: Session, setup: VoteSetup, email: str, device: str,
              ip: str = "10.0.0.1") -> str:
    code = services.request_code(session, setup, email, ip, device)
    return services.verify_code(session, setup, email, code, device)


def proof(setup: VoteSetup) -> tuple[str, str]:
    challenge = services.issue_challenge(setup)
    return challenge, services.solve(challenge, setup.difficulty)


def vote(session: Session, setup: VoteSetup, app_id: int, token: str, device: str,
         ip: str = "10.0.0.1") -> Any:
    challenge, nonce = proof(setup)
    return services.cast(session, setup, app_id, token=token, challenge=challenge,
                         nonce=nonce, ip=ip, device=device)
