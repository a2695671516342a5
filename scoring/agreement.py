"""Inter-rater agreement: intraclass correlation (ICC) and Krippendorff's alpha."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from ._arrays import FloatArray, as_float_array
from ._errors import ScoringError

__all__ = ["ICC_FORMS", "ICCResult", "icc", "krippendorff_alpha"]

ICC_FORMS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")


@dataclass(frozen=True)
class ICCResult:
    """ICC value with its ANOVA mean squares, F test and 95 % confidence interval."""

    form: str
    value: float
    ms_rows: float  # between targets (MSR / BMS)
    ms_cols: float  # between judges (MSC / JMS)
    ms_error: float  # residual (MSE / EMS)
    ms_within: float  # within targets (MSW / WMS)
    f: float
    df1: int
    df2: float
    p_value: float
    ci_low: float
    ci_high: float


def icc(ratings: Any, form: str = "ICC(2,1)", alpha: float = 0.05) -> ICCResult:
    """Shrout & Fleiss (1979) intraclass correlation; ratings are targets x judges, complete.

    ICC(1,1)=(MSR-MSW)/(MSR+(k-1)MSW); ICC(2,1)=(MSR-MSE)/(MSR+(k-1)MSE+k(MSC-MSE)/n);
    ICC(3,1)=(MSR-MSE)/(MSR+(k-1)MSE); ICC(1,k)=(MSR-MSW)/MSR;
    ICC(2,k)=(MSR-MSE)/(MSR+(MSC-MSE)/n); ICC(3,k)=(MSR-MSE)/MSR.
    Confidence intervals follow McGraw & Wong (1996).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _icc(ratings, form, alpha)


def _icc(ratings: Any, form: str, alpha: float) -> ICCResult:
    if form not in ICC_FORMS:
        raise ScoringError(f"unknown ICC form {form!r}; use one of {', '.join(ICC_FORMS)}")
    x = as_float_array(ratings, 2, "ratings")
    if np.isnan(x).any():
        raise ScoringError(
            "ratings contain missing values (NaN); ICC needs a complete targets x judges table"
        )
    n, k = x.shape
    if n < 2 or k < 2:
        raise ScoringError(f"ICC needs at least 2 targets and 2 judges, got {n} x {k}")
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_err) / (n * (k - 1))
    q = 1 - alpha / 2
    kind, avg = form[4], form.endswith("k)")
    df1 = n - 1
    if kind == "1":
        value = (msr - msw) / msr if avg else (msr - msw) / (msr + (k - 1) * msw)
        f = msr / msw
        df2: float = n * (k - 1)
    else:
        f = msr / mse
        df2 = (n - 1) * (k - 1)
        if kind == "3":
            value = (msr - mse) / msr if avg else (msr - mse) / (msr + (k - 1) * mse)
        elif avg:
            value = (msr - mse) / (msr + (msc - mse) / n)
        else:
            value = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    p_value = float(stats.f.sf(f, df1, df2))
    if kind in "13":
        fl = f / stats.f.ppf(q, df1, df2)
        fu = f * stats.f.ppf(q, df2, df1)
        if avg:
            lo, hi = 1 - 1 / fl, 1 - 1 / fu
        else:
            lo, hi = (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)
    else:
        r = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)  # single-rater ICC(2,1)
        a = k * r / (n * (1 - r))
        b = 1 + k * r * (n - 1) / (n * (1 - r))
        v = (a * msc + b * mse) ** 2 / (
            (a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1))
        )
        fs = stats.f.ppf(q, n - 1, v)
        fs2 = stats.f.ppf(q, v, n - 1)
        lo = n * (msr - fs * mse) / (fs * (k * msc + (k * n - k - n) * mse) + n * msr)
        hi = n * (fs2 * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fs2 * msr)
        if avg:
            lo, hi = lo * k / (1 + lo * (k - 1)), hi * k / (1 + hi * (k - 1))
    return ICCResult(
        form,
        float(value),
        float(msr),
        float(msc),
        float(mse),
        float(msw),
        float(f),
        int(df1),
        float(df2),
        p_value,
        float(lo),
        float(hi),
    )


Level = Literal["nominal", "ordinal", "interval", "ratio"]


def _pair_sums_interval(
    x: FloatArray, valid: np.ndarray, m: FloatArray
) -> tuple[float, float, float]:
    """Observed and expected interval disagreement sums using only per-unit sums."""
    x0 = np.where(valid, x, 0.0)
    s1 = x0.sum(axis=0)
    s2 = (x0 * x0).sum(axis=0)
    # sum over ordered pairs within unit of (a-b)^2 = 2 (m S2 - S1^2)
    within = 2.0 * (m * s2 - s1 * s1)
    do_sum = float((within / (m - 1)).sum())
    n = float(m.sum())
    t1, t2 = float(s1.sum()), float(s2.sum())
    de_sum = 2.0 * (n * t2 - t1 * t1)
    return do_sum, de_sum, n


def _ratio_delta(a: FloatArray, b: FloatArray) -> FloatArray:
    s = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(s != 0, (a - b) / np.where(s != 0, s, 1.0), 0.0)
    return np.asarray(d * d, dtype=np.float64)


def _ratio_sums(
    x: FloatArray, valid: np.ndarray, m: FloatArray, chunk: int = 2048
) -> tuple[float, float, float]:
    # compact each unit's values to the top of its column (NaN last), then group by m
    order = np.argsort(~valid, axis=0, kind="stable")
    packed = np.take_along_axis(np.where(valid, x, np.nan), order, axis=0)
    do_sum = 0.0
    for mu in np.unique(m):
        cols = np.nonzero(m == mu)[0]
        size = int(mu)
        for start in range(0, cols.size, max(1, chunk // max(1, size))):
            block = packed[
                :size, cols[start : start + max(1, chunk // max(1, size))]
            ]  # size x units
            d = _ratio_delta(block[:, None, :], block[None, :, :]).sum(axis=(0, 1))
            do_sum += float((d / (mu - 1)).sum())
    vals, counts = np.unique(x[valid], return_counts=True)
    cf = counts.astype(np.float64)
    de_sum = 0.0
    step = max(1, 4_000_000 // max(1, vals.size))
    for start in range(0, vals.size, step):
        a = vals[start : start + step]
        d = _ratio_delta(a[:, None], vals[None, :])
        de_sum += float(cf[start : start + step] @ d @ cf)
    return do_sum, de_sum, float(m.sum())


def _nominal_sums(x: FloatArray, valid: np.ndarray, m: FloatArray) -> tuple[float, float, float]:
    """Nominal disagreement from value counts per unit (no coincidence matrix)."""
    unit = np.broadcast_to(np.arange(x.shape[1]), x.shape)[valid]
    vals = x[valid]
    _, codes = np.unique(vals, return_inverse=True)
    n_codes = int(codes.max()) + 1
    uniq_pairs, c_uv = np.unique(unit.astype(np.int64) * n_codes + codes, return_counts=True)
    per_unit_sq = np.bincount(
        uniq_pairs // n_codes, weights=c_uv.astype(np.float64) ** 2, minlength=x.shape[1]
    )
    # ordered pairs with different values within a unit: m^2 - sum_v c_uv^2
    do_sum = float(((m * m - per_unit_sq) / (m - 1)).sum())
    n_v = np.bincount(codes).astype(np.float64)
    n = float(vals.size)
    de_sum = n * n - float((n_v * n_v).sum())
    return do_sum, de_sum, n


def krippendorff_alpha(data: Any, level: Level = "interval") -> float:
    """Krippendorff's alpha for judges x units data with NaN for missing values.

    alpha = 1 - D_o / D_e over pairable units (>= 2 values). Interval uses per-unit sums
    (no coincidence matrix); ordinal is interval on mid-ranks of the pooled pairable
    values; nominal counts value repeats per unit; ratio sums ((a-b)/(a+b))^2 over pairs.
    Returns NaN when the pooled values show no variation (D_e = 0).
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ScoringError(f"unknown level {level!r}; use nominal, ordinal, interval or ratio")
    x = as_float_array(data, 2, "data")
    valid = ~np.isnan(x)
    m_all = valid.sum(axis=0)
    pair_cols = m_all >= 2
    if not pair_cols.any():
        raise ScoringError("no unit has two or more values, so alpha cannot be computed")
    if not pair_cols.all():
        x = x[:, pair_cols]
        valid = valid[:, pair_cols]
    m = m_all[pair_cols].astype(np.float64)
    if level == "interval":
        do_sum, de_sum, n = _pair_sums_interval(x, valid, m)
    elif level == "ordinal":
        ranks = stats.rankdata(x[valid], method="average")
        xr = np.full(x.shape, np.nan)
        xr[valid] = ranks
        do_sum, de_sum, n = _pair_sums_interval(xr, valid, m)
    elif level == "ratio":
        if (x[valid] < 0).any():
            raise ScoringError("ratio level needs non-negative values")
        do_sum, de_sum, n = _ratio_sums(x, valid, m)
    else:
        do_sum, de_sum, n = _nominal_sums(x, valid, m)
    if de_sum <= 0:
        return float("nan")
    d_o = do_sum / n
    d_e = de_sum / (n * (n - 1))
    return float(1.0 - d_o / d_e)
