"""How robust is the funding decision? Bootstrap funding probabilities, sensitivity to the
aggregation method, and per-judge reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import aggregate as agg
from ._arrays import BoolArray, FloatArray, as_float_array
from ._errors import ScoringError

__all__ = [
    "BudgetLine",
    "FundingProbability",
    "JudgeStats",
    "Sensitivity",
    "TopN",
    "decide",
    "funding_probability",
    "judge_report",
    "sensitivity",
]


@dataclass(frozen=True)
class TopN:
    """Fund the ``n`` highest-scoring applications."""

    n: int


@dataclass(frozen=True)
class BudgetLine:
    """Fund in rank order while the cumulative request fits the budget (fen); stop at first miss."""

    requests: Any  # int array, fen
    budget: int  # fen


Rule = TopN | BudgetLine
Method = Literal["mean", "median", "drop_high_low"]


def _check_rule(rule: Rule, n_apps: int) -> None:
    if isinstance(rule, TopN):
        if not 0 <= rule.n <= n_apps:
            raise ScoringError(f"top-N rule asks for {rule.n} but there are {n_apps} applications")
    elif isinstance(rule, BudgetLine):
        req = np.asarray(rule.requests)
        if req.shape != (n_apps,):
            raise ScoringError(
                f"budget line has {req.size} requests but there are {n_apps} applications"
            )
        if not np.issubdtype(req.dtype, np.integer):
            raise ScoringError("requests must be integer fen, not floats")
        if (req < 0).any():
            raise ScoringError("requests must be non-negative fen")
        if not isinstance(rule.budget, (int, np.integer)) or rule.budget < 0:
            raise ScoringError(
                f"budget must be a non-negative integer number of fen, got {rule.budget!r}"
            )
    else:
        raise ScoringError(f"unknown funding rule {rule!r}; use TopN or BudgetLine")


def decide(score: Any, rule: Rule) -> BoolArray:
    """Funded set for one score vector: ties broken by application index, NaN never funded."""
    s = as_float_array(score, 1, "score")
    _check_rule(rule, s.shape[0])
    key = np.where(np.isnan(s), np.inf, -s)
    order = np.argsort(key, kind="stable")
    funded = np.zeros(s.shape[0], dtype=bool)
    if isinstance(rule, TopN):
        funded[order[: rule.n]] = True
    else:
        cum = np.cumsum(np.asarray(rule.requests, dtype=np.int64)[order])
        funded[order[cum <= rule.budget]] = True
    funded &= ~np.isnan(s)
    return funded


@dataclass(frozen=True)
class FundingProbability:
    """Bootstrap probability of being funded, with the baseline decision and score."""

    probability: FloatArray
    baseline_funded: BoolArray
    baseline_score: FloatArray
    n_resamples: int
    seed: int
    aggregate: str


def _aggregate_resample(v: FloatArray, slot: BoolArray, n: FloatArray, method: str) -> FloatArray:
    """Aggregate resampled values v[chunk, J, apps] where the first n_i draws of each app are used.

    Unused draws (j >= n_i) repeat draw 0, so min and max need no mask and the sum is
    corrected by subtracting (J - n_i) copies of draw 0. ``slot`` is [J, apps].
    """
    n_j = v.shape[1]
    tot = v.sum(axis=1)
    pad = n_j - n
    if (pad > 0).any():
        tot -= pad * v[:, 0, :]
    if method == "mean":
        return np.asarray(tot / n, dtype=np.float64)
    if method == "drop_high_low":
        lo = v.min(axis=1)
        hi = v.max(axis=1)
        dropped = (tot - lo - hi) / np.maximum(n - 2, 1)
        return np.asarray(np.where(n >= 3, dropped, tot / n), dtype=np.float64)
    if method == "median":
        s = np.sort(np.where(slot, v, np.inf), axis=1)
        ni = n.astype(np.int64)
        apps = np.arange(v.shape[2])
        lo_v = s[:, np.maximum((ni - 1) // 2, 0), apps]
        hi_v = s[:, np.minimum(ni // 2, n_j - 1), apps]
        return np.asarray((lo_v + hi_v) / 2, dtype=np.float64)
    raise ScoringError(f"unknown aggregate {method!r}; use 'mean', 'median' or 'drop_high_low'")


def funding_probability(
    sheets: Any,
    rule: Rule,
    n_resamples: int = 1000,
    seed: int = 0,
    aggregate: Method = "mean",
    chunk: int | None = None,
) -> FundingProbability:
    """Share of bootstrap resamples in which each application is funded.

    Each resample draws, for every application, n_i scores with replacement from its
    n_i valid scores, recomputes the aggregate and applies the rule (top-N via
    argpartition; budget line via argsort + cumsum). Work is done in chunks of resamples.
    """
    x = as_float_array(sheets, 2, "sheets")
    n_apps, n_j = x.shape
    _check_rule(rule, n_apps)
    if n_resamples < 1:
        raise ScoringError("n_resamples must be at least 1")
    base_fn = {"mean": agg.mean, "median": agg.median, "drop_high_low": agg.drop_high_low}
    if aggregate not in base_fn:
        raise ScoringError(
            f"unknown aggregate {aggregate!r}; use 'mean', 'median' or 'drop_high_low'"
        )
    baseline = base_fn[aggregate](x)
    funded0 = decide(baseline, rule)
    if x.size >= 2**31:
        raise ScoringError("sheets array is too large for resampling")
    packed = np.sort(x, axis=1)  # valid scores first, NaN last
    n = (~np.isnan(packed)).sum(axis=1)
    # Only as many columns as the busiest application has scores: with 300 judges scoring
    # seven applications each, the resamples work on 7 columns, not 300.
    n_j = max(1, int(n.max())) if n.size else 1
    packed = packed[:, :n_j]
    has = n > 0
    nf = np.maximum(n, 1).astype(np.float64)
    flat_t = np.ascontiguousarray(np.nan_to_num(packed, nan=0.0).T).ravel()  # [J * apps]
    slot = np.arange(n_j)[:, None] < n[None, :]  # [J, apps]
    all_used = bool(slot.all())
    rng = np.random.default_rng(seed)
    if chunk is None:
        chunk = max(1, min(n_resamples, 2_000_000 // max(1, n_apps * n_j)))
    counts = np.zeros(n_apps, dtype=np.int64)
    req = np.asarray(rule.requests, dtype=np.int64) if isinstance(rule, BudgetLine) else None
    nf32 = nf.astype(np.float32)
    last = (nf - 1).astype(np.int32)
    app_ix = np.arange(n_apps, dtype=np.int32)
    u_buf = np.empty((chunk, n_j, n_apps), dtype=np.float32)
    i_buf = np.empty((chunk, n_j, n_apps), dtype=np.int32)
    done = 0
    while done < n_resamples:
        c = min(chunk, n_resamples - done)
        u = u_buf[:c]
        idx = i_buf[:c]
        rng.random(dtype=np.float32, out=u)
        u *= nf32
        idx[...] = u  # truncation = floor for u >= 0
        np.minimum(idx, last, out=idx)
        if not all_used:
            np.copyto(idx, idx[:, :1, :], where=~slot)
        idx *= n_apps
        idx += app_ix
        v = flat_t[idx]
        score = _aggregate_resample(v, slot, nf, aggregate)
        key = np.where(has, -score, np.inf)
        if req is None:
            assert isinstance(rule, TopN)
            if 0 < rule.n < n_apps:
                top = np.argpartition(key, rule.n - 1, axis=1)[:, : rule.n]
                counts += np.bincount(top.ravel(), minlength=n_apps)
            elif rule.n == n_apps:
                counts += c
        else:
            order = np.argsort(key, axis=1)
            cum = np.cumsum(req[order], axis=1)
            counts += np.bincount(order[cum <= rule.budget], minlength=n_apps)  # type: ignore[union-attr]
        done += c
    counts[~has] = 0
    return FundingProbability(counts / n_resamples, funded0, baseline, n_resamples, seed, aggregate)


@dataclass(frozen=True)
class Sensitivity:
    """Decisions under each aggregation method and the applications whose decision flips."""

    scores: dict[str, FloatArray]
    decisions: dict[str, BoolArray]
    flips: list[int] = field(default_factory=list)


def _method_score(x: FloatArray, method: str) -> FloatArray:
    if method == "mean":
        return agg.mean(x)
    if method == "median":
        return agg.median(x)
    if method == "drop_high_low":
        return agg.drop_high_low(x)
    if method == "zscore":
        return agg.zscore_mean(x)
    if method == "bias_model":
        return agg.bias_model(x).quality
    raise ScoringError(
        f"unknown method {method!r}; use mean, median, drop_high_low, zscore or bias_model"
    )


def sensitivity(
    scores: Any,
    rule: Rule,
    methods: Sequence[str] = ("mean", "median", "drop_high_low", "zscore", "bias_model"),
) -> Sensitivity:
    """Decision under each method; ``flips``: apps funded under some methods but not all."""
    x = as_float_array(scores, 2, "scores")
    if not methods:
        raise ScoringError("give at least one method")
    sc = {m: _method_score(x, m) for m in methods}
    dec = {m: decide(s, rule) for m, s in sc.items()}
    stack = np.stack(list(dec.values()))
    flips = np.nonzero(stack.any(axis=0) & ~stack.all(axis=0))[0]
    return Sensitivity(sc, dec, [int(i) for i in flips])


@dataclass(frozen=True)
class JudgeStats:
    """Per-judge statistics (arrays indexed by judge) and plain-English flags."""

    n_sheets: FloatArray
    severity: FloatArray  # mean (own score - mean of the other judges on the same app); < 0 = harsh
    spread: FloatArray  # sd of own scores (ddof=1)
    agreement: FloatArray  # Pearson r with the leave-this-judge-out mean
    flags: list[list[str]]


def judge_report(
    scores: Any,
    severity_z: float = 3.5,
    min_agreement: float = 0.2,
    narrow_spread: float = 0.25,
) -> JudgeStats:
    """Severity, spread and agreement per judge; flags severity outliers and low agreement."""
    x = as_float_array(scores, 2, "scores")
    valid = ~np.isnan(x)
    x0 = np.where(valid, x, 0.0)
    n_row = valid.sum(axis=1)[:, None]
    row_sum = x0.sum(axis=1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        others = np.where(valid & (n_row >= 2), (row_sum - x0) / (n_row - 1), np.nan)
        dev = x - others
        use = ~np.isnan(dev)
        n_use = use.sum(axis=0)
        severity = np.where(n_use > 0, np.where(use, dev, 0).sum(axis=0) / n_use, np.nan)
        n_sheets = valid.sum(axis=0)
        mu = x0.sum(axis=0) / n_sheets
        spread = np.sqrt((np.where(valid, x - mu, 0.0) ** 2).sum(axis=0) / (n_sheets - 1))
        a = np.where(use, x, 0.0)
        b = np.where(use, others, 0.0)
        ma = a.sum(axis=0) / n_use
        mb = b.sum(axis=0) / n_use
        da = np.where(use, a - ma, 0.0)
        db = np.where(use, b - mb, 0.0)
        r = (da * db).sum(axis=0) / np.sqrt((da * da).sum(axis=0) * (db * db).sum(axis=0))
    r = np.where(n_use >= 3, r, np.nan)
    spread = np.where(n_sheets >= 2, spread, np.nan)
    flags: list[list[str]] = [[] for _ in range(x.shape[1])]
    sev_ok = ~np.isnan(severity)
    if sev_ok.sum() >= 3:
        med = np.median(severity[sev_ok])
        mad = 1.4826 * np.median(np.abs(severity[sev_ok] - med))
        if mad > 0:
            rz = (severity - med) / mad
            for j in np.nonzero(sev_ok & (np.abs(np.nan_to_num(rz)) > severity_z))[0]:
                flags[j].append("harsh" if severity[j] < med else "lenient")
    sp_ok = ~np.isnan(spread)
    if sp_ok.sum() >= 3:
        med_sp = np.median(spread[sp_ok])
        for j in np.nonzero(sp_ok & (np.nan_to_num(spread) < narrow_spread * med_sp))[0]:
            flags[j].append("narrow spread")
    for j in np.nonzero(~np.isnan(r) & (np.nan_to_num(r) < min_agreement))[0]:
        flags[j].append("low agreement with panel")
    return JudgeStats(n_sheets.astype(np.float64), severity, spread, r, flags)
