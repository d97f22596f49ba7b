"""Column widths of a table, shared by the DOCX and the PDF so both set the same columns.

Body cells never wrap: every column is at least as wide as its longest body cell plus the cell
margins (and a little air where there is room), so no text touches a rule.  When the natural
widths do not fit the text block, header cells wrap onto two lines first, then the row-label
column (the first) wraps.
Whatever is left over is shared out in proportion, so the table spans the text block.
"""

from __future__ import annotations

import math
import re

TABLE_FONT_PT = 14.0    # 4号, the tables' size in style.css and docx_styles.TABLE_STYLES
TEXT_WIDTH_PT = 156 / 25.4 * 72  # the text block of GB/T 9704
CELL_MARGIN_PT = 4.0   # left and right cell margin: the DOCX's w:tblCellMar, the PDF's padding
RULE_PT = 0.5          # the cell's share of its rules (0.5 pt), and rounding
AIR_EMS = 0.25         # beyond the margins, where the table has room for it
_HAN_DIGIT = re.compile(r"(?<=[\u4e00-\u9fff])[0-9A-Za-z]|(?<=[0-9A-Za-z%])[\u4e00-\u9fff]")
_NARROW = {".": 0.3, ",": 0.3, "%": 0.85, "-": 0.35, "+": 0.6}


def text_ems(text: str) -> float:
    """How wide `text` is set, in ems: 汉字 and full-width marks one em, digits and letters about
    half, and a fifth of an em at each change between 汉字 and digits (LibreOffice's space there)."""
    width = sum(1.0 if ord(ch) > 0x2E7F else _NARROW.get(ch, 0.5) for ch in text)
    return width + 0.2 * len(_HAN_DIGIT.findall(text))


def _half(text: str) -> float:
    """How wide a cell must be for `text` to wrap onto two lines: the wider half, and an em more
    for a break that a line-start rule moves (no “ at a line end, no ” at a line start)."""
    if len(text) < 2:
        return text_ems(text)
    middle = math.ceil(len(text) / 2)
    return min(text_ems(text), max(text_ems(text[:middle]), text_ems(text[middle:])) + 1.0)


def column_widths(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], font_pt: float,
                  total_pt: float) -> list[float]:
    """Each column's width in points; together they make `total_pt` (the text block's width)."""
    count = max([len(header), *(len(r) for r in rows)], default=0)
    if not count:
        return []
    head = [header[n] if n < len(header) else "" for n in range(count)]
    columns = [[r[n] for r in rows if n < len(r)] for n in range(count)]
    body = [max([text_ems(c) for c in cells], default=0.0) for cells in columns]
    natural = [max(body[n], text_ems(head[n])) for n in range(count)]
    wrapped_head = [max(body[n], _half(head[n])) for n in range(count)]
    label_min = max([_half(c) for c in columns[0]] + [_half(head[0]), 2.0])
    for air in (AIR_EMS, 0.0):  # the air between text and rules goes before any label wraps
        pad = 2 * CELL_MARGIN_PT + RULE_PT + air * font_pt
        widths = [ems * font_pt + pad for ems in natural]
        # Header cells wrap first, the one that gains most first.
        for n in sorted(range(count), key=lambda n: natural[n] - wrapped_head[n], reverse=True):
            over = sum(widths) - total_pt
            if over <= 0:
                break
            widths[n] = wrapped_head[n] * font_pt + pad  # what is left over is shared out below
        if sum(widths) <= total_pt:
            break
    over = sum(widths) - total_pt
    if over > 0 and count > 1:  # then the row labels wrap
        widths[0] = max(label_min * font_pt + pad, widths[0] - over)
    scale = total_pt / sum(widths)  # share out what is left, or squeeze when nothing else helps
    return [w * scale for w in widths]
