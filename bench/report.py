"""Benchmark: building the report as a fresh process against WeasyPrint alone on the same HTML.

The criterion: the whole build of the report (figures, DOCX, HTML, PDF) takes at most 1.5 times
what WeasyPrint alone takes to turn that report's HTML into a PDF, both as fresh processes.  The
build is `pipeline.py build --documents report`, since WeasyPrint alone renders only the
report's HTML; the CLI's full build (every document in figures.yaml) is timed too, for information.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
LIMIT = 1.5
WEASYPRINT_ALONE = """
import sys, weasyprint
weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[3]).write_pdf(sys.argv[2])
"""


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one fresh child process (and its helpers)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"{command[:3]} failed ({proc.returncode}):\n{err.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    # Time the package as installed (make setup byte-compiles it), not recompiled on every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "reportgen")], check=True,
                   stdout=subprocess.DEVNULL)
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    try:
        project = work / "project"
        project.mkdir()
        shutil.copy2(ROOT / "figures.yaml", project)
        for folder in ("data", "templates"):
            shutil.copytree(ROOT / folder, project / folder)
        cache = project / ".cache"
        pipeline = [sys.executable, str(ROOT / "pipeline.py"), "--root", str(project), "build"]
        report = [*pipeline, "--documents", "report", "--out", str(work / "report")]
        full = [*pipeline, "--out", str(work / "out")]
        html = work / "report" / "2023H1" / "report.html"
        env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "templates" / "fonts.conf")}
        alone = [sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(work / "alone.pdf"),
                 str(ROOT / "templates")]
        timed(report)  # once untimed, so that every timed run finds its output folder in place
        colds, warms, alones, fulls = [], [], [], []
        for _ in range(RUNS):  # interleaved, so that a busy moment hits every kind alike
            shutil.rmtree(cache, ignore_errors=True)
            colds.append(timed(report))  # every ledger parsed and checked
            warms.append(timed(report))  # unchanged ledgers taken from .cache/ledgers
            alones.append(timed(alone, env))
            fulls.append(timed(full))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    alone_s = statistics.median(t for t, _ in alones)

    def line(label, samples, ratio=True):
        median = statistics.median(t for t, _ in samples)
        runs = " ".join(f"{t:.2f}" for t, _ in samples)
        shown = f"ratio {median / alone_s:4.2f}" if ratio else " " * 10
        print(f"  {label:<52} {median:5.2f} s   {shown}   peak {max(m for _, m in samples):4.0f} MiB   [{runs}]")

    print(f"report benchmark: median of {RUNS} fresh processes each (runs in brackets); "
          f"criterion: build / WeasyPrint alone at most {LIMIT}")
    line("WeasyPrint alone, report.html -> PDF", alones, ratio=False)
    line("build of the report, ledgers parsed (cold cache)", colds)
    line("build of the report, ledgers unchanged (warm cache)", warms)
    line("for information: pipeline.py build, every document", fulls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
