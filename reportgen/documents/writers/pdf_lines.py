"""Body paragraphs of the HTML page set into justified lines for the PDF (W3C clreq line adjustment).

WeasyPrint stretches only spaces, so a Chinese line that holds half-width digits, or one broken
early by a line-start rule, ends short of the measure.  Here each body paragraph and heading is
broken into lines with the advance widths of the fonts fontconfig gives the PDF (read with
fontTools), and every line but a paragraph's last is written as a block of its own whose
letter-spacing makes it end exactly at the right edge of the text block:

- the breaks: what fits a line is decided as LibreOffice lays out the DOCX (`_grid_widths`: 28
  full-width characters to the 156 mm, adjacent marks not compressed, the DOCX's run spacing, a
  fifth of an em between 汉字 and digits or Latin letters), so the PDF's lines, and so its pages,
  are the DOCX's;
- kinsoku: no 。，、）” … at a line start and no （“ … at a line end; one of 。，、：；？！ that
  does not fit is pushed into the line above (squeezing it, where LibreOffice hangs it), any other
  closing mark takes the character before it down; a quotation mark stays with a digit beside it;
- digits, Latin letters and the signs inside a number (2023, 13.38, 87.25%) are never split;
- of two adjacent full-width marks (）。 。“ ”，) the first is set half width, as Word and WPS do,
  and the line's spacing takes up the half em.

The characters and their order are unchanged, so pdftotext reads the same text back.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
import struct
from dataclasses import dataclass
from html import escape, unescape

from reportgen.documents.writers.pdf import FONTS_CONF, _fc_escape, _fc_match_here

MEASURE_PT = 156 / 25.4 * 72  # the text block: 156 mm
FONT_SIZE_PT = 16.0  # 3号: body and headings
BASE_SPACING_PT = -0.21  # style.css letter-spacing on p and headings: 28 characters a line
INDENT_PT = 2 * MEASURE_PT / 28  # two characters of the grid
FALLBACK_FAMILY = "Noto Serif CJK SC"  # what fonts.conf gives a character FandolFang lacks
AUTOSPACE_EMS = 0.2  # between 汉字 and digits or Latin letters
DOCX_SPACING_PT = -0.25  # the DOCX's run spacing (w:spacing -5, in twentieths of a point)
# Marks LibreOffice lets hang past the end of a full line (one, after a 汉字 or mark, never after a digit
# or letter); here the line is squeezed to hold it.  Any other mark that may not start a line (）” …)
# takes the character before it down to the next line.
HANGING_MARKS = set("。，、：；？！")

NO_LINE_START = set("。，、；：？！）”’》〉」』】〕·％%.,;:?!)]}")
NO_LINE_END = set("（“‘《〈「『【〔([{")
# Full-width marks whose glyph sits in one half of the em box (centred ones such as ？！ are not).
CLOSING_MARKS = set("。，、；：）”’》〉」』】〕")
OPENING_MARKS = set("（“‘《〈「『【〔")
_UNSPLIT = re.compile(r"[0-9A-Za-z.%·\-+/]")  # runs of these stay on one line

# Which family each element of html.py is set in (style.css says the same).
_BLOCK = re.compile(
    r'<(?P<tag>p|h2|h3|h4) class="(?P<cls>p|p noindent|h1|h2|h3)">(?P<body>.*?)</(?P=tag)>', re.S
)
_LEAD = re.compile(r'<span class="lead">(.*?)</span>', re.S)
_FAMILY = {"p": "仿宋_GB2312", "p noindent": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312",
           "h3": "仿宋_GB2312"}
LEAD_FAMILY = "楷体_GB2312"


@dataclass(frozen=True)
class Glyph:
    """One character as set: its text, family, whether a lead run holds it, advance in points."""

    char: str
    family: str
    lead: bool
    advance: float


@functools.cache
def _font_file(family: str) -> tuple[str, int]:
    """The font file and face index fontconfig (with templates/fonts.conf) gives `family`."""
    saved = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    try:
        answer = _fc_match_here([f"{_fc_escape(family)}:lang=zh-cn"])[0]
    finally:
        if saved is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = saved
    if answer is None:
        import subprocess

        answer = subprocess.run(
            ["fc-match", "--format=%{family[0]}\t%{style[0]}\t%{file}\t%{index}", f"{family}:lang=zh-cn"],
            capture_output=True, text=True, check=True, env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)},
        ).stdout
        path, index = answer.split("\t")[2:4]
        return path, int(index)
    path = answer.split("\t")[2]
    index = 0
    if path.lower().endswith((".ttc", ".otc")):
        index = _collection_index(path, family)
    return path, index


def _collection_index(path: str, family: str) -> int:
    """The face of a collection that fontconfig means for `family` (its SC face for zh-CN)."""
    from fontTools.ttLib import TTCollection

    with TTCollection(path, lazy=True) as collection:
        for index, font in enumerate(collection.fonts):
            name = font["name"].getDebugName(1) or ""
            if name.endswith(" SC"):
                return index
    return 0


class FontMetrics:
    """Advance widths of one font face, read straight from its cmap (format 4) and hmtx tables.

    Only the characters asked for are looked up, so a 65 000-glyph CJK collection costs
    milliseconds instead of the seconds fontTools takes to name every glyph.
    """

    def __init__(self, path: str, index: int) -> None:
        from fontTools.ttLib import TTFont

        with TTFont(path, fontNumber=index, lazy=True) as font:
            self.upm = font["head"].unitsPerEm
            self.long_metrics = font["hhea"].numberOfHMetrics
            self.hmtx = bytes(font.reader["hmtx"])
            cmap = bytes(font.reader["cmap"])
        self.segments = self._bmp_segments(cmap)

    @staticmethod
    def _bmp_segments(cmap: bytes):
        """(ends, starts, deltas, range offsets, their position, table) of the (3,1) or (0,3) subtable."""
        count = struct.unpack_from(">H", cmap, 2)[0]
        offsets = {struct.unpack_from(">HH", cmap, 4 + 8 * n): struct.unpack_from(">I", cmap, 8 + 8 * n)[0]
                   for n in range(count)}
        base = offsets.get((3, 1), offsets.get((0, 3)))
        if base is None or struct.unpack_from(">H", cmap, base)[0] != 4:
            raise ValueError("the font has no Unicode BMP cmap (format 4)")
        segs = struct.unpack_from(">H", cmap, base + 6)[0] // 2
        ends = struct.unpack_from(f">{segs}H", cmap, base + 14)
        starts = struct.unpack_from(f">{segs}H", cmap, base + 16 + 2 * segs)
        deltas = struct.unpack_from(f">{segs}h", cmap, base + 16 + 4 * segs)
        where = base + 16 + 6 * segs
        range_offsets = struct.unpack_from(f">{segs}H", cmap, where)
        return ends, starts, deltas, range_offsets, where, cmap

    def glyph(self, code: int) -> int:
        """The glyph id of a BMP code point, 0 where the font has none."""
        ends, starts, deltas, range_offsets, where, cmap = self.segments
        n = bisect.bisect_left(ends, code)
        if code > 0xFFFF or n >= len(ends) or starts[n] > code:
            return 0
        if range_offsets[n] == 0:
            return (code + deltas[n]) & 0xFFFF
        at = where + 2 * n + range_offsets[n] + 2 * (code - starts[n])
        glyph = struct.unpack_from(">H", cmap, at)[0]
        return (glyph + deltas[n]) & 0xFFFF if glyph else 0

    def advance(self, char: str) -> float | None:
        """The advance of `char` in ems, None where the font has no glyph for it."""
        glyph = self.glyph(ord(char))
        if not glyph:
            return None
        at = 4 * min(glyph, self.long_metrics - 1)
        return struct.unpack_from(">H", self.hmtx, at)[0] / self.upm


@functools.cache
def metrics(family: str) -> FontMetrics:
    """The metrics of the font fontconfig gives `family`."""
    return FontMetrics(*_font_file(family))


@functools.cache
def advance(char: str, family: str) -> float:
    """The advance of `char` in `family` at 3号, in points (the fallback font where it has none)."""
    ems = metrics(family).advance(char)
    if ems is None:
        ems = metrics(FALLBACK_FAMILY).advance(char) or 1.0
    return ems * FONT_SIZE_PT


def _glyphs(body_html: str, family: str) -> list[Glyph]:
    glyphs: list[Glyph] = []
    pos = 0
    for match in [*_LEAD.finditer(body_html), None]:
        end = match.start() if match else len(body_html)
        for char in unescape(body_html[pos:end]):
            glyphs.append(Glyph(char, family, False, advance(char, family)))
        if match:
            for char in unescape(match.group(1)):
                glyphs.append(Glyph(char, LEAD_FAMILY, True, advance(char, LEAD_FAMILY)))
            pos = match.end()
    return glyphs


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _gaps(glyphs: list[Glyph]) -> list[float]:
    """What to add after each glyph when the next one follows on the same line, in points.

    Half an em less for a mark followed by another full-width mark; AUTOSPACE_EMS more between a
    汉字 and a digit or Latin letter (clreq: at most a quarter em; LibreOffice sets about a fifth).
    """
    gaps = [0.0] * len(glyphs)
    for i in range(len(glyphs) - 1):
        a, b = glyphs[i].char, glyphs[i + 1].char
        if a in CLOSING_MARKS and (b in CLOSING_MARKS or b in OPENING_MARKS) or \
                a in OPENING_MARKS and b in OPENING_MARKS:
            gaps[i] = -glyphs[i].advance / 2
        elif _is_han(a) and b.isascii() and b.isalnum() or a.isascii() and a.isalnum() and _is_han(b):
            gaps[i] = AUTOSPACE_EMS * FONT_SIZE_PT
    return gaps


def _is_western(char: str) -> bool:
    return bool(_UNSPLIT.match(char))


def _can_break(glyphs: list[Glyph], at: int) -> bool:
    """May a line end before glyphs[at]?"""
    before, after = glyphs[at - 1].char, glyphs[at].char
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    # A quotation mark stays with a digit or letter beside it (UAX 14 LB19, as LibreOffice breaks).
    if before in "”’" and _is_western(after) or _is_western(before) and after in "“‘":
        return False
    if before == after and before in "—…":  # —— and …… are one mark
        return False
    return not (_UNSPLIT.match(before) and _UNSPLIT.match(after))


@dataclass(frozen=True)
class Line:
    """glyphs[start:end] on one line; `spacing` in points after each character; `last` of its paragraph."""

    start: int
    end: int
    spacing: float
    last: bool


def _grid_widths(glyphs: list[Glyph]):
    """The width of glyphs[first:stop] as the DOCX sets it on the grid, for deciding what fits a line.

    As LibreOffice lays out the DOCX: every full-width character takes its own cell (adjacent marks
    are not compressed), the run spacing applies to every character but the last of each run of
    汉字 or of digits and letters, and a fifth of an em separates a 汉字 from a digit or letter.
    """
    prefix = [0.0]
    for i, g in enumerate(glyphs):
        width = g.advance
        nxt = glyphs[i + 1].char if i + 1 < len(glyphs) else None
        if nxt is not None and _is_western(g.char) == _is_western(nxt):
            width += DOCX_SPACING_PT
        if nxt is not None and (_is_han(g.char) and nxt.isascii() and nxt.isalnum()
                                or g.char.isascii() and g.char.isalnum() and _is_han(nxt)):
            width += AUTOSPACE_EMS * FONT_SIZE_PT
        prefix.append(prefix[-1] + width)

    def width(first: int, stop: int) -> float:
        last = glyphs[stop - 1]  # its own advance, not what follows it
        return prefix[stop - 1] - prefix[first] + last.advance

    return width


def break_lines(glyphs: list[Glyph], indent: float) -> list[Line]:
    """Greedy lines on the grid, kinsoku kept; each full line's spacing fills the measure.

    What fits a line is decided on the grid, as the DOCX's lines are (`_grid_widths`), so the PDF
    breaks its lines where LibreOffice breaks the DOCX's.  A line of n characters is then set with
    their advances, the gaps between them (half an em less after a mark followed by another) and n
    times the letter-spacing (WeasyPrint spaces the last character too); a full line's spacing is
    whatever brings its last character's right edge to the measure.
    """
    gaps = _gaps(glyphs)
    grid = _grid_widths(glyphs)

    def natural(first: int, stop: int) -> float:
        return sum(g.advance for g in glyphs[first:stop]) + sum(gaps[first:stop - 1])

    lines: list[Line] = []
    start, n = 0, len(glyphs)
    while start < n:
        measure = MEASURE_PT - (indent if not lines else 0)
        end = start + 1
        while end < n and grid(start, end + 1) <= measure + 0.01:
            end += 1
        if end < n:
            if glyphs[end].char in HANGING_MARKS and not _is_western(glyphs[end - 1].char) and \
                    (end + 1 == n or _can_break(glyphs, end + 1)):
                end += 1  # pushed in: the line is squeezed to hold the mark
            else:  # carry characters down until the break is allowed
                while end - 1 > start and not _can_break(glyphs, end):
                    end -= 1
        if end >= n:
            # The grid's spacing, unless the line the DOCX's metrics let through would overrun.
            fill = (measure - natural(start, n)) / max(n - start - 1, 1)
            lines.append(Line(start, n, min(BASE_SPACING_PT, fill), True))
            break
        lines.append(Line(start, end, _fill_spacing(glyphs, start, end, measure - natural(start, end)), False))
        start = end
    return lines


def _tight(glyphs: list[Glyph], i: int) -> bool:
    """Whether the gap after glyphs[i] lies inside a number or word (13.38, 87.25%): it keeps the
    grid's spacing, so a justified line never opens a number up (nor pdftotext reads "1 6")."""
    return i + 1 < len(glyphs) and _is_western(glyphs[i].char) and _is_western(glyphs[i + 1].char)


def _fill_spacing(glyphs: list[Glyph], start: int, end: int, room: float) -> float:
    """The letter-spacing that spreads `room` over a full line's gaps; a line stretched (not
    squeezed) leaves the gaps inside numbers at the grid's spacing and spreads it over the rest."""
    gaps = end - start - 1
    uniform = room / max(gaps, 1)
    tight = sum(_tight(glyphs, i) for i in range(start, end - 1))
    if uniform <= BASE_SPACING_PT or tight == gaps:
        return uniform
    return (room - tight * BASE_SPACING_PT) / (gaps - tight)


@dataclass
class _Piece:
    """Characters set in one box: a span with its own letter-spacing and margins, or plain text."""

    lead: bool
    text: str
    spacing: str | None = None  # letter-spacing in pt, formatted; None: the line's
    before: str | None = None  # margin-left in pt: the space the character before it adds
    after: str | None = None  # margin-right in pt: what its last character adds to `spacing`

    def html(self) -> str:
        text = escape(self.text, quote=False)
        if self.spacing is None:
            return text
        style = f"letter-spacing: {self.spacing}pt"
        style += f"; margin-left: {self.before}pt" if self.before else ""
        style += f"; margin-right: {self.after}pt" if self.after else ""
        return f'<span class="gap" style="{style}">{text}</span>'


def _pieces(glyphs: list[Glyph], gaps: list[float], line: Line) -> list[_Piece]:
    """The line's characters in as few boxes as keep every glyph where break_lines put it.

    WeasyPrint's layout time grows with the boxes of a line, not its characters, so a number or
    word is one box (its inner spacing, the space after it as a margin), the space a 汉字 adds
    before it is that box's margin, and neighbours that share a spacing share a box.
    """
    base = f"{line.spacing:.3f}"
    last = line.end - 1

    def space_after(i: int) -> float:
        if i == last:
            return line.spacing
        own = min(BASE_SPACING_PT, line.spacing) if _tight(glyphs, i) else line.spacing
        return own + gaps[i]

    pieces: list[_Piece] = []
    i = line.start
    while i < line.end:
        g = glyphs[i]
        j = i + 1
        while j < line.end and _tight(glyphs, j - 1) and glyphs[j].lead == g.lead:
            j += 1
        text = "".join(glyph.char for glyph in glyphs[i:j])
        if j - i > 1 or _is_western(g.char):  # a number or word
            inner = min(BASE_SPACING_PT, line.spacing) if j - i > 1 else space_after(i)
            piece = _Piece(g.lead, text, f"{inner:.3f}", after=f"{space_after(j - 1) - inner:.3f}")
            previous = pieces[-1] if pieces else None
            if previous and previous.lead == g.lead and previous.spacing is not None and \
                    len(previous.text) == 1 and not previous.before and not previous.after and \
                    not _is_western(previous.text):  # the 汉字 before it: its extra space is a margin
                piece.before = f"{float(previous.spacing) - line.spacing:.3f}"
                previous.spacing = None
            if float(piece.after) == 0:
                piece.after = None
            if piece.before is not None and float(piece.before) == 0:
                piece.before = None
            if piece.spacing == base and not piece.before and not piece.after:
                piece.spacing = None
        else:
            own = f"{space_after(i):.3f}"
            piece = _Piece(g.lead, text, None if own == base else own)
        previous = pieces[-1] if pieces else None
        if previous and (previous.lead, previous.spacing) == (piece.lead, piece.spacing) and \
                not previous.before and not previous.after and not piece.before and not piece.after:
            previous.text += piece.text
        else:
            pieces.append(piece)
        i = j
    return pieces


def _line_html(glyphs: list[Glyph], gaps: list[float], line: Line) -> str:
    out: list[str] = []
    lead = False
    for piece in _pieces(glyphs, gaps, line):
        if piece.lead != lead:
            out.append('<span class="lead">' if piece.lead else "</span>")
            lead = piece.lead
        out.append(piece.html())
    if lead:
        out.append("</span>")
    classes = "line last" if line.last else "line"
    return f'<span class="{classes}" style="letter-spacing: {line.spacing:.3f}pt">{"".join(out)}</span>'


def set_block(cls: str, body_html: str) -> str:
    """The inner HTML of one paragraph or heading as justified line blocks."""
    glyphs = _glyphs(body_html, _FAMILY[cls])
    if not glyphs:
        return body_html
    indent = INDENT_PT if cls in ("p", "h1", "h2", "h3") else 0.0
    gaps = _gaps(glyphs)
    return "".join(_line_html(glyphs, gaps, line) for line in break_lines(glyphs, indent))


def set_lines(html: str) -> str:
    """The page with every body paragraph and heading set line by line (class "set")."""
    def replace(match: re.Match) -> str:
        tag, cls = match["tag"], match["cls"]
        return f'<{tag} class="{cls} set">{set_block(cls, match["body"])}</{tag}>'

    return _BLOCK.sub(replace, html)
