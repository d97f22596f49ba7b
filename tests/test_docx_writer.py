"""The DOCX writer: GB/T 9704 page, fonts and footers, read back from the XML, plus LibreOffice."""

from __future__ import annotations

import pathlib
import re
import subprocess
import zipfile

import pytest
from docx_helpers import NS, Styles, body_lines, footer_parts, paragraph_text, read_part, w
from lxml import etree

from reportgen.documents.model import Document, Heading, Paragraph, Run, Table, TitleBlock, parse
from reportgen.documents.writers.docx import write_docx
from reportgen.errors import InputError

SAMPLE = pathlib.Path(__file__).parent / "data" / "sample.md"
THEME_FONT_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")
HANGING = set("，。、；：！？”’）》」』】")
XHTML = "http://www.w3.org/1999/xhtml"


def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def document() -> Document:
    return parse(SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))


@pytest.fixture(scope="module")
def docx_path(document, tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("docx") / "sample.docx"
    write_docx(document, path)
    return path


@pytest.fixture(scope="module")
def body(docx_path):
    return read_part(docx_path, "word/document.xml")


@pytest.fixture(scope="module")
def styles(docx_path) -> Styles:
    return Styles(read_part(docx_path, "word/styles.xml"))


@pytest.fixture(scope="module")
def settings(docx_path):
    return read_part(docx_path, "word/settings.xml")


def paragraph_with_text(body, text: str):
    matches = [p for p in body.iter(w("p")) if paragraph_text(p) == text]
    assert len(matches) == 1, f"{len(matches)} paragraphs read {text!r}"
    return matches[0]


def text_runs(p):
    return [r for r in p.iterfind("w:r", NS) if r.find("w:t", NS) is not None]


def indent(styles: Styles, p) -> tuple[str | None, str | None]:
    return (
        styles.paragraph_property(p, "ind", "firstLineChars"),
        styles.paragraph_property(p, "ind", "firstLine"),
    )


def test_page_is_a4_with_gbt9704_margins(body):
    sect = body.find("w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    margins = sect.find("w:pgMar", NS)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert int(margins.get(w(side))) == twips(mm), side
    # The page number's dashes 7 mm below the text area: see FOOTER_DISTANCE_MM.
    assert int(margins.get(w("footer"))) == twips(25.5)
    grid = sect.find("w:docGrid", NS)
    assert grid.get(w("type")) == "lines"
    assert grid.get(w("linePitch")) == "579"


@pytest.mark.parametrize(
    ("style", "font"),
    [("Normal", "仿宋_GB2312"), ("heading 1", "黑体"), ("heading 2", "楷体_GB2312"),
     ("heading 3", "仿宋_GB2312")],
)  # fmt: skip
def test_body_styles_fonts_size_colour_and_exact_spacing(styles, style, font):
    for attr in ("eastAsia", "ascii", "hAnsi"):
        assert styles.style_property(style, "rPr", "rFonts", attr) == font, attr
    assert styles.style_property(style, "rPr", "sz") == "32"
    assert styles.style_property(style, "rPr", "color") == "000000"
    assert styles.style_property(style, "rPr", "color", "themeColor") is None
    for attr, value in (("line", "579"), ("lineRule", "exact"), ("before", "0"), ("after", "0")):
        assert styles.style_property(style, "pPr", "spacing", attr) == value, attr
    assert styles.style_property(style, "pPr", "ind", "firstLineChars") == "200"
    assert styles.style_property(style, "pPr", "ind", "firstLine") == "640"
    chain = styles.chain(styles.by_name(style).get(w("styleId")))
    assert not any(s.find("w:rPr/w:b", NS) is not None for s in chain), "headings are not bold"


def test_no_theme_fonts_left_in_styles(styles):
    for fonts in styles.root.iter(w("rFonts")):
        for attr in THEME_FONT_ATTRS:
            assert fonts.get(w(attr)) is None, f"{attr} in {fonts.getparent().getparent().tag}"
    defaults = styles.defaults.find("w:rPrDefault/w:rPr/w:rFonts", NS)
    assert defaults.get(w("eastAsia")) == "仿宋_GB2312"


def test_every_run_gets_its_fonts_from_styles_with_the_east_asian_hint(body, styles):
    """Runs name no font themselves, so a reference DOCX's fonts are the ones that show."""
    runs = list(body.iter(w("r")))
    assert runs
    for r in runs:
        fonts = r.find("w:rPr/w:rFonts", NS)
        assert fonts is not None, paragraph_text(r)
        assert fonts.get(w("hint")) == "eastAsia", paragraph_text(r)
        for attr in ("eastAsia", "ascii", "hAnsi"):
            assert fonts.get(w(attr)) is None, paragraph_text(r)
            assert styles.run_property(r, "rFonts", attr), paragraph_text(r)


def test_chinese_language_and_typography_settings(styles, settings, docx_path):
    assert settings.find("w:themeFontLang", NS).get(w("eastAsia")) == "zh-CN"
    assert styles.defaults.find("w:rPrDefault/w:rPr/w:lang", NS).get(w("eastAsia")) == "zh-CN"
    even_odd = settings.find("w:evenAndOddHeaders", NS)
    assert even_odd is not None and even_odd.get(w("val")) in (None, "1", "true")
    assert settings.find("w:characterSpacingControl", NS).get(w("val")) == "doNotCompress"
    for tag in ("widowControl", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
        assert styles.style_property("Normal", "pPr", tag) == "0", tag
    assert styles.style_property("Normal", "rPr", "spacing") == "-5"
    core = read_part(docx_path, "docProps/core.xml")
    assert core.findtext("{http://purl.org/dc/elements/1.1/}language") == "zh-CN"
    assert core.findtext("{http://purl.org/dc/elements/1.1/}title") == "关于乡村振兴的专项工作报告"


def test_title_block(body, styles, document):
    tb = document.title_block
    title = paragraph_with_text(body, tb.title)
    assert styles.paragraph_property(title, "jc", "val") == "center"
    assert indent(styles, title) == ("0", "0")
    (run,) = text_runs(title)
    assert styles.run_property(run, "rFonts", "eastAsia") == "方正小标宋简体"
    assert styles.run_property(run, "sz") == "44"
    blank = title.getnext()
    assert paragraph_text(blank) == "", "one blank line between title and subtitle"
    assert paragraph_text(blank.getnext()) == tb.subtitle
    for text in (tb.subtitle, tb.date, tb.speaker):
        p = paragraph_with_text(body, text)
        assert styles.paragraph_property(p, "jc", "val") == "center", text
        assert indent(styles, p) == ("0", "0"), text
        assert styles.run_property(text_runs(p)[0], "rFonts", "eastAsia") == "楷体_GB2312", text
        assert styles.run_property(text_runs(p)[0], "sz") == "32", text
    salutation = paragraph_with_text(body, tb.salutation)
    assert styles.paragraph_property(salutation, "jc", "val") == "left"
    assert indent(styles, salutation) == ("0", "0")
    assert styles.run_property(text_runs(salutation)[0], "rFonts", "eastAsia") == "仿宋_GB2312"


@pytest.mark.parametrize("salutation", [True, False], ids=["after a salutation", "without one"])
def test_the_body_follows_a_salutation_at_once_and_other_openings_after_a_blank_line(document, tmp_path,
                                                                                        salutation):
    """As style.css sets the page: `header > :last-child:not(.salutation)` has a blank line below."""
    import dataclasses

    tb = document.title_block if salutation else dataclasses.replace(document.title_block, salutation="")
    doc = dataclasses.replace(document, title_block=tb)
    write_docx(doc, tmp_path / "d.docx")
    body = read_part(tmp_path / "d.docx", "word/document.xml")
    last = paragraph_with_text(body, tb.salutation or tb.speaker)
    after = last.getnext()
    first_block = doc.blocks[0].text
    if salutation:
        assert paragraph_text(after) == first_block
    else:
        assert paragraph_text(after) == "" and paragraph_text(after.getnext()) == first_block


def test_body_paragraphs_and_headings_indent_two_characters(body, styles, document):
    blocks = [b for b in document.blocks if not isinstance(b, Table)]
    assert blocks
    for block in blocks:
        p = paragraph_with_text(body, block.text)
        assert indent(styles, p) == ("200", "640"), block.text[:20]


def test_headings_use_heading_styles(body, styles, document):
    fonts = {1: "黑体", 2: "楷体_GB2312"}
    for heading in (b for b in document.blocks if isinstance(b, Heading)):
        p = paragraph_with_text(body, heading.text)
        assert styles.paragraph_style_id(p) == f"Heading{heading.level}"
        assert styles.paragraph_property(p, "outlineLvl", "val") == str(heading.level - 1)
        (run,) = text_runs(p)
        assert styles.run_property(run, "rFonts", "eastAsia") == fonts[heading.level]
        assert styles.run_property(run, "color") == "000000"


def test_lead_runs_are_kaiti_and_the_rest_fangsong(body, styles, document):
    paragraphs = [b for b in document.blocks if isinstance(b, Paragraph)]
    assert any(r.lead for p in paragraphs for r in p.runs), "the sample has lead sentences"
    for paragraph in paragraphs:
        written = text_runs(paragraph_with_text(body, paragraph.text))
        assert [paragraph_text(r) for r in written] == [r.text for r in paragraph.runs]
        for run, r in zip(paragraph.runs, written, strict=True):
            expected = "楷体_GB2312" if run.lead else "仿宋_GB2312"
            for attr in ("eastAsia", "ascii", "hAnsi"):
                assert styles.run_property(r, "rFonts", attr) == expected, run.text[:20]


def test_table_is_centred_bordered_grid_with_heiti_header(body, styles, document):
    (table,) = [b for b in document.blocks if isinstance(b, Table)]
    (tbl,) = body.iter(w("tbl"))
    assert tbl.find("w:tblPr/w:jc", NS).get(w("val")) == "center"
    style_id = tbl.find("w:tblPr/w:tblStyle", NS).get(w("val"))
    borders = styles.by_id[style_id].find("w:tblPr/w:tblBorders", NS)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = borders.find(f"w:{side}", NS)
        assert (line.get(w("val")), line.get(w("sz"))) == ("single", "4"), side  # 0.5 pt
    rows = tbl.findall("w:tr", NS)
    assert len(rows) == 1 + len(table.rows)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    for n, row in enumerate(rows):
        font = "黑体" if n == 0 else "仿宋_GB2312"
        for p in row.iter(w("p")):
            assert indent(styles, p) == ("0", "0")
            # Headers centred; body text left-aligned, as in the PDF (the sample has no numbers).
            expected = "left" if n else "center"
            assert styles.paragraph_property(p, "jc", "val") == expected
            for r in text_runs(p):
                assert styles.run_property(r, "rFonts", "eastAsia") == font


def test_footers_carry_page_numbers_right_on_odd_left_on_even(docx_path, styles):
    footers = footer_parts(docx_path)
    assert set(footers) >= {"default", "even"}
    for kind, align, side in (("default", "right", "left"), ("even", "left", "right")):
        (p,) = footers[kind].iterfind("w:p", NS)
        assert styles.paragraph_property(p, "jc", "val") == align, kind
        assert styles.paragraph_property(p, "ind", align) == "280", kind  # one character in
        assert styles.paragraph_property(p, "ind", side) in (None, "0"), kind
        assert indent(styles, p) == ("0", "0"), kind
        chars = [e.get(w("fldCharType")) for e in p.iter(w("fldChar"))]
        assert chars == ["begin", "separate", "end"], kind
        assert [e.text.strip() for e in p.iter(w("instrText"))] == ["PAGE"], kind
        runs = p.findall("w:r", NS)
        assert paragraph_text(runs[0]) == "\u2014 " and paragraph_text(runs[-1]) == " \u2014"
        for r in runs:
            assert styles.run_property(r, "sz") == "28", kind  # 4号
            assert styles.run_property(r, "rFonts", "ascii") == "Times New Roman", kind
            assert styles.run_property(r, "rFonts", "eastAsia") == "宋体", kind


def test_text_is_written_as_given(body, document):
    assert body_lines(body) == document.plain_text().splitlines()


def test_writing_twice_gives_identical_parts(document, tmp_path):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    write_docx(document, first)
    write_docx(document, second)
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":  # creation time
                assert a.read(name) == b.read(name), name


def test_paragraph_without_indent_and_deep_heading(tmp_path):
    doc = Document(
        TitleBlock("标题"),
        (Heading(4, "（1）小项"), Paragraph((Run("不缩进的段落。"),), indent=False)),
    )
    path = tmp_path / "small.docx"
    write_docx(doc, path)
    body = read_part(path, "word/document.xml")
    styles = Styles(read_part(path, "word/styles.xml"))
    assert indent(styles, paragraph_with_text(body, "不缩进的段落。")) == ("0", "0")
    heading = paragraph_with_text(body, "（1）小项")
    assert styles.paragraph_style_id(heading) == "Heading4"
    assert styles.run_property(text_runs(heading)[0], "rFonts", "eastAsia") == "仿宋_GB2312"
    assert styles.style_property("heading 4", "rPr", "color") == "000000"
    assert body_lines(body) == doc.plain_text().splitlines()


@pytest.mark.parametrize(
    "doc",
    [
        Document(TitleBlock("标题"), (Paragraph((Run("第一句。"), Run("响铃\x07了"))),)),
        Document(TitleBlock("标题\x0b")),
        Document(TitleBlock("标题"), (Heading(1, "换页\x0c"),)),
        Document(TitleBlock("标题"), (Table(("村",), (("山石\x00村",),)),)),
    ],
    ids=["paragraph", "title", "heading", "table"],
)
def test_control_character_raises_input_error_and_writes_nothing(doc, tmp_path):
    path = tmp_path / "bad.docx"
    with pytest.raises(InputError, match=r"U\+00(07|0B|0C|00)") as caught:
        write_docx(doc, path)
    lines = doc.plain_text().split("\n")
    bad_text = next(line for line in lines if re.search("[\x00-\x1f]", line))
    assert repr(bad_text[:2])[1:-1] in str(caught.value), "names the start of the text"
    assert not path.exists()


def convert_with_libreoffice(docx_path: pathlib.Path, outdir: pathlib.Path) -> pathlib.Path:
    profile = outdir / "lo-profile"  # private, so parallel runs do not share a profile
    command = [
        "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
        "--convert-to", "pdf", "--outdir", str(outdir), str(docx_path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pdf = outdir / f"{docx_path.stem}.pdf"
    assert pdf.is_file(), done.stdout + done.stderr
    return pdf


def pdftotext(*args: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.fixture(scope="module")
def libreoffice_pdf(docx_path, tmp_path_factory) -> pathlib.Path:
    return convert_with_libreoffice(docx_path, tmp_path_factory.mktemp("libreoffice"))


def test_libreoffice_renders_all_the_text(libreoffice_pdf, document):
    flat = squeeze(pdftotext(str(libreoffice_pdf)))
    # A paragraph may run over a page break, with the page number printed in between.
    flat = re.sub("\u2014\\d+\u2014", "", flat)
    # A table row is its cells joined by spaces; pdftotext may read a tight table column by column.
    pieces = [piece for line in document.plain_text().splitlines() for piece in line.split(" ")]
    for piece in pieces:
        # LibreOffice 7.4 reads w:overflowPunct="0" backwards (as "may hang"), and a justified
        # line then loses the punctuation it hangs: tolerate only that.
        pattern = "".join(re.escape(c) + ("?" if c in HANGING else "") for c in squeeze(piece))
        assert re.search(pattern, flat), piece[:30]


def test_libreoffice_places_page_numbers_outside_one_character_in(libreoffice_pdf):
    xhtml = etree.fromstring(pdftotext("-bbox-layout", str(libreoffice_pdf)).encode())
    pages = xhtml.findall(".//x:page", {"x": XHTML})
    assert len(pages) >= 2, "the sample fills more than one page"
    mm = 72 / 25.4
    for number, page in enumerate(pages, start=1):
        width, height = float(page.get("width")), float(page.get("height"))
        (line,) = [
            line
            for line in page.iter(f"{{{XHTML}}}line")
            if squeeze("".join(line.itertext())) == f"\u2014{number}\u2014"
        ]
        top = float(line.get("yMin"))
        assert top > height - 35 * mm, "below the text area"
        if number % 2:  # right-hand page: flush right, one 14 pt character in
            assert float(line.get("xMax")) == pytest.approx(width - 26 * mm - 14, abs=1.5)
        else:
            assert float(line.get("xMin")) == pytest.approx(28 * mm + 14, abs=1.5)
