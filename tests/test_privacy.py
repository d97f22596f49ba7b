"""No personal data leaves the ledgers: no name, ID number or phone number from a column declared
`personal:` appears in any output file, in `explain`, or in the error message of a broken ledger."""

from __future__ import annotations

import html
import re
import sqlite3
import subprocess
import unicodedata
import zipfile
from contextlib import closing
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import REPO, copy_project

from reportgen.cli import main
from reportgen.privacy import scrub

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


# ---- ID and phone numbers typed with separators, and in free text ---------------------------------

# How offices type numbers: digit groups joined by hyphens or spaces, full-width digits, X at the end.
TYPED = ("137-2468-1357", "139 7531 8642", "110101 19900307 4514", "１５８２４６８１３５７",
         "110101-19850611-263X", "１３６－１２１２－３４３４", "15935725846", "110101197701019876")


def digits_of(text: str) -> str:
    """Every digit of a text in one string, separators, stars and words dropped: a planted number
    shows here however it was split, unless it was masked."""
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", text).upper())


def planted_in(text: str) -> list[str]:
    digits = digits_of(text)
    return [typed for typed in TYPED if digits_of(typed) in digits]


@pytest.mark.parametrize("typed", TYPED)
def test_scrub_masks_each_way_a_number_is_typed(typed):
    text = f"项目联系人{typed}，其余"
    assert planted_in(text) == [typed]
    scrubbed = scrub(text)
    assert planted_in(scrubbed) == [], scrubbed
    assert scrubbed.startswith("项目联系人") and scrubbed.endswith("，其余")
    assert len(scrubbed) == len(text)  # masked in place: a star for each character but the first


@pytest.mark.parametrize("text", ["截至2023-07-31 14:30", "2023-01-01—2023-06-30", "投资4680万元即46800000元",
                                  "编号XM009、H0003", "第12、13、14行"])
def test_scrub_leaves_dates_amounts_and_codes(text):
    assert scrub(text) == text


def plant_in_project_names(root: Path, period) -> dict[str, str]:
    """Put each typed number into the name of a project that a list figure of the period prints."""
    from reportgen.engine.project import load_project

    project = load_project(root)
    results = project_figures(project, period)
    listed = [name for fid, fig in results.figures.items() if fig.provenance.measure == "list"
              and fig.provenance.column == "项目名称" for name in fig.value]
    assert len(listed) >= 4, listed
    book = openpyxl.load_workbook(root / "data" / "projects.xlsx")
    sheet = book["项目台账"]
    column = [c.value for c in sheet[1]].index("项目名称") + 1
    renamed = {}
    for row in range(2, sheet.max_row + 1):
        name = sheet.cell(row, column).value
        if name in listed:
            typed = TYPED[len(renamed) % len(TYPED)]
            sheet.cell(row, column).value = renamed[name] = f"{name}（联系人{typed}）"
    book.save(root / "data" / "projects.xlsx")
    assert set(TYPED[:len(renamed)]) == {t for t in TYPED if any(t in n for n in renamed.values())}
    return renamed


def project_figures(project, period):
    from reportgen.engine.project import evaluate

    return evaluate(project, project.timeframe(period), strict=False).figures


def test_numbers_in_a_free_text_column_are_masked_in_every_output(h1_build, tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    period = h1_build.timeframe.period.name
    renamed = plant_in_project_names(root, period)
    typed = {t for t in TYPED if any(t in n for n in renamed.values())}
    assert len(typed) >= 4
    assert set(planted_in("\n".join(renamed.values()))) == typed  # the scanner finds them unmasked
    assert main(["--root", str(root), "build", "--period", period]) == 0, capsys.readouterr().err
    out_root = root / "output"
    files = sorted(p for p in out_root.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".docx", ".pdf", ".html", ".json", ".sqlite"}
    texts = {str(p.relative_to(out_root)): "\n".join(output_texts(p)) for p in files}
    for fid in ("industry_projects_before_year", "industry_projects_new", "industry_projects_building",
                "industry_projects_negotiating"):
        capsys.readouterr()
        assert main(["--root", str(root), "explain", fid, "--period", period, "--rows", "30"]) == 0
        texts[f"explain {fid}"] = capsys.readouterr().out
    assert {name: planted_in(text) for name, text in texts.items() if planted_in(text)} == {}
    # masked, not dropped: the project names reach the report, each number starred in full
    for name in ("report.docx", "report.html", "report.pdf", "figures.json"):
        text = re.sub(r"\s", "", texts[f"{period}/{name}"])
        for original, planted in renamed.items():
            typed = planted[len(original) + len("（联系人"):-1]
            first = {typed[0], unicodedata.normalize("NFKC", typed[0])}  # full-width digits may be read as digits
            masked = {f"{original}（联系人{c}{'＊' * (len(typed) - 1)}）" for c in first}
            assert any(m in text for m in masked), (name, planted)


def separated_in_wrong_cells(root: Path) -> list[str]:
    """Typed numbers in a category, a date and a number column of two ledgers."""
    path = root / "data" / "welfare_jobs.csv"
    header, rows = _csv_rows(path)
    col = header.index
    rows[0][col("村")], rows[1][col("上岗日期")], rows[2][col("岗位类型")] = TYPED[0], TYPED[2], TYPED[4]
    _write_csv(path, header, rows)
    path = root / "data" / "dibao_payments.csv"
    header, rows = _csv_rows(path)
    rows[0][header.index("发放金额")], rows[1][header.index("村")] = TYPED[6], TYPED[5]
    rows[2][header.index("保障人数")] = TYPED[1]
    _write_csv(path, header, rows)
    return ["welfare_jobs.csv row 2 村", "welfare_jobs.csv row 3 上岗日期", "welfare_jobs.csv row 4 岗位类型",
            "dibao_payments.csv row 2 发放金额", "dibao_payments.csv row 3 村", "dibao_payments.csv row 4 保障人数"]


def test_error_messages_mask_numbers_however_typed(tmp_path, personal, capsys):
    root = copy_project(tmp_path / "project")
    expected = separated_in_wrong_cells(root)
    assert main(["--root", str(root), "figures"]) == 2
    err = capsys.readouterr().err
    assert not [text for text in expected if text not in err], err
    assert planted_in(err) == [], err
    assert leaks(err, personal) == [], err
