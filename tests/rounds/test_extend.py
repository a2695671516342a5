"""Extending an open round's deadline: later only, before any stage starts, with a reason,
audited, and told to every organisation with an application in the round."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from grants.audit import AuditEvent
from grants.notifications.models import Notice, OutboxMessage
from grants.rounds.models import Round
from grants.timeutil import local
from tests.applications import factories as af
from tests.rounds import factories as rf
from tests.rounds.conftest import errors_of


def _typed(moment) -> str:
    return local(moment).strftime("%Y-%m-%dT%H:%M")


def test_extending_moves_the_deadline_audits_and_tells_applicants(client, session, organiser):
    round_ = rf.opened(session)
    with_app = af.applicant(session)
    af.application(session, round_, with_app)
    bystander = af.applicant(session)
    session.commit()
    old = round_.closes_at
    new = old + timedelta(hours=20)
    page = client.get(f"/rounds/{round_.id}")
    assert f'href="/rounds/{round_.id}/extend"' in page.text
    answer = client.post_form(f"/rounds/{round_.id}/extend",
                              {"closes_at": _typed(new), "reason": "系统维护影响上传，顺延一天"})
    assert answer.status_code == 303
    session.expire_all()
    stored = session.get(Round, round_.id)
    assert stored.closes_at == new.replace(second=0, microsecond=0)
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "round.extend")
                            ).scalar_one()
    assert json.loads(event.after)["reason"] == "系统维护影响上传，顺延一天"
    told = session.execute(select(Notice).where(Notice.user_id == with_app.id)).scalars().all()
    assert len(told) == 1 and "系统维护影响上传" in told[0].body
    assert _typed(new).replace("T", " ") in told[0].body
    assert not session.execute(select(Notice).where(Notice.user_id == bystander.id)).first()
    assert session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to == with_app.email)).scalar_one() == (1 if with_app.email else 0)


def test_refused_extensions_change_nothing(client, session, organiser):
    round_ = rf.opened(session)
    session.commit()
    old = round_.closes_at
    url = f"/rounds/{round_.id}/extend"
    cases = [
        ({"closes_at": _typed(old - timedelta(hours=1)), "reason": "r"}, "later than the current"),
        ({"closes_at": _typed(old + timedelta(days=3)), "reason": "r"}, "资格审查"),
        ({"closes_at": _typed(old + timedelta(hours=2)), "reason": ""}, "Give a reason"),
        ({"closes_at": "明天", "reason": "r"}, "YYYY-MM-DD HH:MM"),
        ({"closes_at": _typed(old + timedelta(hours=2)), "reason": "x" * 501}, "At most 500"),
    ]
    for form, message in cases:
        answer = client.post_form(url, form)
        assert answer.status_code == 400, form
        assert any(message in e for e in errors_of(answer)), (form, errors_of(answer))
        session.expire_all()
        assert session.get(Round, round_.id).closes_at == old
    assert not session.execute(select(AuditEvent).where(AuditEvent.action == "round.extend")
                               ).first()


def test_only_an_open_round_can_be_extended(client, session, organiser):
    round_ = rf.ready(session)  # a draft: its window is edited in the editor instead
    session.commit()
    answer = client.post_form(f"/rounds/{round_.id}/extend",
                              {"closes_at": _typed(round_.closes_at + timedelta(hours=1)),
                               "reason": "r"})
    assert answer.status_code == 400 and "Only an open round" in answer.text
    assert 'id="extend-link"' not in client.get(f"/rounds/{round_.id}").text
