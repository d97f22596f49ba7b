"""Benchmark: seconds the PDF's line setting and the brief's charts add to a build, each in a fresh process."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3

# One fresh interpreter per run, so font loading and the matplotlib import are counted as a build
# pays them; prints "cold warm charts" in seconds.
_RUN = """
import sys, time
sys.path.insert(0, {root!r})
from reportgen.build import render_document
from reportgen.documents.writers.html import render_html
from reportgen.engine.project import evaluate, load_project
project = load_project({root!r})
results = evaluate(project, project.timeframe())
html = render_html(render_document(project, results, "report")[0])
from reportgen.documents.writers.pdf_lines import set_lines
start = time.perf_counter(); set_lines(html); cold = time.perf_counter() - start
start = time.perf_counter(); set_lines(html); warm = time.perf_counter() - start
start = time.perf_counter(); render_document(project, results, "brief"); charts = time.perf_counter() - start
print(cold, warm, charts)
"""


def main() -> None:
    names = ("set lines of the report, fonts loaded", "set lines of the report again",
             "render the brief with its 3 charts")
    runs = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", _RUN.format(root=str(ROOT))], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
        runs.append([float(x) for x in out.split()])
    print(f"typesetting, {RUNS} fresh processes (median, min):")
    for n, name in enumerate(names):
        values = [run[n] for run in runs]
        print(f"  {name:40s} {statistics.median(values):7.3f} s  {min(values):7.3f} s")


if __name__ == "__main__":
    main()
