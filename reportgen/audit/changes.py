"""Changes a document states against an earlier value (较去年同期增加14人, 较年初增加6人, 增长5.37%,
提高0.6个百分点) and earlier values in their own column (去年同期): checked against the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen.audit.extract import Phrase
from reportgen.engine.figures import FigureSet

_VERB = re.compile(r"(增加|减少|增长|下降|提高|降低)$")
UP = ("增加", "增长", "提高")
_YEAR_AGO = re.compile(r"去年|上年|同期|同比")
_YEAR_START = re.compile(r"年初")


@dataclass(frozen=True)
class Change:
    """What a number is measured against: `baseline` year (a year earlier) or year_start (年初);
    `verb` 增加 … when it states a change, "" when it states the earlier value itself."""

    baseline: str
    verb: str


def read_change(near: str, column: str, sentence: str, year: int | None = None) -> Change | None:
    """The change (or earlier value) a number states, from the words just before it and its column
    (a column headed with the year before the period's `year` holds earlier values); None when it
    is a figure of the period."""
    verb = _VERB.search(near.strip())
    words = f"{column} {near}"
    if verb is None:
        if column and _YEAR_AGO.search(column) and not re.search(r"增减|变化|增幅|较", column):
            return Change("year", "")
        if year and column and re.search(rf"(?<!\d){year - 1}年", column):
            return Change("year", "")
        if re.search(r"去年同期|上年同期", near):
            return Change("year", "")
        return None
    if _YEAR_START.search(words):
        return Change("year_start", verb.group(1))
    if _YEAR_AGO.search(words) or _YEAR_AGO.search(sentence):
        return Change("year", verb.group(1))
    return Change("", verb.group(1))


def base_figure(phrase: Phrase, previous: tuple[str, ...], figures: FigureSet) -> str | None:
    """Which of the figures just stated a change refers to: the one in the change's unit (a 户 change
    of a 户人 pair is the households'); a % change of a count or amount is its growth."""
    known = [fid for fid in previous if fid in figures.figures]
    if phrase.unit in ("%", "个百分点"):
        rates = [f for f in known if figures[f].unit == "%"]
        if phrase.unit == "个百分点":
            return rates[0] if rates else None
        return rates[0] if rates else (known[-1] if known else None)
    same = [f for f in known if figures[f].unit == phrase.unit]
    return same[0] if len(same) == 1 else None


def earlier_value(fid: str, change: Change, figures: FigureSet, year_ago: FigureSet | None, registry) -> float | None:
    """The value the change is measured against: the same figure a year earlier, or the figure
    figures.yaml labels 年初 (or 期初, for a period that opens the year) + the figure's label."""
    if change.baseline == "year":
        return year_ago[fid].value if year_ago is not None and fid in year_ago.figures else None
    if change.baseline == "year_start":
        labels = {"年初" + registry.figures[fid].label}
        start = figures.timeframe.period.start
        if (start.month, start.day) == (1, 1):  # the state before a period that opens the year is 年初
            labels.add("期初" + registry.figures[fid].label)
        twin = next((other for other, spec in registry.figures.items() if spec.label in labels), None)
        return figures[twin].value if twin in figures.figures else None
    return None


def change_agrees(phrase: Phrase, change: Change, current: float, earlier: float, unit: str) -> tuple[bool, float]:
    """Whether the stated change (or earlier value) is within what its words stand for; also the
    right value in the phrase's terms (a fraction for a growth in %, points for 个百分点)."""
    if not change.verb:
        right = earlier
    elif phrase.unit == "个百分点":
        right = (current - earlier) * 100
    elif phrase.unit == "%" and unit != "%":
        right = (current - earlier) / earlier if earlier else float("nan")
    else:
        right = current - earlier
    _, low, high = phrase.span(phrase.numbers[0])
    sign = -1 if change.verb and change.verb not in UP else 1
    low, high = sorted((sign * low, sign * high))
    eps = 1e-9 * max(1.0, abs(high))
    return low - eps <= right <= high + eps, right


def right_words(phrase: Phrase, change: Change, unit: str, style: str, current: float, earlier: float) -> str:
    """The right change (or earlier value) as reportgen words it."""
    from reportgen import zhnum

    try:
        if not change.verb:
            return zhnum.FORMATS[style](earlier, unit)
        kind = ("rate" if phrase.unit == "个百分点" else "growth" if phrase.unit == "%" and unit != "%"
                else "amount" if unit == "元" else "count")
        return zhnum.change(current, earlier, kind, unit if kind == "count" else "")
    except (zhnum.WordingError, KeyError):
        return f"{earlier:g}"
