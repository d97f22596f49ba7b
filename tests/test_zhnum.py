"""Tests for reportgen.zhnum: examples from the seed report, boundaries, refusals, properties."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.errors import ReportgenError, WordingError
from reportgen.zhnum import (
    FORMATS,
    change,
    chinese_numeral,
    chinese_year_digits,
    count,
    hu_ren,
    join_zh,
    ordinal,
    percent,
    plain,
    wan,
    yu_wan,
    yuan,
)

BAD_VALUES = [
    float("nan"),
    float("inf"),
    float("-inf"),
    None,
    True,
    False,
    "100",
    b"1",
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    np.nan,
    np.float64("inf"),
    np.bool_(True),
    pd.NA,
    pd.NaT,
    [1],
]

PROPS = settings(max_examples=300, deadline=None, database=None)


# ----------------------------------------------------------------------------- wan / yuan


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (78000, "7.8万元"),
        (133800, "13.38万元"),
        (210000, "21万元"),
        (1250000, "125万元"),
        (900700, "90.07万元"),
        (644400, "64.44万元"),
        (0, "0万元"),
        (0.0, "0万元"),
        (-0.0, "0万元"),
        (99999995, "10000万元"),  # rounding carries into a new digit
        (99999949.99, "9999.99万元"),
        (99999950, "10000万元"),
        (9999.995, "1万元"),  # 0.9999995万 rounds half up
        (9949.99, "0.99万元"),
        (50, "0.01万元"),  # exactly half a cent of 万 rounds up
        (49.99, "0万元"),
        (-15000, "-1.5万元"),
        (-50, "-0.01万元"),  # half away from zero
        (-49, "0万元"),  # never "-0万元"
        (Decimal("-0.001"), "0万元"),
        (1234567891234.5, "123456789.12万元"),
        (10**20, "10000000000000000万元"),
        (1e21, "100000000000000000万元"),
        (Decimal("7.8E+4"), "7.8万元"),
        (Fraction(156000, 2), "7.8万元"),
        (np.int64(133800), "13.38万元"),
        (np.float64(78000.0), "7.8万元"),
        (np.float32(78000.0), "7.8万元"),
        (pd.Series([900700]).sum(), "90.07万元"),
    ],
)
def test_wan_examples(value, expected):
    assert wan(value) == expected


def test_wan_huge_float_is_plain_digits():
    text = wan(1e300)
    assert text == "1" + "0" * 296 + "万元"
    assert "e" not in text.lower() and "," not in text


@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_wan_refuses_non_numbers(bad):
    with pytest.raises(WordingError) as info:
        wan(bad)
    assert repr(bad) in str(info.value)
    assert "万元" not in str(info.value)


def test_wording_error_is_a_reportgen_error_with_exit_code_2():
    with pytest.raises(ReportgenError) as info:
        wan(float("nan"))
    assert info.value.exit_code == 2
    assert "nan" in str(info.value)


def test_decimal_too_large_is_refused():
    with pytest.raises(WordingError):
        wan(Decimal("1e999"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7700, "7700元"),
        (7700.0, "7700元"),
        (0, "0元"),
        (12.345, "12.35元"),
        (12.5, "12.5元"),
        (12.001, "12元"),
        (-3.2, "-3.2元"),
        (-0.001, "0元"),
        (np.int32(5), "5元"),
        (10**18, "1000000000000000000元"),
    ],
)
def test_yuan_examples(value, expected):
    assert yuan(value) == expected


@pytest.mark.parametrize("bad", [float("nan"), None, "7700", True, float("inf")])
def test_yuan_refuses(bad):
    with pytest.raises(WordingError):
        yuan(bad)


# ----------------------------------------------------------------------------- yu_wan

# The idiom, read independently of yu_wan: a whole number N then 余 and the unit, or N万 then 余元.
# 余 right after N opens the place of N's last 0 ("30余万元": under 40万); after 万 it adds under 1万.
_YU_WORDING = re.compile(r"^(\d+)(余万元|万余元|万元|余元|元)$")


def _idiom_bounds(text: str) -> tuple[Decimal, Decimal]:
    """[lower, upper) in 元 that a 余 wording states, by the idiom alone."""
    m = _YU_WORDING.match(text)
    assert m, f"{text!r}: not a whole number with 余 placed by the idiom"
    number, unit = m.groups()
    scale = 10_000 if "万" in unit else 1
    lower = Decimal(number) * scale
    if "余" not in unit:
        return lower, lower  # exact
    if unit.startswith("余"):
        assert number.endswith("0"), f"{text!r}: 余 right after a number that does not end in 0"
        step = 10 ** (len(number) - len(number.rstrip("0")))
    else:
        step = 1
    return lower, lower + step * scale


def _kept_place(amount: Decimal) -> Decimal:
    """The place yu_wan keeps an amount to (in 元): two significant digits, but whole 万 from 1万
    to 10万 (a decimal may not carry 余)."""
    if 10_000 <= amount < 100_000:
        return Decimal(10_000)
    return Decimal(10) ** (amount.adjusted() - 1)


AMOUNTS = st.one_of(
    st.integers(min_value=100, max_value=10**13),
    st.decimals(min_value=100, max_value=Decimal("1e13"), allow_nan=False, allow_infinity=False, places=2),
    st.integers(min_value=1, max_value=10**12).map(lambda n: n * 10 ** (n % 7)),  # round amounts, exact
)


@PROPS
@given(AMOUNTS)
def test_yu_wan_states_a_lower_bound_the_next_step_exceeds(amount):
    """The stated figure never exceeds the amount, the next step up by the idiom's own reading does,
    余 is there exactly when the figure is not the amount, and the figure keeps the amount to the
    place the rule keeps (two significant digits; whole 万 from 1万 to 10万)."""
    amount = Decimal(amount)
    text = yu_wan(amount)
    lower, upper = _idiom_bounds(text)
    assert lower <= amount
    if "余" in text:
        assert amount < upper and lower != amount
        assert amount - lower < _kept_place(amount)
    else:
        assert lower == amount
    assert ("万" in text) == (amount >= 10_000)


@PROPS
@given(AMOUNTS, AMOUNTS)
def test_yu_wan_bounds_grow_with_the_amount(a, b):
    low, high = sorted((Decimal(a), Decimal(b)))
    assert _idiom_bounds(yu_wan(low))[0] <= _idiom_bounds(yu_wan(high))[0]


@PROPS
@given(AMOUNTS)
def test_check_reads_a_yu_wan_wording_as_the_amount(amount):
    """`check` reads the wording back to an interval that holds the amount."""
    from reportgen.audit.extract import find_phrases

    text = yu_wan(amount)
    (phrase,) = find_phrases(text)
    _, low, high = phrase.span(phrase.numbers[0])
    lower, upper = _idiom_bounds(text)
    if "余" in text:
        assert (low, high) == (pytest.approx(float(lower)), pytest.approx(float(upper)))
    assert low <= float(amount) <= high  # an exact figure is read as written, to its rounding
    assert phrase.canonical == text


@PROPS
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2))
def test_yu_wan_under_100_yuan_is_the_amount_itself(amount):
    assert yu_wan(amount) == yuan(amount)


@pytest.mark.parametrize(("value", "expected"), [
    (304600, "30余万元"),  # seed: 村集体分红30余万元 (ledger 304,600元)
    (np.float64(304600.0), "30余万元"),
    (0, "0万元"),
])
def test_yu_wan_of_the_seed(value, expected):
    assert yu_wan(value) == expected


@pytest.mark.parametrize("bad", [-304800, -1, float("nan"), None, float("inf")])
def test_yu_wan_refuses(bad):
    with pytest.raises(WordingError):
        yu_wan(bad)


# ----------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (18, "户", "18户"),
        (12, "户次", "12户次"),
        (3, "人", "3人"),
        (290, "千瓦", "290千瓦"),
        (290.5, "千瓦", "290.5千瓦"),
        (290.456, "千瓦", "290.46千瓦"),
        (5, "个", "5个"),
        (0, "户", "0户"),
        (18.0, "户", "18户"),
        (Decimal("18.00"), "户", "18户"),
        (np.int64(222), "户", "222户"),
        (10**15, "人", "1000000000000000人"),
    ],
)
def test_count_examples(value, unit, expected):
    assert count(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (1.5, "户"),
        (Decimal("2.01"), "人"),
        (-1, "户"),
        (-1.0, "千瓦"),
        (float("nan"), "户"),
        (None, "户"),
        (True, "户"),
        ("18", "户"),
        (18, ""),
        (18, None),
    ],
)
def test_count_refuses(value, unit):
    with pytest.raises(WordingError):
        count(value, unit)


@pytest.mark.parametrize(
    ("h", "p", "expected"),
    [
        (40, 136, "40户136人"),
        (222, 715, "222户715人"),
        (0, 0, "0户0人"),
        (3, 3, "3户3人"),
        (np.int64(19), np.int64(79), "19户79人"),
        (8.0, 19.0, "8户19人"),
    ],
)
def test_hu_ren_examples(h, p, expected):
    assert hu_ren(h, p) == expected


@pytest.mark.parametrize(
    ("h", "p"),
    [(136, 40), (1, 0), (-1, 3), (1.5, 3), (3, float("nan")), (None, 3), (True, 3)],
)
def test_hu_ren_refuses(h, p):
    with pytest.raises(WordingError):
        hu_ren(h, p)


# ----------------------------------------------------------------------------- percent


@pytest.mark.parametrize(
    ("ratio", "kwargs", "expected"),
    [
        (0.8725, {}, "87.25%"),
        (349 / 400, {}, "87.25%"),
        (1.0, {}, "100%"),
        (1, {}, "100%"),
        (0.5, {}, "50%"),
        (0.123456, {}, "12.35%"),
        (0.99995, {}, "100%"),  # boundary rounds half up
        (0.99994, {}, "99.99%"),
        (0.00005, {}, "0.01%"),
        (0, {}, "0%"),
        (-0.03, {}, "-3%"),
        (-0.00004, {}, "0%"),
        (1.2, {}, "120%"),
        (0.123456, {"places": 0}, "12%"),
        (0.123456, {"places": 3}, "12.346%"),
        (Fraction(1, 3), {}, "33.33%"),
        (np.float64(0.8725), {}, "87.25%"),
        (1e10, {}, "1000000000000%"),
    ],
)
def test_percent_examples(ratio, kwargs, expected):
    assert percent(ratio, **kwargs) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None, "0.5", True])
def test_percent_refuses_values(bad):
    with pytest.raises(WordingError):
        percent(bad)


@pytest.mark.parametrize("places", [-1, 11, 1.5, True, "2"])
def test_percent_refuses_places(places):
    with pytest.raises(WordingError):
        percent(0.5, places)


# ----------------------------------------------------------------------------- numerals


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "零"),
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (101, "一百零一"),
        (105, "一百零五"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (2023, "二千零二十三"),
        (2030, "二千零三十"),
        (2300, "二千三百"),
        (9999, "九千九百九十九"),
        (np.int64(12), "十二"),
    ],
)
def test_chinese_numeral_examples(n, expected):
    assert chinese_numeral(n) == expected


@pytest.mark.parametrize("bad", [-1, 10000, 12.0, 1.5, None, True, "3", float("nan")])
def test_chinese_numeral_refuses(bad):
    with pytest.raises(WordingError):
        chinese_numeral(bad)


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, "二〇二三"), (2000, "二〇〇〇"), (1990, "一九九〇"), (0, "〇")],
)
def test_chinese_year_digits(year, expected):
    assert chinese_year_digits(year) == expected


@pytest.mark.parametrize("bad", [-2023, 2023.0, None, True, "2023"])
def test_chinese_year_digits_refuses(bad):
    with pytest.raises(WordingError):
        chinese_year_digits(bad)


@pytest.mark.parametrize(
    ("n", "style", "expected"),
    [
        (1, "section", "一、"),
        (2, "sub", "（二）"),
        (3, "item", "三是"),
        (1, "arabic", "1."),
        (1, "paren", "（1）"),
        (12, "section", "十二、"),
        (10, "sub", "（十）"),
        (12, "paren", "（12）"),
    ],
)
def test_ordinal_examples(n, style, expected):
    assert ordinal(n, style) == expected


@pytest.mark.parametrize(
    ("n", "style"),
    [(0, "section"), (-1, "arabic"), (1.0, "sub"), (True, "item"), (1, "roman"), (1, None)],
)
def test_ordinal_refuses(n, style):
    with pytest.raises(WordingError):
        ordinal(n, style)


# ----------------------------------------------------------------------------- join_zh


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["甲"], "甲"),
        (["甲", "乙"], "甲和乙"),
        (["甲", "乙", "丙"], "甲、乙和丙"),
        (("路前围", "樟屋前", "梨树下"), "路前围、樟屋前和梨树下"),
        ((x for x in ["甲", "乙"]), "甲和乙"),
    ],
)
def test_join_zh_examples(items, expected):
    assert join_zh(items) == expected


@pytest.mark.parametrize("bad", ["甲乙", ["甲", ""], ["甲", " "], ["甲", None], ["甲", 1]])
def test_join_zh_refuses(bad):
    with pytest.raises(WordingError):
        join_zh(bad)


# ----------------------------------------------------------------------------- change


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5, 2, "count", "户"), "增加3户"),
        ((1, 3, "count", "人"), "减少2人"),
        ((3, 3, "count", "户"), "持平"),
        ((112, 106, "count", "人"), "增加6人"),
        ((0, 0, "count", "户"), "持平"),
        ((120000, 108000, "amount", "元"), "增加1.2万元"),
        ((10000, 15000, "amount", "元"), "减少0.5万元"),
        ((15000, 15000, "amount", "元"), "持平"),
        ((15030, 15000, "amount", "元"), "持平"),  # both print as 1.5万元
        ((15050, 15000, "amount", ""), "增加0.01万元"),
        ((0, 133800, "amount", "元"), "减少13.38万元"),
        ((112.5, 100, "growth", ""), "增长12.5%"),
        ((97, 100, "growth", ""), "下降3%"),
        ((100, 100, "growth", ""), "持平"),
        ((0, 100, "growth", ""), "下降100%"),
        ((300, 100, "growth", ""), "增长200%"),
        ((2, 3, "growth", ""), "下降33.33%"),
        ((0.8725, 0.8525, "rate", ""), "提高2个百分点"),
        ((0.5, 0.505, "rate", ""), "降低0.5个百分点"),
        ((1.0, 1, "rate", ""), "持平"),
        ((1.0, 0.0, "rate", ""), "提高100个百分点"),
        ((0.8725, 0.8525, "rate", "%"), "提高2个百分点"),
    ],
)
def test_change_examples(args, expected):
    assert change(*args) == expected


def test_change_places():
    assert change(2, 3, "growth", places=0) == "下降33%"
    assert change(0.33333, 0.3, "rate", places=1) == "提高3.3个百分点"


@pytest.mark.parametrize(
    "args",
    [
        (5, 0, "growth", ""),  # no division by zero
        (5, -1, "growth", ""),
        (float("nan"), 1, "growth", ""),
        (1, float("nan"), "amount", "元"),
        (float("nan"), 1, "count", "户"),
        (0.5, float("nan"), "rate", ""),
        (1.5, 1, "count", "户"),
        (5, 2, "count", ""),
        (5, 2, "amount", "户"),
        (87.25, 85.25, "rate", ""),  # percents passed where fractions belong
        (0.5, -0.1, "rate", ""),
        (None, 1, "amount", "元"),
        (5, 2, "ratio", "户"),
    ],
)
def test_change_refuses(args):
    with pytest.raises(WordingError):
        change(*args)


@pytest.mark.parametrize(
    ("kind", "cur", "prev", "unit"),
    [("amount", 6000, 5000, "元"), ("growth", 0.6, 0.5, ""), ("rate", 0.6, 0.5, "")],
)
def test_change_percent_sign_only_for_growth(kind, cur, prev, unit):
    text = change(cur, prev, kind, unit)
    assert text != "持平"
    assert ("%" in text) == (kind == "growth")


# ----------------------------------------------------------------------------- FORMATS


@pytest.mark.parametrize(
    ("name", "value", "unit", "expected"),
    [
        ("count", 18, "户", "18户"),
        ("count", 290.5, "千瓦", "290.5千瓦"),
        ("wan", 78000, "元", "7.8万元"),
        ("wan", 78000, None, "7.8万元"),
        ("yu_wan", 304800, "元", "30余万元"),
        ("percent", 0.8725, "%", "87.25%"),
        ("percent", 1.0, None, "100%"),
        ("plain", 3, "", "3"),
        ("plain", 3.0, None, "3"),
        ("plain", 3, "个", "3个"),
        ("plain", 0.8725, "", "0.8725"),
        ("plain", 1e20, "", "100000000000000000000"),
        ("plain", Decimal("1.50"), "", "1.5"),
        ("plain", -0.0, "", "0"),
    ],
)
def test_formats(name, value, unit, expected):
    assert FORMATS[name](value, unit) == expected


def test_formats_names():
    assert set(FORMATS) == {"count", "wan", "yu_wan", "percent", "plain", "yuan"}


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("wan", 78000, "万元"),  # value already in 万元: refusing beats dividing twice
        ("yu_wan", 304800, "户"),
        ("percent", 87.25, "人"),
        ("count", 1.5, "户"),
        ("plain", float("nan"), ""),
        ("plain", 3, 5),
    ],
)
def test_formats_refuse(name, value, unit):
    with pytest.raises(WordingError):
        FORMATS[name](value, unit)


def test_plain_function_default_unit():
    assert plain(2023) == "2023"


# ----------------------------------------------------------------------------- properties

_WAN_RE = re.compile(r"^(-?\d+(?:\.\d{1,2})?)万元$")

finite_amounts = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)


@PROPS
@given(finite_amounts)
def test_wan_round_trips_within_50_yuan(x):
    text = wan(x)
    m = _WAN_RE.match(text)
    assert m, text
    assert not m.group(1).endswith("0") or "." not in m.group(1)  # trailing zeros dropped
    assert m.group(1) != "-0"
    back = Decimal(m.group(1)) * 10000
    assert abs(back - Decimal(repr(x))) <= 50


@PROPS
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_wan_of_integers_is_exact_to_the_rounding(n):
    back = Decimal(_WAN_RE.match(wan(n)).group(1)) * 10000
    assert abs(back - n) <= 50


@PROPS
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 4))
def test_percent_parses_back(r, places):
    text = percent(r, places)
    assert text.endswith("%")
    number = Decimal(text[:-1])
    assert abs(number - Decimal(repr(r)) * 100) <= Decimal(5).scaleb(-places - 1)


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _parse_chinese(text: str) -> int:
    """A small independent reader of Chinese numerals 0..9999."""
    total, digit = 0, None
    for ch in text:
        if ch in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        elif ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        else:
            raise ValueError(ch)
    return total + (digit or 0)


@given(st.integers(min_value=0, max_value=9999))
@PROPS
def test_chinese_numeral_round_trips(n):
    text = chinese_numeral(n)
    assert not any(ch.isdigit() and ch.isascii() for ch in text)
    assert "零零" not in text
    assert not (n and text.endswith("零"))
    assert _parse_chinese(text) == n


def test_parser_is_not_trivial():
    assert _parse_chinese("二千零二十三") == 2023
    assert _parse_chinese("十一") == 11
    assert _parse_chinese("一百一十") == 110


@PROPS
@given(st.integers(min_value=0, max_value=99999))
def test_chinese_year_digits_reads_back(y):
    text = chinese_year_digits(y)
    assert "".join(str("〇一二三四五六七八九".index(c)) for c in text) == str(y)


_item = st.text(
    alphabet=st.characters(whitelist_categories=("Lo", "Lu", "Ll", "Nd"), blacklist_characters="、和"),
    min_size=1,
    max_size=6,
)


@PROPS
@given(st.lists(_item, min_size=0, max_size=12))
def test_join_zh_separators(items):
    text = join_zh(items)
    n = len(items)
    assert text.count("、") + text.count("和") == max(n - 1, 0)
    assert text.count("和") == (1 if n >= 2 else 0)
    assert text.replace("、", "").replace("和", "") == "".join(items)


@PROPS
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_change_count_consistent(cur, prev):
    text = change(cur, prev, "count", "户")
    if cur == prev:
        assert text == "持平"
    else:
        word, number = text[:2], int(text[2:-1])
        assert word == ("增加" if cur > prev else "减少")
        assert number == abs(cur - prev)


@PROPS
@given(
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_change_rate_in_points(cur, prev):
    text = change(cur, prev, "rate")
    assert "%" not in text
    if text != "持平":
        assert text.endswith("个百分点")
        sign = 1 if text.startswith("提高") else -1
        assert text[:2] in ("提高", "降低")
        pts = Decimal(text[2:-4]) * sign
        assert abs(pts - (Decimal(repr(cur)) - Decimal(repr(prev))) * 100) <= Decimal("0.005")


@PROPS
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
)
def test_change_growth_sign(cur, prev):
    text = change(cur, prev, "growth")
    if text == "持平":
        assert math.isclose(cur, prev, rel_tol=1e-4, abs_tol=0)
    else:
        assert text.endswith("%")
        assert text.startswith("增长") == (cur > prev)
        assert text.startswith("下降") == (cur < prev)
