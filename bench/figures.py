"""Benchmark: seconds to load and validate figures.yaml, read the ledgers and compute every figure."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reportgen.engine.checks import run_checks  # noqa: E402
from reportgen.engine.config import load_registry  # noqa: E402
from reportgen.engine.constraints import check_ledgers  # noqa: E402
from reportgen.engine.figures import compute  # noqa: E402
from reportgen.engine.project import Project  # noqa: E402
from reportgen.engine.sources import load_sources  # noqa: E402

RUNS = 7


def one_run() -> dict[str, float]:
    marks = {}
    start = time.perf_counter()
    registry = load_registry(ROOT / "figures.yaml")
    marks["validate figures.yaml"] = time.perf_counter() - start
    start = time.perf_counter()
    ledgers = load_sources(registry)
    marks["read and check ledgers"] = time.perf_counter() - start
    start = time.perf_counter()
    check_ledgers(ledgers)
    marks["apply declared rules"] = time.perf_counter() - start
    start = time.perf_counter()
    project = Project(ROOT, registry, ledgers)
    figures = compute(registry, ledgers, project.timeframe())
    marks["compute figures"] = time.perf_counter() - start
    start = time.perf_counter()
    run_checks(registry, figures)
    marks["run checks"] = time.perf_counter() - start
    marks["total"] = sum(marks.values())
    return marks


def main() -> None:
    one_run()  # warm caches (openpyxl, pandas) so the runs measure the pipeline, not first use
    runs = [one_run() for _ in range(RUNS)]
    rows = sum(len(lg.frame) for lg in load_sources(load_registry(ROOT / "figures.yaml")).values())
    print(f"figures benchmark: {RUNS} runs over {rows} ledger rows (after imports)")
    for stage in runs[0]:
        values = [r[stage] for r in runs]
        print(f"  {stage:<24} median {statistics.median(values) * 1000:8.1f} ms   min {min(values) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
