"""Ledgers as offices save them: UTF-8 with or without BOM, GBK/GB18030, full-width digits, stray
control characters, Excel sheets with trailing blank rows; merged headers and uncached formulas are
refused. The same ledger, however saved, gives the same figures."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import REPO, copy_project, figures_json

from reportgen.build import build
from reportgen.cli import main
from reportgen.engine.config import load_registry
from reportgen.engine.project import load_project
from reportgen.engine.sources import load_source
from reportgen.errors import SourceError

BASE = Path(__file__).parent / "corpus" / "_base"
DECLARED = re.compile(r"^[ \t]+encoding:[ \t]*\S+[ \t]*\n", re.MULTILINE)


def without_hashes(value):
    """The figures document with every hash of input files taken out."""
    if isinstance(value, dict):
        return {k: without_hashes(v) for k, v in value.items() if "sha256" not in k and "hash" not in k}
    if isinstance(value, list):
        return [without_hashes(v) for v in value]
    return value


def reencode(root: Path, encoding: str) -> list[str]:
    """Save every CSV ledger of the project again in `encoding`; return the files changed."""
    changed = []
    for path in sorted((root / "data").glob("*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        raw = text.encode(encoding)
        if raw != path.read_bytes():
            changed.append(path.name)
        path.write_bytes(raw)
    return changed


def set_declared(root: Path, encoding: str | None) -> None:
    """Leave the encoding of every CSV source undeclared, or declare `encoding` for each."""
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    assert not DECLARED.search(text), "the demo registry leaves the encoding of its ledgers to detection"
    if encoding is not None:
        text = re.sub(r"^([ \t]+)file:[ \t]*(\S+\.csv)[ \t]*\n", rf"\1file: \2\n\1encoding: {encoding}\n",
                      text, flags=re.MULTILINE)
    registry.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def demo_figures(tmp_path_factory):
    """The figures of an unchanged copy of the demo, computed once."""
    import contextlib

    root = copy_project(tmp_path_factory.mktemp("demo") / "project")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--root", str(root), "figures", "--format", "json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("encoding, declared", [
    ("gbk", None),            # detected
    ("gbk", "gbk"),
    ("gb18030", "gb18030"),
    ("utf-8-sig", None),      # detected by its BOM
    ("utf-8-sig", "utf-8"),   # Excel's "CSV UTF-8" declared as utf-8: the BOM is not part of the header
    ("utf-8", None),
])
def test_the_demo_ledgers_resaved_give_the_same_figures(encoding, declared, demo_figures, tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    changed = reencode(root, encoding)
    if encoding != "utf-8":
        assert len(changed) == len(list((REPO / "data").glob("*.csv"))) > 0
    set_declared(root, declared)
    figures = figures_json(root, capsys)
    assert without_hashes(figures) == without_hashes(demo_figures)
    if changed:
        assert figures["data_sha256"] != demo_figures["data_sha256"]  # the files did change


def test_the_shipped_registry_leaves_every_csv_encoding_to_detection(repo_project):
    csv_sources = [s for s in repo_project.registry.sources.values() if s.file.endswith(".csv")]
    assert csv_sources and all(s.encoding is None for s in csv_sources)


def test_a_gbk_resave_builds_the_figures_json_of_utf8(h1_build, tmp_path):
    """Every CSV ledger saved again as Excel on Chinese Windows saves it: the build's figures.json is
    the UTF-8 build's, apart from the hashes of the files."""
    root = copy_project(tmp_path / "project")
    assert len(reencode(root, "gbk")) == len(list((REPO / "data").glob("*.csv")))
    project = load_project(root, cache=False)
    assert {lg.encoding for lg in project.ledgers.values() if lg.path.suffix == ".csv"} == {"gb18030"}
    built = build(project, project.timeframe(h1_build.timeframe.period.name), tmp_path / "output")
    gbk = json.loads((built.folder / "figures.json").read_text(encoding="utf-8"))
    utf8 = json.loads((h1_build.folder / "figures.json").read_text(encoding="utf-8"))
    assert gbk["figures"] and gbk["documents"]
    assert without_hashes(gbk) == without_hashes(utf8)
    assert gbk["data_sha256"] != utf8["data_sha256"]  # the files did change


# ---- one small ledger, saved in different ways ---------------------------------------------------

HEADER = "编号,姓名,村,纳入日期,人数,金额,是否劳动力"
ROWS = [
    ("P1", "张某01", "甲村", "2022-03-01", "127", "100.5", "是"),
    ("P2", "李某02", "乙村", "2023-02-01", "2", "200", "否"),
    ("P3", "王某03", "甲村", "2023-06-30", "1", "0", "是"),
]
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


def small_project(tmp_path: Path, rows=ROWS, header=HEADER, raw: bytes | None = None) -> Path:
    root = tmp_path / "project"
    if not root.exists():
        shutil.copytree(BASE, root)
    text = "\n".join([header, *(",".join(r) for r in rows)]) + "\n"
    (root / "data" / "people.csv").write_bytes(raw if raw is not None else text.encode("utf-8"))
    return root


@pytest.fixture
def plain_figures(tmp_path_factory, capsys):
    return without_hashes(figures_json(small_project(tmp_path_factory.mktemp("plain")), capsys))


def test_full_width_digits_are_read_as_digits(plain_figures, tmp_path, capsys):
    rows = [(*r[:3], r[3].translate(FULL_WIDTH), r[4].translate(FULL_WIDTH), r[5].translate(FULL_WIDTH), r[6])
            for r in ROWS]
    assert rows[0][4] == "１２７"
    assert without_hashes(figures_json(small_project(tmp_path, rows), capsys)) == plain_figures


def test_control_characters_in_cells_are_dropped(plain_figures, tmp_path, capsys):
    rows = [("P1\x0b", "张某\x0b01", "甲村\x0c", "2022-03-01\x1f", "12\x0b7", "100.5\x00", "是\x0b"), *ROWS[1:]]
    assert without_hashes(figures_json(small_project(tmp_path, rows), capsys)) == plain_figures
    project = load_registry(tmp_path / "project" / "figures.yaml")
    frame = load_source("people", project.sources["people"], tmp_path / "project" / "data").frame
    assert frame.loc[2, "姓名"] == "张某01" and frame.loc[2, "人数"] == 127


def test_full_width_punctuation_in_headers_and_categories_is_kept(tmp_path, capsys):
    """金额（元） in the ledger matches 金额（元） in figures.yaml: only digits are made half-width."""
    root = small_project(tmp_path, [(*r[:2], "甲村（东）" if r[2] == "甲村" else r[2], *r[3:]) for r in ROWS],
                         header=HEADER.replace("金额", "金额（元）"))
    registry = root / "figures.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("金额", "金额（元）")
                        .replace("[甲村, 乙村]", "[甲村（东）, 乙村]"), encoding="utf-8")
    figures = figures_json(root, capsys)["figures"]
    assert figures["amount"]["value"] == sum(float(r[5]) for r in ROWS)


@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_the_encoding_is_detected_when_not_declared(encoding, detected, tmp_path):
    text = "\n".join([HEADER, *(",".join(r) for r in ROWS)]) + "\n"
    root = small_project(tmp_path, raw=text.encode(encoding))
    registry = load_registry(root / "figures.yaml")
    ledger = load_source("people", registry.sources["people"], root / "data")
    assert ledger.encoding == detected
    assert list(ledger.frame.columns) == HEADER.split(",")
    assert list(ledger.frame["姓名"]) == [r[1] for r in ROWS]


# ---- Excel --------------------------------------------------------------------------------------

def xlsx_project(tmp_path: Path, change=None) -> Path:
    root = small_project(tmp_path)
    (root / "data" / "people.csv").unlink()
    registry = root / "figures.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("people.csv", "people.xlsx"), encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for r in ROWS:
        sheet.append([r[0], r[1], r[2], dt.datetime.fromisoformat(r[3]), int(r[4]), float(r[5]), r[6]])
    if change:
        change(sheet)
    book.save(root / "data" / "people.xlsx")
    return root


def test_an_excel_ledger_gives_the_figures_of_its_csv(plain_figures, tmp_path, capsys):
    figures = without_hashes(figures_json(xlsx_project(tmp_path), capsys))
    for fig in figures["figures"].values():  # the provenance names the .xlsx file
        fig["provenance"].pop("file", None)
    for fig in plain_figures["figures"].values():
        fig["provenance"].pop("file", None)
    assert figures == plain_figures


def test_trailing_blank_rows_of_a_sheet_are_ignored(tmp_path, capsys):
    def trailing(sheet):
        for row in range(len(ROWS) + 2, len(ROWS) + 40):
            sheet.cell(row, 1).value = None
            sheet.cell(row, 2).value = "  " if row % 2 else ""
            sheet.cell(row, 7).number_format = "0.00"  # formatted but empty, as Excel leaves them
    root = xlsx_project(tmp_path, trailing)
    figures = figures_json(root, capsys)["figures"]
    assert figures["amount"]["provenance"]["rows"] == len(ROWS)
    assert figures["amount"]["value"] == sum(float(r[5]) for r in ROWS)


def _refused(root: Path) -> str:
    registry = load_registry(root / "figures.yaml")
    with pytest.raises(SourceError) as caught:
        load_source("people", registry.sources["people"], root / "data")
    return str(caught.value)


def test_merged_header_cells_are_refused(tmp_path):
    root = xlsx_project(tmp_path, lambda sheet: sheet.merge_cells("B1:C1"))
    message = _refused(root)
    assert "people.xlsx row 1 B1:C1" in message and "merged cells in the header row" in message


def test_a_formula_without_a_saved_value_is_refused(tmp_path):
    def formula(sheet):
        sheet["F3"] = "=F2+1"
        sheet["E4"] = "=SUM(E2:E3)"
    message = _refused(xlsx_project(tmp_path, formula))
    assert "people.xlsx row 3 金额 (cell F3): formula without a saved value" in message
    assert "people.xlsx row 4 人数 (cell E4)" in message and "'=SUM(E2:E3)'" in message
