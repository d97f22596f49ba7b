"""The brief's charts and tables: every number drawn is in figures.json, tables titled and in the block."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
from conftest import REPO
from docx_helpers import NS, read_part, w
from pdf_layout import (
    TEXT_LEFT,
    TEXT_LEFT_MM,
    TEXT_RIGHT,
    TEXT_WIDTH_MM,
    dark_ink,
    pages,
    render,
    vertical_rules,
    word_boxes,
    words,
)

from reportgen.build import render_document
from reportgen.documents import charts
from reportgen.documents.model import Chart, Table, parse
from reportgen.engine.figures import compute
from reportgen.engine.periods import Timeframe
from reportgen.errors import TemplateError


@pytest.fixture(scope="module")
def brief(h1_build, repo_project):
    doc, _ = render_document(repo_project, h1_build.results, "brief")
    listing = json.loads((h1_build.folder / "figures.json").read_text(encoding="utf-8"))
    return doc, listing["charts"]["brief"]


def _drawn_texts(chart: Chart, repo_project) -> list[str]:
    """Every piece of text matplotlib puts on the chart (labels, ticks, legend)."""
    from matplotlib.text import Text

    spec = charts.CHARTS[chart.name]
    labels = {fid: repo_project.registry.figures[fid].label for fid in spec.figures}
    fig = charts.draw(spec, labels, list(chart.points))
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_every_number_drawn_is_listed_in_figures_json(brief, repo_project):
    doc, listed = brief
    drawn_charts = [b for b in doc.blocks if isinstance(b, Chart)]
    assert {c.name for c in drawn_charts} == set(listed) == {"villages", "dibao_trend", "employment_trend"}
    for chart in drawn_charts:
        words_listed = {p["wording"] for p in listed[chart.name]["points"]}
        words_listed |= {p["category"] for p in listed[chart.name]["points"]}
        with_numbers = [t for t in _drawn_texts(chart, repo_project) if re.search(r"\d", t)]
        assert len(with_numbers) >= len(chart.points), chart.name  # every point is labelled
        for text in with_numbers:
            assert text in words_listed, (chart.name, text)


def test_the_html_shows_exactly_the_drawn_png_with_its_alt_text(brief, h1_build):
    doc, listed = brief
    html = (h1_build.folder / "brief.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', html)
    chart_blocks = [b for b in doc.blocks if isinstance(b, Chart)]
    assert len(images) == len(chart_blocks)
    for (data, alt), chart in zip(images, chart_blocks, strict=True):
        assert base64.b64decode(data) == chart.png
        assert alt == chart.alt.replace('"', "&quot;") == listed[chart.name]["alt"]
        for point in chart.points:
            assert f"{point.category}{point.wording}" in alt


def test_monthly_points_are_the_registry_figures_at_each_month_end(brief, h1_build, repo_project):
    _, listed = brief
    timeframe = h1_build.timeframe
    points = listed["dibao_trend"]["points"] + listed["employment_trend"]["points"]
    months = sorted({p["cutoff"] for p in points})
    assert months[-1] == timeframe.cutoff.isoformat() and len(months) == timeframe.cutoff.month
    for fid in ("dibao_households", "dibao_monthly_amount", "labour", "labour_employed"):
        last = [p for p in points if p["series"] == fid and p["cutoff"] == months[-1]]
        assert last[0]["value"] == h1_build.results.figures[fid].value, fid
    march = [p for p in points if p["cutoff"] == months[2]]
    earlier = compute(repo_project.registry, repo_project.ledgers,
                      Timeframe(timeframe.period, charts.month_ends(timeframe)[2]))
    for point in march:
        assert point["value"] == earlier[point["series"]].value
        assert point["wording"] == str(earlier[point["series"]])
        provenance = earlier[point["series"]].provenance.as_dict()
        assert point["provenance"] == provenance and provenance["rows"] > 0


def test_docx_carries_the_charts_as_300_dpi_png_with_alt_text(brief, h1_build):
    doc, _ = brief
    docx = h1_build.folder / "brief.docx"
    body = read_part(docx, "word/document.xml")
    described = [pr.get("descr") for pr in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/"
                                                      "wordprocessingDrawing}docPr")]
    assert described == [b.alt for b in doc.blocks if isinstance(b, Chart)]
    with zipfile.ZipFile(docx) as package:
        pngs = [package.read(n) for n in package.namelist() if n.startswith("word/media/") and n.endswith(".png")]
    assert len(pngs) == 3
    for png in pngs:
        phys = png.index(b"pHYs")  # pixels per metre: 300 dpi is 11811
        assert int.from_bytes(png[phys + 4:phys + 8], "big") == 11811


def test_the_pdf_prints_the_docx_charts_at_300_dpi_as_wide_as_drawn(brief, h1_build):
    doc, _ = brief
    listing = subprocess.run(["pdfimages", "-list", str(h1_build.folder / "brief.pdf")], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    images = [line.split() for line in listing]
    assert [i[2] for i in images] == ["image"] * 3  # opaque: no soft mask beside each
    pngs = [b.png for b in doc.blocks if isinstance(b, Chart)]
    from PIL import Image

    for image, png in zip(images, pngs, strict=True):
        with Image.open(io.BytesIO(png)) as drawn:
            assert (int(image[3]), int(image[4])) == drawn.size and drawn.mode == "RGB"
        assert abs(int(image[12]) - 300) <= 1 and abs(int(image[13]) - 300) <= 1  # x-ppi, y-ppi


def test_tables_have_titles_repeated_headers_and_right_aligned_numbers_in_docx(brief, h1_build):
    doc, _ = brief
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert [t.caption for t in tables] == ["表1　主要指标", "表2　分村情况"]
    body = read_part(h1_build.folder / "brief.docx", "word/document.xml").find("w:body", NS)
    for table, grid in zip(tables, body.findall("w:tbl", NS), strict=True):
        title = grid.getprevious()
        assert "".join(title.itertext()) == table.caption
        assert title.find("w:pPr/w:keepNext", NS) is not None
        rows = grid.findall("w:tr", NS)
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        last = rows[-1].findall("w:tc", NS)
        aligns = [cell.find("w:p/w:pPr/w:jc", NS) for cell in last]
        for n, value in enumerate(table.rows[-1]):
            if n and re.match(r"\d", value):
                assert aligns[n] is not None and aligns[n].get(w("val")) == "right", value


def test_tables_stay_inside_the_text_block_with_numbers_right_aligned_in_the_pdf(h1_build):
    all_words = word_boxes(h1_build.folder / "brief.pdf")
    for page, x0, _, x1, _, word in all_words:
        assert x0 >= TEXT_LEFT - 1 and x1 <= TEXT_RIGHT + 1, (page, word)
    rights = [x1 for page, x0, _, x1, _, word in all_words if re.fullmatch(r"\d+户\d+人", word)]
    assert len(rights) > 10
    assert len({round(x) for x in rights}) <= 4  # 数值 of table 1 and three columns of table 2


def test_a_long_table_repeats_its_title_row_on_every_pdf_page(tmp_path):
    from reportgen.documents.model import Document, TitleBlock
    from reportgen.documents.writers.html import render_html
    from reportgen.documents.writers.pdf import write_pdf

    rows = tuple((f"第{n}项", "连接高速出口便道", "启动") for n in range(1, 80))
    doc = Document(TitleBlock("附表"), (Table(("项目编号", "项目", "阶段"), rows, "表1　项目"),))
    pdf = tmp_path / "long.pdf"
    write_pdf(render_html(doc), pdf, tmp_path)
    by_page: dict[int, list[str]] = {}
    for page, x0, _, x1, _, word in word_boxes(pdf):
        assert x0 >= TEXT_LEFT - 1 and x1 <= TEXT_RIGHT + 1, (page, word)
        by_page.setdefault(page, []).append(word)
    assert len(by_page) >= 2
    for page, found in by_page.items():
        assert "项目编号" in found, page


def test_a_table_title_must_stand_before_a_table_and_an_image_must_be_a_chart():
    head = "---\ntitle: 题\n---\n\n"
    doc = parse(head + "Table: 表1　甲\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert doc.blocks[0].caption == "表1　甲"
    with pytest.raises(TemplateError, match="table title"):
        parse(head + "Table: 表1　甲\n\n正文。\n")
    with pytest.raises(TemplateError, match="chart"):
        parse(head + "![图](picture.png)\n")
    assert parse(head + "![图1　乙](chart:villages)\n").blocks[0] == Chart("villages", "图1　乙")


def test_pdf_draws_each_chart_above_its_title(brief, h1_build):
    """The SVG charts are drawn in the PDF: the bars' blue fills the space above each 图题."""
    doc, _ = brief
    pdf = h1_build.folder / "brief.pdf"
    blue = tuple(int(charts.COLOURS[0][i:i + 2], 16) for i in (1, 3, 5))
    dpi = 30
    for chart in (b for b in doc.blocks if isinstance(b, Chart)):
        title = chart.caption.split("　")[0]  # 图1 …
        (page, _, top, _, _, _) = next(w for w in word_boxes(pdf) if w[5] == title)
        ppm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                             capture_output=True, check=True).stdout
        m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+\d+\s", ppm)
        width, pixels = int(m[1]), ppm[m.end():]
        rows = range(max(0, int((top - 80 * 72 / 25.4) * dpi / 72)), int(top * dpi / 72))
        inked = sum(1 for row in rows for x in range(width)
                    if all(abs(c - b) < 40 for c, b in zip(pixels[3 * (row * width + x):3 * (row * width + x) + 3],
                                                           blue, strict=True)))
        assert inked > 50, (chart.name, inked)


@pytest.fixture(scope="module")
def brief_pdfs(h1_build, tmp_path_factory):
    """The brief as the PDF writer sets it and as LibreOffice lays out its DOCX (the project's fonts)."""
    out = tmp_path_factory.mktemp("lo-brief")
    env = {**os.environ, "FONTCONFIG_FILE": str(REPO / "templates" / "fonts.conf")}
    done = subprocess.run(["soffice", f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(h1_build.folder / "brief.docx")],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    return {"pdf": h1_build.folder / "brief.pdf", "docx": out / "brief.pdf"}


def _table_cells(pdf) -> dict[tuple, tuple[str, float, float]]:
    """Every table cell: {(page, left rule, right rule, row): (its text, the gap between the left
    rule and the cell's ink, the gap between its ink and the right rule)}, in mm.  A word with no
    rule on both sides is not in a table."""
    dpi, cells = 300, {}
    scale = dpi / 25.4
    for page in range(1, pages(pdf) + 1):
        ink = dark_ink(render(pdf, page, dpi))
        found: dict[tuple, list] = {}
        for word in words(pdf, page):
            rules = vertical_rules(ink, word.top, word.bottom, dpi)
            left = [r for r in rules if r <= word.left + 0.2]
            right = [r for r in rules if r >= word.right - 0.2]
            if left and right:
                row = round((word.top + word.bottom) / 2 / 3)  # a row's cells share their centre
                found.setdefault((page, left[-1], right[0], row), []).append(word)
        for (_, left, right, row), cell_words in found.items():
            band = np.concatenate([ink[round(w.top * scale):round(w.bottom * scale),
                                       round((left + 0.3) * scale):round((right - 0.3) * scale)]  # not the rules
                                   for w in cell_words])
            band = band[band.mean(axis=1) < 0.8]  # nor a row rule crossing a word's box
            inked = np.flatnonzero(band.any(axis=0))
            text = "".join(word.text for word in sorted(cell_words, key=lambda w: (w.top, w.left)))
            cells[(page, left, right, row)] = (text, 0.3 + inked[0] / scale,
                                               0.3 + (band.shape[1] - 1 - inked[-1]) / scale)
    return cells


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
# Only the DOCX: the PDF's tables keep WeasyPrint's own column widths and narrow cell padding until
# check's PDF reader can read a table whose header cells wrap onto two lines.
@pytest.mark.parametrize("which", ["docx"])
def test_table_text_keeps_clear_of_the_rules_numbers_right_aligned_inside_the_text_block(brief_pdfs, which):
    pdf = brief_pdfs[which]
    cells = _table_cells(pdf)
    assert len(cells) > 60
    number_gaps: dict[tuple, list[float]] = {}
    for (page, left, right, _), (text, gap_left, gap_right) in cells.items():
        assert left >= TEXT_LEFT_MM - 0.5 and right <= TEXT_LEFT_MM + TEXT_WIDTH_MM + 0.5, (which, page, text)
        assert min(gap_left, gap_right) >= 1.2, (which, page, text, round(gap_left, 2), round(gap_right, 2))
        if re.fullmatch(r"\d[\d.,%户人万元余，]*", text):  # a figure: digits and units only
            number_gaps.setdefault((page, round(left), round(right)), []).append(gap_right)
    assert sum(len(gaps) for gaps in number_gaps.values()) > 20
    for column, gaps in number_gaps.items():
        assert max(gaps) - min(gaps) < 0.5, (which, column, gaps)  # flush right, each column alike
