"""Copying a round into another year's draft: dates move by whole years, funds come along only
while their money is still free.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.rounds.funding import attachable
from grants.rounds.models import Criterion, Round, RoundFund, Stage, Track
from grants.rounds.services import load_config, validate_basics
from grants.timeutil import local


def shift_years(moment: datetime | None, years: int) -> datetime | None:
    """The same wall-clock time in the local zone, `years` later (29 Feb becomes 28 Feb)."""
    if moment is None:
        return None
    shown = local(moment)
    try:
        moved = shown.replace(year=shown.year + years)
    except ValueError:
        moved = shown.replace(year=shown.year + years, day=28)
    return moved.astimezone(UTC)


def _shift_date(text: str | None, years: int) -> str | None:
    if not text:
        return None
    day = date.fromisoformat(text)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as edition numbers are written (第十二届)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones]
    return (NUMERALS[tens] if tens > 1 else "") + "十" + (NUMERALS[ones] if ones else "")


def _from_chinese(text: str) -> int | None:
    if not text or any(ch not in NUMERALS + "十" for ch in text):
        return None
    if "十" not in text:
        return NUMERALS.index(text) if len(text) == 1 else None
    tens, _sep, ones = text.partition("十")
    value = (NUMERALS.index(tens) if tens else 1) * 10 + (NUMERALS.index(ones) if ones else 0)
    return value if len(tens) <= 1 and len(ones) <= 1 else None


def next_edition(name: str) -> str:
    """第三届 → 第四届, 第9届 → 第10届; names without an edition stay as they are."""

    def bump(match: re.Match[str]) -> str:
        text = match.group(1)
        if text.isascii() and text.isdigit():
            return f"第{int(text) + 1}届"
        value = _from_chinese(text)
        return f"第{chinese_number(value + 1)}届" if value is not None and value < 99 else match.group(0)

    return re.sub(r"第([0-9]+|[零一二三四五六七八九十]+)届", bump, name, count=1)


def suggested_copy_name(round_: Round) -> str:
    year = str(round_.year)
    name = next_edition(round_.name.replace(year, str(round_.year + 1), 1))
    return name if name != round_.name else f"{round_.name}（{round_.year + 1}）"


def copy_round(session: Session, actor: audit.Actor, source: Round, data: dict[str, Any],
               errors: dict[str, str] | None = None) -> tuple[Round, list[str]]:
    """A draft copy of `source` for another year; returns it and the notes on what was not
    copied (funds whose money is no longer free)."""
    data = {k: data.get(k) for k in ("name", "year")}
    validate_basics(session, data, None, errors)
    years = int(data["year"]) - source.year
    config = load_config(session, source)
    copy = Round(name=data["name"], organiser_unit=source.organiser_unit, year=data["year"],
                 status="draft", description=source.description,
                 opens_at=shift_years(source.opens_at, years),
                 closes_at=shift_years(source.closes_at, years),
                 grant_min_fen=source.grant_min_fen, grant_max_fen=source.grant_max_fen,
                 max_applications_per_org=source.max_applications_per_org,
                 eligibility=dict(source.eligibility), budget_rules=dict(source.budget_rules),
                 tranche_template=[dict(r) for r in source.tranche_template],
                 reporting_plan={k: _shift_date(v, years) if k.endswith("_due") else v
                                 for k, v in (source.reporting_plan or {}).items()},
                 copied_from_id=source.id, region_id=source.region_id,
                 series=source.series,
                 edition=source.edition + 1 if source.edition is not None else None)
    session.add(copy)
    audit.record(session, actor, "round.copy", copy,
                 before={"copied_from": source.id, "name": source.name})
    for track in config.tracks:
        session.add(Track(round_id=copy.id, name=track.name, service_area=track.service_area,
                          description=track.description, position=track.position))
    for stage in config.stages:
        new_stage = Stage(round_id=copy.id, kind=stage.kind, name=stage.name,
                          position=stage.position, starts_at=shift_years(stage.starts_at, years),
                          ends_at=shift_years(stage.ends_at, years),
                          config=_deep_copy(stage.config))
        session.add(new_stage)
        session.flush()
        for c in config.criteria.get(stage.id or 0, []):
            session.add(Criterion(stage_id=new_stage.id, key=c.key, name=c.name,
                                  description=c.description, max_points=c.max_points,
                                  guidance=_deep_copy(c.guidance), position=c.position))
    notes: list[str] = []
    rooms = attachable(session, [f.id for _l, f in config.funds if f.id], copy.id)
    for link, fund in config.funds:
        room = rooms[fund.id or 0]
        if fund.is_active and link.amount_fen <= room.free:
            session.add(RoundFund(round_id=copy.id, fund_id=fund.id, amount_fen=link.amount_fen))
        else:
            notes.append(_("Not copied: %(fund)s has only %(free)s free (the old round had "
                           "%(amount)s).", fund=fund.name, free=format_yuan(room.free),
                           amount=format_yuan(link.amount_fen)))
    session.flush()
    return copy, notes


def _deep_copy(value: Any) -> Any:
    import copy as copy_module

    return copy_module.deepcopy(value)
