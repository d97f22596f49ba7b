"""No personal data leaves the ledgers: no name, ID number or phone number from a column declared
`personal:` appears in any output file, in `explain`, or in the error message of a broken ledger."""

from __future__ import annotations

import html
import re
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import REPO, copy_project

from reportgen.cli import main

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
PHONE = re.compile(r"1\d{10}")
HASH = re.compile(r"\b[0-9a-f]{64}\b")  # sha256 of files: hex, not numbers
PANOSE = re.compile(r'<w:panose1 w:val="[0-9A-Fa-f]{20}"/>')  # a font's classification digits in DOCX


@pytest.fixture(scope="module")
def personal(repo_project):
    """Every value of every personal column of the demo ledgers, and a pattern finding any of them."""
    values = set()
    for ledger in repo_project.ledgers.values():
        for column in ledger.spec.personal:
            values |= {str(v) for v in ledger.frame[column].dropna() if str(v).strip()}
    assert len(values) > 100, "the demo ledgers hold synthetic people"
    pattern = re.compile("|".join(map(re.escape, sorted(values, key=len, reverse=True))))
    return values, pattern


def leaks(text: str, personal) -> list[str]:
    """What in `text` looks like personal data (IDs and phones masked in the report of it)."""
    _, pattern = personal
    text = HASH.sub("", text)
    found = [m.group() for m in ID_NUMBER.finditer(text)] + [m.group() for m in PHONE.finditer(text)]
    found += [m.group() for m in pattern.finditer(text)]
    return sorted(set(found))


def docx_texts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        parts = [PANOSE.sub("", archive.read(n).decode("utf-8"))
                 for n in archive.namelist() if n.endswith((".xml", ".rels"))]
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        lines += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return [*parts, "\n".join(lines)]


def pdf_texts(path: Path) -> list[str]:
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                         check=True, timeout=60)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60)
    return [run.stdout, info.stdout]


def sqlite_texts(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return ["\n".join(db.iterdump())]


def output_texts(path: Path) -> list[str]:
    readers = {".docx": docx_texts, ".pdf": pdf_texts, ".sqlite": sqlite_texts}
    if path.suffix in readers:
        return readers[path.suffix](path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [text, html.unescape(re.sub(r"<[^>]+>", "", text))] if path.suffix == ".html" else [text]


def test_the_scanner_finds_personal_data_where_it_is(personal):
    """Guard against a scanner that finds nothing: the ledgers themselves are full of it."""
    ledger = REPO / "data" / "welfare_jobs.csv"
    found = leaks(ledger.read_text(encoding="utf-8"), personal)
    assert any(ID_NUMBER.fullmatch(f) for f in found) and any("某" in f for f in found)
    assert leaks("联系电话10012345678", personal) == ["10012345678"]


def test_no_output_file_holds_personal_data(h1_build, personal):
    out_root = h1_build.folder.parent
    files = sorted(p for p in out_root.rglob("*") if p.is_file())
    suffixes = {p.suffix for p in files}
    assert {".docx", ".pdf", ".html", ".json"} <= suffixes
    found = {str(p.relative_to(out_root)): leaks("\n".join(output_texts(p)), personal) for p in files}
    assert {name: hits for name, hits in found.items() if hits} == {}


def _figure_per_personal_source(h1_build, repo_project) -> dict[str, str]:
    """For each ledger with personal columns, its figure that reads the most rows."""
    chosen: dict[str, tuple[int, str]] = {}
    for fid, fig in h1_build.results.figures.figures.items():
        p = fig.provenance
        personal_source = p.kind == "ledger" and repo_project.registry.sources[p.source].personal
        if personal_source and p.rows > chosen.get(p.source, (-1, ""))[0]:
            chosen[p.source] = (p.rows, fid)
    assert set(chosen) == {n for n, s in repo_project.registry.sources.items() if s.personal}
    return {source: fid for source, (_, fid) in chosen.items()}


def test_explain_masks_personal_columns(h1_build, repo_project, personal, capsys, monkeypatch):
    import reportgen.engine.project

    # `pipeline.py explain` as it runs, with the demo's ledgers read once rather than once per figure
    monkeypatch.setattr(reportgen.engine.project, "load_project", lambda root: repo_project)
    for source, fid in _figure_per_personal_source(h1_build, repo_project).items():
        assert main(["--root", str(REPO), "explain", fid, "--rows", "30"]) == 0
        out = capsys.readouterr().out
        assert f"{fid}:" in out
        assert leaks(out, personal) == [], f"explain {fid} ({source})"
        if h1_build.results.figures[fid].provenance.rows:
            assert "**" in out, f"explain {fid} shows rows of {source} with their personal columns masked"


# ---- error messages of broken ledgers -------------------------------------------------------------

def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def misplaced_cells(root: Path) -> list[str]:
    """An ID number typed into a date column, a name into a category column, a phone into a date."""
    path = root / "data" / "welfare_jobs.csv"
    header, rows = _csv_rows(path)
    col = header.index
    rows[0][col("上岗日期")] = rows[0][col("身份证号")]
    rows[1][col("村")] = rows[1][col("姓名")]
    _write_csv(path, header, rows)
    book = openpyxl.load_workbook(root / "data" / "population.xlsx")
    sheet = book["脱贫人口台账"]
    names = [c.value for c in sheet[1]]
    sheet.cell(2, names.index("纳入日期") + 1).value = sheet.cell(2, names.index("联系电话") + 1).value
    sheet.cell(3, names.index("类别") + 1).value = sheet.cell(3, names.index("姓名") + 1).value
    book.save(root / "data" / "population.xlsx")
    return ["welfare_jobs.csv row 2 上岗日期", "welfare_jobs.csv row 3 村", "population.xlsx row 2 纳入日期",
            "population.xlsx row 3 类别"]


def stricter_types(root: Path) -> list[str]:
    """ID numbers declared whole numbers (those ending in X fail), names declared a category."""
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("身份证号: {type: str}", "身份证号: {type: int}")
    text, n = re.subn(r"(\s)姓名: \{type: str\}", r"\1姓名: {type: category, values: [无名氏]}", text)
    assert n >= 3
    registry.write_text(text, encoding="utf-8")
    return ["身份证号: bad value", "姓名: bad value", "expected one of the values declared in figures.yaml"]


def personal_key_duplicated(root: Path) -> list[str]:
    """A personal column as the key, with one person entered twice."""
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    start = text.index("  welfare_jobs:\n")
    text = text[:start] + text[start:].replace("key: 岗位编号", "key: 身份证号", 1)
    registry.write_text(text, encoding="utf-8")
    path = root / "data" / "welfare_jobs.csv"
    header, rows = _csv_rows(path)
    copy = list(rows[0])
    copy[header.index("岗位编号")] = "GY9999"
    _write_csv(path, header, [*rows, copy])
    return [f"welfare_jobs.csv row {len(rows) + 2} 身份证号: duplicate key (first seen in row 2)"]


@pytest.mark.parametrize("breaker", [misplaced_cells, stricter_types, personal_key_duplicated])
def test_error_messages_about_personal_cells_mask_them(breaker, tmp_path, personal, capsys):
    root = copy_project(tmp_path / "project")
    expected = breaker(root)
    assert main(["--root", str(root), "figures"]) == 2
    err = capsys.readouterr().err
    missing = [text for text in expected if text not in err]
    assert not missing, err
    assert leaks(err, personal) == [], err
