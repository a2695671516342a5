"""Scoring rubrics (评分细则): criteria, validation of score sheets and totals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._arrays import FloatArray, as_float_array
from ._errors import ScoringError

__all__ = [
    "Criterion",
    "Rubric",
    "sheet_total",
    "totals",
    "validate_rubric",
    "validate_sheet",
]


@dataclass(frozen=True)
class Criterion:
    """One criterion of a rubric: points run from 0 to ``max_points``."""

    key: str
    name: str
    max_points: float
    weight: float = 1.0


@dataclass(frozen=True)
class Rubric:
    """An ordered collection of criteria."""

    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))

    @property
    def keys(self) -> tuple[str, ...]:
        """Criterion keys in rubric order."""
        return tuple(c.key for c in self.criteria)

    @property
    def maxima(self) -> FloatArray:
        """Maximum points per criterion."""
        return np.array([c.max_points for c in self.criteria], dtype=np.float64)

    @property
    def weights(self) -> FloatArray:
        """Weight per criterion."""
        return np.array([c.weight for c in self.criteria], dtype=np.float64)


def validate_rubric(rubric: Rubric, require_total: float | None = 100) -> None:
    """Check: non-empty, unique keys, positive maxima/weights, maxima sum to ``require_total``."""
    if not rubric.criteria:
        raise ScoringError("rubric has no criteria")
    seen: set[str] = set()
    for c in rubric.criteria:
        if c.key in seen:
            raise ScoringError(f"criterion key '{c.key}' appears more than once")
        seen.add(c.key)
        if not math.isfinite(c.max_points) or c.max_points <= 0:
            raise ScoringError(
                f"criterion '{c.key}' has maximum {c.max_points}; it must be positive"
            )
        if not math.isfinite(c.weight) or c.weight <= 0:
            raise ScoringError(f"criterion '{c.key}' has weight {c.weight}; it must be positive")
    if require_total is not None:
        total = float(sum(c.max_points for c in rubric.criteria))
        if not math.isclose(total, require_total, rel_tol=1e-9, abs_tol=1e-9):
            raise ScoringError(
                f"criterion maxima sum to {total:g} but the rubric must total {require_total:g}"
            )


def validate_sheet(rubric: Rubric, points: Mapping[str, float]) -> None:
    """Check one sheet: all criteria present, none unknown, each score in 0..max and not NaN."""
    known = set(rubric.keys)
    unknown = sorted(set(points) - known)
    if unknown:
        raise ScoringError(f"sheet has unknown criteria: {', '.join(repr(k) for k in unknown)}")
    missing = [k for k in rubric.keys if k not in points]
    if missing:
        raise ScoringError(f"sheet is missing criteria: {', '.join(repr(k) for k in missing)}")
    for c in rubric.criteria:
        value: Any = points[c.key]
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ScoringError(f"criterion '{c.key}' score {value!r} is not a number") from None
        if math.isnan(v):
            raise ScoringError(f"criterion '{c.key}' has no score (NaN)")
        if v < 0 or v > c.max_points:
            raise ScoringError(
                f"criterion '{c.key}' scored {v:g} but its range is 0..{c.max_points:g}"
                if v < 0
                else f"criterion '{c.key}' scored {v:g} but its maximum is {c.max_points:g}"
            )


def _scale_factor(maxima: FloatArray, weights: FloatArray) -> float:
    return float(maxima.sum() / (weights * maxima).sum())


def sheet_total(rubric: Rubric, points: Mapping[str, float]) -> float:
    """Validated total of one sheet: sum(w_c * p_c) * sum(max_c) / sum(w_c * max_c)."""
    validate_sheet(rubric, points)
    p = np.array([float(points[k]) for k in rubric.keys])
    w = rubric.weights
    if np.all(w == 1.0):
        return float(p.sum())
    return float((w * p).sum() * _scale_factor(rubric.maxima, w))


def totals(
    points: Any,
    maxima: Sequence[float] | FloatArray,
    weights: Sequence[float] | FloatArray | None = None,
    keys: Sequence[str] | None = None,
) -> FloatArray:
    """Totals for a points array [apps, judges, criteria] -> [apps, judges].

    A sheet whose criteria are all NaN is missing and gives NaN. A sheet with some
    but not all criteria NaN, or a score outside 0..max, raises ``ScoringError``.
    """
    p = as_float_array(points, 3, "points")
    mx = np.asarray(maxima, dtype=np.float64)
    if mx.ndim != 1 or mx.shape[0] != p.shape[2]:
        raise ScoringError(f"maxima has {mx.size} entries but points has {p.shape[2]} criteria")
    if np.any(~(mx > 0)):
        raise ScoringError("every criterion maximum must be positive")
    names = list(keys) if keys is not None else [f"#{c}" for c in range(p.shape[2])]
    nan = np.isnan(p)
    n_nan = nan.sum(axis=2)
    partial = (n_nan > 0) & (n_nan < p.shape[2])
    if partial.any():
        a, j = np.argwhere(partial)[0]
        c = int(np.argmax(nan[a, j]))
        raise ScoringError(
            f"sheet of application {a}, judge {j} is incomplete: "
            f"criterion '{names[c]}' has no score"
        )
    with np.errstate(invalid="ignore"):
        bad = (p < 0) | (p > mx)
    if bad.any():
        a, j, c = np.argwhere(bad)[0]
        raise ScoringError(
            f"criterion '{names[c]}' scored {p[a, j, c]:g} (application {a}, judge {j}) "
            f"but its range is 0..{mx[c]:g}"
        )
    if weights is None:
        return np.asarray(p.sum(axis=2), dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != mx.shape:
        raise ScoringError(f"weights has {w.size} entries but there are {mx.size} criteria")
    if np.any(~(w > 0)):
        raise ScoringError("every criterion weight must be positive")
    return np.asarray(p @ w, dtype=np.float64) * _scale_factor(mx, w)
