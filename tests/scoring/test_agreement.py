import itertools

import numpy as np
import pytest

from scoring import ScoringError
from scoring.agreement import ICC_FORMS, icc, krippendorff_alpha

SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)
SF_EXPECTED = {
    "ICC(1,1)": 0.166,
    "ICC(2,1)": 0.290,
    "ICC(3,1)": 0.715,
    "ICC(1,k)": 0.443,
    "ICC(2,k)": 0.620,
    "ICC(3,k)": 0.909,
}


@pytest.mark.parametrize("form", ICC_FORMS)
def test_icc_shrout_fleiss_table_2(form):
    r = icc(SHROUT_FLEISS, form)
    assert round(r.value, 3) == SF_EXPECTED[form]
    assert r.ci_low < r.value < r.ci_high


def test_icc_mean_squares_by_hand():
    # Shrout & Fleiss Table 2: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    r = icc(SHROUT_FLEISS, "ICC(1,1)")
    assert r.ms_rows == pytest.approx(11.24, abs=0.005)
    assert r.ms_within == pytest.approx(6.26, abs=0.005)
    assert r.ms_cols == pytest.approx(32.49, abs=0.005)
    assert r.ms_error == pytest.approx(1.02, abs=0.005)
    assert r.f == pytest.approx(11.24 / 6.26, rel=1e-3)


def test_icc_perfect_agreement_and_errors():
    x = np.array([[1.0, 1], [2, 2], [3, 3]])
    assert icc(x, "ICC(3,1)").value == pytest.approx(1.0)
    with pytest.raises(ScoringError, match="missing values"):
        icc(np.array([[1.0, np.nan], [2, 3]]), "ICC(1,1)")
    with pytest.raises(ScoringError, match="unknown ICC form"):
        icc(x, "ICC(4,1)")


N = np.nan
KRIPP = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example(level, expected):
    assert round(krippendorff_alpha(KRIPP, level), 3) == expected


def _delta(level, values, counts):
    if level == "nominal":
        return lambda a, b: float(a != b)
    if level == "interval":
        return lambda a, b: (a - b) ** 2
    if level == "ratio":
        return lambda a, b: 0.0 if a + b == 0 else ((a - b) / (a + b)) ** 2
    # ordinal: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2
    idx = {v: i for i, v in enumerate(values)}

    def d(a, b):
        lo, hi = sorted((idx[a], idx[b]))
        return (sum(counts[lo : hi + 1]) - (counts[lo] + counts[hi]) / 2) ** 2

    return d


def _alpha_via_coincidence_matrix(data, level):
    """Textbook computation: coincidence matrix o_ck, then D_o and D_e."""
    units = [data[:, u][~np.isnan(data[:, u])] for u in range(data.shape[1])]
    units = [u for u in units if u.size >= 2]
    values = sorted({float(v) for u in units for v in u})
    idx = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for u in units:
        m = u.size
        for i, j in itertools.permutations(range(m), 2):
            o[idx[float(u[i])], idx[float(u[j])]] += 1.0 / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d = _delta(level, values, n_c)
    delta = np.array([[d(a, b) for b in values] for a in values])
    d_o = (o * delta).sum() / n
    d_e = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    return 1 - d_o / d_e


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_fast_path_matches_coincidence_matrix(level):
    rng = np.random.default_rng(7)
    for trial in range(5):
        coders, units = rng.integers(2, 6), rng.integers(5, 25)
        d = rng.integers(0, 6, (coders, units)).astype(float)
        if level in ("interval", "ratio") and trial % 2:
            d = np.round(rng.gamma(2.0, 3.0, (coders, units)), 2)  # many distinct values
        d[rng.random(d.shape) < 0.3] = np.nan
        assert krippendorff_alpha(d, level) == pytest.approx(
            _alpha_via_coincidence_matrix(d, level), abs=1e-10
        )


def test_krippendorff_permutation_invariance_and_edge_cases():
    perm = np.random.default_rng(0).permutation(KRIPP.shape[1])
    assert krippendorff_alpha(KRIPP[::-1][:, perm], "interval") == pytest.approx(
        krippendorff_alpha(KRIPP, "interval")
    )
    # perfect agreement -> 1; no variation at all -> NaN (undefined)
    assert krippendorff_alpha(np.array([[1.0, 2, 3], [1, 2, 3]]), "interval") == pytest.approx(1.0)
    assert np.isnan(krippendorff_alpha(np.array([[2.0, 2], [2, 2]]), "nominal"))
    with pytest.raises(ScoringError, match="two or more values"):
        krippendorff_alpha(np.array([[1.0, N], [N, 2]]), "interval")
    with pytest.raises(ScoringError, match="unknown level"):
        krippendorff_alpha(KRIPP, "cardinal")  # type: ignore[arg-type]
    with pytest.raises(ScoringError, match="non-negative"):
        krippendorff_alpha(np.array([[-1.0, 2], [1, 2]]), "ratio")


def test_krippendorff_large_sparse_interval_is_fast_enough():
    rng = np.random.default_rng(0)
    judges, units = 300, 10_000
    truth = rng.normal(70, 10, units)
    d = np.full((judges, units), np.nan)
    for _k in range(5):
        j = rng.integers(0, judges, units)
        d[j, np.arange(units)] = truth + rng.normal(0, 3, units)
    a = krippendorff_alpha(d, "interval")
    # true ICC-like reliability = 100 / (100 + 9) ~ 0.917
    assert a == pytest.approx(100 / 109, abs=0.02)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_the_reference_package_on_random_data(level):
    """Cross-check against the `krippendorff` package (PyPI), an independent implementation."""
    reference = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(11)
    for _ in range(5):
        coders, units = rng.integers(3, 8), rng.integers(10, 60)
        d = rng.integers(1, 8, (coders, units)).astype(float)
        d[rng.random(d.shape) < 0.25] = np.nan
        expected = reference.alpha(reliability_data=d, level_of_measurement=level)
        assert krippendorff_alpha(d, level) == pytest.approx(expected, abs=1e-9)


def _icc_by_two_way_anova(x, form):
    """ICC straight from the Shrout & Fleiss (1979) mean squares, written out independently."""
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    bms, jms = ss_rows / (n - 1), ss_cols / (k - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    return {
        "ICC(1,1)": (bms - wms) / (bms + (k - 1) * wms),
        "ICC(2,1)": (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC(3,1)": (bms - ems) / (bms + (k - 1) * ems),
        "ICC(1,k)": (bms - wms) / bms,
        "ICC(2,k)": (bms - ems) / (bms + (jms - ems) / n),
        "ICC(3,k)": (bms - ems) / bms,
    }[form]


@pytest.mark.parametrize("form", ICC_FORMS)
def test_icc_matches_the_textbook_formulas_on_random_data(form):
    rng = np.random.default_rng(5)
    for _ in range(5):
        quality = rng.normal(70, 10, size=(rng.integers(5, 40), 1))
        x = quality + rng.normal(0, 6, size=(quality.shape[0], rng.integers(2, 8)))
        assert icc(x, form).value == pytest.approx(_icc_by_two_way_anova(x, form), abs=1e-10)
