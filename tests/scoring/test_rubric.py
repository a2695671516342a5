import math

import numpy as np
import pytest

from scoring import ScoringError
from scoring.rubric import Criterion, Rubric, sheet_total, totals, validate_rubric, validate_sheet

RUBRIC = Rubric(
    (
        Criterion("need", "Community need", 30),
        Criterion("design", "Project design", 40, weight=2.0),
        Criterion("team", "Team capacity", 30),
    )
)


def test_validate_rubric_accepts_total_100():
    validate_rubric(RUBRIC)  # 30 + 40 + 30 = 100


@pytest.mark.parametrize(
    ("rubric", "message"),
    [
        (Rubric(()), "no criteria"),
        (Rubric((Criterion("a", "A", 50), Criterion("a", "A2", 50))), "more than once"),
        (Rubric((Criterion("a", "A", 0), Criterion("b", "B", 100))), "must be positive"),
        (Rubric((Criterion("a", "A", 50), Criterion("b", "B", 40))), "sum to 90"),
    ],
)
def test_validate_rubric_rejects(rubric, message):
    with pytest.raises(ScoringError, match=message):
        validate_rubric(rubric)


def test_validate_rubric_other_total():
    r = Rubric((Criterion("a", "A", 5), Criterion("b", "B", 5)))
    validate_rubric(r, require_total=10)
    validate_rubric(r, require_total=None)
    with pytest.raises(ValueError, match="must total 100"):
        validate_rubric(r)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ({"need": 10, "design": 10}, "missing criteria: 'team'"),
        ({"need": 10, "design": 10, "team": 5, "x": 1}, "unknown criteria: 'x'"),
        ({"need": 31, "design": 10, "team": 5}, "criterion 'need' scored 31 but its maximum is 30"),
        ({"need": -1, "design": 10, "team": 5}, "criterion 'need' scored -1"),
        ({"need": math.nan, "design": 10, "team": 5}, "'need' has no score"),
    ],
)
def test_validate_sheet_rejects(points, message):
    with pytest.raises(ScoringError, match=message):
        validate_sheet(RUBRIC, points)


def test_sheet_total_weighted_by_hand():
    # weights 1,2,1; maxima 30,40,30 -> full marks weighted = 30+80+30 = 140; factor 100/140
    # points 15, 20, 30 -> weighted 15+40+30 = 85 -> 85*100/140 = 60.714...
    assert sheet_total(RUBRIC, {"need": 15, "design": 20, "team": 30}) == pytest.approx(85 / 1.4)
    full = {"need": 30, "design": 40, "team": 30}
    assert sheet_total(RUBRIC, full) == pytest.approx(100.0)


def test_sheet_total_unweighted_is_plain_sum():
    r = Rubric((Criterion("a", "A", 60), Criterion("b", "B", 40)))
    assert sheet_total(r, {"a": 12.5, "b": 30}) == 42.5


def test_totals_vectorised_matches_sheet_total_and_nan_for_missing():
    rng = np.random.default_rng(0)
    mx = RUBRIC.maxima
    p = rng.uniform(0, 1, (5, 3, 3)) * mx
    p[2, 1, :] = np.nan  # missing sheet
    t = totals(p, mx, RUBRIC.weights)
    assert t.shape == (5, 3)
    assert np.isnan(t[2, 1])
    for a in range(5):
        for j in range(3):
            if (a, j) == (2, 1):
                continue
            sheet = dict(zip(RUBRIC.keys, p[a, j], strict=True))
            assert t[a, j] == pytest.approx(sheet_total(RUBRIC, sheet))
    # full marks -> sum of maxima
    full = np.broadcast_to(mx, (1, 1, 3))
    assert totals(full, mx, RUBRIC.weights)[0, 0] == pytest.approx(100.0)
    assert totals(full, mx)[0, 0] == pytest.approx(100.0)


def test_totals_errors_name_the_problem():
    mx = np.array([10.0, 10.0])
    p = np.array([[[5.0, np.nan]]])
    with pytest.raises(ScoringError, match="incomplete: criterion 'b'"):
        totals(p, mx, keys=["a", "b"])
    with pytest.raises(ScoringError, match="criterion 'a' scored 12"):
        totals(np.array([[[12.0, 1.0]]]), mx, keys=["a", "b"])
    with pytest.raises(ScoringError, match="3 criteria"):
        totals(np.zeros((1, 1, 3)), mx)
