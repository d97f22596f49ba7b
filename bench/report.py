"""Benchmark: building the report as a fresh process against WeasyPrint alone on the same HTML.

The criterion: the whole build of the report (figures, DOCX, HTML, PDF) takes at most 1.5 times
what WeasyPrint alone takes to turn that report's HTML into a PDF, both as fresh processes.  The
build is `pipeline.py build --documents report`, since WeasyPrint alone renders only the
report's HTML; the CLI's full build (report and brief) is timed too, for information.
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
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    try:
        report = [sys.executable, "pipeline.py", "build", "--documents", "report", "--out", str(work / "report")]
        full = [sys.executable, "pipeline.py", "build", "--out", str(work / "out")]
        html = work / "report" / "2023H1" / "report.html"
        env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "templates" / "fonts.conf")}
        alone = [sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(work / "alone.pdf"),
                 str(ROOT / "templates")]
        timed(report)  # once untimed, so that every timed run finds its output folder in place
        reports, alones, fulls = [], [], []
        for _ in range(RUNS):  # interleaved, so that a busy moment hits every kind alike
            reports.append(timed(report))
            alones.append(timed(alone, env))
            fulls.append(timed(full))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report_s = statistics.median(t for t, _ in reports)
    alone_s = statistics.median(t for t, _ in alones)
    full_s = statistics.median(t for t, _ in fulls)
    ratio = report_s / alone_s

    def runs(samples):
        return " ".join(f"{t:.2f}" for t, _ in samples)

    print(f"report benchmark: median of {RUNS} fresh processes each (runs in brackets)")
    print(f"  build of the report (figures, DOCX, HTML, PDF)      {report_s:6.2f} s   "
          f"peak {max(m for _, m in reports):4.0f} MiB   [{runs(reports)}]")
    print(f"  WeasyPrint alone, report.html -> PDF                {alone_s:6.2f} s   "
          f"peak {max(m for _, m in alones):4.0f} MiB   [{runs(alones)}]")
    print(f"  ratio build / WeasyPrint alone                      {ratio:6.2f}     "
          f"(criterion: at most {LIMIT})")
    print(f"  for information: pipeline.py build, report + brief  {full_s:6.2f} s   "
          f"peak {max(m for _, m in fulls):4.0f} MiB   [{runs(fulls)}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
