"""Read a PDF page's layout for tests: words with their boxes (pdftotext -bbox), red ink from a rendering (pdftoppm)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

PT_TO_MM = 25.4 / 72
TEXT_TOP_MM, TEXT_LEFT_MM, TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 37, 28, 156, 225  # the 版心 of GB/T 9704
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Word:
    """A word pdftotext found, its box in mm from the page's top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def words(pdf: Path, page: int) -> list[Word]:
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [Word(m.group(5), *(float(v) * PT_TO_MM for v in m.groups()[:4])) for m in _WORD.finditer(xml)]


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


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
