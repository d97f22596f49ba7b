"""Registry plus ledgers plus a timeframe into computed figures, each with its provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from reportgen import zhnum
from reportgen.engine import formula
from reportgen.engine.config import FigureSpec, Registry
from reportgen.engine.periods import Timeframe, quarter_span_words
from reportgen.engine.rows import (  # noqa: F401  their old home
    Masks,
    as_bool,
    condition_mask,
    measured_columns,
    select_rows,
    window_mask,
)
from reportgen.engine.sources import Ledger
from reportgen.errors import FigureError, Problem, WordingError
from reportgen.privacy import DOCUMENT_STAR, scrub

DEFAULT_WORDING = {"元": "wan", "%": "percent"}


@dataclass(frozen=True)
class Provenance:
    """Where a figure came from: enough to recompute it and to tell a reader how."""

    kind: str                          # ledger, formula or registry
    source: str | None = None
    file: str | None = None
    where: Mapping = field(default_factory=dict)
    numerator: Mapping = field(default_factory=dict)
    measure: str | None = None
    column: str | None = None
    window: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    rows: int | None = None
    data_sha256: str | None = None
    formula: str | None = None
    note: str | None = None
    dated: str | None = None           # a dated registry value: the day it became true

    def as_dict(self) -> dict:
        return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.__dict__.items()
                if v not in (None, {}) and not (isinstance(v, Mapping) and not v)}


@dataclass(frozen=True)
class Figure:
    """A value with its meaning; str() gives the wording a report prints (127户, 13.38万元)."""

    id: str
    label: str
    unit: str
    value: float | int | tuple[str, ...]
    wording_style: str
    provenance: Provenance

    @property
    def wording(self) -> str:
        if self.provenance.measure == "quarters":
            return quarter_span_words([int(q) for q in self.value]) if self.value else ""
        if isinstance(self.value, tuple):
            return zhnum.join_zh(list(self.value))
        return zhnum.FORMATS[self.wording_style](self.value, self.unit)

    def __str__(self) -> str:
        return self.wording

    def as_dict(self) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"id": self.id, "label": self.label, "unit": self.unit, "value": value,
                "wording": self.wording, "provenance": self.provenance.as_dict()}


@dataclass(frozen=True)
class FigureSet:
    """Every figure of the registry for one timeframe, plus the hash of the ledgers behind them."""

    timeframe: Timeframe
    figures: Mapping[str, Figure]
    data_sha256: str
    warnings: tuple[str, ...] = ()   # windows of a ledger that hold no rows; registry values older than the period

    def __getitem__(self, fid: str) -> Figure:
        return self.figures[fid]

    def values(self) -> dict[str, float | int | tuple]:
        return {fid: f.value for fid, f in self.figures.items()}


def _measure(fid: str, spec: FigureSpec, rows, ledger: Ledger, timeframe: Timeframe):
    """The figure's value from its rows (a DataFrame, or _Rows: anything giving columns and a length)."""
    if spec.measure == "count":
        return len(rows)
    if spec.measure == "nunique":
        return int(rows[spec.column].nunique())
    if spec.measure == "list":
        values = rows[spec.column]
        if spec.order_by:  # as DataFrame.sort_values: stable, missing last
            values = values.loc[rows[spec.order_by].sort_values(kind="stable").index]
        # free text such as a project name may hold an ID or phone number: masked before any output
        return tuple(dict.fromkeys(scrub(str(v), DOCUMENT_STAR) for v in values.dropna()))
    if spec.measure == "quarters":
        return tuple(str(q) for q in sorted(rows[spec.date].dt.quarter.dropna().unique()))
    if spec.measure == "ratio":
        if len(rows) == 0:
            raise FigureError(Problem("a ratio over no rows", column=f"figures.{fid}",
                                      expected="at least one row in the denominator"))
        hits = np.ones(len(rows), dtype=bool)
        for column, condition in spec.numerator.items():
            hits &= as_bool(condition_mask(rows[column], condition, ledger.spec.columns[column].type, timeframe))
        return int(hits.sum()) / len(rows)
    values = rows[spec.column].astype(float)
    if spec.measure == "mean":
        if len(rows) == 0:
            raise FigureError(Problem("a mean over no rows", column=f"figures.{fid}"))
        return _tidy(float(values.mean()))
    return _tidy(float(values.sum()))


def _tidy(value: float) -> float | int:
    """Sums of floats carry noise (0.1 + 0.2); round it away and give whole numbers as int."""
    value = round(value, 6)
    return int(value) if value.is_integer() else value


def data_hash(ledgers: Mapping[str, Ledger]) -> str:
    digest = hashlib.sha256()
    for name in sorted(ledgers):
        digest.update(f"{name}:{ledgers[name].sha256}\n".encode())
    return digest.hexdigest()


def _wording_style(spec: FigureSpec) -> str:
    return spec.wording or DEFAULT_WORDING.get(spec.unit, "count" if spec.unit else "plain")


def _dated_within(ledger: Ledger, start: dt.date | None, end: dt.date) -> bool:
    """Whether any row of the ledger has any date in [start, end]: a figure whose own date column is
    empty there (no one left a post this year) still reads a ledger that holds the window."""
    for column, spec in ledger.spec.columns.items():
        if spec.type == "date":
            dates = ledger.frame[column]
            inside = dates < pd.Timestamp(end) + pd.Timedelta(days=1)  # by day, whatever the time
            if start is not None:
                inside &= dates >= pd.Timestamp(start)
            if inside.any():
                return True
    return False


def _empty_windows(empty: dict[tuple, list[str]], ledgers: Mapping[str, Ledger],
                   problems: list[Problem]) -> tuple[str, ...]:
    """A window in which a ledger holds no rows: a warning, or an error where the source declares not_empty."""
    warnings = []
    for (source, window, start, end), fids in empty.items():
        ledger = ledgers[source]
        if _dated_within(ledger, start, end):
            continue
        spec = ledger.spec
        days = f"{start} to {end}" if start else f"on or before {end}"
        required = spec.not_empty is True or (spec.not_empty and window.split()[0] in spec.not_empty)
        if required:
            problems.append(Problem(f"no rows in window {window} ({days})", file=f"data/{spec.file}",
                                    value=", ".join(fids),
                                    expected=f"at least one row (sources.{source}.not_empty)"))
        else:
            warnings.append(f"data/{spec.file}: no rows in window {window} ({days}); "
                            f"figures computed from no rows: {', '.join(fids)}")
    return tuple(warnings)


def _registry_value(fid: str, spec: FigureSpec, timeframe: Timeframe, warnings: list[str]):
    """A registry figure's value for a timeframe, with its provenance.

    An undated `value` holds always. Of dated `values`, a stock takes the latest on or before the
    cut-off (warning when it is older than the period's start); a flow adds those dated in its
    window (default: the year to the cut-off), so an event counts once it has happened."""
    if spec.values is None:
        return _tidy(float(spec.value)), Provenance("registry", note=spec.note)
    cutoff = timeframe.cutoff
    if spec.time_quantity == "flow":
        start, end, _ = timeframe.window(spec.window or "ytd")
        chosen = [v for v in spec.values if (start is None or v.date >= start) and v.date <= end]
        total = _tidy(float(sum(v.value for v in chosen)))
        note = "; ".join(f"{v.date.isoformat()} {v.source}" for v in chosen) or None
        return total, Provenance("registry", note=note, window=spec.window or "ytd",
                                 window_start=start.isoformat() if start else None,
                                 window_end=end.isoformat() if end else None)
    earlier = [v for v in spec.values if v.date <= cutoff]
    if not earlier:
        raise FigureError(Problem(f"no dated value on or before the cut-off {cutoff}", column=f"figures.{fid}",
                                  value=spec.values[0].date.isoformat(),
                                  expected=f"a value dated on or before {cutoff}"))
    latest = earlier[-1]
    if latest.date < timeframe.period.start:
        warnings.append(f"figures.{fid} ({spec.label}): the latest value, of {latest.date.isoformat()}, "
                        f"is older than {timeframe.period.name}, which starts {timeframe.period.start}")
    return _tidy(float(latest.value)), Provenance("registry", note=latest.source,
                                                  dated=latest.date.isoformat())


def compute(registry: Registry, ledgers: Mapping[str, Ledger], timeframe: Timeframe, *,
            earlier: bool = False) -> FigureSet:
    """Compute every figure of the registry for a timeframe; raise FigureError listing all failures.

    `earlier`: the timeframe is only compared with (同比, 环比), so a registry figure with no value
    yet is left out rather than an error."""
    figures: dict[str, Figure] = {}
    problems: list[Problem] = []
    warnings: list[str] = []
    empty: dict[tuple, list[str]] = {}   # (source, window, start, end) -> figure ids
    masks = Masks(timeframe)
    for fid, spec in registry.figures.items():
        if spec.kind == "formula":
            continue
        if spec.kind == "registry":
            try:
                value, prov = _registry_value(fid, spec, timeframe, warnings)
            except FigureError as exc:
                if not earlier:
                    problems.extend(exc.problems)
                continue
            figures[fid] = Figure(fid, spec.label, spec.unit, value, _wording_style(spec), prov)
            continue
        ledger = ledgers[spec.source]
        in_window = masks.window(spec, ledger)
        start, end, _ = timeframe.window(spec.window)
        window_name = spec.window if isinstance(spec.window, str) else f"quarters {list(spec.window.quarters)}"
        if spec.date is not None and spec.window != "all" and not in_window.any():
            empty.setdefault((spec.source, window_name, start, end), []).append(fid)
        try:
            rows = masks.rows(spec, ledger, in_window)
            value = _measure(fid, spec, rows, ledger, timeframe)
        except FigureError as exc:
            problems.extend(exc.problems)
            continue
        prov = Provenance(
            "ledger", source=spec.source, file=f"data/{ledger.spec.file}", where=spec.where,
            numerator=spec.numerator, measure=spec.measure, column=spec.column, window=window_name,
            window_start=start.isoformat() if start else None,
            window_end=end.isoformat() if end else None, rows=len(rows), data_sha256=ledger.sha256,
        )
        figures[fid] = Figure(fid, spec.label, spec.unit, value, _wording_style(spec), prov)
    if not earlier:  # an earlier period, only compared with, neither warns nor fails for empty windows
        warnings = [*_empty_windows(empty, ledgers, problems), *warnings]
    formulas = {fid: spec.formula for fid, spec in registry.figures.items() if spec.kind == "formula"}
    for fid in formula.dependency_order(formulas):
        spec = registry.figures[fid]
        values = {k: f.value for k, f in figures.items()}
        missing = formula.names(spec.formula) - set(values)
        if missing and earlier:
            continue
        if missing:
            problems.append(Problem("cannot compute: it uses figures that failed", column=f"figures.{fid}",
                                    value=", ".join(sorted(missing))))
            continue
        try:
            value = _tidy(formula.evaluate(spec.formula, values, f"figures.{fid}"))
        except FigureError as exc:
            problems.extend(exc.problems)
            continue
        prov = Provenance("formula", formula=spec.formula)
        figures[fid] = Figure(fid, spec.label, spec.unit, value, _wording_style(spec), prov)
    if problems:
        raise FigureError(problems)
    ordered = {fid: figures[fid] for fid in registry.figures if fid in figures}
    for fig in ordered.values():
        if isinstance(fig.value, float) and not math.isfinite(fig.value):
            raise WordingError(Problem("not a finite number", column=f"figures.{fig.id}", value=fig.value))
    return FigureSet(timeframe, MappingProxyType(ordered), data_hash(ledgers), tuple(warnings))


def compute_breakdown(registry: Registry, ledgers: Mapping[str, Ledger], timeframe: Timeframe,
                      figure_ids: list[str], by: str) -> dict[str, dict[str, Figure]]:
    """The same ledger figures computed per value of a column (per village): group -> id -> Figure."""
    table: dict[str, dict[str, Figure]] = {}
    for fid in figure_ids:
        spec = registry.figures[fid]
        if spec.kind != "ledger" or by not in ledgers[spec.source].frame.columns:
            raise FigureError(Problem(f"cannot break down by {by!r}", column=f"figures.{fid}",
                                      expected=f"a ledger figure whose source has a column {by!r}"))
        ledger = ledgers[spec.source]
        rows = select_rows(spec, ledger, timeframe)
        groups = ledger.spec.columns[by].values or tuple(dict.fromkeys(ledger.frame[by].dropna()))
        for group in groups:
            part = rows[rows[by] == group]
            value = _measure(fid, spec, part, ledger, timeframe) if len(part) or spec.measure != "ratio" else 0
            prov = Provenance("ledger", source=spec.source, file=f"data/{ledger.spec.file}",
                              where={**spec.where, by: group}, measure=spec.measure, column=spec.column,
                              rows=len(part), data_sha256=ledger.sha256)
            table.setdefault(group, {})[fid] = Figure(fid, spec.label, spec.unit, value,
                                                      _wording_style(spec), prov)
    return table


def compute_figures(registry: Registry, ledgers: Mapping[str, Ledger], timeframe: Timeframe,
                    figure_ids: tuple[str, ...] | list[str]) -> dict[str, Figure]:
    """Only the given ledger figures for a timeframe (a chart's monthly points): id -> Figure."""
    figures: dict[str, Figure] = {}
    masks = Masks(timeframe)
    for fid in figure_ids:
        spec = registry.figures[fid]
        if spec.kind != "ledger":
            raise FigureError(Problem("cannot be computed alone", column=f"figures.{fid}",
                                      expected="a ledger figure"))
        ledger = ledgers[spec.source]
        rows = masks.rows(spec, ledger, masks.window(spec, ledger))
        value = _measure(fid, spec, rows, ledger, timeframe)
        start, end, _ = timeframe.window(spec.window)
        prov = Provenance("ledger", source=spec.source, file=f"data/{ledger.spec.file}", where=spec.where,
                          numerator=spec.numerator, measure=spec.measure, column=spec.column,
                          window=spec.window if isinstance(spec.window, str) else "quarters",
                          window_start=start.isoformat() if start else None,
                          window_end=end.isoformat() if end else None, rows=len(rows),
                          data_sha256=ledger.sha256)
        figures[fid] = Figure(fid, spec.label, spec.unit, value, _wording_style(spec), prov)
    return figures
