"""The rubric of a scored stage: its criteria (adding, changing, removing) and whether it is
usable.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.rounds.models import Criterion, Round, Stage
from grants.rounds.services import require_draft, touch
from grants.validation import FormErrors

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def criteria_of(session: Session, stage: Stage) -> list[Criterion]:
    return list(session.execute(select(Criterion).where(Criterion.stage_id == stage.id)
                                .order_by(Criterion.position, Criterion.id)).scalars())


def _validate_criterion(session: Session, stage: Stage, data: dict[str, Any],
                        criterion: Criterion | None, errors: dict[str, str] | None = None) -> str:
    """Check a criterion's fields; returns its key (generated from its position if blank)."""
    errors = dict(errors or {})
    if not data.get("name") and "name" not in errors:
        errors["name"] = _("This field is required.")
    points = data.get("max_points")
    if points is None and "max_points" not in errors:
        errors["max_points"] = _("This field is required.")
    elif points is not None and points <= 0 and "max_points" not in errors:
        errors["max_points"] = _("Enter a whole number of points greater than zero.")
    others = [c for c in criteria_of(session, stage)
              if criterion is None or c.id != criterion.id]
    taken = {c.key for c in others}
    key = (data.get("key") or "").strip().lower()
    if key:
        if not KEY_PATTERN.match(key):
            errors["key"] = _("A key is lower-case letters, digits and _ and starts with a "
                              "letter, e.g. need or c1.")
        elif key in taken:
            errors["key"] = _("Another criterion of this rubric has the key %(key)s.", key=key)
    else:
        position = criterion.position if criterion else len(others) + 1
        key = f"c{position}"
        while key in taken:
            position += 1
            key = f"c{position}"
    for number, level in enumerate(data.get("guidance", []), start=1):
        low, high = level.get("min"), level.get("max")
        if not level.get("level"):
            errors.setdefault(f"level_{number}",
                              _("Level %(n)s needs a name, e.g. 优秀.", n=number))
        elif low is None or high is None:
            errors.setdefault(f"level_{number}",
                              _("Level %(n)s needs a point range (from and to).", n=number))
        elif low < 0 or low > high or (points and high > points):
            errors.setdefault(f"level_{number}", _(
                "Level %(n)s: the range must run from 0 or more up to at most the maximum "
                "(%(max)s), and “from” cannot exceed “to”.", n=number, max=points or 0))
    if errors:
        raise FormErrors(errors)
    return key


def add_criterion(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                  data: dict[str, Any], errors: dict[str, str] | None = None) -> Criterion:
    require_draft(round_)
    key = _validate_criterion(session, stage, data, None, errors)
    position = session.execute(select(func.coalesce(func.max(Criterion.position), 0))
                               .where(Criterion.stage_id == stage.id)).scalar_one() + 1
    criterion = Criterion(stage_id=stage.id, key=key, name=data["name"],
                          description=data.get("description", ""),
                          max_points=data["max_points"], guidance=data.get("guidance", []),
                          position=position)
    session.add(criterion)
    touch(round_)
    audit.record(session, actor, "criterion.create", criterion)
    return criterion


def update_criterion(session: Session, actor: audit.Actor, round_: Round, stage: Stage,
                     criterion: Criterion, data: dict[str, Any],
                     errors: dict[str, str] | None = None) -> Criterion:
    require_draft(round_)
    key = _validate_criterion(session, stage, data, criterion, errors)
    before = audit.snapshot(criterion)
    criterion.key, criterion.name = key, data["name"]
    criterion.description = data.get("description", "")
    criterion.max_points = data["max_points"]
    criterion.guidance = data.get("guidance", [])
    touch(round_)
    audit.record(session, actor, "criterion.update", criterion, before=before)
    return criterion


def remove_criterion(session: Session, actor: audit.Actor, round_: Round,
                     criterion: Criterion) -> None:
    require_draft(round_)
    before = audit.snapshot(criterion)
    session.delete(criterion)
    touch(round_)
    audit.record(session, actor, "criterion.delete", object_type="criterion",
                 object_id=criterion.id, before=before)


def rubric_problems(stage: Stage, criteria: list[Criterion]) -> list[str]:
    """Why a scoring stage's rubric is not usable, in plain words (empty when it is)."""
    from scoring import ScoringError
    from scoring.rubric import Criterion as RubricCriterion
    from scoring.rubric import Rubric, validate_rubric

    if not criteria:
        return [_("The rubric of “%(stage)s” has no criteria yet.", stage=stage.name)]
    total = sum(c.max_points for c in criteria)
    if total != 100:
        return [_("The rubric of “%(stage)s” totals %(total)s points; it must total 100.",
                  stage=stage.name, total=total)]
    # scoring/ explains its refusals in English for developers; the cases a rubric can reach
    # are worded here, for the organiser.
    problems = [_("Criterion “%(name)s” needs a maximum above 0.", name=c.name)
                for c in criteria if c.max_points <= 0]
    keys = [c.key for c in criteria]
    problems += [_("Two criteria of “%(stage)s” share the key %(key)s.", stage=stage.name, key=k)
                 for k in sorted({k for k in keys if keys.count(k) > 1})]
    if problems:
        return problems
    try:
        validate_rubric(Rubric(tuple(RubricCriterion(key=c.key, name=c.name,
                                                     max_points=float(c.max_points))
                                     for c in criteria)))
    except ScoringError:
        return [_("The rubric of “%(stage)s” cannot be used for scoring: check its criteria.",
                  stage=stage.name)]
    return []
