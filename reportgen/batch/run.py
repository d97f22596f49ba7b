"""The batch client: plans the jobs, hands them to an executor, and alone writes output/ and the ledger.

Each unit's folder (output/<period>/<unit>/, or output/<period>/ for a lone township) is written
to a staging folder and swapped in whole; a unit that fails leaves its previous folder as it was
and costs no other unit its output. A county's folder waits for its townships of the same period:
it is written only when every roll-up check against their figures holds.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from reportgen import output_folder
from reportgen.batch.executors import executor_for
from reportgen.batch.plan import Job, plan
from reportgen.batch.progress import BatchProgress
from reportgen.batch.rollup import rollup_checks, township_values
from reportgen.batch.units import COUNTY, TOWNSHIP, Unit, check_units, declared_units, project_for
from reportgen.batch.work import Bundle, JobOutput
from reportgen.build import BuildResult, BuiltDocument, publish
from reportgen.engine.figures import FigureSet
from reportgen.engine.project import Project, Results, evaluate
from reportgen.errors import EXIT_CHECK, EXIT_OK, ReportgenError


@dataclass
class BatchResult:
    """What a batch wrote, and what failed with which message and exit code."""

    built: list[BuildResult] = field(default_factory=list)
    failed: list[tuple[str, str, int]] = field(default_factory=list)  # (job label, message, exit code)

    @property
    def exit_code(self) -> int:
        return max((code for _, _, code in self.failed), default=EXIT_OK)


def run_batch(project: Project, units: list[Unit], periods: list[str], out_root: Path,
              scheduler=None, workers: int | None = None, as_of: str | None = None,
              documents: tuple[str, ...] | None = None, record: bool = True,
              show: Callable | None = None) -> BatchResult:
    """Build every unit for every period on an executor; write and record each unit as it arrives."""
    check_units(project)
    jobs = plan(project, units, periods, as_of, documents)
    result = BatchResult()
    client = _Client(project, jobs, out_root, record, result)
    workers = workers or max(1, min(os.cpu_count() or 1, len(jobs)))  # no idle worker to start
    executor = executor_for(Bundle.of(project), scheduler, workers)
    try:
        with BatchProgress(len(jobs), show) as bar:
            for output in executor.run(jobs):
                for label, ok in client.receive(output):
                    bar.advance(label, ok)
    finally:
        executor.close()
    return result


class _Client:
    """Receives outputs; writes townships at once and counties once their roll-ups are settled."""

    def __init__(self, project: Project, jobs: list[Job], out_root: Path, record: bool,
                 result: BatchResult) -> None:
        self.project, self.out_root, self.record, self.result = project, out_root, record, result
        self.jobs = {(job.unit, job.timeframe.name): job for job in jobs}
        self.values: dict[tuple[str, str], dict | None] = {}  # (period, township) -> values, None if failed
        self.counties: list[JobOutput] = []

    def receive(self, output: JobOutput) -> list[tuple[str, bool]]:
        """Write what can be written now; return (label, ok) for each job settled."""
        job = self.jobs[(output.unit, output.period)]
        settled = []
        if output.unit.level == TOWNSHIP:
            self.values[(output.period, output.unit.name)] = None if output.error else output.rollup_values
            settled.append((job.label, self._settle(job, output)))
        else:
            self.counties.append(output)
        for county in list(self.counties):
            waiting = [key for key in self.jobs if key[0].level == TOWNSHIP and key[1] == county.period
                       and (county.period, key[0].name) not in self.values]
            if not waiting:
                self.counties.remove(county)
                county_job = self.jobs[(county.unit, county.period)]
                settled.append((county_job.label, self._settle(county_job, self._rolled_up(county_job, county))))
        return settled

    def _rolled_up(self, job: Job, output: JobOutput) -> JobOutput:
        if output.error or self.project.registry.units is None:
            return output
        values = {}
        for unit in declared_units(self.project.registry):
            if unit.level == COUNTY:
                continue
            key = (output.period, unit.name)
            if key in self.values and self.values[key] is None:
                output.error = f"the roll-up cannot be checked: township {unit.name} failed"
                output.exit_code = EXIT_CHECK
                return output
            if key not in self.values:  # not in this batch: computed here
                try:
                    figures = evaluate(project_for(self.project, unit), job.timeframe, strict=False).figures
                except ReportgenError as exc:
                    output.error = f"the roll-up cannot be checked: township {unit.name}: {exc}"
                    output.exit_code = EXIT_CHECK
                    return output
                self.values[key] = township_values(figures)
            values[unit.name] = self.values[key]
        county = FigureSet(job.timeframe, MappingProxyType(output.figures), output.data_sha256)
        checks = rollup_checks(self.project.registry, county, values)
        output.checks = tuple(output.checks) + checks
        failed = [c for c in checks if not c.holds]
        if failed:
            output.error = "roll-up checks fail:\n" + "\n".join(str(c) for c in failed)
            output.exit_code = EXIT_CHECK
        return output

    def _settle(self, job: Job, output: JobOutput) -> bool:
        if output.error:
            self.result.failed.append((job.label, output.error, output.exit_code))
            return False
        self.result.built.append(write_unit(self.project, job, output, self.out_root, self.record))
        return True


def write_unit(project: Project, job: Job, output: JobOutput, out_root: Path, record: bool = True) -> BuildResult:
    """Write one unit's files into a staging folder, swap it in whole, and record it in the ledger."""
    from reportgen.audit import listing
    from reportgen.audit.ledger import sha256_of

    period = job.timeframe.name
    parent = out_root / period if job.unit.folder else out_root
    target = parent / (job.unit.folder or period)
    output_folder.ensure_folder(parent, create=True)
    say = lambda _msg: None  # noqa: E731 - the batch shows progress itself
    held = output_folder.Staging(parent, target.name, say)
    staging = held.path
    try:
        built = []
        for doc in output.documents:
            files = {}
            for fmt, data in doc.files.items():
                files[fmt] = f"{doc.name}.{fmt}"
                (staging / files[fmt]).write_bytes(data)
            built.append(BuiltDocument(doc.name, doc.title, files, doc.figures_used, doc.text,
                                       {fmt: sha256_of(staging / f) for fmt, f in files.items()}))
        results = Results(FigureSet(job.timeframe, MappingProxyType(output.figures), output.data_sha256),
                          tuple(output.checks))
        payload = listing.figures_document(results)
        payload["unit"] = {"name": job.unit.name, "level": job.unit.level}
        payload["documents"] = {d.name: {"title": d.title, "files": dict(d.files),
                                         "figures_used": list(d.figures_used), "sha256": dict(d.sha256)}
                                for d in built}
        if output.charts:
            payload["charts"] = output.charts
        (staging / "figures.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
        result = BuildResult(job.timeframe, target, tuple(built), results, tuple(output.fonts),
                             tuple(output.warnings))
        ledgers = project.ledgers if record else None
        if parent == out_root:
            publish(result, staging, out_root, ledgers, say)
        else:  # a unit's folder swaps in under its period folder's lock too, where recovery runs
            with output_folder.locked(parent, say):
                publish(result, staging, out_root, ledgers, say)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        held.release()
    return result
