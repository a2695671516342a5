"""Ranking with an explicit, recorded tie-break chain (total -> named keys -> drawn lot)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._arrays import FloatArray, IntArray, as_float_array
from ._errors import ScoringError

__all__ = ["Ranking", "TieBreak", "TieRecord", "rank"]

LOT = "lot"


@dataclass(frozen=True)
class TieBreak:
    """A named tie-break key, e.g. a criterion's score or a later stage's score."""

    name: str
    values: Any
    higher_is_better: bool = True


@dataclass(frozen=True)
class TieRecord:
    """Applications tied on the total, in final order, and what separated each neighbour pair."""

    total: float
    applications: tuple[int, ...]
    separated_by: tuple[str, ...]  # len(applications) - 1 entries: key name or "lot"
    seed: int | None  # the lot's seed when any pair was separated by lot
    # scoring/ returns codes and numbers; grants/ words them (grants.judging.results).


@dataclass(frozen=True)
class Ranking:
    """Result of ``rank``: order best first, strict positions, display ranks and tie records."""

    order: IntArray
    position: IntArray
    display_rank: IntArray
    ties: list[TieRecord] = field(default_factory=list)
    seed: int = 0


def _sort_key(values: FloatArray, higher_is_better: bool, decimals: int | None) -> FloatArray:
    v = np.round(values, decimals) if decimals is not None else values.copy()
    v = -v if higher_is_better else v
    return np.where(np.isnan(v), np.inf, v)


def rank(
    totals: Any,
    tiebreaks: Sequence[TieBreak] = (),
    seed: int | None = None,
    decimals: int | None = 6,
) -> Ranking:
    """Rank applications by total (higher first), breaking ties by each key in turn, then by lot.

    Values are rounded to ``decimals`` before comparison so floating-point noise is not a
    tie-break. NaN sorts last. The lot is ``numpy.random.default_rng(seed).permutation(n)``;
    when ``seed`` is None one is drawn and recorded in the result.
    """
    t = as_float_array(totals, 1, "totals")
    n = t.shape[0]
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))  # type: ignore[operator]
    keys = [_sort_key(t, True, decimals)]
    names = ["total"]
    for tb in tiebreaks:
        v = as_float_array(tb.values, 1, f"tie-break '{tb.name}'")
        if v.shape[0] != n:
            raise ScoringError(
                f"tie-break '{tb.name}' has {v.shape[0]} values but there are {n} applications"
            )
        if tb.name in names or tb.name == LOT:
            raise ScoringError(f"tie-break name '{tb.name}' is used twice or reserved")
        keys.append(_sort_key(v, tb.higher_is_better, decimals))
        names.append(tb.name)
    lot = np.random.default_rng(seed).permutation(n).astype(np.float64)
    keys.append(lot)
    names.append(LOT)
    order = np.lexsort(keys[::-1]).astype(np.int64)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(1, n + 1)
    k_total = keys[0][order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = k_total[1:] != k_total[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    display = np.empty(n, dtype=np.int64)
    display[order] = group_start + 1
    ties: list[TieRecord] = []
    if n > 1:
        tied_pair = ~new_group[1:]
        if tied_pair.any():
            stacked = np.stack([k[order] for k in keys[1:]])  # keys x n
            differs = stacked[:, 1:] != stacked[:, :-1]
            first = np.argmax(differs, axis=0) + 1  # index into names
            starts = np.nonzero(new_group)[0]
            ends = np.append(starts[1:], n)
            for s, e in zip(starts, ends, strict=False):
                if e - s < 2:
                    continue
                seps = tuple(names[int(i)] for i in first[s : e - 1])
                ties.append(
                    TieRecord(
                        total=float(t[order[s]]),
                        applications=tuple(int(a) for a in order[s:e]),
                        separated_by=seps,
                        seed=seed if LOT in seps else None,
                    )
                )
    return Ranking(order, position, display, ties, int(seed))
