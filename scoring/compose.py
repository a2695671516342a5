"""Composed scores, as Chinese venture competitions combine them: an expert panel (专业评委) and a
public panel (大众评委) aggregated separately and weighted, plus bonus points — from a table of
application data (筹资加分: the share of co-funding secured, capped) or granted by the organiser
with a reason (特别加分, capped). 博爱100 scores this way.

The confidence of a composed decision resamples the judges' scores of both panels (bonus
points are facts, not opinions, and stay fixed), so an application whose place rests on one
lenient public judge shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import aggregate as agg
from ._arrays import FloatArray, as_float_array
from ._errors import ScoringError
from .confidence import FundingProbability, Method, Rule, TopN, _aggregate_resample, decide

__all__ = ["Composed", "bonus_from_table", "compose", "composed_probability"]

BASE = {"mean": agg.mean, "median": agg.median, "drop_high_low": agg.drop_high_low}


@dataclass(frozen=True)
class Composed:
    """Per application: each panel's aggregate, the bonus, and the final score (NaN when a
    panel that carries weight has no score for it)."""

    expert: FloatArray
    public: FloatArray
    bonus: FloatArray
    final: FloatArray
    public_weight: float


def bonus_from_table(values: Any, table: Sequence[tuple[float, float]], cap: float) -> FloatArray:
    """Points from a step table: each value earns the points of the highest threshold it
    reaches (nothing below the first), never more than `cap`. NaN values earn nothing.

    >>> bonus_from_table([5, 10, 35], [(10, 5), (20, 10), (30, 20)], cap=15).tolist()
    [0.0, 5.0, 15.0]
    """
    x = as_float_array(values, 1, "values")
    if cap < 0:
        raise ScoringError("the cap must not be negative")
    rows = sorted((float(t), float(p)) for t, p in table)
    if any(p < 0 for _t, p in rows):
        raise ScoringError("bonus points must not be negative")
    out = np.zeros_like(x)
    for threshold, points in rows:
        out = np.where(np.nan_to_num(x, nan=-np.inf) >= threshold, points, out)
    return np.minimum(out, float(cap))


def _weight(public_weight: float) -> float:
    w = float(public_weight)
    if not 0.0 <= w <= 1.0:
        raise ScoringError("the public panel's weight is a share between 0 and 1")
    return w


def _bonus(bonus: Any, n_apps: int) -> FloatArray:
    b = np.zeros(n_apps) if bonus is None else as_float_array(bonus, 1, "bonus")
    if b.shape != (n_apps,):
        raise ScoringError(f"{b.size} bonus values for {n_apps} applications")
    if not np.isfinite(b).all() or (b < 0).any():
        raise ScoringError("bonus points are finite and not negative")
    return b


def _panels(expert: Any, public: Any) -> tuple[FloatArray, FloatArray]:
    e = as_float_array(expert, 2, "expert scores")
    p = (np.full((e.shape[0], 0), np.nan) if public is None
         else as_float_array(public, 2, "public scores"))
    if p.shape[0] != e.shape[0]:
        raise ScoringError("both panels must score the same applications")
    return e, p


def compose(expert: Any, public: Any = None, bonus: Any = None, public_weight: float = 0.0,
            aggregate: Method = "mean", judges_share: float = 1.0) -> Composed:
    """final = s × ((1 − w) × expert aggregate + w × public aggregate) + bonus, where s is the
    judges' share of the score (less than 1 when a fixed component such as the public vote,
    passed in `bonus`, takes the rest)."""
    if aggregate not in BASE:
        raise ScoringError(f"unknown aggregate {aggregate!r}")
    e, p = _panels(expert, public)
    w = _weight(public_weight)
    b = _bonus(bonus, e.shape[0])
    e_score = BASE[aggregate](e)
    p_score = BASE[aggregate](p) if p.shape[1] else np.full(e.shape[0], np.nan)
    if w == 0.0:
        base = e_score
    elif w == 1.0:
        base = p_score
    else:
        base = (1.0 - w) * e_score + w * p_score  # NaN when either panel has no score
    share = _weight(judges_share)
    return Composed(e_score, p_score, b, share * base + b, w)


class _Resampler:
    """Bootstrap draws of one panel: for every application, n_i scores with replacement from
    its n_i valid scores, aggregated; only as many columns as the busiest application needs."""

    def __init__(self, x: FloatArray, aggregate: str) -> None:
        packed = np.sort(x, axis=1)
        self.n = (~np.isnan(packed)).sum(axis=1)
        self.width = max(1, int(self.n.max())) if self.n.size and x.shape[1] else 1
        packed = packed[:, :self.width] if x.shape[1] else np.zeros((x.shape[0], 1))
        self.apps = x.shape[0]
        self.nf = np.maximum(self.n, 1).astype(np.float64)
        self.flat = np.ascontiguousarray(np.nan_to_num(packed, nan=0.0).T).ravel()
        self.slot = np.arange(self.width)[:, None] < self.n[None, :]
        self.aggregate = aggregate
        self.app_ix = np.arange(self.apps, dtype=np.int64)

    def draw(self, rng: np.random.Generator, c: int) -> FloatArray:
        u = rng.random((c, self.width, self.apps))
        idx = np.minimum((u * self.nf).astype(np.int64), (self.nf - 1).astype(np.int64))
        idx = np.where(self.slot[None], idx, idx[:, :1, :])
        values = self.flat[idx * self.apps + self.app_ix]
        score = _aggregate_resample(values, self.slot, self.nf, self.aggregate)
        return np.where(self.n > 0, score, np.nan)


def composed_probability(expert: Any, public: Any = None, bonus: Any = None,
                         public_weight: float = 0.0, rule: Rule = TopN(0),
                         n_resamples: int = 1000, seed: int = 0,
                         aggregate: Method = "mean",
                         judges_share: float = 1.0) -> FundingProbability:
    """Share of bootstrap resamples in which each application passes `rule` on its composed
    score: both panels' scores are resampled, the bonus stays fixed."""
    composed = compose(expert, public, bonus, public_weight, aggregate, judges_share)
    if not isinstance(rule, TopN) or not 0 <= rule.n <= composed.final.size:
        raise ScoringError("composed confidence takes a top-N rule within the applications")
    if n_resamples < 1:
        raise ScoringError("n_resamples must be at least 1")
    e, p = _panels(expert, public)
    w = composed.public_weight
    rng = np.random.default_rng(seed)
    experts = _Resampler(e, aggregate) if w < 1.0 else None
    publics = _Resampler(p, aggregate) if w > 0.0 and p.shape[1] else None
    n_apps = composed.final.size
    counts = np.zeros(n_apps, dtype=np.int64)
    chunk = max(1, min(n_resamples, 2_000_000 // max(1, n_apps * 8)))
    done = 0
    while done < n_resamples:
        c = min(chunk, n_resamples - done)
        base = np.zeros((c, n_apps))
        if experts is not None:
            base += (1.0 - w) * experts.draw(rng, c)
        if w > 0.0:
            base += w * (publics.draw(rng, c) if publics is not None
                         else np.full((c, n_apps), np.nan))
        final = _weight(judges_share) * base + composed.bonus
        key = np.where(np.isnan(final), np.inf, -final)
        if 0 < rule.n < n_apps:
            top = np.argpartition(key, rule.n - 1, axis=1)[:, :rule.n]
            funded = np.zeros((c, n_apps), dtype=bool)
            np.put_along_axis(funded, top, True, axis=1)
            counts += (funded & np.isfinite(final)).sum(axis=0)
        elif rule.n == n_apps:
            counts += np.isfinite(final).sum(axis=0)
        done += c
    funded0 = decide(composed.final, rule)
    return FundingProbability(counts / n_resamples, funded0, composed.final, n_resamples, seed,
                              aggregate)
