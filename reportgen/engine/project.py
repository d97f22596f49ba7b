"""The figure stages in order: registry, timeframe and ledgers into checked figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from reportgen.engine import periods
from reportgen.engine.checks import CheckResult, require_all, run_checks
from reportgen.engine.config import Registry, load_registry
from reportgen.engine.figures import FigureSet, compute
from reportgen.engine.sources import Ledger, load_sources
from reportgen.errors import PeriodError, Problem


@dataclass(frozen=True)
class Project:
    """A registry and its ledgers, loaded once and shared by every period built from them."""

    root: Path
    registry: Registry
    ledgers: Mapping[str, Ledger]

    @cached_property
    def coverage(self) -> tuple[dt.date, dt.date]:
        """The earliest and latest date any ledger holds (scanned once; the ledgers are frozen)."""
        lows, highs = [], []
        for ledger in self.ledgers.values():
            for column, spec in ledger.spec.columns.items():
                if spec.type == "date" and ledger.frame[column].notna().any():
                    lows.append(ledger.frame[column].min())
                    highs.append(ledger.frame[column].max())
        return pd.Timestamp(min(lows)).date(), pd.Timestamp(max(highs)).date()

    def timeframe(self, period: str | None = None, as_of: dt.date | str | None = None) -> periods.Timeframe:
        """Resolve a period (default from the registry) and cut-off, refusing ones the ledgers miss."""
        spec = self.registry.periods
        deliveries = {name: meeting["date"] for name, meeting in self.registry.meetings.items()
                      if isinstance(meeting.get("date"), dt.date)}
        frame = periods.resolve(period or spec.default, as_of, spec.cutoffs, deliveries)
        first, last = self.coverage
        if frame.cutoff > last:
            raise PeriodError(Problem(
                f"the ledgers do not reach the cut-off of {frame.period.name}; their latest date is {last}",
                column="--period", value=str(frame.cutoff), expected=f"a cut-off on or before {last}"))
        if frame.period.end < first:
            raise PeriodError(Problem(
                f"the ledgers start after {frame.period.name}; their earliest date is {first}",
                column="--period", value=frame.period.name))
        return frame


CACHE_DIR = Path(".cache") / "ledgers"


def load_project(root: Path | str = ".", registry_file: str = "figures.yaml", cache: bool = True) -> Project:
    """Validate figures.yaml, then read and check every ledger it declares.

    Ledgers read and checked before, byte for byte under the same declaration, come from
    `.cache/ledgers/` in the project folder (cache=False reads every file again).
    """
    root = Path(root)
    registry = load_registry(root / registry_file)
    return Project(root, registry, load_sources(registry, cache_dir=root / CACHE_DIR if cache else None))


@dataclass(frozen=True)
class Results:
    """Figures for one timeframe and the outcome of every declared check."""

    figures: FigureSet
    checks: tuple[CheckResult, ...]

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.holds)


def evaluate(project: Project, timeframe: periods.Timeframe, strict: bool = True) -> Results:
    """Compute every figure and run every check; strict raises CheckFailed when any check fails."""
    figures = compute(project.registry, project.ledgers, timeframe)
    results = run_checks(project.registry, figures)
    if strict:
        require_all(results, project.registry)
    return Results(figures, results)
