"""Money is integer fen; formatting happens at the edge."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.money import (
    MoneyError,
    chinese_capital,
    fen_to_yuan_str,
    format_wan,
    format_yuan,
    parse_yuan,
)


@pytest.mark.parametrize(("fen", "text"), [
    (0, "¥0.00"), (1, "¥0.01"), (1200000, "¥12,000.00"), (1000000, "¥10,000.00"),
    (10000000000, "¥100,000,000.00"), (-150, "-¥1.50"),
])
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize(("fen", "text"), [
    (0, "0元"), (1, "0.01元"), (350000, "3,500元"), (1200000, "1.2万元"), (1000000, "1万元"),
    (42000000, "42万元"), (3050000, "3.05万元"), (10000000000, "1亿元"), (15000000000, "1.5亿元"),
])
def test_format_wan_as_people_quote_it(fen, text):
    assert format_wan(fen) == text


@pytest.mark.parametrize(("fen", "text"), [
    (0, "零元整"),
    (1, "壹分"),
    (10, "壹角整"),
    (101, "壹元零壹分"),
    (1000000, "壹万元整"),
    (1200000, "壹万贰仟元整"),
    (12000000, "壹拾贰万元整"),
    (10000001, "壹拾万元零壹分"),
    (100500, "壹仟零伍元整"),
    (1000100, "壹万零壹元整"),
    (3050000, "叁万零伍佰元整"),
    (10000000000, "壹亿元整"),
    (10000100000, "壹亿零壹仟元整"),
    (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
])
def test_chinese_capitals(fen, text):
    assert chinese_capital(fen) == text


@pytest.mark.parametrize(("typed", "fen"), [
    ("12000", 1200000), ("12,000.50", 1200050), ("¥3.5", 350), ("１２０００", 1200000),
    ("0.01", 1), (" 7 元", 700), (250, 25000),
])
def test_parse_yuan_reads_what_people_type(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["", "abc", "1.234", "-5", "1e5", "12.0.0", "NaN", "一万",
                                   "99999999999999"])
def test_parse_yuan_refuses_with_a_message(typed):
    with pytest.raises(MoneyError) as caught:
        parse_yuan(typed)
    assert str(caught.value)


@given(st.integers(min_value=0, max_value=10**13))
def test_parsing_the_plain_form_gives_back_the_same_fen(fen):
    assert parse_yuan(fen_to_yuan_str(fen)) == fen
    assert isinstance(parse_yuan(fen_to_yuan_str(fen)), int)


@given(st.integers(min_value=1, max_value=10**13))
def test_capitals_always_end_in_a_unit_and_never_double_zero(fen):
    text = chinese_capital(fen)
    assert text[-1] in "整分"
    assert "零零" not in text
