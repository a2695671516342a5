import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.sparse.linalg import lsqr

from scoring import ScoringError
from scoring.aggregate import (
    aggregate_rows,
    bias_model,
    drop_high_low,
    mean,
    median,
    zscore_mean,
    zscores,
)

N = np.nan
X = np.array(
    [
        [80.0, 90.0, 70.0, N],  # mean 80, median 80, drop -> [80] = 80
        [60.0, N, N, N],  # one score
        [50.0, 50.0, 60.0, 40.0],  # mean 50, median 50, drop one 60 one 40 -> 50
        [N, N, N, N],  # no score
        [90.0, 90.0, 90.0, 70.0],  # drop one 90 and the 70 -> mean(90, 90) = 90
    ]
)


def test_mean_and_median_by_hand():
    np.testing.assert_allclose(mean(X), [80, 60, 50, N, 85])
    np.testing.assert_allclose(median(X), [80, 60, 50, N, 90])


def test_drop_high_low_by_hand():
    np.testing.assert_allclose(drop_high_low(X), [80, 60, 50, N, 90])
    np.testing.assert_allclose(drop_high_low(X, policy="nan"), [80, N, 50, N, 90])
    # min_valid=4: the 3-score row falls back to its plain mean
    np.testing.assert_allclose(drop_high_low(X, min_valid=4), [80, 60, 50, N, 90])
    np.testing.assert_allclose(drop_high_low(X, min_valid=4, policy="nan"), [N, N, 50, N, 90])


def test_drop_high_low_ties_remove_one_instance_only():
    # 7 judges: 9 9 9 5 5 1 1 -> remove one 9 and one 1 -> (9+9+5+5+1)/5 = 5.8
    row = np.array([[9.0, 9, 9, 5, 5, 1, 1]])
    assert drop_high_low(row)[0] == pytest.approx(5.8)


def test_drop_high_low_is_not_scipy_trim_mean():
    from scipy.stats import trim_mean

    row = np.array([1.0, 2, 3, 4, 100])
    # trim_mean(0.1) trims int(0.1*5)=0 values at each end -> plain mean 22
    assert trim_mean(row, 0.1) == pytest.approx(22.0)
    assert drop_high_low(row[None, :])[0] == pytest.approx(3.0)


def test_drop_high_low_bad_arguments():
    with pytest.raises(ScoringError, match="at least 3"):
        drop_high_low(X, min_valid=2)
    with pytest.raises(ScoringError, match="policy"):
        drop_high_low(X, policy="zero")  # type: ignore[arg-type]
    with pytest.raises(ScoringError, match="2-dimensional"):
        mean(np.zeros(3))


def _loop_drop(row, min_valid=3):
    v = sorted(x for x in row if not np.isnan(x))
    if not v:
        return np.nan
    if len(v) < min_valid:
        return sum(v) / len(v)
    v = v[1:-1]
    return sum(v) / len(v)


def test_drop_high_low_matches_loop_on_random_data():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 10, (500, 7)).astype(float)  # many ties
    x[rng.random(x.shape) < 0.3] = np.nan
    expected = np.array([_loop_drop(r) for r in x])
    np.testing.assert_allclose(drop_high_low(x), expected, equal_nan=True)


score_arrays = arrays(
    np.float64,
    st.tuples(st.integers(1, 8), st.integers(1, 6)),
    elements=st.one_of(
        st.just(np.nan), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))
    ),
)


@settings(max_examples=60, deadline=None)
@given(score_arrays, st.randoms(use_true_random=False))
def test_permuting_judges_and_apps_changes_nothing(x, rnd):
    pj = list(range(x.shape[1]))
    pa = list(range(x.shape[0]))
    rnd.shuffle(pj)
    rnd.shuffle(pa)
    y = x[np.ix_(pa, pj)]
    for f in (mean, median, drop_high_low):
        np.testing.assert_array_equal(f(y), f(x)[pa])
    np.testing.assert_allclose(zscores(y), zscores(x)[np.ix_(pa, pj)], atol=1e-9)


def test_zscores_by_hand():
    # judge 0 scores 60, 80 (mean 70, sd 10) -> z = -1, +1;
    # judge 1 scores 70, 70 (no spread) -> z = 0
    x = np.array([[60.0, 70.0], [80.0, 70.0]])
    z = zscores(x, target=(50.0, 10.0))
    np.testing.assert_allclose(z, [[40, 50], [60, 50]])
    # default target: grand mean 70, grand population sd sqrt(50)
    z2 = zscores(x)
    np.testing.assert_allclose(z2[:, 0], [70 - np.sqrt(50), 70 + np.sqrt(50)])
    np.testing.assert_allclose(z2[:, 1], [70, 70])


def test_zscores_single_score_judge_gets_grand_mean_and_clip():
    x = np.array([[10.0, N], [20.0, 95.0], [30.0, N]])
    # judge 0: 10, 20, 30 -> z = -1.2247, 0, +1.2247; 50 +- 1.2247 * 60 is clipped to 0..100
    z = zscores(x, target=(50.0, 60.0), scale=(0.0, 100.0))
    assert z[1, 1] == 50.0  # one score -> z = 0
    assert np.isnan(z[0, 1])
    np.testing.assert_allclose(z[:, 0], [0.0, 50.0, 100.0])
    with pytest.raises(ScoringError, match="lo < hi"):
        zscores(x, scale=(5.0, 5.0))


@settings(max_examples=60, deadline=None)
@given(
    # Scores as judges give them, in half points: a column like (1e-9, 0, 0, …) has a standard
    # deviation near 1e-10, and rescaling it loses the digits z-scores are made of (float
    # precision, not the method; such a judge does not exist).
    arrays(np.float64, (6, 4), elements=st.integers(0, 200).map(lambda v: v / 2)),
    st.integers(0, 3),
    st.floats(0.1, 10),
    st.floats(-50, 50),
)
def test_zscores_invariant_to_a_judges_affine_rescaling(x, j, a, b):
    y = x.copy()
    y[:, j] = a * y[:, j] + b
    np.testing.assert_allclose(zscores(y, target=(0, 1)), zscores(x, target=(0, 1)), atol=1e-6)


def test_zscore_mean_and_aggregate_rows():
    x = np.array([[60.0, 70.0], [80.0, 70.0]])
    np.testing.assert_allclose(zscore_mean(x, target=(50, 10)), [45, 55])
    z = zscores(x, target=(50, 10))
    np.testing.assert_allclose(aggregate_rows(z, "median"), [45, 55])
    with pytest.raises(ScoringError, match="unknown aggregation"):
        aggregate_rows(z, "max")  # type: ignore[arg-type]


def test_bias_model_complete_data_by_hand():
    # additive data: quality 10, 20, 30; bias -1, 0, +1 -> exact fit
    q = np.array([10.0, 20.0, 30.0])
    b = np.array([-1.0, 0.0, 1.0])
    m = bias_model(q[:, None] + b[None, :])
    np.testing.assert_allclose(m.quality, q, atol=1e-9)
    np.testing.assert_allclose(m.bias, b, atol=1e-9)
    assert m.residual_sd == pytest.approx(0.0, abs=1e-9)
    assert m.n_scores == 9 and m.n_components == 1 and m.dof == 9 - 3 - 3 + 1


def _lsqr_reference(x):
    rows, cols = np.nonzero(~np.isnan(x))
    n_a, n_j = x.shape
    nobs = rows.size
    design = sp.lil_matrix((nobs + 1, n_a + n_j))
    design[np.arange(nobs), rows] = 1
    design[np.arange(nobs), n_a + cols] = 1
    design[nobs, n_a:] = 1  # sum of biases = 0
    y = np.append(x[rows, cols], 0.0)
    sol = lsqr(design.tocsr(), y, atol=1e-12, btol=1e-12, iter_lim=10000)[0]
    return sol[:n_a], sol[n_a:]


def test_bias_model_matches_explicit_least_squares_with_missing():
    rng = np.random.default_rng(3)
    x = rng.normal(70, 10, (40, 6)) + rng.normal(0, 5, 6)
    x[rng.random(x.shape) < 0.35] = np.nan
    x[np.arange(40), np.arange(40) % 6] = 70.0  # ensure every app has a score
    m = bias_model(x)
    q_ref, b_ref = _lsqr_reference(x)
    np.testing.assert_allclose(m.bias, b_ref, atol=1e-6)
    np.testing.assert_allclose(m.quality, q_ref, atol=1e-6)
    assert abs(m.bias.sum()) < 1e-9


def test_bias_model_recovers_planted_biases_at_scale():
    rng = np.random.default_rng(0)
    q = rng.normal(70, 10, 10_000)
    b = rng.normal(0, 5, 7)
    b -= b.mean()
    x = q[:, None] + b[None, :] + rng.normal(0, 2, (10_000, 7))
    x[rng.random(x.shape) < 0.3] = np.nan
    m = bias_model(x)
    np.testing.assert_allclose(m.bias, b, atol=0.1)
    assert m.residual_sd == pytest.approx(2.0, rel=0.05)


def test_bias_model_disconnected_panels_and_empty_rows():
    # judges 0,1 only see apps 0,1; judges 2,3 only see apps 2,3; app 4 unscored; judge 4 unused
    x = np.full((5, 5), np.nan)
    x[0:2, 0:2] = [[10, 12], [20, 22]]
    x[2:4, 2:4] = [[50, 54], [60, 64]]
    m = bias_model(x)
    assert m.n_components == 2
    np.testing.assert_allclose(m.bias[:4], [-1, 1, -2, 2], atol=1e-9)
    assert np.isnan(m.quality[4]) and np.isnan(m.bias[4])
    np.testing.assert_allclose(m.quality[:4], [11, 21, 52, 62], atol=1e-9)
