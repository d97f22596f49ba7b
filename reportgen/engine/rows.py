"""Which ledger rows a figure sees: its window and its filter, as boolean masks over the ledger."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from reportgen.engine.config import FigureSpec
from reportgen.engine.periods import Timeframe
from reportgen.engine.sources import BOOL_CELLS, Ledger


def _resolve_bound(value, timeframe: Timeframe):
    words = {"cutoff": timeframe.cutoff, "year_start": timeframe.year_start,
             "period_start": timeframe.period.start, "month_start": timeframe.cutoff.replace(day=1)}
    value = words.get(value, value)
    return pd.Timestamp(value) if isinstance(value, dt.date) else value


def condition_mask(series: pd.Series, condition, column_type: str, timeframe: Timeframe) -> pd.Series:
    def literal(v):
        if column_type == "bool" and v in BOOL_CELLS:
            return BOOL_CELLS[v]
        return _resolve_bound(v, timeframe)

    if isinstance(condition, list):
        return series.isin([literal(v) for v in condition])
    if not isinstance(condition, dict):
        return series == literal(condition)
    present = series.notna()
    if set(condition) == {"empty"}:
        return present if condition["empty"] is False else ~present
    mask = present.copy()
    for key, test in (("min", "ge"), ("max", "le"), ("after", "gt"), ("before", "lt")):
        if key in condition:
            mask &= getattr(series, test)(literal(condition[key])).fillna(False).astype(bool)
    if "not" in condition:
        mask &= ~series.isin([literal(v) for v in condition["not"]])
    if condition.get("empty") is True:
        mask |= ~present
    return mask


def as_bool(mask) -> np.ndarray:
    """A comparison's result as a plain bool array, a missing answer (NA) as False."""
    return mask.to_numpy(dtype=bool, na_value=False)


def _window_array(spec: FigureSpec, ledger: Ledger, timeframe: Timeframe) -> np.ndarray:
    frame = ledger.frame
    keep = np.ones(len(frame), dtype=bool)
    window = spec.window
    start, end, as_of = timeframe.window(window)
    if spec.date is not None and window != "all":
        dates = frame[spec.date]
        if end is not None:
            keep &= as_bool(dates <= pd.Timestamp(end))
        if start is not None:
            keep &= as_bool(dates >= pd.Timestamp(start))
        if as_of and spec.end is not None:
            ends = frame[spec.end]
            keep &= ends.isna().to_numpy(dtype=bool) | as_bool(ends > pd.Timestamp(end))
    return keep


def window_mask(spec: FigureSpec, ledger: Ledger, timeframe: Timeframe) -> pd.Series:
    """Which ledger rows fall in a figure's window (before its filter)."""
    return pd.Series(_window_array(spec, ledger, timeframe), index=ledger.frame.index)


def select_rows(spec: FigureSpec, ledger: Ledger, timeframe: Timeframe,
                in_window: pd.Series | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """The ledger rows a figure sees: its window, then its filter (only `columns`, when given)."""
    frame = ledger.frame
    keep = _window_array(spec, ledger, timeframe) if in_window is None else as_bool(in_window)
    for column, condition in spec.where.items():
        keep &= as_bool(condition_mask(frame[column], condition, ledger.spec.columns[column].type, timeframe))
    return frame.loc[keep, columns] if columns is not None else frame[keep]


def measured_columns(spec: FigureSpec) -> list[str]:
    """The columns a figure's measure reads: what select_rows needs to copy for it."""
    wanted = (spec.column, spec.date, spec.order_by, *spec.numerator)
    return [c for c in dict.fromkeys(wanted) if c is not None]


class _Rows:
    """The rows a figure sees, column by column as asked for: what `_measure` reads, without
    copying a DataFrame for each figure."""

    def __init__(self, frame: pd.DataFrame, keep: np.ndarray) -> None:
        self._frame, self._keep = frame, keep
        self._count = int(keep.sum())
        self._columns: dict[str, pd.Series] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self._columns:
            self._columns[column] = self._frame[column][self._keep]
        return self._columns[column]


class Masks:
    """Row masks of one computation, each window and each filter condition worked out once: many
    figures share them (the same ledger, window and 村 or 类别)."""

    def __init__(self, timeframe: Timeframe) -> None:
        self.timeframe = timeframe
        self._cache: dict[tuple, np.ndarray] = {}

    def window(self, spec: FigureSpec, ledger: Ledger) -> np.ndarray:
        start, end, as_of = self.timeframe.window(spec.window)
        dated = spec.date is not None and spec.window != "all"
        key = ("window", spec.source, dated and spec.date, dated and start, dated and end,
               dated and as_of and spec.end)
        if key not in self._cache:
            self._cache[key] = _window_array(spec, ledger, self.timeframe)
        return self._cache[key]

    def rows(self, spec: FigureSpec, ledger: Ledger, in_window: np.ndarray) -> _Rows:
        keep = in_window.copy()
        for column, condition in spec.where.items():
            key = ("where", spec.source, column, repr(condition))
            if key not in self._cache:
                self._cache[key] = as_bool(condition_mask(ledger.frame[column], condition,
                                                    ledger.spec.columns[column].type, self.timeframe))
            keep &= self._cache[key]
        return _Rows(ledger.frame, keep)
