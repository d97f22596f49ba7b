"""The figures brief: its tables on one page, per-village rows that add up, and the report's figures worded alike."""

from __future__ import annotations

import re
import subprocess


def _documents(h1_build):
    return {d.name: d for d in h1_build.documents}


def test_brief_tables_fill_page_one_and_its_charts_follow(h1_build):
    brief = _documents(h1_build)["brief"]
    pdf = str(h1_build.folder / brief.files["pdf"])
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1)) <= 3
    page_one = subprocess.run(["pdftotext", "-f", "1", "-l", "1", pdf, "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "合计" in page_one and "图1" not in page_one


def test_brief_and_report_word_every_shared_figure_alike(h1_build):
    docs = _documents(h1_build)
    report, brief = docs["report"], docs["brief"]
    shared = set(report.figures_used) & set(brief.figures_used)
    assert len(shared) >= 15
    figures = h1_build.results.figures
    for fid in shared:
        wording = str(figures[fid])
        assert wording in report.text and wording in brief.text, fid


def test_village_rows_add_up_to_the_township(h1_build, repo_project):
    from reportgen.engine.figures import compute_breakdown

    spec = repo_project.registry.documents["brief"].breakdown
    table = compute_breakdown(repo_project.registry, repo_project.ledgers, h1_build.timeframe,
                              list(spec.figures), spec.by)
    figures = h1_build.results.figures
    assert len(table) >= 6
    for fid in spec.figures:
        assert sum(row[fid].value for row in table.values()) == figures[fid].value, fid


def test_a_table_running_onto_a_new_page_takes_at_least_two_rows_there(variant_builds):
    """Every variant's brief: no page starts a table's continuation with its last row alone (the 2023
    brief's 表2 runs over); the DOCX keeps its last two rows together for Word and LibreOffice."""
    from docx_helpers import NS, read_part

    results, _ = variant_builds
    continued = 0
    for period, result in results.items():
        folder = result.folder
        tables = _brief_tables(folder)
        pages = subprocess.run(["pdftotext", "-layout", str(folder / "brief.pdf"), "-"], capture_output=True,
                               text=True, check=True).stdout.split("\f")
        for number, page in enumerate(pages[1:], start=2):
            lines = [line.split() for line in page.splitlines() if line.strip()]
            for n, cells in enumerate(lines[:-1]):
                for header, last in tables:
                    if cells[:1] == header[:1] and n == 0:  # a header repeated at the top of the page
                        continued += 1
                        assert lines[n + 1][:1] != last[:1], (period, number, lines[n + 1])
        body = read_part(folder / "brief.docx", "word/document.xml")
        for grid in body.iter(f"{{{NS['w']}}}tbl"):
            rows = grid.findall("w:tr", NS)
            kept = [p.find("w:pPr/w:keepNext", NS) is not None for p in rows[-2].iter(f"{{{NS['w']}}}p")]
            assert kept and all(kept), period
    assert continued  # the check saw a table run over at least once


def _brief_tables(folder) -> list[tuple[list[str], list[str]]]:
    """(header cells, last row cells) of each table in the brief's HTML."""
    html = (folder / "brief.html").read_text(encoding="utf-8")
    out = []
    for table in re.findall(r"<table.*?</table>", html, re.S):
        rows = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
        out.append((rows[0], rows[-1]))
    return out
