"""Composed scores worked by hand: weights between an expert and a public panel, 筹资加分 from a
capped table, 特别加分, and the confidence of the composed decision."""

import numpy as np
import pytest

from scoring import confidence
from scoring._errors import ScoringError
from scoring.compose import bonus_from_table, compose, composed_probability

NAN = np.nan


def test_a_hand_worked_composition():
    experts = [[80, 90, 70], [85, 85, NAN]]
    public = [[60, 70], [90, 80]]
    cofunding_pct = [25, 5]  # share of the budget raised from others
    table = [(10, 5), (20, 10), (30, 20)]
    funding = bonus_from_table(cofunding_pct, table, cap=15)
    assert funding.tolist() == [10.0, 0.0]
    special = np.array([0.0, 5.0])  # 特别加分 granted to the second
    result = compose(experts, public, funding + special, public_weight=0.3)
    # 0.7 × 80 + 0.3 × 65 + 10 = 85.5; 0.7 × 85 + 0.3 × 85 + 5 = 90
    assert result.final.tolist() == pytest.approx([85.5, 90.0])
    assert result.expert.tolist() == [80.0, 85.0] and result.public.tolist() == [65.0, 85.0]


def test_the_cap_and_missing_panels():
    assert bonus_from_table([100, NAN], [(10, 5), (50, 60)], cap=50).tolist() == [50.0, 0.0]
    result = compose([[80.0], [70.0]], [[NAN], [60.0]], public_weight=0.5)
    assert np.isnan(result.final[0]) and result.final[1] == 65.0
    assert compose([[80.0]], None, public_weight=0.0).final.tolist() == [80.0]
    with pytest.raises(ScoringError):
        compose([[80.0]], [[70.0]], public_weight=1.5)
    with pytest.raises(ScoringError):
        compose([[80.0]], [[70.0]], bonus=[-1.0], public_weight=0.5)
    with pytest.raises(ScoringError):
        bonus_from_table([1.0], [(10, -5)], cap=5)


def test_confidence_is_certain_when_judges_agree_and_bonus_decides():
    experts = np.array([[70.0, 70.0, 70.0]] * 3)
    public = np.array([[60.0, 60.0]] * 3)
    bonus = np.array([0.0, 2.0, 5.0])
    fp = composed_probability(experts, public, bonus, 0.4, confidence.TopN(1), n_resamples=200)
    assert fp.probability.tolist() == [0.0, 0.0, 1.0]
    assert fp.baseline_funded.tolist() == [False, False, True]


def test_a_lenient_public_judge_makes_a_decision_uncertain():
    rng = np.random.default_rng(5)
    experts = rng.normal(75, 2, size=(6, 5))
    public = rng.normal(70, 2, size=(6, 9))
    public[2, 0] = 100.0  # one very lenient public judge lifts application 2
    fp = composed_probability(experts, public, None, 0.5, confidence.TopN(2),
                              n_resamples=2000, seed=1)
    assert 0.05 < fp.probability[2] < 0.95  # its place depends on that one judge


def test_without_public_weight_it_matches_the_expert_bootstrap():
    rng = np.random.default_rng(9)
    experts = rng.normal(70, 8, size=(40, 7))
    mine = composed_probability(experts, None, None, 0.0, confidence.TopN(10),
                                n_resamples=3000, seed=2)
    theirs = confidence.funding_probability(experts, confidence.TopN(10), n_resamples=3000,
                                            seed=3)
    assert np.abs(mine.probability - theirs.probability).max() < 0.06
