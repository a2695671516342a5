"""Confirmed awards with their agreements: the starting point of the money."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from grants.audit import SYSTEM
from grants.awards import services as awards
from grants.awards import workflow as award_workflow
from grants.awards.models import Award
from grants.disbursements import services as money
from grants.disbursements.models import Agreement
from grants.settings import get_settings
from tests import factories
from tests.awards.factories import proposed


def confirmed(session: Any, monkeypatch: Any, **kwargs: Any) -> tuple[Any, list[Agreement]]:
    """A round whose awards are confirmed (50k, 40k, 40k, 30k by default), each with its
    draft agreement."""
    w, notice = proposed(session, **kwargs)
    monkeypatch.setattr(awards, "today", lambda: date(2026, 9, 18))
    awards.publish(session, SYSTEM, None, notice, title="公示", contact="", working_days=5)
    monkeypatch.setattr(award_workflow, "local_today", lambda: date(2026, 9, 28))
    awards.confirm(session, SYSTEM, None, notice)
    # ... on that day (the agreements are signed after it: 2026-10-08 in `signed`)
    on_the_day = datetime(2026, 9, 28, 10, 0, tzinfo=get_settings().time_zone)
    notice.confirmed_at = on_the_day
    for award in session.execute(select(Award).where(Award.notice_id == notice.id,
                                                     Award.confirmed_at.is_not(None))).scalars():
        award.confirmed_at = on_the_day
    session.commit()
    ids = session.execute(select(Award.id).where(Award.round_id == w.round.id)
                          .order_by(Award.position)).scalars().all()
    return w, [money.agreement_of(session, i) for i in ids]


def signed(session: Any, agreement: Agreement) -> Agreement:
    money.sign(session, SYSTEM, None, agreement, signed_on=date(2026, 10, 8),
               signatories="张主任；王理事长")
    session.commit()
    return agreement


def finance_pair(session: Any) -> tuple[Any, Any]:
    maker = factories.user(session, "finance")
    checker = factories.user(session, "finance")
    session.commit()
    return maker, checker
