"""Benchmark: one build as a fresh process against WeasyPrint alone on the same HTML files.

The criterion: `pipeline.py build --period 2023H1` (figures, DOCX, HTML and PDF of the report and
the brief) takes at most 1.0 times what WeasyPrint alone takes to turn the same two HTML files into
PDFs, one after the other in one fresh process.  The build renders its PDFs on both cores.  The
report alone (`--documents report`) against WeasyPrint on report.html is timed too, for information.
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
LIMIT = 1.0
WEASYPRINT_ALONE = """
import sys, weasyprint
for html in sys.argv[3:]:
    weasyprint.HTML(filename=html, base_url=sys.argv[1]).write_pdf(html + sys.argv[2])
"""


def timed(command: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MiB) and CPU seconds of one fresh child process (and its
    helpers)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"{command[:3]} failed ({proc.returncode}):\n{err.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


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
        built = work / "out" / "2023H1"
        env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "templates" / "fonts.conf")}
        alone = [sys.executable, "-c", WEASYPRINT_ALONE, str(ROOT / "templates"), ".alone.pdf",
                 str(built / "report.html"), str(built / "brief.html")]
        alone_report = alone[:-1]
        timed(full)  # once untimed, so that every timed run finds its output folder in place
        timed(report)
        colds, warms, alones, reports, report_alones = [], [], [], [], []
        for _ in range(RUNS):  # interleaved, so that a busy moment hits every kind alike
            shutil.rmtree(cache, ignore_errors=True)
            colds.append(timed(full))  # every ledger parsed and checked
            warms.append(timed(full))  # unchanged ledgers taken from .cache/ledgers
            alones.append(timed(alone, env))
            reports.append(timed(report))
            report_alones.append(timed(alone_report, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def line(label, samples, against=None):
        median = statistics.median(t for t, _, _ in samples)
        runs = " ".join(f"{t:.2f}" for t, _, _ in samples)
        shown = f"ratio {median / statistics.median(t for t, _, _ in against):4.2f}" if against else " " * 10
        cpu = statistics.median(c for _, _, c in samples)
        print(f"  {label:<52} {median:5.2f} s   {shown}   CPU {cpu:5.2f} s   "
              f"peak {max(m for _, m, _ in samples):4.0f} MiB   [{runs}]")

    print(f"report benchmark: median of {RUNS} fresh processes each (runs in brackets); "
          f"criterion: build / WeasyPrint alone at most {LIMIT}")
    line("WeasyPrint alone, report.html + brief.html -> PDF", alones)
    line("build --period 2023H1, ledgers parsed (cold cache)", colds, alones)
    line("build --period 2023H1, ledgers unchanged (warm cache)", warms, alones)
    line("for information: WeasyPrint alone, report.html", report_alones)
    line("for information: build --documents report (warm)", reports, report_alones)
    return 0


if __name__ == "__main__":
    sys.exit(main())
