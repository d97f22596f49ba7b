"""Write the document model out as a DOCX laid out to GB/T 9704-2012."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt, Twips

from reportgen.documents.model import TITLE_KEYS, Chart, Document, Heading, Paragraph, Table
from reportgen.documents.writers.docx_figures import align_table, write_caption, write_chart
from reportgen.documents.writers.ooxml import PPR_ORDER, RPR_ORDER, child, drop_attrs, set_attrs
from reportgen.errors import InputError, Problem

FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
DIGIT_FONT = "Times New Roman"

LINE_PITCH = 579  # twips: 225 mm / 22 lines; 580 overflows the text area
TEXT_WIDTH_MM = 210 - 28 - 26  # A4 less the left and right margins: 156 mm
INDENT_CHARS = 200  # hundredths of a character: two characters
INDENT_TWIPS = 640  # the same two characters of 16 pt, for readers that ignore *Chars
# Twentieths of a point (ST_SignedTwipsMeasure): 16 pt − 0.25 pt keeps 28 characters inside
# the 156 mm measure; −4 would overflow it by a hair.
CHAR_SPACING = -5
PAGE_NUMBER_INSET = 280  # twips: one 14 pt character in from the edge
# GB/T 9704 puts the dashes of "— 1 —" 7 mm below the text area (35 mm above the page edge).
# The footer distance is measured to the bottom of the footer line, and the dashes sit about
# 2.5 mm above that (measured in LibreOffice), so 35 − 7 − 2.5 mm.
FOOTER_DISTANCE_MM = 25.5

THEME_FONT_ATTRS = ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme")
THEME_COLOR_ATTRS = ("themeColor", "themeShade", "themeTint")


# C0 controls other than tab and newline, lone surrogates, U+FFFE/U+FFFF: XML 1.0 cannot hold them.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Look:
    """How one paragraph style looks: font, size, alignment, first-line indent."""

    font: str
    size: float = 16  # points
    align: str = "both"  # w:jc
    indent: bool = True
    # LibreOffice gives a line whose font is taller than the grid pitch two grid lines; Word
    # keeps exact spacing either way. Off for the 22 pt title so it takes one line.
    snap_to_grid: bool = True
    line: int = LINE_PITCH  # exact line spacing in twips


BODY = Look(FANGSONG)
HEADING_LOOKS = {1: Look(HEITI), 2: Look(KAITI)}  # level 3 and below: 仿宋 like the body
TITLE_BLOCK_STYLES = {
    "title": ("Report Title", Look(XIAOBIAOSONG, 22, "center", False, snap_to_grid=False)),
    "subtitle": ("Report Subtitle", Look(KAITI, align="center", indent=False)),
    "date": ("Report Date", Look(KAITI, align="center", indent=False)),
    "speaker": ("Report Speaker", Look(KAITI, align="center", indent=False)),
    "salutation": ("Salutation", Look(FANGSONG, align="left", indent=False)),
}
# Tables in 4号 on 20 pt lines, off the grid, so a one-page brief keeps its table on one page.
TABLE_STYLES = {
    "header": ("Table Header", Look(HEITI, 14, "center", False, snap_to_grid=False, line=400)),
    "cell": ("Table Text", Look(FANGSONG, 14, "center", False, snap_to_grid=False, line=400)),
    "caption": ("Caption Title", Look(HEITI, 14, "center", False, snap_to_grid=False)),
}


def write_docx(
    document: Document, path: pathlib.Path, *, created: dt.datetime | None = None
) -> None:
    """Write `document` to `path` as a DOCX; raise InputError if its text cannot go into XML.

    `created` stamps the core properties (default: now); word/document.xml never depends on it.
    """
    check_text(document)
    doc = docx.Document()
    setup_page(doc)
    setup_settings(doc, document.lang)
    setup_styles(doc, document)
    write_title_block(doc, document)
    for block in document.blocks:
        if isinstance(block, Heading):
            write_heading(doc, block)
        elif isinstance(block, Paragraph):
            write_paragraph(doc, block)
        elif isinstance(block, Table):
            write_table(doc, block)
        elif isinstance(block, Chart):
            write_chart(doc, block)
        else:
            raise TypeError(f"unknown block type {type(block).__name__}")
    write_page_numbers(doc)
    set_core_properties(doc, document, created)
    doc.save(str(path))


def iter_texts(document: Document) -> Iterator[tuple[str, str]]:
    """Every string the writer puts into the DOCX, with where it comes from."""
    for key in TITLE_KEYS:
        value = getattr(document.title_block, key)
        if value:
            yield f"title block {key}", value
    for n, block in enumerate(document.blocks, start=1):
        if isinstance(block, Table):
            if block.caption:
                yield f"block {n} (table title)", block.caption
            for cells in (block.header, *block.rows):
                for cell in cells:
                    yield f"block {n} (table cell)", cell
        else:
            kind = "heading" if isinstance(block, Heading) else "paragraph"
            yield f"block {n} ({kind})", block.text


def check_text(document: Document) -> None:
    """Raise InputError naming every string that holds a character XML cannot carry."""
    problems = [
        Problem(f"{where} starting {text[:20]!r} contains the control character U+{ord(bad):04X}")
        for where, text in iter_texts(document)
        for bad in FORBIDDEN_CHARS.findall(text)[:1]
    ]
    if problems:
        raise InputError(problems)


def set_fonts(rPr, east_asian: str, latin: str | None = None) -> None:
    """Name the font for every script; the eastAsia hint sends “ ” — … to the Chinese font."""
    fonts = child(rPr, "rFonts", RPR_ORDER)
    drop_attrs(fonts, THEME_FONT_ATTRS)
    latin = latin or east_asian
    set_attrs(fonts, ascii=latin, hAnsi=latin, eastAsia=east_asian, cs=latin, hint="eastAsia")


def set_indent(pPr, indent: bool) -> None:
    # firstLineChars wins over firstLine, so "no indent" must zero it explicitly.
    chars, twips = (INDENT_CHARS, INDENT_TWIPS) if indent else (0, 0)
    set_attrs(child(pPr, "ind", PPR_ORDER), firstLineChars=chars, firstLine=twips)


def set_exact_spacing(pPr, line: int = LINE_PITCH) -> None:
    spacing = child(pPr, "spacing", PPR_ORDER)
    drop_attrs(spacing, ("beforeLines", "afterLines", "beforeAutospacing", "afterAutospacing"))
    set_attrs(spacing, before=0, after=0, line=line, lineRule="exact")


def set_size(rPr, points: float) -> None:
    half_points = round(points * 2)
    set_attrs(child(rPr, "sz", RPR_ORDER), val=half_points)
    set_attrs(child(rPr, "szCs", RPR_ORDER), val=half_points)


def setup_page(doc) -> None:
    """A4, GB/T 9704 margins, a 22-line grid, page numbers 7 mm below the text area."""
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(11906), Twips(16838)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.gutter = Twips(0)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    grid = section._sectPr.find(qn("w:docGrid"))
    drop_attrs(grid, ("charSpace",))
    set_attrs(grid, type="lines", linePitch=LINE_PITCH)


def setup_settings(doc, lang: str) -> None:
    settings = doc.settings
    settings.odd_and_even_pages_header_footer = True
    element = settings.element
    # The default template says ja-JP, which makes readers pick a Japanese face for 汉字.
    set_attrs(element.find(qn("w:themeFontLang")), eastAsia=lang)
    set_attrs(element.find(qn("w:characterSpacingControl")), val="doNotCompress")


def setup_styles(doc, document: Document) -> None:
    styles = doc.styles
    setup_doc_defaults(styles.element, document.lang)
    normal = styles["Normal"]
    apply_look(normal, BODY)
    pPr = normal.element.get_or_add_pPr()
    # No widow control, so every page has its 22 lines (LibreOffice defaults it on); keep
    # 、，。 inside the margin; no extra space between 汉字 and Latin letters or digits.
    for tag in ("widowControl", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
        set_attrs(child(pPr, tag, PPR_ORDER), val=0)
    set_attrs(child(normal.element.get_or_add_rPr(), "spacing", RPR_ORDER), val=CHAR_SPACING)

    deepest = max([3] + [b.level for b in document.blocks if isinstance(b, Heading)])
    for level in range(1, deepest + 1):
        heading = styles[f"Heading {level}"]
        apply_look(heading, HEADING_LOOKS.get(level, BODY))
        heading.element.get_or_add_rPr().remove_all("w:b", "w:bCs", "w:i", "w:iCs")

    for name, look in (*TITLE_BLOCK_STYLES.values(), *TABLE_STYLES.values()):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        apply_look(style, look)

    setup_footer_style(styles["Footer"])
    # Theme fonts beat explicit names: strip them from every style, used or not.
    for fonts in styles.element.iter(qn("w:rFonts")):
        drop_attrs(fonts, THEME_FONT_ATTRS)


def setup_doc_defaults(styles_element, lang: str) -> None:
    defaults = styles_element.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rPr, FANGSONG)
    set_size(rPr, BODY.size)
    set_attrs(child(rPr, "lang", RPR_ORDER), val="en-US", eastAsia=lang)
    set_exact_spacing(defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")))


def apply_look(style, look: Look) -> None:
    """Write a Look into a paragraph style, replacing template fonts, colours and spacing."""
    pPr = style.element.get_or_add_pPr()
    set_exact_spacing(pPr, look.line)
    set_indent(pPr, look.indent)
    set_attrs(child(pPr, "jc", PPR_ORDER), val=look.align)
    if not look.snap_to_grid:
        set_attrs(child(pPr, "snapToGrid", PPR_ORDER), val=0)
    rPr = style.element.get_or_add_rPr()
    set_fonts(rPr, look.font)
    color = child(rPr, "color", RPR_ORDER)
    drop_attrs(color, THEME_COLOR_ATTRS)
    set_attrs(color, val="000000")
    set_size(rPr, look.size)


def setup_footer_style(style) -> None:
    """Page-number lines: 4号, single spacing off the grid, no indent or squeezed spacing."""
    pPr = style.element.get_or_add_pPr()
    set_attrs(child(pPr, "snapToGrid", PPR_ORDER), val=0)
    spacing = child(pPr, "spacing", PPR_ORDER)
    set_attrs(spacing, before=0, after=0, line=240, lineRule="auto")
    set_indent(pPr, False)
    rPr = style.element.get_or_add_rPr()
    set_fonts(rPr, SONGTI, DIGIT_FONT)
    set_attrs(child(rPr, "color", RPR_ORDER), val="000000")
    set_attrs(child(rPr, "spacing", RPR_ORDER), val=0)
    set_size(rPr, 14)


def add_paragraph(doc, style: str | None, texts: tuple[tuple[str, str], ...] = ()):
    """A paragraph in `style` (None: Normal) of (text, font) runs; each run names its fonts."""
    paragraph = doc.add_paragraph(style=style)
    for text, font in texts:
        add_run(paragraph, text, font)
    return paragraph


def add_run(paragraph, text: str, font: str):
    run = paragraph.add_run(text)
    set_fonts(run._r.get_or_add_rPr(), font)
    return run


def write_title_block(doc, document: Document) -> None:
    """Title, a blank line, then subtitle, date line, speaker line and salutation."""
    title_block = document.title_block
    for key in TITLE_KEYS:
        value = getattr(title_block, key)
        style, look = TITLE_BLOCK_STYLES[key]
        if value:
            add_paragraph(doc, style, ((value, look.font),))
        if key == "title":
            add_paragraph(doc, None)  # GB/T 9704: one blank line below the title


def write_heading(doc, heading: Heading) -> None:
    look = HEADING_LOOKS.get(heading.level, BODY)
    add_paragraph(doc, f"Heading {heading.level}", ((heading.text, look.font),))


def write_paragraph(doc, paragraph: Paragraph) -> None:
    runs = tuple((run.text, KAITI if run.lead else BODY.font) for run in paragraph.runs)
    written = add_paragraph(doc, None, runs)
    if not paragraph.indent:
        set_indent(written._p.get_or_add_pPr(), False)


def column_widths(rows, points: float, total: Length) -> list[Length]:
    """Widths that fit each column's longest cell (CJK a full em, ASCII half), scaled to `total`.

    A header cell may wrap onto two lines, so it asks for half its width; LibreOffice sets a fifth
    of an em between 汉字 and digits, so each such change asks for a quarter em more.
    """
    def ems(text: str, header: bool) -> float:
        width = sum(1 if ord(ch) > 0x2E7F else 0.5 for ch in text)
        width += 0.25 * len(re.findall(r"(?<=[\u4e00-\u9fff])[0-9]|(?<=[0-9])[\u4e00-\u9fff]", text))
        return (width / 2 if header else width) + 1  # one em of cell padding

    need = [max(ems(cells[n], style is TABLE_STYLES["header"]) if n < len(cells) else 1
                for cells, style in rows)
            for n in range(max(len(cells) for cells, _ in rows))]
    scale = total / (sum(need) * Pt(points))
    return [Emu(int(n * Pt(points) * scale)) for n in need]


def write_table(doc, table: Table) -> None:
    """A centred grid of single 0.5 pt lines; the header row repeats on each page."""
    rows = [(cells, TABLE_STYLES["cell"]) for cells in table.rows]
    if table.header:
        rows.insert(0, (table.header, TABLE_STYLES["header"]))
    width = max((len(cells) for cells, _ in rows), default=0)
    if not width:
        return
    if table.caption:
        write_caption(doc, table.caption, keep_with_next=True)
    grid = doc.add_table(rows=len(rows), cols=width)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = column_widths(rows, TABLE_STYLES["cell"][1].size, Mm(TEXT_WIDTH_MM))
    for column, column_width in zip(grid.columns, widths, strict=True):
        column.width = column_width  # w:gridCol, which LibreOffice reads; Word reads w:tcW below
    for row, (cells, (style, look)) in zip(grid.rows, rows, strict=True):
        for n, cell in enumerate(row.cells):
            cell.width = widths[n]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles[style]
            if n < len(cells):
                add_run(paragraph, cells[n], look.font)
    if table.header:
        trPr = grid.rows[0]._tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:tblHeader"))
    align_table(grid, table)


def write_page_numbers(doc) -> None:
    """Odd pages carry the number at the right, even pages at the left, one character in."""
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        pPr = paragraph._p.get_or_add_pPr()
        set_attrs(child(pPr, "ind", PPR_ORDER), **{side: PAGE_NUMBER_INSET})
        set_attrs(child(pPr, "jc", PPR_ORDER), val=side)
        add_page_number_runs(paragraph)


def add_page_number_runs(paragraph) -> None:
    """The em dashes around a PAGE field: begin, instruction, separate, placeholder, end."""

    def run(text: str = ""):
        r = paragraph.add_run(text)
        set_fonts(r._r.get_or_add_rPr(), SONGTI, DIGIT_FONT)
        return r._r

    def field_char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        set_attrs(element, fldCharType=kind)
        run().append(element)

    run("— ")
    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run().append(instruction)
    field_char("separate")
    run("1")
    field_char("end")
    run(" —")


def set_core_properties(doc, document: Document, created: dt.datetime | None) -> None:
    stamp = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    props = doc.core_properties
    props.title = document.title_block.title
    props.language = document.lang
    props.author = props.last_modified_by = props.comments = ""
    props.revision = 1
    props.created = props.modified = stamp
    # The template's thumbnail shows an empty page, not this document.
    package_rels = doc.part.package.rels
    for rId in [rId for rId, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rId]
