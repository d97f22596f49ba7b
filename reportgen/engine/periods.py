"""Period strings (2023Q1, 2023H1, 2023Q1-Q3, 2023) into date windows and the Chinese words for them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from reportgen.errors import PeriodError, Problem

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:(?P<half>H[12])|Q(?P<q1>[1-4])(?:-Q(?P<q2>[1-4]))?)?$")
_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
EXAMPLES = "2023Q1, 2023H1, 2023Q1-Q3 or 2023"


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)


def quarter_span_words(quarters: tuple[int, ...] | list[int]) -> str:
    """[1] → 一季度, [1, 2] → 一二季度, [1, 2, 3] → 一至三季度, [2, 3] → 二三季度."""
    qs = sorted(set(quarters))
    if not qs:
        raise ValueError("no quarters")
    if len(qs) >= 3 and qs == list(range(qs[0], qs[-1] + 1)):
        return f"{_QUARTER_NAMES[qs[0]]}至{_QUARTER_NAMES[qs[-1]]}季度"
    return "".join(_QUARTER_NAMES[q] for q in qs) + "季度"


@dataclass(frozen=True)
class Period:
    """A reporting period: its name, first and last quarter of one year."""

    name: str
    year: int
    first_quarter: int
    last_quarter: int

    @property
    def start(self) -> dt.date:
        return quarter_bounds(self.year, self.first_quarter)[0]

    @property
    def end(self) -> dt.date:
        return quarter_bounds(self.year, self.last_quarter)[1]

    @property
    def quarters(self) -> tuple[int, ...]:
        return tuple(range(self.first_quarter, self.last_quarter + 1))

    @property
    def name_zh(self) -> str:
        """上半年, 一季度, 前三季度, 全年, 三季度, 下半年 …"""
        q1, q2 = self.first_quarter, self.last_quarter
        if (q1, q2) == (1, 4):
            return "全年"
        if (q1, q2) == (1, 2):
            return "上半年"
        if (q1, q2) == (3, 4):
            return "下半年"
        if q1 == q2:
            return quarter_span_words([q1])
        if q1 == 1:
            return f"前{_QUARTER_NAMES[q2]}季度"
        return quarter_span_words(self.quarters)

    @property
    def next_name_zh(self) -> str:
        """What the plan section looks ahead to: 下半年, 二季度, 四季度, or next year (2024年)."""
        q2 = self.last_quarter
        if q2 == 4:
            return f"{self.year + 1}年"
        if (self.first_quarter, q2) == (1, 2):
            return "下半年"
        return quarter_span_words([q2 + 1])


def parse_period(text: str) -> Period:
    """Parse 2023Q1 … 2023Q4, 2023H1, 2023H2, 2023Q1-Q3, 2023; raise PeriodError otherwise."""
    match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise PeriodError(Problem("malformed period", column="--period", value=text, expected=EXAMPLES))
    year = int(match["year"])
    if match["half"]:
        q1, q2 = (1, 2) if match["half"] == "H1" else (3, 4)
    elif match["q1"]:
        q1 = int(match["q1"])
        q2 = int(match["q2"]) if match["q2"] else q1
        if q2 < q1:
            raise PeriodError(Problem("the quarters run backwards", column="--period", value=text,
                                      expected="a first quarter before the last, as in 2023Q1-Q3"))
    else:
        q1, q2 = 1, 4
    return Period(text.strip(), year, q1, q2)


@dataclass(frozen=True)
class Timeframe:
    """A period with its data cut-off: what every window and every period word is computed from."""

    period: Period
    cutoff: dt.date

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.cutoff.year, 1, 1)

    @property
    def previous_year_end(self) -> dt.date:
        return dt.date(self.cutoff.year - 1, 12, 31)

    def previous_year(self) -> Timeframe:
        """The same period and cut-off one year earlier: what 同比 compares with."""
        p = self.period
        name = str(p.year - 1) + p.name[4:]
        day = min(self.cutoff.day, calendar.monthrange(self.cutoff.year - 1, self.cutoff.month)[1])
        return Timeframe(Period(name, p.year - 1, p.first_quarter, p.last_quarter),
                         self.cutoff.replace(year=self.cutoff.year - 1, day=day))

    def previous_period(self) -> Timeframe:
        """The period just before, as long as this one, complete (cut-off at its end): 环比."""
        p = self.period
        length = p.last_quarter - p.first_quarter + 1
        first = p.year * 4 + p.first_quarter - 1 - length  # quarters counted from year 0
        year, q1 = divmod(first, 4)
        q1 += 1
        q2 = q1 + length - 1
        if q2 > 4:
            raise PeriodError(Problem(f"the {length} quarters before {p.name} run across a year end",
                                      column="--period", value=p.name,
                                      expected="a period whose previous period lies in one year"))
        if (q1, q2) == (1, 4):
            name = str(year)
        elif length == 2 and q1 in (1, 3):
            name = f"{year}H{(q1 + 1) // 2}"
        else:
            name = f"{year}Q{q1}" + (f"-Q{q2}" if q2 != q1 else "")
        period = Period(name, year, q1, q2)
        return Timeframe(period, period.end)

    def window(self, window) -> tuple[dt.date | None, dt.date | None, bool]:
        """(first day, last day, as_of) of the rows a window sees; as_of windows look at state."""
        if window == "all":
            return None, None, False
        if window == "as_of":
            return None, self.cutoff, True
        if window == "year_start":
            return None, self.previous_year_end, True
        if window == "ytd":
            return self.year_start, self.cutoff, False
        if window == "period":
            return self.period.start, min(self.cutoff, self.period.end), False
        if window == "period_ytd":
            return self.year_start, min(self.cutoff, self.period.end), False
        if window == "month":
            return self.cutoff.replace(day=1), self.cutoff, False
        quarters = window.quarters
        first = quarter_bounds(self.cutoff.year, min(quarters))[0]
        last = quarter_bounds(self.cutoff.year, max(quarters))[1]
        return first, min(last, self.cutoff), False

    def words(self) -> dict[str, str]:
        """The period words a template uses; all derived, none typed per variant."""
        cutoff = self.cutoff
        month_end = cutoff == _month_end(cutoff.year, cutoff.month)
        as_of = f"截至{cutoff.month}月底" if month_end else f"截至{cutoff.month}月{cutoff.day}日"
        months = f"1至{cutoff.month}月" if cutoff.month > 1 else "1月"
        closed = tuple(q for q in range(1, self.period.last_quarter + 1)
                       if quarter_bounds(self.period.year, q)[1] <= cutoff)
        return {
            "year": f"{self.period.year}年",
            "name": self.period.name_zh,
            "next": self.period.next_name_zh,
            "review_heading": f"{self.period.name_zh}工作回顾",
            "plan_heading": f"{self.period.next_name_zh}工作安排",
            "since": "今年以来",
            "as_of": as_of,
            "months": months,
            "quarters": ("全年" if closed == (1, 2, 3, 4) else quarter_span_words(closed)) if closed else "",
            "cutoff": f"{cutoff.year}年{cutoff.month}月{cutoff.day}日",
        }


def resolve(period_text: str, as_of: dt.date | str | None = None,
            cutoffs: dict[str, dt.date] | None = None) -> Timeframe:
    """Period plus cut-off: --as-of if given, else the registry's cut-off, else the period's end."""
    period = parse_period(period_text)
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise PeriodError(Problem("malformed date", column="--as-of", value=as_of,
                                      expected="YYYY-MM-DD")) from None
    cutoff = as_of or (cutoffs or {}).get(period.name) or period.end
    if cutoff < period.start:
        raise PeriodError(Problem(f"the cut-off is before {period.name} starts ({period.start})",
                                  column="--as-of", value=str(cutoff),
                                  expected=f"a date on or after {period.start}"))
    if cutoff.year != period.year:
        raise PeriodError(Problem(f"the cut-off must fall in {period.year}", column="--as-of",
                                  value=str(cutoff), expected=f"a date in {period.year}"))
    return Timeframe(period, cutoff)
