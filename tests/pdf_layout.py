"""Read a PDF page's layout for tests: words with their boxes (pdftotext -bbox), red ink from a rendering (pdftoppm)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def is_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 180 and g < 100 and b < 100


def red_rows(image: Image.Image, dpi: int = 300) -> list[tuple[float, float]]:
    """For each pixel row holding red ink: (its top in mm, the share of the 版心's width that is red)."""
    pixels = image.load()
    width, height = image.size
    left, right = (round(mm / 25.4 * dpi) for mm in (TEXT_LEFT_MM, TEXT_LEFT_MM + TEXT_WIDTH_MM))
    rows = []
    for y in range(height):
        red = sum(1 for x in range(left, min(right, width)) if is_red(pixels[x, y]))
        if red:
            rows.append((y * 25.4 / dpi, red / (right - left)))
    return rows


def ink_top(image: Image.Image, box: Word, dpi: int = 300, red: bool = False) -> float:
    """The top of the ink inside a word's box, in mm from the page's top (red ink only if `red`)."""
    pixels = image.load()
    scale = dpi / 25.4
    x0, x1 = round(box.left * scale), round(box.right * scale)
    for y in range(round(box.top * scale), round(box.bottom * scale)):
        for x in range(x0, x1):
            pixel = pixels[x, y]
            if (is_red(pixel) if red else sum(pixel) < 384):
                return y / scale
    raise AssertionError(f"no ink in the box of {box.text!r}")


def ink_bottom(image: Image.Image, box: Word, dpi: int = 300) -> float:
    """The bottom of the dark ink inside a word's box, in mm from the page's top."""
    pixels = image.load()
    scale = dpi / 25.4
    x0, x1 = round(box.left * scale), round(box.right * scale)
    for y in range(round(box.bottom * scale), round(box.top * scale), -1):
        if any(sum(pixels[x, y]) < 384 for x in range(x0, x1)):
            return (y + 1) / scale
    raise AssertionError(f"no ink in the box of {box.text!r}")
