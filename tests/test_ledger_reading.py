"""Reading ledgers at speed without losing a figure: Arrow's parse equals the csv module's wherever it
is used, dates count by day, Excel sheets are read only as far as their data, and the cache is only
a cache."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from conftest import figures_json
from openpyxl.styles import Font

from reportgen.engine import csvledger
from reportgen.engine.config import load_registry
from reportgen.engine.sources import load_source

BASE = Path(__file__).parent / "corpus" / "_base"
HEADER = "编号,姓名,村,纳入日期,人数,金额,是否劳动力"
ROWS = ["P1,张某01,甲村,2022-03-01,127,100.5,是", "P2,李某02,乙村,2023-02-01,2,200,否",
        "P3,王某03,甲村,2023-06-30,1,0,是"]


def project(tmp_path: Path, text: str | None = None) -> Path:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    if text is not None:
        (root / "data" / "people.csv").write_text(text, encoding="utf-8")
    return root


def figures(root: Path, capsys) -> dict:
    return figures_json(root, capsys)["figures"]


def counted_by_day(cells: list[str], cutoff: dt.date) -> int:
    """How many date cells fall on or before the cut-off day, whatever their time of day."""
    return sum(dt.date.fromisoformat(cell[:10]) <= cutoff for cell in cells)


# ---- Arrow's parse is used only where it equals the csv module's ------------------------------------

SAME_EITHER_WAY = {
    "plain": "\n".join([HEADER, *ROWS]) + "\n",
    "crlf": "\r\n".join([HEADER, *ROWS]) + "\r\n",
    "no final newline": "\n".join([HEADER, *ROWS]),
    "trailing blank lines": "\n".join([HEADER, *ROWS]) + "\n\n\n",
    "quoted cells": "\n".join([HEADER, 'P1,"张,某01",甲村,2022-03-01,127,"1""0",是', ROWS[1]]) + "\n",
    "a quote inside a cell": "\n".join([HEADER, 'P1,张"某01,甲村,2022-03-01,127,100.5,是']) + "\n",
    "blank line between rows": "\n".join([HEADER, ROWS[0], "", ROWS[1]]) + "\n",
    "a cell over two lines": "\n".join([HEADER, 'P1,"张某\n01",甲村,2022-03-01,127,100.5,是', ROWS[1]]) + "\n",
    "a short row": "\n".join([HEADER, "P1,张某01,甲村", ROWS[1]]) + "\n",
    "blank extra cells": "\n".join([HEADER, ROWS[0] + ",,", ROWS[1]]) + "\n",
    "a trailing comma on every line": "\n".join([HEADER + ",", *(r + "," for r in ROWS)]) + "\n",
    "old Mac line ends": "\r".join([HEADER, *ROWS]) + "\r",
}


@pytest.mark.parametrize("text", SAME_EITHER_WAY.values(), ids=SAME_EITHER_WAY.keys())
def test_the_fast_parse_equals_the_csv_module_or_steps_aside(text):
    exact = csvledger._without_trailing_blank_columns(csvledger._read_exact(text, "people.csv"))
    fast = csvledger.read_csv(text.encode("utf-8"), None, "people.csv")
    assert fast.header == exact.header
    assert with_content(fast) == with_content(exact)


def with_content(table: csvledger.Table) -> list[tuple]:
    """(row number, cells) of every row that is not blank: blank rows are dropped after reading."""
    cells = list(zip(*(c.to_pylist() for c in table.columns), strict=True))
    return [(int(n), row) for n, row in zip(table.rows, cells, strict=True) if any(c.strip() for c in row)]


@pytest.mark.parametrize("text", [
    "\n".join([HEADER, ROWS[0], ROWS[1] + ",x"]) + "\n",                       # a row too long
    "\n".join([HEADER, ROWS[0], 'P2,李某02,乙村,2023-02-01,2,200,"否']) + "\n",  # unclosed at the end
    "\n".join([HEADER, 'P1,"张某"01,甲村,2022-03-01,127,100.5,是']) + "\n",      # text after a quote
], ids=["long row", "unclosed quote", "text after closing quote"])
def test_what_the_csv_module_refuses_is_never_read_fast(text):
    assert csvledger._read_fast(text.encode("utf-8")) is None


def test_the_fast_parse_is_the_one_taken_for_a_plain_file():
    table = csvledger._read_fast(SAME_EITHER_WAY["plain"].encode("utf-8"))
    assert table is not None and isinstance(table.columns[0], pa.ChunkedArray)


# ---- dates count by day ---------------------------------------------------------------------------

def test_a_date_with_a_time_on_the_cut_off_day_counts(tmp_path, capsys):
    registry = load_registry(BASE / "figures.yaml")
    cutoff = registry.periods.cutoffs["2023H1"]
    dates = ["2022-03-01", "2023-02-01", f"{cutoff} 14:30", f"{cutoff}T23:59:59", f"{cutoff + dt.timedelta(days=1)} 00:10"]
    rows = [f"P{i},某{i:02d},甲村,{d},1,1,是" for i, d in enumerate(dates, start=1)]
    got = figures(project(tmp_path, "\n".join([HEADER, *rows]) + "\n"), capsys)
    assert got["people_count"]["value"] == counted_by_day(dates, cutoff) == 4


def test_an_excel_date_with_a_time_counts_on_its_day(tmp_path, capsys):
    root = project(tmp_path)
    (root / "data" / "people.csv").unlink()
    registry_file = root / "figures.yaml"
    registry_file.write_text(registry_file.read_text(encoding="utf-8").replace("people.csv", "people.xlsx"),
                             encoding="utf-8")
    cutoff = load_registry(registry_file).periods.cutoffs["2023H1"]
    stamps = [dt.datetime(2022, 3, 1), dt.datetime.combine(cutoff, dt.time(14, 30)),
              dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(8))]
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    for i, stamp in enumerate(stamps, start=1):
        book.active.append([f"P{i}", f"某{i:02d}", "甲村", stamp, 1, 1, "是"])
    book.save(root / "data" / "people.xlsx")
    got = figures(root, capsys)
    assert got["people_count"]["value"] == counted_by_day([s.isoformat() for s in stamps], cutoff) == 2


# ---- Excel read as far as its data -----------------------------------------------------------------

PEAK_RSS = """
import sys
from pathlib import Path
from reportgen.engine.config import load_registry
from reportgen.engine.sources import load_source
root = Path(sys.argv[1])
ledger = load_source("people", load_registry(root / "figures.yaml").sources["people"], root / "data")
# VmHWM, not ru_maxrss: the latter keeps the high-water mark of the (large) test process forked here
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(len(ledger.frame), peak_kib // 1024)
"""


def test_a_formatted_empty_cell_at_xfd1048576_costs_nothing(tmp_path):
    root = project(tmp_path)
    (root / "data" / "people.csv").unlink()
    registry_file = root / "figures.yaml"
    registry_file.write_text(registry_file.read_text(encoding="utf-8").replace("people.csv", "people.xlsx"),
                             encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for line in ROWS:
        cells = line.split(",")
        sheet.append([*cells[:3], dt.datetime.fromisoformat(cells[3]), int(cells[4]), float(cells[5]), cells[6]])
    sheet["XFD1048576"].font = Font(bold=True)  # formatted, no value: the sheet's range is A1:XFD1048576
    book.save(root / "data" / "people.xlsx")
    run = subprocess.run([sys.executable, "-c", PEAK_RSS, str(root)], capture_output=True, text=True,
                         timeout=120, check=True)
    rows, peak_mib = map(int, run.stdout.split())
    assert rows == len(ROWS)
    assert peak_mib < 1024, f"reading a 3-row sheet took {peak_mib} MiB"
    frame = load_source("people", load_registry(registry_file).sources["people"], root / "data").frame
    assert list(frame.columns) == HEADER.split(",")
