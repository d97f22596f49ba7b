"""Several periods from one load of the ledgers: the quarterly, half-year and annual variants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportgen.build import BuildResult, build
from reportgen.engine.project import Project

DEFAULT_VARIANTS = ("2023Q1", "2023H1", "2023Q1-Q3", "2023")


def build_variants(project: Project, periods: tuple[str, ...], out_root: Path,
                   progress: Callable[[str], None] | None = None) -> list[BuildResult]:
    """Build each period in turn from the same loaded project; each period folder is swapped in alone."""
    say = progress or (lambda _msg: None)
    timeframes = [project.timeframe(p) for p in periods]  # refuse a bad period before building any
    results = []
    for number, timeframe in enumerate(timeframes, start=1):
        prefix = f"[{number}/{len(timeframes)}]"
        results.append(build(project, timeframe, out_root, progress=lambda msg, p=prefix: say(f"{p} {msg}")))
        say(f"{prefix} {timeframe.period.name}: done (cut-off {timeframe.cutoff})")
    return results
