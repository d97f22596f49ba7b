"""Comparisons a report states in its text: 同比 (a year earlier) or 环比 (the quarter before)."""

from __future__ import annotations

import pandas as pd

from reportgen import zhnum
from reportgen.engine.figures import Figure, FigureSet, compute
from reportgen.engine.periods import Timeframe


def earlier_timeframe(timeframe: Timeframe) -> Timeframe:
    """What this period compares with: the quarter before for a single quarter (环比), else the same
    period and cut-off a year earlier (同比)."""
    if timeframe.period.kind == "quarter":
        return timeframe.previous_period()
    return timeframe.previous_year()


def change_kind(figure: Figure) -> tuple[str, str]:
    """The zhnum.change kind and unit a figure is compared in: rates in 个百分点, amounts in 万元."""
    if figure.unit == "%":
        return "rate", ""
    if figure.unit == "元":
        return "amount", "元"
    return "count", figure.unit


def phrase(word: str, current: Figure, previous_value) -> str:
    """`同比增加3人`, `环比减少0.5万元`, `同比提高1.2个百分点`, `同比持平`."""
    kind, unit = change_kind(current)
    return word + zhnum.change(current.value, previous_value, kind, unit)


class Comparer:
    """`compare(f.x)` in a template: "，同比增加3人", or "" when the ledgers do not cover the earlier
    period (a comparison is left out, never invented).

    One Comparer serves a whole build: the earlier figures (`figures_at`, which a document's `prev`
    and `prev_period` read too) are computed once per timeframe, and whether a figure's ledger
    covers the earlier period is worked out once per figure."""

    def __init__(self, project, timeframe: Timeframe):
        self._project = project
        self._timeframe = timeframe
        self._computed: dict[Timeframe, FigureSet] = {}
        self._covered: dict[str, bool] = {}

    @property
    def earlier(self) -> Timeframe:
        return earlier_timeframe(self._timeframe)

    def figures_at(self, timeframe: Timeframe) -> FigureSet:
        """Every figure at an earlier timeframe (only compared with), computed on first use."""
        if timeframe not in self._computed:
            self._computed[timeframe] = compute(self._project.registry, self._project.ledgers, timeframe,
                                                earlier=True)
        return self._computed[timeframe]

    def covered(self, fid: str) -> bool:
        """Whether the earlier period lies inside what the figure's ledger records (by month)."""
        if fid not in self._covered:
            self._covered[fid] = self._find_covered(fid)
        return self._covered[fid]

    def _find_covered(self, fid: str) -> bool:
        spec = self._project.registry.figures[fid]
        earlier = self.earlier
        if spec.kind == "registry":
            return spec.values is not None and spec.values[0].date <= earlier.cutoff
        if spec.kind != "ledger" or spec.date is None:
            return False
        ledger = self._project.ledgers[spec.source]
        start, end, _ = earlier.window(spec.window)
        needed = start or end
        declared = ledger.spec.dates.first if ledger.spec.dates else None
        if declared is not None:  # sources.<name>.dates.from: the first day the ledger records
            return declared <= needed
        first = ledger.frame[spec.date].min()  # NaT when the column holds no date
        if pd.isna(first):
            return False
        first = pd.Timestamp(first).date()  # undeclared: the month of its first row
        return (first.year, first.month) <= (needed.year, needed.month)

    def __call__(self, figure: Figure) -> str:
        if not isinstance(figure, Figure) or isinstance(figure.value, tuple) or not self.covered(figure.id):
            return ""
        word = self._timeframe.words()["versus"]
        return "，" + phrase(word, figure, self.figures_at(self.earlier)[figure.id].value)
