"""Reading a rendered PDF's lines back: lines from pdftotext -bbox, paragraphs, ink of the page number."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reportgen.documents.model import Chart, Document, Table

MM = 72 / 25.4
TEXT_LEFT = 28 * MM
TEXT_RIGHT = (210 - 26) * MM
TEXT_BOTTOM = (297 - 35) * MM
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Line:
    """One line of text as pdftotext places it: page, vertical centre, left and right ends, text."""

    page: int
    y: float
    left: float
    right: float
    text: str


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def words(pdf: Path, page: int | None = None) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) for every word, on one page or all."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    xml = subprocess.run(["pdftotext", "-bbox", *pages, str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    out = []
    for number, chunk in enumerate(xml.split("<page ")[1:], start=page or 1):
        for m in _WORD.finditer(chunk):
            out.append((number, float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5]))
    return out


def body_lines(pdf: Path) -> list[Line]:
    """The lines of the text area (page numbers left out), page by page, top to bottom."""
    rows: list[tuple[int, float, list]] = []  # page, centre of the first word, words
    for page, x0, y0, x1, y1, word in sorted(words(pdf), key=lambda w: (w[0], (w[2] + w[4]) / 2)):
        centre = (y0 + y1) / 2
        if y0 >= TEXT_BOTTOM:
            continue
        if not rows or rows[-1][0] != page or abs(rows[-1][1] - centre) > 6:
            rows.append((page, centre, []))
        rows[-1][2].append((x0, x1, word))
    lines = []
    for page, centre, ws in rows:
        ws.sort()
        lines.append(Line(page, centre, ws[0][0], max(w[1] for w in ws), "".join(w[2] for w in ws)))
    return lines


def blocks_of(doc: Document) -> list[tuple[str, str]]:
    """(kind, text) of what the PDF shows, in order: "opening", "body", "table" or "caption"."""
    tb = doc.title_block
    out = [("opening", squash(x)) for x in (tb.title, tb.subtitle, tb.date, tb.speaker, tb.salutation) if x]
    for block in doc.blocks:
        if isinstance(block, Chart):
            out.append(("caption", squash(block.caption)))  # the chart itself is drawn, not text
            continue
        if isinstance(block, Table):
            if block.caption:
                out.append(("caption", squash(block.caption)))
            out.append(("table", squash("".join(block.header) + "".join("".join(r) for r in block.rows))))
        else:
            out.append(("body", squash(block.text)))
    return out


def lines_by_block(doc: Document, lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """Each block of `doc` with the PDF lines that set it; fails loudly where they do not match."""
    out: list[tuple[str, list[Line]]] = []
    queue = list(lines)
    blocks = blocks_of(doc)
    # A form's header block (版头: 份号, 发文机关标志, 发文字号 …) may stand before the title.
    while queue and blocks and not blocks[0][1].startswith(squash(queue[0].text)):
        queue.pop(0)
    for kind, text in blocks:
        if kind == "opening":  # a form's lines (简报 masthead: 第N期, issuing body) may stand between
            skip = next((n for n, line in enumerate(queue) if text.startswith(squash(line.text))), None)
            if skip is None:
                continue
            del queue[:skip]
        taken: list[Line] = []
        got = ""
        while queue and (sorted(got) != sorted(text) if kind == "table" else got != text):
            taken.append(queue.pop(0))
            got += squash(taken[-1].text)
            if kind != "table" and not text.startswith(got):
                raise AssertionError(f"PDF lines do not follow the {kind} {text[:20]!r}: {got[-40:]!r}")
        if sorted(got) != sorted(text):
            raise AssertionError(f"the PDF ends before the {kind} {text[:20]!r}")
        out.append((kind, taken))
    return out


def dash_ink_top_mm(pdf: Path, page: int) -> float:
    """How far below the text area the ink of the page number's first 一字线 starts, in mm."""
    foot = [w for w in words(pdf, page) if w[2] >= TEXT_BOTTOM]
    dash = next(w for w in foot if w[5] == "—")
    dpi = 600
    x, y = int(dash[1] * dpi / 72), int(TEXT_BOTTOM * dpi / 72)
    width, height = int((dash[3] - dash[1]) * dpi / 72), int(25 * MM * dpi / 72)
    pgm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-x", str(x), "-y",
                          str(y), "-W", str(width), "-H", str(height), "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", pgm)
    w, h, pixels = int(m[1]), int(m[2]), pgm[m.end():]
    inked = [row for row in range(h) if min(pixels[row * w:(row + 1) * w]) < 128]
    return inked[0] * 25.4 / dpi
