"""The figure stages in order: registry, timeframe and ledgers into checked figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from reportgen.engine import periods, townshipfolders
from reportgen.engine.checks import CheckResult, require_all, run_checks
from reportgen.engine.config import Registry, load_registry
from reportgen.engine.constraints import check_ledgers, last_day, ledger_file
from reportgen.engine.figures import FigureSet, compute
from reportgen.engine.sources import Ledger, load_sources
from reportgen.errors import PeriodError, Problem


@dataclass(frozen=True)
class Project:
    """A registry and its ledgers, loaded once and shared by every period built from them."""

    root: Path
    registry: Registry
    ledgers: Mapping[str, Ledger]
    today: dt.date = field(default_factory=dt.date.today, compare=False)

    @cached_property
    def _bounds(self) -> tuple[dt.date | None, tuple[dt.date, str, str] | None, tuple[dt.date, str]]:
        """(earliest date any ledger holds; latest declared dates.from with its source; last day
        reportable with the reason). Scanned once: the ledgers are frozen."""
        lows = []
        for ledger in self.ledgers.values():
            for column, spec in ledger.spec.columns.items():
                if spec.type == "date" and ledger.frame[column].notna().any():
                    lows.append(ledger.frame[column].min())
        earliest = pd.Timestamp(min(lows)).date() if lows else None
        declared = [(lg.spec.dates.first, name, ledger_file(lg)) for name, lg in self.ledgers.items()
                    if lg.spec.dates is not None and lg.spec.dates.first is not None]
        ends = [(*last_day(lg.spec, self.today), name, ledger_file(lg)) for name, lg in self.ledgers.items()]
        until, bound, name, file = min(ends, default=(self.today, "today", "", ""))
        if bound == "today":
            reason = f"no ledger can record a day after today ({self.today})"
        else:
            reason = f"{file} records days up to {until} (sources.{name}.dates.until in figures.yaml)"
        return earliest, max(declared, default=None), (until, reason)

    @property
    def coverage(self) -> tuple[dt.date, dt.date]:
        """The first and last day figures can be computed over: from the earliest ledger date (or the
        latest declared `dates.from`) to the earliest `dates.until` of any ledger, else today."""
        earliest, declared, (until, _) = self._bounds
        firsts = [d for d in (earliest, declared[0] if declared else None) if d is not None]
        return max(firsts, default=until), until

    def timeframe(self, period: str | None = None, as_of: dt.date | str | None = None) -> periods.Timeframe:
        """Resolve a period (default from the registry) and cut-off, refusing ones the ledgers miss."""
        spec = self.registry.periods
        deliveries = {name: meeting["date"] for name, meeting in self.registry.meetings.items()
                      if isinstance(meeting.get("date"), dt.date)}
        frame = periods.resolve(spec.default if period is None else period, as_of, spec.cutoffs, deliveries)
        earliest, declared, (until, reason) = self._bounds
        if frame.cutoff > until:
            raise PeriodError(Problem(
                f"the cut-off of {frame.period.name} is beyond the days the ledgers record: {reason}",
                column="--period", value=str(frame.cutoff), expected=f"a cut-off on or before {until}"))
        if declared is not None and frame.period.start < declared[0]:
            first, name, file = declared
            raise PeriodError(Problem(
                f"{frame.period.name} starts before {file} records days "
                f"(from {first}, sources.{name}.dates.from in figures.yaml)",
                column="--period", value=frame.period.name, expected=f"a period starting on or after {first}"))
        if earliest is not None and frame.period.end < earliest:
            raise PeriodError(Problem(
                f"the ledgers start after {frame.period.name}; their earliest date is {earliest}",
                column="--period", value=frame.period.name))
        return frame


CACHE_DIR = Path(".cache") / "ledgers"


def load_project(root: Path | str = ".", registry_file: str = "figures.yaml", cache: bool = True) -> Project:
    """Validate figures.yaml, then read and check every ledger it declares.

    Ledgers read and checked before, byte for byte under the same declaration, come from
    `.cache/ledgers/` in the project folder (cache=False reads every file again). A county whose
    ledgers are kept one folder per township (data/<township>/<file>) has them joined county-wide.
    """
    root = Path(root)
    registry = load_registry(root / registry_file)
    cache_dir = root / CACHE_DIR if cache else None
    today = dt.date.today()
    if townshipfolders.in_township_folders(registry):  # a county's ledgers, one folder per township
        registry = townshipfolders.with_township_column(registry)
        return Project(root, registry, townshipfolders.load_township_folders(registry, cache_dir, today), today)
    ledgers = load_sources(registry, cache_dir=cache_dir)
    check_ledgers(ledgers, today)
    return Project(root, registry, ledgers, today)


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
