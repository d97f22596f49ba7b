"""HTML and PDF writers: the GB/T 9704 page, fonts embedded, every character out, page numbers."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import zlib
from html import escape
from pathlib import Path

import pytest

from reportgen.documents.model import Document, Heading, Paragraph, Run, Table, TitleBlock, parse
from reportgen.documents.writers.html import render_html
from reportgen.documents.writers.pdf import FontReport, write_pdf
from reportgen.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "sample.md"

MM = 72 / 25.4
TEXT_LEFT = 28 * MM  # left margin 28 mm on every page
TEXT_RIGHT = (210 - 26) * MM  # right margin 26 mm on every page
TEXT_BOTTOM = (297 - 35) * MM  # bottom margin 35 mm
ONE_CHAR = 14  # page number: one 4号 (14 pt) character in from the edge

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdffonts", "pdftotext", "pdfinfo")),
    reason="poppler-utils not installed",
)


def _squash(text: str) -> str:
    """Delete all whitespace (ASCII and U+3000): the layout breaks lines anywhere."""
    return re.sub(r"\s+", "", text)


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(pdf)), re.M).group(1))


def _body_text(pdf: Path, page: int | None = None) -> str:
    """pdftotext of the text area only (the footers cropped off), as points at 72 dpi."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    height = str(int(TEXT_BOTTOM) + 2)
    return _run(
        "pdftotext",
        *pages,
        "-r",
        "72",
        "-x",
        "0",
        "-y",
        "0",
        "-W",
        "596",
        "-H",
        height,
        str(pdf),
        "-",
    )


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, str]]:
    """(xMin, yMin, xMax, word) for each word pdftotext finds on `page`."""
    xml = _run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [
        (float(m[1]), float(m[2]), float(m[3]), m[4])
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            xml,
        )
    ]


def _block_texts(doc: Document) -> list[str]:
    tb = doc.title_block
    texts = [x for x in (tb.title, tb.subtitle, tb.date, tb.speaker, tb.salutation) if x]
    for block in doc.blocks:
        if isinstance(block, Table):
            texts.extend(block.header)
            texts.extend(cell for row in block.rows for cell in row)
        else:
            texts.append(block.text)
    return texts


@dataclasses.dataclass(frozen=True)
class Built:
    doc: Document
    html: str
    pdf: Path
    report: FontReport
    pages: int


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The sample rendered once; repeated until it runs to at least two pages."""
    out = tmp_path_factory.mktemp("pdf")
    doc = parse(SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))
    for _ in range(4):
        html = render_html(doc)
        pdf = out / "sample.pdf"
        report = write_pdf(html, pdf, SAMPLE.parent)
        pages = _pages(pdf)
        if pages >= 2:
            return Built(doc, html, pdf, report, pages)
        doc = dataclasses.replace(doc, blocks=doc.blocks * 2)
    pytest.fail("the sample never reached two pages")


# --- HTML ---------------------------------------------------------------------------------------


def test_html_is_a_standalone_zh_cn_page(built):
    html = built.html
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in html
    assert '<meta charset="utf-8">' in html
    assert f"<title>{built.doc.title_block.title}</title>" in html
    assert "<style>" in html and "@page" in html and "<link" not in html
    for cls in (
        "title",
        "subtitle",
        "date",
        "speaker",
        "salutation",
        "h1",
        "h2",
        "p",
        "lead",
        "table",
    ):
        assert f'class="{cls}"' in html, cls


def test_html_holds_every_paragraph(built):
    text_only = re.sub(r"<[^>]+>", "", built.html)
    paragraphs = [b for b in built.doc.blocks if isinstance(b, Paragraph)]
    assert paragraphs
    for block in paragraphs:
        assert escape(block.text, quote=False) in text_only
        for run in block.runs:
            if run.lead:
                assert f'<span class="lead">{escape(run.text, quote=False)}</span>' in built.html
    for text in _block_texts(built.doc):
        assert escape(text, quote=False) in text_only


def test_render_html_is_deterministic(built):
    again = parse(SAMPLE.read_text(encoding="utf-8"))
    assert render_html(again) == render_html(again) == render_html(built.doc)


def test_html_escapes_text_and_breaks_a_long_title():
    doc = Document(
        TitleBlock("关于<甲>&乙的\n专项工作报告"),
        (
            Heading(1, "一、<总体>"),
            Paragraph((Run("<b>", lead=True), Run("a & b"))),
            Table(("项", "值"), (("<x>", "1 & 2"),)),
        ),
    )
    html = render_html(doc)
    assert "关于&lt;甲&gt;&amp;乙的<br>专项工作报告" in html
    assert "<title>关于&lt;甲&gt;&amp;乙的专项工作报告</title>" in html
    assert '<h2 class="h1">一、&lt;总体&gt;</h2>' in html
    assert '<span class="lead">&lt;b&gt;</span>a &amp; b' in html
    assert '<th scope="row">&lt;x&gt;</th><td class="num">1 &amp; 2</td>' in html
    assert "<b>" not in html


def test_unreadable_stylesheet_is_an_input_error(tmp_path):
    doc = Document(TitleBlock("题"))
    with pytest.raises(InputError, match="stylesheet"):
        render_html(doc, tmp_path / "missing.css")
    css = tmp_path / "own.css"
    css.write_text("p { color: red }", encoding="utf-8")
    assert "<style>\np { color: red }\n</style>" in render_html(doc, css)


def test_writers_import_light():
    code = (
        "import sys, reportgen.documents.writers.html, reportgen.documents.writers.pdf; "
        "sys.exit('weasyprint' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_is_a4_with_title_and_language(built):
    info = _run("pdfinfo", str(built.pdf))
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts", info, re.M), info
    assert re.search(r"^Title:\s+(.*)$", info, re.M).group(1) == built.doc.title_block.title
    data = built.pdf.read_bytes()
    streams = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    assert any(b"/Lang (zh-CN)" in s for s in streams)


def test_pdf_embeds_only_embedded_fonts(built):
    lines = _run("pdffonts", str(built.pdf)).splitlines()[2:]
    assert lines
    names = []
    for line in lines:
        fields = line.split()
        # name, type (one or more words), encoding, emb, sub, uni, object id, generation
        emb = fields[-5]
        assert emb == "yes", line
        names.append(fields[0].split("+", 1)[-1])
    assert any(n.startswith("FandolFang") for n in names), names
    assert any(n.startswith(("LXGW-WenKai", "FandolKai", "AR-PL-UKai")) for n in names), names
    assert any(re.match(r"Noto-(Sans|Serif)-CJK", n) for n in names), names


def test_font_report(built):
    report = built.report
    assert report.family_for("仿宋_GB2312") == "FandolFang"
    assert report.family_for("楷体_GB2312") in ("LXGW WenKai", "FandolKai")
    assert report.family_for("黑体") == "Noto Sans CJK SC"
    assert report.family_for("方正小标宋简体") == "Noto Serif CJK SC"
    assert "仿宋_GB2312 → FandolFang" in report.lines()
    assert "FandolFang" in report.embedded
    assert report.warnings == ()


def test_pdf_text_holds_every_block(built):
    text = _squash(_body_text(built.pdf))
    for block in _block_texts(built.doc):
        assert _squash(block) in text, block


def test_no_missing_glyphs(built):
    out = _run("pdftotext", str(built.pdf), "-")
    assert "□" not in out and "\ufffd" not in out
    source = set(_squash(built.doc.plain_text()))
    missing = source - set(_squash(out))
    assert not missing, f"characters lost in the PDF: {''.join(sorted(missing))}"


def test_page_numbers(built):
    assert built.pages >= 2
    for page in (1, 2):
        raw = _run("pdftotext", "-raw", "-f", str(page), "-l", str(page), str(built.pdf), "-")
        assert f"— {page} —" in raw, raw[-80:]
    assert "— 1 —" not in _run("pdftotext", "-raw", "-f", "2", "-l", "2", str(built.pdf), "-")

    # Page 1 is a right page: number at the right, one character in from the text area's edge.
    foot = [w for w in _words(built.pdf, 1) if w[1] > TEXT_BOTTOM]
    assert "".join(w[3] for w in foot) == "—1—"
    assert max(w[2] for w in foot) == pytest.approx(TEXT_RIGHT - ONE_CHAR, abs=1.5)
    # Page 2 is a left page: number at the left.
    foot = [w for w in _words(built.pdf, 2) if w[1] > TEXT_BOTTOM]
    assert "".join(w[3] for w in foot) == "—2—"
    assert min(w[0] for w in foot) == pytest.approx(TEXT_LEFT + ONE_CHAR, abs=1.5)


def test_margins_are_not_mirrored(built):
    for page in (1, 2):
        body = [w for w in _words(built.pdf, page) if w[1] < TEXT_BOTTOM]
        assert min(w[0] for w in body) == pytest.approx(TEXT_LEFT, abs=0.5), page
        assert max(w[2] for w in body) == pytest.approx(TEXT_RIGHT, abs=1.0), page
        assert min(w[1] for w in body) >= 37 * MM - 8, page  # top margin 37 mm (ascent aside)


def test_weasyprint_warnings_are_reported(tmp_path):
    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>试</title>'
        '</head><body><p style="color: no-such-colour">正文</p></body></html>'
    )
    report = write_pdf(html, tmp_path / "w.pdf", tmp_path)
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF")
    assert any("no-such-colour" in w for w in report.warnings), report.warnings
