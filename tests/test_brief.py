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
