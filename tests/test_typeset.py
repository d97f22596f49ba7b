"""Typesetting of the PDF: justified lines, kinsoku, the page number's place, the DOCX's pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import REPO
from pdf_layout import MM, TEXT_RIGHT, body_lines, dash_ink_top_mm, lines_by_block, squash

from reportgen.batch.variants import DEFAULT_VARIANTS
from reportgen.build import render_document
from reportgen.documents.writers import pdf_lines

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

NO_LINE_START = "。，、）”；：？！"
NO_LINE_END = "（“"


@pytest.fixture(scope="module")
def variant_pdfs(repo_project, variant_builds):
    """Every variant's documents as PDF, with the document model each was set from."""
    built = []
    for period, result in variant_builds[0].items():
        for document in result.documents:
            doc, _ = render_document(repo_project, result.results, document.name)
            built.append((f"{period}/{document.name}", doc, result.folder / document.files["pdf"]))
    labels = {label for label, _, _ in built}
    assert {f"{period}/report" for period in DEFAULT_VARIANTS} <= labels
    return built


def test_full_lines_end_at_the_right_edge_of_the_text_block(variant_pdfs):
    checked = 0
    for label, doc, pdf in variant_pdfs:
        for kind, lines in lines_by_block(doc, body_lines(pdf)):
            if kind != "body":
                continue
            for line in lines[:-1]:  # all but the paragraph's last
                assert abs(line.right - TEXT_RIGHT) <= 0.5 * MM, (label, line.page, line.text)
                checked += 1
    assert checked > 300


def test_kinsoku_no_closing_mark_starts_a_line_and_no_opening_mark_ends_one(variant_pdfs):
    for label, doc, pdf in variant_pdfs:
        for kind, lines in lines_by_block(doc, body_lines(pdf)):
            if kind == "body":
                for line in lines:
                    text = squash(line.text)
                    assert text[0] not in NO_LINE_START, (label, line.page, text)
                    assert text[-1] not in NO_LINE_END, (label, line.page, text)


def _line_html(text: str) -> list[str]:
    set_html = pdf_lines.set_block("p", text)
    return re.findall(r'<span class="line[^"]*" style="letter-spacing: ([-\d.]+)pt">', set_html)


def test_a_line_of_28_full_width_characters_keeps_the_grid():
    spacings = _line_html("国" * 26 + "国" * 28 + "国")
    assert len(spacings) == 3
    assert float(spacings[1]) == pytest.approx(-0.21, abs=0.01)  # 28 characters fill the measure


def test_adjacent_full_width_marks_are_set_half_width():
    set_html = pdf_lines.set_block("p", "未消除风险）。下一句")
    assert re.search(r'<span class="gap" style="letter-spacing: -8\.\d+pt">）</span>。', set_html)


def test_a_closing_mark_is_pushed_into_the_line_above_not_carried_down():
    text = "国" * 26 + "，" + "国" * 10
    lines = pdf_lines.break_lines(pdf_lines._glyphs(text, "仿宋_GB2312"), pdf_lines.INDENT_PT)
    assert lines[0].end == 27 and lines[0].spacing < 0


def test_numbers_are_not_split_across_lines():
    text = "国" * 25 + "13.38万元" + "国" * 10
    lines = pdf_lines.break_lines(pdf_lines._glyphs(text, "仿宋_GB2312"), pdf_lines.INDENT_PT)
    assert text[lines[0].end - 1] not in "13.8" or text[lines[0].end] not in "13.8"
    assert "13.38" in text[lines[0].start:lines[0].end] or "13.38" in text[lines[1].start:lines[1].end]


def test_page_number_dash_is_7_mm_below_the_text_area_on_odd_and_even_pages(h1_build):
    pdf = h1_build.folder / "report.pdf"
    for page in (1, 2):
        assert dash_ink_top_mm(pdf, page) == pytest.approx(7, abs=1), page


def _han_offsets(lines) -> tuple[str, list[int], dict[int, int]]:
    """The text as 汉字, digits and letters only; where each line starts in it; each page's first line."""
    text, starts, first = "", [], {}
    for index, line in enumerate(lines):
        starts.append(len(text))
        first.setdefault(line.page, index)
        text += re.sub(r"[^\w]", "", line.text)
    return text, starts, first


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
# A speech to the congress, a written report, and a year's report without a meeting (no salutation).
@pytest.mark.parametrize("period", ["2023H1", "2023Q1", "2023"])
def test_page_breaks_fall_within_one_line_of_libreoffice_rendering_the_docx(variant_builds, tmp_path, period):
    folder = variant_builds[0][period].folder
    docx = folder / "report.docx"
    env = {**os.environ, "FONTCONFIG_FILE": str(REPO / "templates" / "fonts.conf")}
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    ours_text, ours_starts, ours_pages = _han_offsets(body_lines(folder / "report.pdf"))
    lo_text, lo_starts, lo_pages = _han_offsets(body_lines(tmp_path / "report.pdf"))
    assert ours_text == lo_text
    assert len(ours_pages) == len(lo_pages) >= 5
    for page, index in ours_pages.items():
        offset = ours_starts[index]
        lo_line = max(n for n, start in enumerate(lo_starts) if start <= offset)
        assert abs(lo_line - lo_pages[page]) <= 1, (page, offset)


def test_a_double_dash_stays_on_one_line():
    text = "国" * 25 + "——" + "国" * 10
    lines = pdf_lines.break_lines(pdf_lines._glyphs(text, "仿宋_GB2312"), pdf_lines.INDENT_PT)
    assert text[lines[0].end - 1:lines[0].end + 1] != "——"
    assert text[lines[0].start:lines[0].end].count("—") in (0, 2)
