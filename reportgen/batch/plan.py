"""Planning a batch: the (unit × period × documents) jobs, every period resolved before any job runs."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.batch.units import Unit, project_for
from reportgen.engine.periods import Timeframe
from reportgen.engine.project import Project
from reportgen.errors import InputError, Problem


@dataclass(frozen=True)
class Job:
    """One unit and one period: its documents are rendered together, from one computation of figures."""

    unit: Unit
    timeframe: Timeframe
    documents: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.timeframe.period.name}/{self.unit.name}" if self.unit.folder else self.timeframe.period.name


def parse_list(text: str | list[str] | None) -> list[str]:
    """`a,b c` as typed after --periods or --units: the names, in order, once each."""
    if text is None:
        return []
    parts = text if isinstance(text, list) else [text]
    return list(dict.fromkeys(p.strip() for part in parts for p in part.split(",") if p.strip()))


def plan(project: Project, units: list[Unit], periods: list[str], as_of: str | None = None,
         documents: tuple[str, ...] | None = None) -> list[Job]:
    """Every job of the batch, periods outermost; a bad period or document is refused before any runs."""
    timeframes = [project.timeframe(p, as_of) for p in periods]
    jobs = []
    for timeframe in timeframes:
        for unit in units:
            declared = tuple(project_for(project, unit).registry.documents)
            wanted = documents or declared
            if unit.level == "township" or project.registry.units is None:
                unknown = [name for name in wanted if name not in declared]
                if unknown:
                    raise InputError(Problem("unknown document", column="--documents", value=unknown[0],
                                             expected=f"one of {', '.join(declared)}"))
            else:
                wanted = declared  # the county writes its own documents
            jobs.append(Job(unit, timeframe, tuple(wanted)))
    return jobs
