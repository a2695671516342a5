"""Two streets of one district, each with an organiser, a round, an organisation, a fund and
an applicant's application; and a district organiser above both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from grants import audit
from grants.organisations.models import Organisation
from grants.regions import services as regions
from tests import factories
from tests.applications import factories as af


@dataclass
class Street:
    street: Any
    community: Any
    organiser: Any
    round: Any
    org: Any
    applicant: Any
    fund: Any
    application: Any


def _street(session, district, name, n):
    street = regions.create_region(session, audit.SYSTEM, name, "street", district.id)
    community = regions.create_region(session, audit.SYSTEM, f"{name}社区", "community",
                                      street.id)
    organiser = factories.user(session, "organiser", username=f"org-{n}")
    organiser.scope_region_id = street.id
    round_ = af.round_(session, name=f"2026年{name}公益创投", region_id=street.id)
    applicant = af.applicant(session, community=community)
    org = session.get(Organisation, applicant.organisation_id)
    fund = factories.fund(session, region_id=street.id, name=f"{name}专项资金")
    application = af.application(session, round_, applicant, title=f"{name}长者项目")
    from grants.applications import services

    services.submit(session, audit.SYSTEM, applicant, application, round_)
    return Street(street, community, organiser, round_, org, applicant, fund, application)


@pytest.fixture
def streets(session):
    district = regions.create_region(session, audit.SYSTEM, "南山区", "district", None)
    a = _street(session, district, "南山街道", "a")
    b = _street(session, district, "粤海街道", "b")
    boss = factories.user(session, "organiser", username="org-district")
    boss.scope_region_id = district.id
    session.commit()
    return a, b
