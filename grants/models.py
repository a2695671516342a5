"""Every table, imported in one place so that metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from grants.accounts.models import LoginFailure, User
from grants.applications import models as application_tables  # noqa: F401 - applications, versions…
from grants.audit import AuditEvent
from grants.awards import models as award_tables  # noqa: F401 - awards, notices, objections
from grants.calendar.models import CalendarDay
from grants.disbursements import models as money_tables  # noqa: F401 - agreements, payments…
from grants.funds.models import Fund, FundEntry
from grants.judging import models as judging_tables  # noqa: F401 - panels, sheets…
from grants.notifications import models as notification_tables  # noqa: F401 - outbox, notices
from grants.organisations.models import Organisation
from grants.pagecache import PageVersion
from grants.regions.models import Region
from grants.reports import models as report_tables  # noqa: F401 - reports, evaluations
from grants.rounds.models import Criterion, Round, RoundFund, Stage, Track
from grants.votes import models as vote_tables  # noqa: F401 - public vote

metadata = SQLModel.metadata

__all__ = [
    "AuditEvent",
    "CalendarDay",
    "Criterion",
    "Fund",
    "FundEntry",
    "LoginFailure",
    "Organisation",
    "PageVersion",
    "Region",
    "Round",
    "RoundFund",
    "Stage",
    "Track",
    "User",
    "metadata",
]
