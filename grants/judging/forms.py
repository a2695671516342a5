"""Reading the score form: points_<key>, comment_<key>, overall_comment."""

from __future__ import annotations

import math
from typing import Any

from grants.i18n import gettext as _
from grants.judging.services import SheetInput
from grants.rounds.models import Criterion


def read_sheet(form: Any, criteria: list[Criterion]) -> SheetInput:
    data = SheetInput(overall=str(form.get("overall_comment", "")).strip())
    for c in criteria:
        raw = str(form.get(f"points_{c.key}", "")).strip().replace("，", ".")
        data.comments[c.key] = str(form.get(f"comment_{c.key}", "")).strip()
        if raw == "":
            data.points[c.key] = None
            continue
        try:
            value = float(raw)
        except ValueError:
            data.errors[f"points_{c.key}"] = _("Enter a number.")
            continue
        if math.isnan(value) or math.isinf(value) or round(value * 2) != value * 2:
            data.errors[f"points_{c.key}"] = _("Whole or half points only.")
            continue
        data.points[c.key] = value
    return data
