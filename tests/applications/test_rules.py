"""The pure rule module: budget shares in integer arithmetic, exact at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from grants.applications import rules
from grants.applications.rules import Line, OrgFacts

ADMIN10 = {"admin_max_pct": 10, "cofunding_min_pct": None, "personnel_max_pct": None}
amounts = st.integers(min_value=1, max_value=10**11)
pcts = st.integers(min_value=0, max_value=100)


def codes(problems):
    return [p.code for p in problems]


def test_the_message_names_the_category_the_amount_and_both_percentages():
    lines = [Line("admin", 600_000), Line("activity", 4_400_000)]
    (problem,) = rules.budget_problems(lines, ADMIN10)
    assert problem.code == "budget.admin"
    assert "¥6,000.00" in problem.message and "12%" in problem.message
    assert "10%" in problem.message


@given(other=amounts, pct=pcts)
def test_admin_exactly_at_the_limit_passes_and_one_fen_over_fails(other, pct):
    # Build a request where admin is exactly pct % of the total: admin*100 == pct*total.
    # total = admin + other; admin = pct*total/100  ->  admin*(100-pct) = pct*other.
    if pct == 100:
        return
    scale = 100 - pct
    other_scaled = other * scale
    admin = pct * other
    lines = [Line("admin", admin), Line("activity", other_scaled)]
    rule = {"admin_max_pct": pct}
    assert admin * 100 == pct * (admin + other_scaled)
    assert rules.budget_problems(lines, rule) == []
    over = [Line("admin", admin + 1), Line("activity", other_scaled)]
    assert codes(rules.budget_problems(over, rule)) == ["budget.admin"]


@given(request_fen=amounts, pct=pcts)
def test_cofunding_exactly_at_the_minimum_passes_and_one_fen_under_fails(request_fen, pct):
    request_fen *= 100  # so that pct % of it is a whole number of fen
    needed = request_fen * pct // 100
    rule = {"cofunding_min_pct": pct}
    assert rules.budget_problems([Line("activity", request_fen, needed)], rule) == []
    if needed:
        assert codes(rules.budget_problems([Line("activity", request_fen, needed - 1)], rule)) \
            == ["budget.cofunding"]


@given(st.lists(st.tuples(st.sampled_from(["admin", "personnel", "activity", "other"]),
                          st.integers(0, 10**9), st.integers(0, 10**8)), min_size=1,
                max_size=12), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100),
       st.randoms())
def test_the_order_of_budget_lines_does_not_matter(rows, admin, personnel, co, rnd):
    lines = [Line(c, a, f) for c, a, f in rows]
    rule = {"admin_max_pct": admin, "personnel_max_pct": personnel, "cofunding_min_pct": co}
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    assert rules.budget_problems(lines, rule) == rules.budget_problems(shuffled, rule)


@given(part=st.integers(0, 10**12), whole=st.integers(1, 10**12), limit=pcts)
def test_the_integer_comparison_agrees_with_exact_fractions(part, whole, limit):
    from fractions import Fraction

    assert rules.within_max(part, whole, limit) == (Fraction(part, whole) * 100 <= limit)
    assert rules.at_least(part, whole, limit) == (Fraction(part, whole) * 100 >= limit)


@given(part=st.integers(0, 10**12), whole=st.integers(1, 10**12))
def test_shown_percentages_never_round_towards_the_limit(part, whole):
    from fractions import Fraction

    exact = Fraction(part * 100, whole)
    up = Fraction(rules.percent_text(part, whole, round_up=True).rstrip("%"))
    down = Fraction(rules.percent_text(part, whole, round_up=False).rstrip("%"))
    assert down <= exact <= up
    assert up - down <= Fraction(1, 100)


def test_percentages_are_computed_without_floats():
    """No true division, float() or float literal anywhere in the rule module."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(rules))
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Div), f"true division at line {node.lineno}"
        assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div))
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float))
        assert not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "float")
    assert rules.percent_text(1, 3, round_up=True) == "33.34%"
    assert rules.percent_text(1, 3, round_up=False) == "33.33%"
    huge = [Line("admin", 10**15 + 1), Line("activity", 9 * 10**15)]
    assert codes(rules.budget_problems(huge, ADMIN10)) == ["budget.admin"]


def test_personnel_limit():
    lines = [Line("personnel", 3_000_001), Line("activity", 6_999_999)]
    assert codes(rules.budget_problems(lines, {"personnel_max_pct": 30})) == ["budget.personnel"]
    lines = [Line("personnel", 3_000_000), Line("activity", 7_000_000)]
    assert rules.budget_problems(lines, {"personnel_max_pct": 30}) == []


def test_grant_range_is_inclusive():
    assert rules.range_problems(100, 100, 200) == []
    assert rules.range_problems(200, 100, 200) == []
    assert codes(rules.range_problems(99, 100, 200)) == ["range.min"]
    assert codes(rules.range_problems(201, 100, 200)) == ["range.max"]
    assert codes(rules.range_problems(0, 100, 200)) == ["range.empty"]


def test_every_eligibility_rule_is_listed_at_once():
    org = OrgFacts(registration="filed", rating="2A", credit_status="black",
                   category="culture_sports", community_id=5)
    eligibility = {"registered_only": True, "min_rating": "3A", "exclude_black_list": True,
                   "categories": ["charity"], "community_ids": [7]}
    assert codes(rules.eligibility_problems(org, eligibility)) == [
        "eligibility.registered", "eligibility.rating", "eligibility.black_list",
        "eligibility.category", "eligibility.community"]
    good = OrgFacts("registered", "4A", "normal", "charity", 7)
    assert rules.eligibility_problems(good, eligibility) == []


def test_window():
    t = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    assert rules.window_problems("open", t - timedelta(days=1), t, t) == []
    (late,) = rules.window_problems("open", t - timedelta(days=1), t, t + timedelta(seconds=1))
    assert late.code == "window.late" and "2026-03-01 17:00" in late.message
    (early,) = rules.window_problems("open", t, None, t - timedelta(seconds=1))
    assert early.code == "window.early"
    assert codes(rules.window_problems("closed", None, None, t)) == ["window.status"]


def test_completeness():
    found = codes(rules.completeness_problems(rules.Proposal()))
    assert "complete.title" in found and "complete.budget" in found
    assert "complete.activities" in found and "complete.target_groups" in found


def test_planned_outputs_are_required_when_known():
    """A submitted plan said "0 activities, 0 people, 0 volunteers" beside 6 sessions."""
    found = codes(rules.completeness_problems(rules.Proposal(planned_people=0)))
    assert "complete.planned_people" in found
    assert "complete.planned_people" not in codes(rules.completeness_problems(
        rules.Proposal(planned_people=300)))
    assert "complete.planned_people" not in codes(rules.completeness_problems(rules.Proposal()))
