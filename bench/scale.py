"""Benchmark: `figures` at 10k, 100k and 1M people against DuckDB doing the same work on the same CSVs.

    python bench/scale.py                    # 10000 100000 1000000 people, 5 低保 payments each
    python bench/scale.py --people 10000     # one size

Every run is a fresh process; its wall time and peak resident memory come from wait4(). Projects are
written by scripts/make_scaled_data.py into build/scaled/people-N when missing.

reportgen: `pipeline.py --root build/scaled/people-N figures --format json`, once after removing
  .cache/ (no cache), once more with the cache that run left (cache).
DuckDB: every CSV read as text, trimmed, checked against figures.yaml (empty required cells,
  categories, dates, numbers, whole numbers, bounds, unique keys), typed, checked against the
  declared rules (unique per window, the days a ledger records), then every ledger figure
  of the registry computed in SQL and the formulas on top, all in memory (no cache: unlike
  reportgen's cold run it writes no cache, which favours DuckDB); the cache run opens typed tables
  saved beforehand, untimed, in a DuckDB file and computes the figures again. The figures of both
  are compared: the table says how many agree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCALED = ROOT / "build" / "scaled"
SIZES = (10_000, 100_000, 1_000_000)


def measure(command: list[str], out: Path) -> tuple[float, float]:
    """Seconds and peak MiB of one fresh process; its stdout goes to `out`."""
    with out.open("wb") as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{process.stderr.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def ensure_project(people: int) -> Path:
    root = SCALED / f"people-{people}"
    if not (root / "figures.yaml").exists():
        subprocess.run([sys.executable, "scripts/make_scaled_data.py", "--people", str(people)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    return root


def reportgen_runs(root: Path, work: Path) -> dict:
    shutil.rmtree(root / ".cache", ignore_errors=True)
    command = [sys.executable, "pipeline.py", "--root", str(root), "figures", "--format", "json"]
    cold = measure(command, work / "reportgen.json")
    warm = measure(command, work / "reportgen-cached.json")
    return {"cold": cold, "warm": warm, "figures": json.loads((work / "reportgen.json").read_text())["figures"]}


def duckdb_runs(root: Path, work: Path) -> dict:
    database = work / "duckdb.db"
    database.unlink(missing_ok=True)
    command = [sys.executable, "bench/scale_duckdb.py", str(root), str(database)]
    cold = measure(command, work / "duckdb.json")  # in memory: DuckDB's cold run writes no cache
    subprocess.run([*command, "--save"], cwd=ROOT, check=True)  # not timed
    warm = measure([*command, "--cached"], work / "duckdb-cached.json")
    return {"cold": cold, "warm": warm, "figures": json.loads((work / "duckdb.json").read_text())}


def agreeing(ours: dict, theirs: dict) -> tuple[int, int]:
    same = 0
    for fid, figure in ours.items():
        value, other = figure["value"], theirs.get(fid)
        if isinstance(value, list):
            same += other == value
        elif other is not None and abs(float(value) - float(other)) <= 1e-6 * max(1.0, abs(float(value))):
            same += 1
    return same, len(ours)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, action="append", help="sizes to run (default: 10k, 100k, 1M)")
    args = parser.parse_args(argv)
    rows = []
    print("| people / 低保 payments | CSV MB | run | reportgen | DuckDB | ratio | figures agree |")
    print("|---|---|---|---|---|---|---|")
    for people in args.people or SIZES:
        root = ensure_project(people)
        work = SCALED / f"bench-{people}"
        work.mkdir(parents=True, exist_ok=True)
        size = sum(p.stat().st_size for p in (root / "data").iterdir()) / 1e6
        ours, theirs = reportgen_runs(root, work), duckdb_runs(root, work)
        same, total = agreeing(ours["figures"], theirs["figures"])
        payments = sum(1 for _ in (root / "data" / "dibao_payments.csv").open("rb")) - 1
        for run, label in (("cold", "no cache"), ("warm", "cache")):
            (t1, m1), (t2, m2) = ours[run], theirs[run]
            row = (f"| {people:,} / {payments:,} | {size:.0f} | {label} | {t1:.2f} s, {m1:.0f} MiB "
                   f"| {t2:.2f} s, {m2:.0f} MiB | {t1 / t2:.2f} | {same}/{total} |")
            rows.append(row)
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
