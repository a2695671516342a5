"""Aggregation of judges' totals (apps x judges, NaN = no score) into one score per application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from ._arrays import FloatArray, as_float_array
from ._errors import ScoringError

__all__ = [
    "BiasModel",
    "aggregate_rows",
    "bias_model",
    "drop_high_low",
    "mean",
    "median",
    "zscore_mean",
    "zscores",
]


def _nan_mean_sorted(s: FloatArray, n: FloatArray) -> FloatArray:
    total = np.where(np.isnan(s), 0.0, s).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def mean(scores: Any) -> FloatArray:
    """Row mean over valid (non-NaN) scores; NaN for a row without scores.

    Values are sorted before summing, so the result does not depend on judge order.
    """
    x = as_float_array(scores, 2, "scores")
    s = np.sort(x, axis=1)
    n = (~np.isnan(s)).sum(axis=1).astype(np.float64)
    return _nan_mean_sorted(s, n)


def median(scores: Any) -> FloatArray:
    """Row median over valid scores; NaN for a row without scores."""
    x = as_float_array(scores, 2, "scores")
    s = np.sort(x, axis=1)  # NaN last
    n = (~np.isnan(s)).sum(axis=1)
    rows = np.arange(s.shape[0])
    lo = np.maximum((n - 1) // 2, 0)
    hi = np.maximum(n // 2, 0)
    if s.shape[1] == 0:
        return np.full(s.shape[0], np.nan)
    out = (s[rows, lo] + s[rows, hi]) / 2.0
    return np.where(n > 0, out, np.nan)


def drop_high_low(
    scores: Any, min_valid: int = 3, policy: Literal["mean", "nan"] = "mean"
) -> FloatArray:
    """去掉一个最高分和一个最低分: mean after removing ONE highest and ONE lowest valid score.

    Rows with fewer than ``min_valid`` (>= 3) valid scores get the plain mean of what
    there is (``policy="mean"``) or NaN (``policy="nan"``). Ties remove one instance only.
    Unlike ``scipy.stats.trim_mean`` this always removes exactly one score at each end.
    """
    if min_valid < 3:
        raise ScoringError(f"min_valid is {min_valid}; dropping two scores needs at least 3")
    if policy not in ("mean", "nan"):
        raise ScoringError(f"policy must be 'mean' or 'nan', got {policy!r}")
    x = as_float_array(scores, 2, "scores")
    s = np.sort(x, axis=1)  # ascending, NaN last
    n = (~np.isnan(s)).sum(axis=1)
    pos = np.arange(s.shape[1])
    middle = (pos[None, :] >= 1) & (pos[None, :] <= (n - 2)[:, None])
    trimmed = np.where(middle, s, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dropped = trimmed / np.maximum(n - 2, 1)
    enough = n >= min_valid
    fallback = np.full(s.shape[0], np.nan) if policy == "nan" else _nan_mean_sorted(s, n.astype(np.float64))
    return np.where(enough, dropped, fallback)


def zscores(
    scores: Any,
    scale: tuple[float, float] | None = None,
    target: tuple[float, float] | None = None,
    min_scores: int = 2,
) -> FloatArray:
    """Per-judge z-scores mapped back to the score scale: result = m + z * s.

    z = (x - judge mean) / judge sd (population sd, over the apps the judge scored).
    (m, s) is ``target`` if given, else the mean and population sd of all valid raw
    scores. ``scale=(lo, hi)`` clips results to the rubric range. Judges with fewer
    than ``min_scores`` scores or zero spread get z = 0, i.e. they contribute m.
    """
    x = as_float_array(scores, 2, "scores")
    valid = ~np.isnan(x)
    n = valid.sum(axis=0)
    x0 = np.where(valid, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = x0.sum(axis=0) / n
        var = (np.where(valid, x - mu, 0.0) ** 2).sum(axis=0) / n
    sd = np.sqrt(var)
    usable = (n >= min_scores) & (sd > 1e-12 * np.maximum(1.0, np.abs(mu)))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(usable[None, :], (x - mu) / np.where(usable, sd, 1.0), 0.0)
    z = np.where(valid, z, np.nan)
    if target is not None:
        m, s = float(target[0]), float(target[1])
        if not s > 0:
            raise ScoringError(f"target sd must be positive, got {s}")
    else:
        if not valid.any():
            return np.full(x.shape, np.nan)
        m = float(x[valid].mean())
        s = float(x[valid].std())
    out = m + z * s
    if scale is not None:
        lo, hi = float(scale[0]), float(scale[1])
        if not lo < hi:
            raise ScoringError(f"scale must be (lo, hi) with lo < hi, got {scale}")
        out = np.clip(out, lo, hi)
    return np.asarray(out, dtype=np.float64)


def aggregate_rows(
    normalised: Any, how: Literal["mean", "median", "drop_high_low"] = "mean"
) -> FloatArray:
    """Aggregate a normalised apps x judges array (e.g. from ``zscores``) to one value per app."""
    if how == "mean":
        return mean(normalised)
    if how == "median":
        return median(normalised)
    if how == "drop_high_low":
        return drop_high_low(normalised)
    raise ScoringError(f"unknown aggregation {how!r}; use 'mean', 'median' or 'drop_high_low'")


def zscore_mean(scores: Any, **kwargs: Any) -> FloatArray:
    """Mean of the per-judge z-score normalised scores for each application."""
    return mean(zscores(scores, **kwargs))


@dataclass(frozen=True)
class BiasModel:
    """Fit of score_ij = quality_i + bias_j + noise (biases sum to zero per connected panel)."""

    quality: FloatArray
    bias: FloatArray
    residual_sd: float
    n_scores: int
    dof: int
    n_components: int


def bias_model(scores: Any) -> BiasModel:
    """Least-squares fit of the additive judge-bias model on the observed cells.

    The normal equations are reduced to a judges x judges system (quality eliminated):
    (diag(m) - M' D^-1 M) b = c - M' (r / n), solved with the constraint sum(b) = 0
    (per connected group of judges when panels do not overlap). Then
    quality_i = mean over the app's judges of (x_ij - b_j).
    """
    x = as_float_array(scores, 2, "scores")
    n_apps, n_judges = x.shape
    valid = ~np.isnan(x)
    n_obs = int(valid.sum())
    quality = np.full(n_apps, np.nan)
    bias = np.full(n_judges, np.nan)
    if n_obs == 0:
        return BiasModel(quality, bias, float("nan"), 0, 0, 0)
    rows, cols = np.nonzero(valid)
    vals = x[rows, cols]
    n_i = np.bincount(rows, minlength=n_apps).astype(np.float64)
    m_j = np.bincount(cols, minlength=n_judges).astype(np.float64)
    r_i = np.bincount(rows, weights=vals, minlength=n_apps)
    c_j = np.bincount(cols, weights=vals, minlength=n_judges)
    inv_n = np.zeros(n_apps)
    inv_n[n_i > 0] = 1.0 / n_i[n_i > 0]
    M = sp.csr_matrix((np.ones(n_obs), (rows, cols)), shape=(n_apps, n_judges))
    MtDM = (M.T @ sp.diags(inv_n) @ M).toarray()
    L = np.diag(m_j) - MtDM
    rhs = c_j - M.T @ (r_i * inv_n)
    active = m_j > 0
    La = L[np.ix_(active, active)]
    ra = rhs[active]
    # connected components of the judge graph (judges sharing applications)
    from scipy.sparse.csgraph import connected_components

    n_comp, labels = connected_components(
        sp.csr_matrix(np.abs(MtDM[np.ix_(active, active)]) > 0), directed=False
    )
    # add the constraint sum(b)=0 within each component: L + sum_c 1_c 1_c' is non-singular
    ind = np.zeros((La.shape[0], n_comp))
    ind[np.arange(La.shape[0]), labels] = 1.0
    b_active = np.linalg.solve(La + ind @ ind.T, ra)
    bias[active] = b_active
    b_full = np.where(active, bias, 0.0)
    q_sum = np.bincount(rows, weights=vals - b_full[cols], minlength=n_apps)
    has = n_i > 0
    quality[has] = q_sum[has] / n_i[has]
    resid = vals - quality[rows] - b_full[cols]
    dof = n_obs - int(has.sum()) - int(active.sum()) + n_comp
    rsd = float(np.sqrt((resid**2).sum() / dof)) if dof > 0 else float("nan")
    return BiasModel(quality, bias, rsd, n_obs, dof, int(n_comp))
