import numpy as np
import pytest

from scoring import ScoringError
from scoring.confidence import (
    BudgetLine,
    TopN,
    decide,
    funding_probability,
    judge_report,
    sensitivity,
)

N = np.nan


def test_decide_top_n_and_budget_line_by_hand():
    score = np.array([70.0, 90.0, N, 80.0, 60.0])
    assert decide(score, TopN(2)).tolist() == [False, True, False, True, False]
    # rank order 1, 3, 0, 4; requests 50, 30, 99, 40, 10; budget 100
    # cumulative 30 (app1), 70 (app3), 120 (app0) -> stop: funded {1, 3}; app4 is not reached
    req = np.array([50, 30, 99, 40, 10])
    assert decide(score, BudgetLine(req, 100)).tolist() == [False, True, False, True, False]
    with pytest.raises(ScoringError, match="integer fen"):
        decide(score, BudgetLine(req.astype(float), 100))
    with pytest.raises(ScoringError, match="asks for 9"):
        decide(score, TopN(9))


def test_funding_probability_certain_cases():
    # identical scores within each row -> every resample equals the baseline
    x = np.array([[90.0, 90, 90], [80, 80, N], [70, 70, 70], [N, N, N]])
    fp = funding_probability(x, TopN(2), n_resamples=50, seed=1)
    assert fp.probability.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert fp.baseline_funded.tolist() == [True, True, False, False]
    fp2 = funding_probability(x, BudgetLine(np.array([10, 10, 10, 10]), 20), n_resamples=20)
    assert fp2.probability.tolist() == [1.0, 1.0, 0.0, 0.0]


def _loop_bootstrap_mean(x, n_top, n_resamples, seed):
    rng = np.random.default_rng(seed)
    counts = np.zeros(x.shape[0])
    for _ in range(n_resamples):
        s = []
        for row in x:
            v = row[~np.isnan(row)]
            s.append(rng.choice(v, v.size).mean())
        counts[np.argsort(-np.array(s))[:n_top]] += 1
    return counts / n_resamples


def test_funding_probability_agrees_with_loop_bootstrap_in_distribution():
    rng = np.random.default_rng(5)
    x = rng.normal(70, 8, (12, 5)) + np.linspace(0, 10, 12)[:, None]
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 0] = np.where(np.isnan(x[:, 0]), 70, x[:, 0])
    fast = funding_probability(x, TopN(4), n_resamples=3000, seed=0).probability
    slow = _loop_bootstrap_mean(x, 4, 1500, 1)
    np.testing.assert_allclose(fast, slow, atol=0.06)
    assert fast.sum() == pytest.approx(4.0)


@pytest.mark.parametrize("aggregate", ["mean", "median", "drop_high_low"])
def test_funding_probability_aggregates_and_chunking(aggregate):
    rng = np.random.default_rng(2)
    x = rng.normal(70, 10, (30, 6))
    x[rng.random(x.shape) < 0.25] = np.nan
    a = funding_probability(x, TopN(5), n_resamples=200, seed=3, aggregate=aggregate, chunk=7)
    b = funding_probability(x, TopN(5), n_resamples=200, seed=3, aggregate=aggregate, chunk=64)
    assert a.probability.sum() == pytest.approx(5.0)
    assert ((a.probability >= 0) & (a.probability <= 1)).all()
    # the baseline's funded set is favoured on average
    assert a.probability[a.baseline_funded].mean() > a.probability[~a.baseline_funded].mean()
    assert 0.0 <= abs(a.probability - b.probability).max() <= 0.2


def test_sensitivity_flags_flipping_application():
    # app 0: one lenient outlier judge inflates its mean but not its median / drop-high-low
    x = np.array(
        [
            [100.0, 60, 60, 60],  # mean 70, median 60, drop -> 60
            [66.0, 66, 66, 66],
            [50.0, 50, 50, 50],
        ]
    )
    s = sensitivity(x, TopN(1), methods=("mean", "median", "drop_high_low"))
    assert s.decisions["mean"].tolist() == [True, False, False]
    assert s.decisions["median"].tolist() == [False, True, False]
    assert s.flips == [0, 1]
    full = sensitivity(x, TopN(1))
    assert set(full.scores) == {"mean", "median", "drop_high_low", "zscore", "bias_model"}
    with pytest.raises(ScoringError, match="unknown method"):
        sensitivity(x, TopN(1), methods=("max",))


def test_judge_report_by_hand_and_flags():
    # judge 2 is 10 points harsher than the others everywhere
    base = np.array([60.0, 70, 80, 90, 65, 75])
    x = np.stack([base, base + 1, base - 10, base - 1, base], axis=1)
    rep = judge_report(x)
    # severity of judge 2: own - mean(others) = -10 - (1 - 1 + 0)/4 = -10
    assert rep.severity[2] == pytest.approx(-10.0)
    assert rep.n_sheets.tolist() == [6] * 5
    assert rep.agreement[2] == pytest.approx(1.0)
    assert rep.spread[0] == pytest.approx(np.std(base, ddof=1))
    assert "harsh" in rep.flags[2]
    assert rep.flags[0] == []
    # a judge scoring at random has low agreement
    rng = np.random.default_rng(0)
    y = np.column_stack([np.tile(base, 5)] * 4 + [rng.uniform(60, 90, 30)])
    y[:, :4] += rng.normal(0, 1, (30, 4))
    assert "low agreement with panel" in judge_report(y).flags[4]
