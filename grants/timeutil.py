"""Time: stored in UTC, shown and entered in the configured zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from grants.settings import get_settings


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local(moment: datetime) -> datetime:
    """The moment in the configured local zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(get_settings().time_zone)


def today() -> date:
    return local(now()).date()


def parse_local(text: str) -> datetime:
    """Parse a local date or date-time typed by a user ('2026-03-01' or '2026-03-01T17:00').

    Raises ValueError with a plain message on anything else.
    """
    text = (text or "").strip().replace(" ", "T")
    if not text:
        raise ValueError("a date is required")
    try:
        if "T" in text:
            naive = datetime.fromisoformat(text)
        else:
            naive = datetime.combine(date.fromisoformat(text), time(0, 0))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=get_settings().time_zone)
    return naive.astimezone(UTC)


def format_local(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return ""
    shown = local(moment)
    return shown.strftime("%Y-%m-%d %H:%M") if with_time else shown.strftime("%Y-%m-%d")
