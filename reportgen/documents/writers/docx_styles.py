"""The GB/T 9704-2012 page, styles, settings and page-number footers: what the default reference.docx holds.

`make_reference` writes them into a blank python-docx document; scripts/make_reference_docx.py
saves that as templates/reference.docx.  The DOCX writer itself takes every style, the page setup,
the footers and the numbering from a reference file (reportgen.documents.writers.docx_reference).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import weakref
from dataclasses import dataclass

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Twips

from reportgen.documents.writers.ooxml import PPR_ORDER, RPR_ORDER, child, drop_attrs, set_attrs

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


def setup_styles(doc) -> None:
    styles = doc.styles
    setup_doc_defaults(styles.element, LANG)
    normal = styles["Normal"]
    apply_look(normal, BODY)
    pPr = normal.element.get_or_add_pPr()
    # No widow control, so every page has its 22 lines (LibreOffice defaults it on); keep
    # 、，。 inside the margin; no extra space between 汉字 and Latin letters or digits.
    for tag in ("widowControl", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
        set_attrs(child(pPr, tag, PPR_ORDER), val=0)
    set_attrs(child(normal.element.get_or_add_rPr(), "spacing", RPR_ORDER), val=CHAR_SPACING)

    for level in range(1, HEADING_LEVELS + 1):
        heading = styles[f"Heading {level}"]
        apply_look(heading, HEADING_LOOKS.get(level, BODY))
        heading.element.get_or_add_rPr().remove_all("w:b", "w:bCs", "w:i", "w:iCs")

    for name, look in (*TITLE_BLOCK_STYLES.values(), *TABLE_STYLES.values()):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        apply_look(style, look)

    lead = styles.add_style(LEAD_STYLE, WD_STYLE_TYPE.CHARACTER)
    lead.quick_style = True
    set_fonts(lead.element.get_or_add_rPr(), KAITI)

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




#: Character styles: a paragraph's lead sentence, set in 楷体 inside the 仿宋 paragraph.
LEAD_STYLE = "Lead Sentence"
HEADING_LEVELS = 6  # Heading 1-6: levels past 2 look like the body
LANG = "zh-CN"


def make_reference(path: pathlib.Path) -> None:
    """Write the default reference DOCX: the GB/T 9704 page, styles, settings and footers, no text."""
    from reportgen.documents.writers.docx_forms import add_form_styles

    doc = docx.Document()
    setup_page(doc)
    setup_settings(doc, LANG)
    setup_styles(doc)
    add_form_styles(doc.styles)
    write_page_numbers(doc)
    body = doc.element.body
    for element in list(body):
        if element.tag != qn("w:sectPr"):
            body.remove(element)
    props = doc.core_properties
    props.title = "GB/T 9704-2012 reference"
    props.author = props.last_modified_by = props.comments = props.keywords = props.subject = ""
    props.revision = 1
    props.created = props.modified = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    doc.save(str(path))


_STYLE_IDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # document part -> {(name, type): id}


def style_id(part, name: str, kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH) -> str | None:
    """The id of the style called `name` in the document `part` (a paragraph's or the document's
    `.part`); None for the type's default style, as python-docx writes it.

    python-docx searches every style, and again for the default, on each assignment: most of the
    time a DOCX took to write.  Here the styles are read once per document; a name it does not hold
    raises python-docx's own KeyError.
    """
    ids = _STYLE_IDS.get(part)
    if ids is None:
        ids = {}
        for style in part.styles:
            default = style.element.get(qn("w:default")) in ("1", "true", "on")
            ids.setdefault((style.name, style.type), None if default else style.style_id)
        _STYLE_IDS[part] = ids
    try:
        return ids[(name, kind)]
    except KeyError:
        return part.get_style_id(name, kind)


def keep_with_next(paragraph) -> None:
    """The paragraph goes to a new page with the one after it (w:keepNext), never ends a page alone."""
    set_attrs(child(paragraph._p.get_or_add_pPr(), "keepNext", PPR_ORDER), val=1)


def set_style(item, name: str | None) -> None:
    """`item.style = name` for a python-docx paragraph or run, without python-docx's search."""
    if name is None:
        return
    if hasattr(item, "_p"):
        item._p.style = style_id(item.part, name)
    else:
        item._r.style = style_id(item.part, name, WD_STYLE_TYPE.CHARACTER)
