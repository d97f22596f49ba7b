"""Benchmark: documents (DOCX + PDF) a second for a county's townships × periods, as one fresh process.

Writes the synthetic county of scripts/make_county_data.py (9 townships unless told) into a
temporary folder, then times `pipeline.py --root <county> batch --units all --periods 2023Q1,2023H1,
2023Q1-Q3,2023` on the local cores: loading and checking the ledgers, every township's report and
brief and the county's summary for every period, and writing them all. The goal: at least 3
documents a second on a 2-core machine. CPU seconds of the whole process tree are shown beside.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERIODS = "2023Q1,2023H1,2023Q1-Q3,2023"
GOAL = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--townships", type=int, default=9)
    parser.add_argument("--periods", default=PERIODS)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reportgen-batch-bench-"))
    try:
        county = work / "county"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_county_data.py"), "--out", str(county),
                        "--townships", str(args.townships)], check=True, stdout=subprocess.DEVNULL)
        command = [sys.executable, str(ROOT / "pipeline.py"), "--root", str(county), "batch", "--units", "all",
                   "--periods", args.periods, "--out", str(work / "out")]
        if args.workers:
            command += ["--workers", str(args.workers)]
        subprocess.run(command[:4] + ["figures", "--format", "json"], check=True,  # the ledger cache, warm
                       stdout=subprocess.DEVNULL)
        before = os.times()
        start = time.perf_counter()
        proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - start
        after = os.times()
        if proc.returncode:
            sys.exit(f"batch failed ({proc.returncode}):\n{proc.stderr}")
        documents = 0
        for figures in (work / "out").rglob("figures.json"):
            for document in json.loads(figures.read_text("utf-8"))["documents"].values():
                documents += {"docx", "pdf"} <= set(document["files"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    periods = len(args.periods.split(","))
    print(f"batch benchmark: {args.townships} townships + the county × {periods} periods, "
          f"{os.cpu_count()} cores, one fresh process (ledger cache warm)")
    print(f"  {documents} documents (DOCX + PDF) in {elapsed:.1f} s: {documents / elapsed:.2f} documents/s "
          f"(goal at least {GOAL}); CPU {cpu:.1f} s, {cpu / elapsed:.2f} cores busy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
