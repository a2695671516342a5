import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import AssignmentImpossible, ScoringError
from scoring.assign import _flow_assign, assign


def _check(a, n_apps, k, lo, hi, conflict):
    assert a.judges.shape == (n_apps, k)
    for i, row in enumerate(a.judges):
        assert len(set(row.tolist())) == k
        assert not conflict[i, row].any()
    load = np.bincount(a.judges.ravel(), minlength=conflict.shape[1])
    assert (load == a.load).all()
    assert (load >= lo).all() and (load <= hi).all()


def test_assign_small_by_hand_balanced():
    # 6 apps x 2 judges each = 12 reviews over 4 judges -> 3 each
    a = assign(6, 4, 2, conflicts={(0, 0), (1, 0)}, seed=1)
    _check(a, 6, 2, 0, 6, np.isin(np.arange(24).reshape(6, 4), [0, 4]))
    assert a.load.tolist() == [3, 3, 3, 3]
    assert 0 not in a.judges[0] and 0 not in a.judges[1]
    assert a.method == "greedy"


def test_assign_deterministic_and_uses_preference():
    pref = np.zeros((4, 4))
    pref[:, 3] = 1.0  # everybody prefers judge 3
    a = assign(4, 4, 1, max_load=2, preference=pref, seed=5)
    b = assign(4, 4, 1, max_load=2, preference=pref, seed=5)
    assert a.judges.tolist() == b.judges.tolist()
    assert a.load[3] == 1  # balance cap ceil(4*1/4)=1 limits the popular judge


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"n_apps": 4, "n_judges": 5, "k": 3, "conflicts": {(2, 0), (2, 1), (2, 2)}},
            "application 2 has only 2 judges without a conflict but needs 3",
        ),
        (
            {"n_apps": 10, "n_judges": 3, "k": 2, "max_load": 5},
            "total load 20 .* exceeds 3 judges x max_load 5",
        ),
        (
            {"n_apps": 4, "n_judges": 3, "k": 1, "min_load": 2},
            "min_load x judges .* exceeds k x apps",
        ),
        (
            {
                "n_apps": 4,
                "n_judges": 4,
                "k": 1,
                "min_load": 1,
                "conflicts": {(0, 3), (1, 3), (2, 3), (3, 3)},
            },
            "judge 3 has only 0 applications without a conflict but min_load is 1",
        ),
        ({"n_apps": 2, "n_judges": 2, "k": 3}, "only 2 judges"),
    ],
)
def test_assign_impossible_messages(kwargs, message):
    with pytest.raises(AssignmentImpossible, match=message):
        assign(**kwargs)


def test_assign_hall_violation_found_by_max_flow():
    # apps 0..2 may only use judges 0 and 1 (max_load 2 each -> 4 slots) but need 3 x 2 = 6;
    # totals are fine (10 reviews <= 6 judges x 2), so only the flow check can see it
    conflict = np.zeros((5, 6), dtype=bool)
    conflict[:3, 2:] = True
    with pytest.raises(AssignmentImpossible, match=r"applications 0, 1, 2 need 6 reviews"):
        assign(5, 6, 2, max_load=2, conflicts=conflict)
    assert issubclass(AssignmentImpossible, ScoringError)


def test_assign_falls_back_to_flow_when_greedy_gets_stuck():
    # tight instance: every judge must take exactly its max_load
    rng = np.random.default_rng(11)
    found_flow = False
    for seed in range(60):
        conflict = rng.random((8, 4)) < 0.3
        feasible = _flow_assign(8, 4, 2, 4, 4, ~conflict) is not None
        try:
            a = assign(8, 4, 2, min_load=4, max_load=4, conflicts=conflict, seed=seed)
        except AssignmentImpossible:
            assert not feasible
            continue
        assert feasible
        _check(a, 8, 2, 4, 4, conflict)
        found_flow |= a.method == "max-flow"
    assert found_flow


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(2, 6),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(0, 8),
    st.integers(0, 10_000),
    st.floats(0, 0.4),
)
def test_assign_respects_conflicts_and_loads_or_is_truly_impossible(
    n_apps, n_judges, k, lo, extra, seed, p
):
    k = min(k, n_judges)
    hi = lo + extra
    conflict = np.random.default_rng(seed).random((n_apps, n_judges)) < p
    feasible = _flow_assign(n_apps, n_judges, k, lo, hi, ~conflict) is not None
    try:
        a = assign(n_apps, n_judges, k, lo, hi, conflict, seed=seed)
    except AssignmentImpossible:
        assert not feasible
        return
    assert feasible
    _check(a, n_apps, k, lo, hi, conflict)


def test_assign_large_instance():
    rng = np.random.default_rng(0)
    conflict = rng.random((10_000, 300)) < 0.02
    a = assign(10_000, 300, 5, min_load=150, max_load=180, conflicts=conflict, seed=0)
    _check(a, 10_000, 5, 150, 180, conflict)
    assert a.load.max() - a.load.min() <= 1
