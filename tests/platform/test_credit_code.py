"""The unified social credit code and its GB 32100 check character."""

import pytest

from grants.organisations.credit_code import check_char, normalise, problem

# Published examples of real codes (public registration notices).
VALID = ["91350100M000100Y43", "91110000802100433B", "53100000500021676K"]


@pytest.mark.parametrize("code", VALID)
def test_published_codes_are_valid(code):
    assert problem(code) is None
    assert check_char(code[:17]) == code[17]


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "18 characters"),
    ("91350100M000100Y43X", "18 characters"),
    ("91350100M000100Y44", "check character"),
    ("91350100I000100Y43", "except I, O, Z, S, V"),
    ("91350100m000100Y43", "except I, O, Z, S, V"),
])
def test_malformed_codes_are_refused_with_the_reason(code, reason):
    assert reason in (problem(code) or "")


def test_normalise_accepts_full_width_lower_case_and_spaces():
    assert normalise(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    assert normalise("9135-0100-M000-100Y43") == "91350100M000100Y43"
