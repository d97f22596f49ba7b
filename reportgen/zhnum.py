"""Chinese wording of report figures (万元, 户/人, percentages, numerals, ordinals, comparisons)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

from reportgen.errors import Problem, WordingError

__all__ = [
    "FORMATS",
    "change",
    "chinese_numeral",
    "chinese_year_digits",
    "count",
    "hu_ren",
    "join_zh",
    "ordinal",
    "percent",
    "plain",
    "wan",
    "yu_wan",
    "yuan",
]

# Largest magnitude accepted: 10**400 covers every finite float (max ~1.8e308).
_MAX_ADJUSTED = 400
_PREC = _MAX_ADJUSTED + 40
_MAX_PLACES = 10
_DIGITS = "零一二三四五六七八九"
_YEAR_DIGITS = "〇一二三四五六七八九"
_DECIMAL_UNITS = ("千瓦",)  # count units that may carry decimals


def _fail(func: str, message: str, value: object = None, *, show: bool = True) -> WordingError:
    """Build a WordingError whose message names the offending value."""
    text = f"{func}: {message}" + (f" (got {value!r})" if show else "")
    return WordingError(Problem(text))


def _dec(value: object, func: str) -> Decimal:
    """Convert an int, float, Decimal or numpy/pandas real to a finite Decimal, or refuse."""
    if value is None or isinstance(value, bool | str | bytes):
        raise _fail(func, "expected a finite number", value)
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, numbers.Integral):
        d = Decimal(int(value))
    elif isinstance(value, numbers.Real):
        try:
            # repr of the float is its shortest round-trip form: 9999.995 stays 9999.995.
            d = Decimal(repr(float(value)))
        except (OverflowError, ValueError, TypeError) as exc:
            raise _fail(func, "expected a finite number", value) from exc
    else:
        raise _fail(func, "expected a finite number", value)
    if not d.is_finite():
        raise _fail(func, "expected a finite number", value)
    if d and d.adjusted() > _MAX_ADJUSTED:
        raise _fail(func, f"magnitude above 10^{_MAX_ADJUSTED} cannot be worded", value)
    return d


def _round(d: Decimal, places: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round d to `places` decimals (half away from zero unless told otherwise)."""
    with localcontext(prec=_PREC):
        return d.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _fmt(d: Decimal) -> str:
    """Plain digits, no exponent, no separators, trailing fractional zeros dropped, never -0."""
    if d == 0:
        return "0"
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _integral(value: object, func: str, *, nonneg: bool = True) -> int:
    """A whole number (2, 2.0, Decimal('2.00')) as int; fractions and negatives refused."""
    d = _dec(value, func)
    if d != d.to_integral_value():
        raise _fail(func, "expected a whole number", value)
    if nonneg and d < 0:
        raise _fail(func, "expected a non-negative whole number", value)
    return int(d)


def _check_unit(unit: object, func: str) -> str:
    if not isinstance(unit, str) or not unit.strip():
        raise _fail(func, "unit must be a non-empty string", unit)
    return unit


def _check_places(places: object, func: str) -> int:
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= _MAX_PLACES:
        raise _fail(func, f"places must be an int from 0 to {_MAX_PLACES}", places)
    return places


# --------------------------------------------------------------------------- amounts


def _wan_number(value: object, func: str) -> Decimal:
    """Value in 元 converted to 万元, rounded half-up to two decimals."""
    return _round(_dec(value, func).scaleb(-4), 2)


def wan(yuan: object) -> str:
    """Amount in 元 worded in 万元, two decimals at most: 133800 → "13.38万元", 0 → "0万元".

    Rounds half away from zero (99999995 → "10000万元"); negatives keep their sign ("-1.5万元").
    """
    return _fmt(_wan_number(yuan, "wan")) + "万元"


def yuan(value: object) -> str:
    """Amount in 元 worded in 元: 7700 → "7700元", 12.345 → "12.35元"."""
    return _fmt(_round(_dec(value, "yuan"), 2)) + "元"


def yu_wan(yuan: object) -> str:
    """Amount in 元 as official documents state a lower bound with 余: 304600 → "30余万元".

    余 stands for what the last written place leaves out, so it follows a whole number, never a
    decimal. Directly after a number that ends in 0 it opens the place of that 0 ("30余万元": 30万 to
    40万; "十余万元"); after 万 it adds less than one 万 ("12万余元": 12万 to 13万; "9万余元").
      * 10万元 and more: the 万 kept to two significant digits, rounded down: 30.46万 → "30余万元",
        123.4万 → "120余万元", 35.4万 → "35万余元", 99.99万 → "99万余元", 1234.5万 → "1200余万元";
      * 1万 to 10万元: whole 万, rounded down: 9.3万 → "9万余元";
      * 100 to 1万元: in 元, two significant digits, rounded down: 856元 → "850余元", 5432元 → "5400余元";
      * under 100元: the amount itself, as yuan() words it (no bound is shorter than the figure).
    An amount the rounded figure states exactly has no 余 (300000 → "30万元", 800 → "800元");
    0 is "0万元"; a negative amount is refused (a 余 bound of a loss says nothing).
    """
    amount = _dec(yuan, "yu_wan")
    if amount == 0:
        return "0万元"
    if amount < 0:
        raise _fail("yu_wan", "a 余 approximation needs a non-negative amount", yuan)
    if amount < 100:
        return _fmt(_round(amount, 2)) + "元"
    if amount < 10_000:
        figure = _round(amount, 1 - amount.adjusted(), ROUND_DOWN)  # two significant digits
        return _fmt(figure) + ("元" if figure == amount else "余元")
    v = amount.scaleb(-4)
    figure = _round(v, 0 if v < 10 else 1 - v.adjusted(), ROUND_DOWN)
    if figure == v:
        return _fmt(figure) + "万元"
    digits = _fmt(figure)
    return digits + ("余万元" if digits.endswith("0") else "万余元")


# --------------------------------------------------------------------------- counts


def count(value: object, unit: str) -> str:
    """A count with its unit: count(18, "户") → "18户".

    The value must be a non-negative whole number, except for unit 千瓦 which may carry decimals
    (rounded half-up to two, trailing zeros dropped: 290.50 → "290.5千瓦").
    """
    unit = _check_unit(unit, "count")
    if unit in _DECIMAL_UNITS:
        d = _dec(value, "count")
        if d < 0:
            raise _fail("count", "expected a non-negative number", value)
        return _fmt(_round(d, 2)) + unit
    return f"{_integral(value, 'count')}{unit}"


def hu_ren(households: object, people: object) -> str:
    """Households and their members: hu_ren(40, 136) → "40户136人".

    Both must be non-negative whole numbers, and people >= households (every household has a
    member; this also catches swapped arguments).
    """
    h = _integral(households, "hu_ren")
    p = _integral(people, "hu_ren")
    if p < h:
        raise _fail("hu_ren", f"{p}人 is fewer than {h}户; arguments swapped?", (households, people))
    return f"{h}户{p}人"


def percent(ratio: object, places: int = 2) -> str:
    """A fraction as a percentage, rounded half-up, trailing zeros dropped: 0.8725 → "87.25%"."""
    places = _check_places(places, "percent")
    return _fmt(_round(_dec(ratio, "percent").scaleb(2), places)) + "%"


def plain(value: object, unit: str | None = "") -> str:
    """The number as written digits (no ".0" on integers, no exponent) followed by unit, if any."""
    if unit is not None and not isinstance(unit, str):
        raise _fail("plain", "unit must be a string", unit)
    return _fmt(_dec(value, "plain")) + (unit or "")


# --------------------------------------------------------------------------- numerals


def chinese_numeral(n: int) -> str:
    """0..9999 in Chinese numerals: 10 → "十", 105 → "一百零五", 2023 → "二千零二十三"."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise _fail("chinese_numeral", "expected an int", n)
    n = int(n)
    if not 0 <= n <= 9999:
        raise _fail("chinese_numeral", "expected an int from 0 to 9999", n)
    if n == 0:
        return "零"
    if 10 <= n < 20:
        return "十" + (_DIGITS[n - 10] if n > 10 else "")
    out: list[str] = []
    zero_pending = False
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // power % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + name)
    return "".join(out)


def chinese_year_digits(year: int) -> str:
    """A year read digit by digit, as in dates of official documents: 2023 → "二〇二三"."""
    if isinstance(year, bool) or not isinstance(year, numbers.Integral) or year < 0:
        raise _fail("chinese_year_digits", "expected a non-negative int", year)
    return "".join(_YEAR_DIGITS[int(c)] for c in str(int(year)))


_ORDINAL_STYLES: dict[str, Callable[[int], str]] = {
    "section": lambda n: chinese_numeral(n) + "、",
    "sub": lambda n: "（" + chinese_numeral(n) + "）",
    "item": lambda n: chinese_numeral(n) + "是",
    "arabic": lambda n: f"{n}.",
    "paren": lambda n: f"（{n}）",
}


def ordinal(n: int, style: str) -> str:
    """Heading/list number for n >= 1: section "一、", sub "（一）", item "一是", arabic "1.", paren "（1）"."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise _fail("ordinal", "expected an int >= 1", n)
    if style not in _ORDINAL_STYLES:
        raise _fail("ordinal", f"style must be one of {', '.join(_ORDINAL_STYLES)}", style)
    return _ORDINAL_STYLES[style](int(n))


def join_zh(items: Iterable[str]) -> str:
    """Join items the Chinese way: 甲 / 甲和乙 / 甲、乙和丙; no items → ""."""
    if isinstance(items, str | bytes):
        raise _fail("join_zh", "expected a sequence of strings, not one string", items)
    parts = list(items)
    for item in parts:
        if not isinstance(item, str) or not item.strip():
            raise _fail("join_zh", "every item must be a non-empty string", item)
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


# --------------------------------------------------------------------------- comparisons


def change(
    current: object, previous: object, kind: str, unit: str = "", *, places: int = 2
) -> str:
    """Word current against previous.

    kind "count":  whole counts in `unit` → "增加3户" / "减少2人" / "持平".
    kind "amount": amounts in 元 (unit "元" or "") → "增加1.2万元" / "减少0.5万元" / "持平".
    kind "growth": relative change, previous > 0 → "增长12.5%" / "下降3%" / "持平".
    kind "rate":   two fractions in [0, 1] → "提高2个百分点" / "降低0.5个百分点" / "持平".
    "持平" is said when the difference rounds to zero as worded (0.01万元, `places` decimals of
    a percent or percentage point), so the wording never contradicts the printed figures.
    """
    func = "change"
    places = _check_places(places, func)
    if kind == "count":
        unit = _check_unit(unit, func)
        cur, prev = _integral(current, func), _integral(previous, func)
        diff = Decimal(cur - prev)
        text = f"{abs(cur - prev)}{unit}"
        up, down = "增加", "减少"
    elif kind == "amount":
        if unit not in ("元", ""):
            raise _fail(func, 'amounts are compared in 元 (unit "元" or "")', unit)
        diff = _round((_dec(current, func) - _dec(previous, func)).scaleb(-4), 2)
        text = _fmt(abs(diff)) + "万元"
        up, down = "增加", "减少"
    elif kind == "growth":
        cur, prev = _dec(current, func), _dec(previous, func)
        if prev <= 0:
            raise _fail(func, "growth needs a positive previous value", previous)
        with localcontext(prec=_PREC):
            diff = _round((cur - prev) / prev * 100, places)
        text = _fmt(abs(diff)) + "%"
        up, down = "增长", "下降"
    elif kind == "rate":
        cur, prev = _dec(current, func), _dec(previous, func)
        for raw, d in ((current, cur), (previous, prev)):
            if not 0 <= d <= 1:
                raise _fail(func, "a rate must be a fraction from 0 to 1", raw)
        diff = _round((cur - prev).scaleb(2), places)
        text = _fmt(abs(diff)) + "个百分点"
        up, down = "提高", "降低"
    else:
        raise _fail(func, "kind must be one of count, amount, growth, rate", kind)
    if diff == 0:
        return "持平"
    return (up if diff > 0 else down) + text


# --------------------------------------------------------------------------- by name


def _money_unit(unit: str | None, func: str) -> None:
    if unit not in (None, "", "元"):
        raise _fail(func, 'the value must be in 元 (unit "元", "" or None)', unit)


def _fmt_wan(value: object, unit: str | None) -> str:
    _money_unit(unit, "wan")
    return wan(value)


def _fmt_yu_wan(value: object, unit: str | None) -> str:
    _money_unit(unit, "yu_wan")
    return yu_wan(value)


def _fmt_percent(value: object, unit: str | None) -> str:
    if unit not in (None, "", "%"):
        raise _fail("percent", 'the value must be a fraction (unit "%", "" or None)', unit)
    return percent(value)


FORMATS: dict[str, Callable[[object, str | None], str]] = {
    "count": lambda value, unit: count(value, unit),  # type: ignore[arg-type]
    "wan": _fmt_wan,
    "yu_wan": _fmt_yu_wan,
    "percent": _fmt_percent,
    "plain": plain,
    "yuan": lambda value, unit: yuan(value),
}
"""Wordings by name, each f(value, unit) -> str, for the template engine to choose from."""
