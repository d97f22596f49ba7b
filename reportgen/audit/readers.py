"""Documents (DOCX, PDF, HTML, text) read into numbered paragraphs, PDF paragraphs with their pages."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from reportgen.errors import InputError, Problem

FORMATS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}
_TABLE_ROW = re.compile(r"\S {2,}\S")
# LibreOffice and reportgen's PDF set a fifth of an em between 汉字 and digits or letters, which
# pdftotext reads as a space: "128 户 233 人" is the 128户233人 of the DOCX.
_HAN_ALNUM_SPACE = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[0-9A-Za-z])|(?<=[0-9A-Za-z%]) (?=[\u4e00-\u9fff])")
_PAGE_NUMBER = re.compile(r"^\s*[—–\-－]+\s*\d{1,4}\s*[—–\-－]+\s*$|^\s*\d{1,4}\s*$")
_MARKDOWN = re.compile(r"^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|>\s?)|\*\*|__")


@dataclass(frozen=True)
class TextBlock:
    """One paragraph of a document: its text, its number, and the page where each stretch starts."""

    text: str
    paragraph: int | None = None          # 1-based among non-empty paragraphs; None for PDF
    pages: tuple[tuple[int, int], ...] = ()   # (offset in text, page) for PDF

    def page_at(self, offset: int) -> int | None:
        page = None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page


def read_document(path: Path) -> tuple[str, tuple[TextBlock, ...]]:
    """(format, paragraphs) of a DOCX, PDF, HTML, .txt or .md file; InputError if unreadable."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(Problem("cannot read this kind of file", file=str(path),
                                 expected="a .docx, .pdf, .html, .txt or .md file"))
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    reader = {"docx": _read_docx, "pdf": _read_pdf, "html": _read_html, "text": _read_text}[kind]
    return kind, reader(path)


def _numbered(texts) -> tuple[TextBlock, ...]:
    kept = [t.strip() for t in texts if t and t.strip()]
    return tuple(TextBlock(text, n) for n, text in enumerate(kept, start=1))


def _read_docx(path: Path) -> tuple[TextBlock, ...]:
    import docx  # only DOCX needs it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged file
        raise InputError(Problem(f"not a readable DOCX ({type(exc).__name__})", file=str(path))) from None
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend("|".join(cell.text.strip() for cell in row.cells) for row in table.rows)
    return _numbered(texts)


def _read_pdf(path: Path) -> tuple[TextBlock, ...]:
    """pdftotext -layout, page by page (form feeds). An indented line starts a paragraph and other
    lines continue it, across pages too; a line with wide gaps is a table row, its cells joined by |.
    The page-number line at the foot of each page is dropped."""
    try:
        done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise InputError(Problem("pdftotext is not installed", file=str(path),
                                 expected="poppler-utils (apt-get install poppler-utils)")) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unreadable"]
        raise InputError(Problem(f"not a readable PDF ({reason[0]})", file=str(path)))
    blocks: list[TextBlock] = []
    text, pages = "", []

    def flush():
        nonlocal text, pages
        if text.strip():
            blocks.append(TextBlock(text, None, tuple(pages)))
        text, pages = "", []

    for number, page in enumerate(done.stdout.decode("utf-8", "replace").split("\f"), start=1):
        lines = page.rstrip().splitlines()
        if lines and _PAGE_NUMBER.match(lines[-1]):
            lines = "\n".join(lines[:-1]).rstrip().splitlines()
        for line in lines:
            body = _HAN_ALNUM_SPACE.sub("", line.strip())
            row = bool(_TABLE_ROW.search(body))
            if not body or row or line.startswith("  "):
                flush()
            if body:
                if not pages or pages[-1][1] != number:
                    pages.append((len(text), number))
                text += "|".join(re.split(r" {2,}", body)) if row else body
            if row:
                flush()
    flush()
    return tuple(blocks)


class _BlockText(HTMLParser):
    BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote", "pre", "dt",
                        "dd", "caption", "section", "article", "header", "footer", "main", "table", "tr",
                        "ul", "ol", "body"))
    CELLS = frozenset(("td", "th"))
    SKIPPED = frozenset(("script", "style", "head", "title", "template"))

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self):
        self.texts.append("".join(self.current))
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._flush()
        elif tag in self.CELLS and self.current:
            self.current.append("|")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(re.sub(r"\s*\n\s*", "", data))


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(Problem("neither UTF-8 nor GBK text", file=str(path)))


def _read_html(path: Path) -> tuple[TextBlock, ...]:
    parser = _BlockText()
    parser.feed(_decode(path))
    parser.close()
    parser._flush()
    return _numbered(parser.texts)


def _read_text(path: Path) -> tuple[TextBlock, ...]:
    """Paragraphs are separated by blank lines (lines inside one are joined); without any blank
    line, each line is a paragraph. Markdown marks (#, **, list bullets) are dropped."""
    text = _decode(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_MARKDOWN.sub("", line) if path.suffix.lower() == ".md" else line for line in text.split("\n")]
    if any(not line.strip() for line in lines[1:-1]):
        chunks = re.split(r"\n\s*\n", "\n".join(lines))
        return _numbered("".join(part.strip() for part in chunk.split("\n")) for chunk in chunks)
    return _numbered(lines)
