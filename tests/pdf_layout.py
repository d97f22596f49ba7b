"""Read a rendered PDF back for tests: word boxes (pdftotext -bbox), lines and the blocks they set, ink
and rules from a rendering (pdftoppm)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from reportgen.documents.model import Chart, Document, Table

MM = 72 / 25.4  # points in a millimetre
PT_TO_MM = 25.4 / 72
TEXT_TOP_MM, TEXT_LEFT_MM, TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 37, 28, 156, 225  # the 版心 of GB/T 9704
TEXT_LEFT = TEXT_LEFT_MM * MM  # the same edges in points
TEXT_RIGHT = (TEXT_LEFT_MM + TEXT_WIDTH_MM) * MM
TEXT_BOTTOM = (TEXT_TOP_MM + TEXT_HEIGHT_MM) * MM
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


# --- Words ---------------------------------------------------------------------------------------


class Box(NamedTuple):
    """A word pdftotext found: its page and box in points from the page's top left corner."""

    page: int
    left: float
    top: float
    right: float
    bottom: float
    text: str


@dataclass(frozen=True)
class Word:
    """A word pdftotext found, its box in mm from the page's top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def word_boxes(pdf: Path, page: int | None = None) -> list[Box]:
    """Every word's box in points, on one page or all."""
    only = ["-f", str(page), "-l", str(page)] if page else []
    xml = subprocess.run(["pdftotext", "-bbox", *only, str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return [Box(number, float(m[1]), float(m[2]), float(m[3]), float(m[4]), m[5])
            for number, chunk in enumerate(xml.split("<page ")[1:], start=page or 1)
            for m in _WORD.finditer(chunk)]


def words(pdf: Path, page: int) -> list[Word]:
    """The words of one page, their boxes in mm."""
    return [Word(b.text, *(v * PT_TO_MM for v in (b.left, b.top, b.right, b.bottom))) for b in word_boxes(pdf, page)]


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


# --- Lines and the blocks they set ------------------------------------------------------------------


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


def body_lines(pdf: Path) -> list[Line]:
    """The lines of the text area (page numbers left out), page by page, top to bottom."""
    rows: list[tuple[int, float, list]] = []  # page, centre of the first word, words
    for box in sorted(word_boxes(pdf), key=lambda b: (b.page, (b.top + b.bottom) / 2)):
        centre = (box.top + box.bottom) / 2
        if box.top >= TEXT_BOTTOM:
            continue
        if not rows or rows[-1][0] != box.page or abs(rows[-1][1] - centre) > 6:
            rows.append((box.page, centre, []))
        rows[-1][2].append((box.left, box.right, box.text))
    lines = []
    for page, centre, ws in rows:
        ws.sort()
        lines.append(Line(page, centre, ws[0][0], max(w[1] for w in ws), "".join(w[2] for w in ws)))
    return lines


class Shown(NamedTuple):
    """A block as the PDF shows it: its kind ("form", "opening", "body", "caption", "table"), its
    text without spaces, and for a table its header (repeated on every page the table runs onto)."""

    kind: str
    text: str
    header: str = ""


def blocks_of(doc: Document) -> list[Shown]:
    """What the PDF shows, in order: the form's header (版头, masthead), the title block, 主送机关, the
    body, the closing (附件, 署名, 成文日期) and the 版记."""
    form = doc.form

    def form_lines(part: str) -> list[Shown]:
        return [Shown("form", squash(line)) for c in getattr(form, part, ()) for line in c.lines()]

    tb = doc.title_block
    title = None if form is not None and form.replaces_title else tb.title
    out = form_lines("header")
    out += [Shown("opening", squash(x)) for x in (title, tb.subtitle, tb.date, tb.speaker, tb.salutation) if x]
    out += form_lines("opening")
    for block in doc.blocks:
        if isinstance(block, Chart):
            out.append(Shown("caption", squash(block.caption)))  # the chart itself is drawn, not text
        elif isinstance(block, Table):
            if block.caption:
                out.append(Shown("caption", squash(block.caption)))
            header = squash("".join(block.header))
            out.append(Shown("table", header + squash("".join("".join(r) for r in block.rows)), header))
        else:
            out.append(Shown("body", squash(block.text)))
    return out + form_lines("closing") + form_lines("end")


def _table_lines(shown: Shown, following: Shown | None, queue: list[Line]) -> list[Line]:
    """The lines that set a table: its cells in any order (a wrapped cell's lines stand above and
    below its row's), up to the line that starts the next block; beyond its own text they may hold
    only its header, repeated on each further page."""
    taken: list[Line] = []
    missing = Counter(shown.text)
    while queue and (+missing or following is not None and not following.text.startswith(squash(queue[0].text))):
        taken.append(queue.pop(0))
        missing -= Counter(squash(taken[-1].text))
    if +missing:
        raise AssertionError(f"the PDF ends before the table {shown.text[:20]!r}: {''.join(missing.elements())!r}")
    extra = Counter("".join(squash(line.text) for line in taken)) - Counter(shown.text)
    repeated = Counter({char: count * (len({line.page for line in taken}) - 1)
                        for char, count in Counter(shown.header).items()})
    if extra - repeated:
        raise AssertionError(f"the table {shown.text[:20]!r} holds lines not its own: {taken[-1].text!r}")
    return taken


def lines_by_block(doc: Document, lines: list[Line]) -> list[tuple[str, list[Line]]]:
    """Each block of `doc` (form parts too) with the PDF lines that set it; fails where they differ."""
    out: list[tuple[str, list[Line]]] = []
    queue = list(lines)
    shown = blocks_of(doc)
    for n, block in enumerate(shown):
        if block.kind == "table":
            out.append((block.kind, _table_lines(block, shown[n + 1] if n + 1 < len(shown) else None, queue)))
            continue
        taken: list[Line] = []
        got = ""
        while queue and got != block.text:
            taken.append(queue.pop(0))
            got += squash(taken[-1].text)
            if not block.text.startswith(got):
                raise AssertionError(f"PDF lines do not follow the {block.kind} {block.text[:20]!r}: {got[-40:]!r}")
        if got != block.text:
            raise AssertionError(f"the PDF ends before the {block.kind} {block.text[:20]!r}")
        out.append((block.kind, taken))
    if queue:
        raise AssertionError(f"the PDF has lines after the last block: {queue[0].text!r}")
    return out


# --- Ink and rules ----------------------------------------------------------------------------------


def render(pdf: Path, page: int, dpi: int = 300) -> Image.Image:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-png",
                        str(pdf), f"{folder}/page"], check=True, timeout=60)
        image = Image.open(f"{folder}/page.png").convert("RGB")
        image.load()
    return image


def _red(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image, dtype=np.int16)
    return (rgb[..., 0] > 180) & (rgb[..., 1] < 100) & (rgb[..., 2] < 100)


def _dark(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16).sum(axis=2) < 384


def red_rows(image: Image.Image, dpi: int = 300) -> list[tuple[float, float]]:
    """For each pixel row holding red ink: (its top in mm, the share of the 版心's width that is red)."""
    left, right = (round(mm / 25.4 * dpi) for mm in (TEXT_LEFT_MM, TEXT_LEFT_MM + TEXT_WIDTH_MM))
    shares = _red(image)[:, left:right].sum(axis=1) / (right - left)
    return [(y * 25.4 / dpi, float(share)) for y, share in enumerate(shares) if share]


def _rows_with_ink(ink: np.ndarray, box: Word, dpi: int) -> np.ndarray:
    scale = dpi / 25.4
    y0, y1 = round(box.top * scale), round(box.bottom * scale)
    x0, x1 = round(box.left * scale), round(box.right * scale)
    rows = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=1))
    if not rows.size:
        raise AssertionError(f"no ink in the box of {box.text!r}")
    return (rows + y0) / scale


def ink_top(image: Image.Image, box: Word, dpi: int = 300, red: bool = False) -> float:
    """The top of the ink inside a word's box, in mm from the page's top (red ink only if `red`)."""
    return float(_rows_with_ink(_red(image) if red else _dark(image), box, dpi)[0])


def ink_bottom(image: Image.Image, box: Word, dpi: int = 300) -> float:
    """The bottom of the dark ink inside a word's box, in mm from the page's top."""
    return float(_rows_with_ink(_dark(image), box, dpi)[-1] + 25.4 / dpi)


def dark_ink(image: Image.Image) -> np.ndarray:
    """Which pixels of a rendering are dark (text and rules, not red ink or light fills)."""
    return _dark(image)


def vertical_rules(ink: np.ndarray, top: float, bottom: float, dpi: int = 300) -> list[float]:
    """Where dark vertical lines cross the whole band from `top` to `bottom` (mm) of a page's
    `dark_ink`: a table's column rules beside a row of cells, in mm from the page's left edge."""
    scale = dpi / 25.4
    xs = np.flatnonzero(ink[round(top * scale):round(bottom * scale)].all(axis=0))
    rules: list[list[int]] = []
    for x in xs:
        if rules and x - rules[-1][-1] <= 2:
            rules[-1].append(int(x))
        else:
            rules.append([int(x)])
    return [(r[0] + r[-1] + 1) / 2 / scale for r in rules]


def dash_ink_top_mm(pdf: Path, page: int) -> float:
    """How far below the text area the ink of the page number's first 一字线 starts, in mm."""
    dash = next(b for b in word_boxes(pdf, page) if b.top >= TEXT_BOTTOM and b.text == "—")
    dpi = 600
    x, y = int(dash.left * dpi / 72), int(TEXT_BOTTOM * dpi / 72)
    width, height = int((dash.right - dash.left) * dpi / 72), int(25 * MM * dpi / 72)
    pgm = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-x", str(x), "-y",
                          str(y), "-W", str(width), "-H", str(height), "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", pgm)
    w, h, pixels = int(m[1]), int(m[2]), pgm[m.end():]
    inked = [row for row in range(h) if min(pixels[row * w:(row + 1) * w]) < 128]
    return inked[0] * 25.4 / dpi
