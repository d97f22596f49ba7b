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
    def kind(self) -> str:
        """quarter, first_half, three_quarters, second_half or year: the column of WORD_TABLE.

        A span from the first quarter reads as a year-to-date span; one starting later as 下半年 does."""
        q1, q2 = self.first_quarter, self.last_quarter
        if q1 == q2:
            return "quarter"
        if (q1, q2) == (1, 4):
            return "year"
        if q1 == 1:
            return "first_half" if q2 == 2 else "three_quarters"
        return "second_half"

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
    delivered: dt.date | None = None   # the day the report is given; None: at the cut-off
    variant: str | None = None         # "2023@2024-01-15" when the delivery was part of the name

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
        if window == "span":  # this period's flow: H1 with a July cut-off runs to 31 July
            return self.period.start, self.cutoff, False
        if window == "before_period":
            return None, self.period.start - dt.timedelta(days=1), True
        if window == "period_ytd":
            return self.year_start, min(self.cutoff, self.period.end), False
        if window == "month":
            return self.cutoff.replace(day=1), self.cutoff, False
        quarters = window.quarters
        first = quarter_bounds(self.cutoff.year, min(quarters))[0]
        last = quarter_bounds(self.cutoff.year, max(quarters))[1]
        return first, min(last, self.cutoff), False

    @property
    def name(self) -> str:
        """The build's name and folder: the period, or period@delivery-date when given that way."""
        return self.variant or self.period.name

    @property
    def delivered_after_year(self) -> bool:
        """Whether the report is delivered after its period's year (so 今年 is no longer that year)."""
        return (self.delivered or self.cutoff).year > self.period.year

    def words(self) -> dict:
        """The period words a template uses, from WORD_TABLE; all derived, none typed per variant."""
        period, cutoff = self.period, self.cutoff
        month_end = cutoff == _month_end(cutoff.year, cutoff.month)
        to = f"{cutoff.month}月底" if month_end else f"{cutoff.month}月{cutoff.day}日"
        closed = tuple(q for q in period.quarters if quarter_bounds(period.year, q)[1] <= cutoff)
        first_month = period.start.month
        before = period.start - dt.timedelta(days=1)
        year = period.year
        values = {
            "Y": f"{year}年", "Y-1": f"{year - 1}年", "Y+1": f"{year + 1}年", "name": period.name_zh,
            "next": period.next_name_zh, "to": to, "m": f"{cutoff.month}月",
            "span_months": (f"{first_month}至{cutoff.month}月" if cutoff.month > first_month
                            else f"{cutoff.month}月"),
            "closed": ("全年" if closed == (1, 2, 3, 4) else quarter_span_words(closed)) if closed else "",
            "before": "年初" if before.year < year else f"{before.month}月底",
            "year_end": "年底" if cutoff == dt.date(year, 12, 31) else to,
            "Y_end": f"{year}年底" if cutoff == dt.date(year, 12, 31) else f"{year}年{to}",
            # 年内 in the plan: this year while the plan stays in it, else next year's
            "within": "年内" if period.last_quarter < 4 else "明年",
            "within_after": (f"{year}年内" if period.last_quarter < 4
                             else "年内" if (self.delivered or cutoff).year == year + 1 else f"{year + 1}年内"),
        }
        column = 1 if self.delivered_after_year else 0
        words = {key: _fill(row[period.kind][column], values) for key, row in WORD_TABLE.items()}
        months = f"1至{cutoff.month}月" if cutoff.month > 1 else "1月"
        delivered = self.delivered or cutoff
        words.update({
            "year": f"{year}年",
            "name": period.name_zh,
            "next": period.next_name_zh,
            "kind": period.kind,
            "as_of": f"截至{to}",
            "ytd_months": months,
            "judgement": period.kind in JUDGEMENT_KINDS,
            "cutoff": f"{cutoff.year}年{cutoff.month}月{cutoff.day}日",
            "delivered": f"{delivered.year}年{delivered.month}月{delivered.day}日",
        })
        return words


# The relative time words of every period kind, for delivery inside the period's year (first) and
# after it (second, when 今年 already means the next year). {Y} is the period's year (2023年),
# {Y-1} and {Y+1} the years around it; {name} the period (上半年), {next} the one after it; {to}
# the cut-off (7月底); {m} its month; {span_months} the months of the period up to the cut-off;
# {closed} the quarters closed by the cut-off; {before} the day before the period (年初, 6月底);
# {within} 年内 while the plan stays in the year, 明年 once it looks to the next.
KINDS = ("quarter", "first_half", "three_quarters", "second_half", "year")
KIND_NAMES = {"quarter": "单季度", "first_half": "上半年", "three_quarters": "前三季度",
              "second_half": "下半年", "year": "全年"}
JUDGEMENT_KINDS = ("first_half", "second_half", "year")  # summary judgements (成效有目共睹)
_YTD = ("今年以来", "{Y}{name}")
WORD_TABLE: dict[str, dict[str, tuple[str, str]]] = {
    # key: {kind: (delivered inside the year, delivered after it)}
    "review_heading": {"quarter": ("{name}工作回顾", "{Y}{name}工作回顾"),
                       "first_half": ("{name}工作回顾", "{Y}{name}工作回顾"),
                       "three_quarters": ("{name}工作回顾", "{Y}{name}工作回顾"),
                       "second_half": ("{name}工作回顾", "{Y}{name}工作回顾"),
                       "year": ("{Y}工作回顾", "{Y}工作回顾")},
    "plan_heading": {"quarter": ("{next}工作安排", "{Y}{next}工作安排"),
                     "first_half": ("{next}工作安排", "{Y}{next}工作安排"),
                     "three_quarters": ("{next}工作安排", "{Y}{next}工作安排"),
                     "second_half": ("{Y+1}工作安排", "{Y+1}工作安排"),
                     "year": ("{Y+1}工作安排", "{Y+1}工作安排")},
    "title": {"quarter": ("{Y}{name}", "{Y}{name}"), "first_half": ("{Y}{name}", "{Y}{name}"),
              "three_quarters": ("{Y}{name}", "{Y}{name}"), "second_half": ("{Y}{name}", "{Y}{name}"),
              "year": ("{Y}", "{Y}")},
    "named": {"quarter": ("{name}", "{Y}{name}"), "first_half": ("{name}", "{Y}{name}"),
              "three_quarters": ("{name}", "{Y}{name}"), "second_half": ("{name}", "{Y}{name}"),
              "year": ("{Y}", "{Y}")},
    "opening": {"quarter": ("{name}", "{Y}{name}"), "first_half": ("{Y}以来", "{Y}{name}"),
                "three_quarters": ("{Y}以来", "{Y}{name}"), "second_half": ("{name}", "{Y}{name}"),
                "year": ("一年来", "{Y}")},
    "since": {"quarter": ("{name}", "{Y}{name}"), "first_half": _YTD, "three_quarters": _YTD,
              "second_half": ("{name}", "{Y}{name}"), "year": ("一年来", "{Y}")},
    "upto": {"quarter": ("{name}", "{Y}{name}"), "first_half": ("截至{to}", "截至{Y}{to}"),
             "three_quarters": ("截至{to}", "截至{Y}{to}"), "second_half": ("{name}", "{Y}{name}"),
             "year": ("全年", "全年")},
    "months": {"quarter": ("{span_months}", "{Y}{span_months}"),
               "first_half": ("{span_months}", "{Y}{span_months}"),
               "three_quarters": ("{span_months}", "{Y}{span_months}"),
               "second_half": ("{span_months}", "{Y}{span_months}"), "year": ("全年", "全年")},
    "quarters": {"quarter": ("{closed}", "{Y}{closed}"), "first_half": ("{closed}", "{Y}{closed}"),
                 "three_quarters": ("{closed}", "{Y}{closed}"), "second_half": ("{closed}", "{Y}{closed}"),
                 "year": ("全年", "全年")},
    "now": {"quarter": ("目前", "截至{Y}{to}"), "first_half": ("目前", "截至{Y}{to}"),
            "three_quarters": ("目前", "截至{Y}{to}"), "second_half": ("目前", "截至{Y}{to}"),
            "year": ("截至{year_end}", "截至{Y_end}")},
    "since_start": {"quarter": ("较{before}", "较{Y}{before}"), "first_half": ("较年初", "较{Y}初"),
                    "three_quarters": ("较年初", "较{Y}初"),
                    "second_half": ("较{before}", "较{Y}{before}"), "year": ("较年初", "较{Y}初")},
    "compared": {"quarter": ("较去年同期", "较上年同期"), "first_half": ("较去年同期", "较上年同期"),
                 "three_quarters": ("较去年同期", "较上年同期"),
                 "second_half": ("较去年同期", "较上年同期"), "year": ("较上年", "较上年")},
    "versus": {"quarter": ("环比", "环比"), "first_half": ("同比", "同比"),
               "three_quarters": ("同比", "同比"), "second_half": ("同比", "同比"), "year": ("同比", "同比")},
    "monthly": {"quarter": ("月", "月"), "first_half": ("月", "月"), "three_quarters": ("月", "月"),
                "second_half": ("月", "月"), "year": ("{m}", "{m}")},
    "this_year": {kind: ("今年", "{Y}") for kind in KINDS},
    "last_year": {kind: ("去年", "{Y-1}") for kind in KINDS},
    "next_year": {kind: ("明年", "{Y+1}") for kind in KINDS},
    "within": {kind: ("{within}", "{within_after}") for kind in KINDS},
}
WORD_MEANINGS = {
    "review_heading": "回顾部分标题", "plan_heading": "安排部分标题", "title": "副标题、开头语中的期间",
    "named": "总结语中的期间", "opening": "回顾部分的第一句", "since": "本期流量（新增、发放）",
    "upto": "本期累计收益", "months": "按月发放的本期金额", "quarters": "按季度申报的本期事项",
    "now": "截止日的存量", "since_start": "存量较期初", "compared": "简报比较列标题",
    "versus": "正文比较", "monthly": "月发放金额", "this_year": "今年", "last_year": "去年",
    "next_year": "明年", "within": "工作安排中的“年内”",
}


def _fill(pattern: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([A-Za-z_+\-1]+)\}", lambda m: values[m.group(1)], pattern)


def resolve(period_text: str, as_of: dt.date | str | None = None,
            cutoffs: dict[str, dt.date] | None = None,
            deliveries: dict[str, dt.date] | None = None) -> Timeframe:
    """Period plus cut-off: --as-of if given, else the registry's cut-off, else the period's end.

    `2023@2024-01-15` is period 2023 delivered on 15 January 2024; a plain period is delivered on
    the day `deliveries` gives for it (its meeting), else at its cut-off."""
    text = period_text.strip() if isinstance(period_text, str) else period_text
    name, _, day = text.partition("@") if isinstance(text, str) else (text, "", "")
    period = parse_period(name)
    delivered = (deliveries or {}).get(period.name)
    if day:
        try:
            delivered = dt.date.fromisoformat(day)
        except ValueError:
            raise PeriodError(Problem("malformed delivery date", column="--period", value=text,
                                      expected="PERIOD@YYYY-MM-DD, as in 2023@2024-01-15")) from None
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
    if delivered is not None and delivered < cutoff:
        raise PeriodError(Problem(f"{period.name} would be delivered before its cut-off {cutoff}",
                                  column="--period", value=text, expected=f"a delivery on or after {cutoff}"))
    return Timeframe(period, cutoff, delivered, text if day else None)
