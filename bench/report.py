"""Benchmark: the whole build as a fresh process against WeasyPrint alone on the same HTML."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
WEASYPRINT_ALONE = """
import sys, weasyprint
weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[3]).write_pdf(sys.argv[2])
"""


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one fresh child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    try:
        build = [sys.executable, "pipeline.py", "build", "--out", str(work / "out")]
        builds = [timed(build) for _ in range(RUNS)]
        html = work / "out" / "2023H1" / "report.html"
        env = {**os.environ, "FONTCONFIG_FILE": str(ROOT / "templates" / "fonts.conf")}
        alone = [timed([sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(work / "alone.pdf"),
                        str(ROOT / "templates")], env) for _ in range(RUNS)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    build_s = statistics.median(t for t, _ in builds)
    alone_s = statistics.median(t for t, _ in alone)
    print(f"report benchmark: median of {RUNS} fresh processes each")
    print(f"  whole build (figures, report + brief: DOCX, HTML, PDF)  {build_s:6.2f} s   peak {max(m for _, m in builds):6.0f} MiB")
    print(f"  WeasyPrint alone, report.html -> PDF                    {alone_s:6.2f} s")
    print(f"  ratio build / WeasyPrint alone                          {build_s / alone_s:6.2f}")


if __name__ == "__main__":
    main()
