"""Every table, imported in one place so that metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

import grants.applications.models  # applications, versions, attachments, screening
import grants.notifications.models  # email outbox and in-app notices
from grants.accounts.models import LoginFailure, User
from grants.audit import AuditEvent
from grants.funds.models import Fund, FundEntry
from grants.organisations.models import Organisation
from grants.regions.models import Region
from grants.rounds.models import Criterion, Round, RoundFund, Stage, Track

metadata = SQLModel.metadata

__all__ = [
    "AuditEvent",
    "Fund",
    "FundEntry",
    "LoginFailure",
    "Organisation",
    "Region",
    "Round",
    "RoundFund",
    "Stage",
    "Track",
    "Criterion",
    "User",
    "metadata",
]
