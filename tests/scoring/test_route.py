import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import ScoringError
from scoring.route import (
    BELOW_MINIMUM,
    Award,
    Fund,
    RankedApplication,
    Unfunded,
    eligible,
    fen,
    route,
)
from scoring.route_optimal import route_optimal


def app(i, req, lo=1000, hi=10**9, **kw):
    return RankedApplication(f"a{i}", req, lo, hi, **kw)


def test_eligibility_rules():
    a = app(
        1,
        100,
        category="elderly",
        service_area="A",
        target_groups={"elderly", "disabled"},
        community="n",
    )
    assert eligible(a, Fund("g", 1))
    assert eligible(a, Fund("t", 1, target_groups={"disabled"}))  # any overlap suffices
    assert not eligible(a, Fund("c", 1, communities={"s"}))
    assert not eligible(a, Fund("k", 1, categories={"youth"}))
    assert not eligible(app(2, 100), Fund("t", 1, target_groups={"elderly"}))


def test_route_by_hand_least_flexible_first():
    # general 10,000; elderly-only 5,000; north-only 3,000 (fen)
    funds = [
        Fund("general", 10_000),
        Fund("elderly", 5_000, target_groups={"elderly"}),
        Fund("north", 3_000, communities={"north"}),
    ]
    apps = [
        app(1, 6_000, target_groups={"elderly"}),  # elderly 5,000 (only it can use) + general 1,000
        app(2, 6_000, community="north"),  # north 3,000 + general 3,000
        app(3, 6_000),  # general 6,000 -> general now 0
        app(4, 6_000, lo=3_000),  # nothing left
        app(5, 500, lo=100, category="x", target_groups={"elderly"}),  # elderly also spent
    ]
    r = route(apps, funds)
    o = r.outcomes
    assert isinstance(o[0], Award) and o[0].allocations == (("elderly", 5_000), ("general", 1_000))
    assert isinstance(o[1], Award) and o[1].allocations == (("north", 3_000), ("general", 3_000))
    assert isinstance(o[2], Award) and o[2].allocations == (("general", 6_000),)
    assert isinstance(o[3], Unfunded) and o[3].reason == "budget exhausted"
    assert isinstance(o[4], Unfunded) and o[4].reason == "budget exhausted"
    assert r.remaining == {"general": 0, "elderly": 0, "north": 0}
    assert "funded in full" in o[0].reason and "¥50.00 from 'elderly'" in o[0].reason


def test_route_partial_minimum_and_no_eligible_fund():
    funds = [Fund("g", 5_000), Fund("youth", 1_000, categories={"youth"})]
    apps = [
        app(1, 4_000, lo=1_000),  # full 4,000 from g
        app(2, 3_000, lo=800),  # only 1,000 left in g -> partial 1,000
        app(3, 2_000, lo=1_500, category="youth"),  # youth has 1,000 < 1,500 minimum
        app(4, 2_000, lo=1_500, category="env", community="x"),
        app(5, 900, lo=500, category="youth"),  # max 900 -> youth pays 900
    ]
    funds.append(Fund("env-x", 0, categories={"env"}, communities={"y"}))
    r = route(apps, funds)
    o = r.outcomes
    assert isinstance(o[0], Award) and o[0].total == 4_000
    assert isinstance(o[1], Award) and o[1].partial and o[1].total == 1_000
    assert isinstance(o[2], Unfunded) and o[2].reason == "remaining money below the minimum grant"
    assert isinstance(o[3], Unfunded) and o[3].reason == "budget exhausted"
    assert isinstance(o[4], Award) and o[4].allocations == (("youth", 900),)
    r2 = route(apps[:2], funds, allow_partial=False)
    assert (
        isinstance(r2.outcomes[1], Unfunded)
        and "partial awards are not allowed" in r2.outcomes[1].detail
    )
    r3 = route([app(1, 100, lo=10, category="zzz")], [Fund("y", 100, categories={"youth"})])
    assert r3.outcomes[0].reason == "no eligible fund"


def test_route_max_funds_per_award_and_max_grant():
    funds = [Fund("f1", 300), Fund("f2", 300), Fund("f3", 300)]
    r = route([app(1, 1_000, lo=100, hi=800)], funds, max_funds_per_award=2)
    a = r.outcomes[0]
    assert isinstance(a, Award) and len(a.allocations) == 2 and a.total == 600 and a.partial
    r = route([app(1, 1_000, lo=100, hi=800)], funds, max_funds_per_award=3)
    assert r.outcomes[0].total == 800  # capped at max grant


def test_route_validation():
    with pytest.raises(ScoringError, match="integer number of fen"):
        route([app(1, 100.5)], [Fund("g", 100)])  # type: ignore[arg-type]
    with pytest.raises(ScoringError, match="integer number of fen"):
        route([app(1, 100)], [Fund("g", 1e4)])  # type: ignore[arg-type]
    with pytest.raises(ScoringError, match="below the minimum grant"):
        route([app(1, 100, lo=200)], [Fund("g", 100)])
    with pytest.raises(ScoringError, match="not unique"):
        route([app(1, 100, lo=1), app(1, 100, lo=1)], [Fund("g", 100)])
    assert fen(123456) == "¥1,234.56"


CATS = ["elderly", "youth", "env"]
COMMS = ["n", "s"]


@st.composite
def scenario(draw):
    n = draw(st.integers(1, 15))
    apps = []
    for i in range(n):
        req = draw(st.integers(1, 50)) * 100
        lo = draw(st.integers(1, req // 100)) * 100
        apps.append(
            RankedApplication(
                f"a{i}",
                req,
                lo,
                draw(st.integers(req // 100, 60)) * 100,
                category=draw(st.sampled_from(CATS)),
                community=draw(st.sampled_from(COMMS)),
                target_groups=frozenset(draw(st.sets(st.sampled_from(CATS), max_size=2))),
            )
        )
    funds = []
    for j in range(draw(st.integers(1, 4))):
        funds.append(
            Fund(
                f"f{j}",
                draw(st.integers(0, 200)) * 100,
                categories=frozenset(draw(st.sets(st.sampled_from(CATS), max_size=2))),
                communities=frozenset(draw(st.sets(st.sampled_from(COMMS), max_size=1))),
                target_groups=frozenset(draw(st.sets(st.sampled_from(CATS), max_size=1))),
            )
        )
    return apps, funds, draw(st.integers(1, 3)), draw(st.booleans())


def _check_result(apps, funds, outcomes, remaining, m, partial):
    by_id = {f.id: f for f in funds}
    spent = dict.fromkeys(by_id, 0)
    for a, o in zip(apps, outcomes, strict=True):
        assert o.application_id == a.id
        if isinstance(o, Award):
            assert len(o.allocations) <= m
            assert type(o.total) is int and o.total == sum(t for _, t in o.allocations)
            assert a.min_grant <= o.total <= min(a.requested, a.max_grant)
            if not partial:
                assert o.total == min(a.requested, a.max_grant)
            for fid, t in o.allocations:
                assert type(t) is int and t > 0
                assert eligible(a, by_id[fid])  # never pays an ineligible application
                spent[fid] += t
    for f in funds:
        assert spent[f.id] <= f.available  # never overspends
        assert remaining[f.id] == f.available - spent[f.id]
        assert type(remaining[f.id]) is int


@settings(max_examples=80, deadline=None)
@given(scenario())
def test_route_properties(sc):
    apps, funds, m, partial = sc
    r = route(apps, funds, max_funds_per_award=m, allow_partial=partial)
    _check_result(apps, funds, r.outcomes, r.remaining, m, partial)


@settings(max_examples=30, deadline=None)
@given(scenario())
def test_route_optimal_properties_and_departures_listed(sc):
    apps, funds, m, partial = sc
    r = route_optimal(apps, funds, max_funds_per_award=m, allow_partial=partial)
    _check_result(apps, funds, r.outcomes, r.remaining, m, partial)
    funded = [isinstance(o, Award) for o in r.outcomes]
    listed = {d.application_id for d in r.departures}
    for i, a in enumerate(apps):
        is_departure = not funded[i] and any(funded[i + 1 :])
        assert (a.id in listed) == is_departure


def test_route_optimal_beats_greedy_when_rank_order_wastes_restricted_money():
    # app 1 (top) can use only the general fund; greedy walks in order and app 2 (elderly)
    # then has its own fund. Optimal must list departures explicitly when it skips someone.
    funds = [Fund("general", 1_000), Fund("elderly", 1_000, target_groups={"elderly"})]
    apps = [
        app(1, 1_500, lo=1_500, target_groups={"elderly"}),  # needs 1,500: general+elderly
        app(2, 1_000, lo=1_000),  # general only
        app(3, 1_000, lo=1_000, target_groups={"elderly"}),  # elderly only fits
    ]
    greedy = route(apps, funds)
    assert [type(o).__name__ for o in greedy.outcomes] == ["Award", "Unfunded", "Unfunded"]
    opt = route_optimal(apps, funds, objective="count")
    assert opt.optimal
    assert [type(o).__name__ for o in opt.outcomes] == ["Unfunded", "Award", "Award"]
    assert opt.departures[0].application_id == "a1"
    assert opt.departures[0].funded_below == ("a2", "a3")
    assert opt.outcomes[0].reason == "departure from rank order"
    assert sum(opt.remaining.values()) == 0


def test_unfunded_carries_the_most_payable_amount_as_a_number():
    # 3,000 fen left, the application needs at least 5,000: it is refused, and the amount that
    # could still have been paid travels as a number, not inside the English detail.
    result = route([app(1, 4_000, lo=1_000), app(2, 8_000, lo=5_000)], [Fund("g", 7_000)])
    outcome = result.outcomes[1]
    assert isinstance(outcome, Unfunded) and outcome.most == 3_000
    assert outcome.reason == BELOW_MINIMUM
