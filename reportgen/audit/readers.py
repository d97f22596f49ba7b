"""Documents (DOCX, PDF, HTML, text, XLSX, CSV) read into numbered paragraphs and table rows, bounded in size."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from reportgen.errors import InputError, Problem

FORMATS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text",
           ".xlsx": "xlsx", ".csv": "csv"}
# A document larger than this is refused rather than read: check's work grows with the text, and a
# file this size is not a report (a 10-page report is ~40 KB of DOCX, ~6,000 characters).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 500_000      # some 700 pages
MAX_TABLE_CELLS = 200_000
_TABLE_ROW = re.compile(r"\S {2,}\S")
_TABLE_TITLE = re.compile(r"^表\s*\d+\s")  # 表1　主要指标: the title above a table, not one of its rows
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
    cells: tuple[str, ...] = ()           # a table row: its cells (text is them joined by |)
    table: int | None = None              # which table of the document the row belongs to (1-based)
    refs: tuple[str, ...] = ()            # spreadsheet cell references of the cells (C5), when known
    spans: tuple[tuple[int, int], ...] = ()   # PDF: where each cell stands on its line (characters)
    realigned: bool = False               # PDF: cells put under the header's columns by their position

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
    if path.is_dir():
        raise InputError(Problem("is a folder, not a document", file=str(path)))
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(Problem(f"too large to check ({size / 1024 / 1024:.1f} MB)", file=str(path),
                                 expected=f"a document of at most {MAX_FILE_BYTES // 1024 // 1024} MB"))
    reader = {"docx": _read_docx, "pdf": _read_pdf, "html": _read_html, "text": _read_text,
              "xlsx": _read_xlsx, "csv": _read_csv}[kind]
    blocks = reader(path)
    chars = sum(len(b.text) for b in blocks)
    if chars > MAX_TEXT_CHARS:
        raise InputError(Problem(f"too much text to check ({chars} characters)", file=str(path),
                                 expected=f"a document of at most {MAX_TEXT_CHARS} characters"))
    return kind, blocks


def _numbered(texts) -> tuple[TextBlock, ...]:
    """Paragraphs (strings) and table rows (tuples of cells, with their table number) numbered in order."""
    blocks, n = [], 0
    for item in texts:
        if isinstance(item, _Row):
            if not any(c.strip() for c in item.cells):
                continue
            n += 1
            cells = tuple(c.strip() for c in item.cells)
            blocks.append(TextBlock("|".join(cells), n, (), cells, item.table, item.refs))
        elif item and item.strip():
            n += 1
            blocks.append(TextBlock(item.strip(), n))
    return tuple(blocks)


@dataclass(frozen=True)
class _Row:
    cells: tuple[str, ...]
    table: int
    refs: tuple[str, ...] = ()


def _too_many_cells(path: Path, count: int) -> InputError:
    return InputError(Problem(f"too many table cells to check ({count} or more)", file=str(path),
                              expected=f"at most {MAX_TABLE_CELLS} cells"))


def _read_docx(path: Path) -> tuple[TextBlock, ...]:
    import docx  # only DOCX needs it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged file
        raise InputError(Problem(f"not a readable DOCX ({type(exc).__name__})", file=str(path))) from None
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    texts: list = []
    cells, number = 0, 0
    for child in document.element.body.iterchildren():   # paragraphs and tables in document order
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            texts.append(Paragraph(child, document).text)
        elif tag == "tbl":
            number += 1
            for row in Table(child, document).rows:
                texts.append(_Row(tuple(cell.text.strip() for cell in row.cells), number))
                cells += len(texts[-1].cells)
                if cells > MAX_TABLE_CELLS:
                    raise _too_many_cells(path, cells)
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
    table, in_table = 0, False
    header_next = False

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
            caption = bool(_TABLE_TITLE.match(body))
            # The line under a 表题 is its table's header row, however narrow the gaps between cells.
            header = header_next and not caption and len(line.split()) > 1
            header_next = caption
            if not caption and (header or _TABLE_ROW.search(body)):
                flush()
                table += not in_table
                in_table = True
                words = list(re.finditer(r"\S+", line))   # CJK cells hold no spaces; narrow columns are one apart
                cells = tuple(w.group() for w in words)
                blocks.append(TextBlock("|".join(cells), None, ((0, number),), cells, table,
                                        spans=tuple(w.span() for w in words)))
                continue
            if not body or line.startswith("  "):
                flush()
            if body:
                in_table = False
                if not pages or pages[-1][1] != number:
                    pages.append((len(text), number))
                text += body
    flush()
    return tuple(blocks)


class _BlockText(HTMLParser):
    BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote", "pre", "dt",
                        "dd", "caption", "section", "article", "header", "footer", "main",
                        "ul", "ol", "body"))
    CELLS = frozenset(("td", "th"))
    SKIPPED = frozenset(("script", "style", "head", "title", "template"))

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list = []
        self.current: list[str] = []
        self.skipping = 0
        self.tables = 0
        self.cells: list[list[str]] | None = None   # the row being read, cell by cell
        self.cell_count = 0

    def _flush(self):
        self.texts.append("".join(self.current))
        self.current = []

    def _end_row(self):
        if self.cells is not None:
            self.texts.append(_Row(tuple("".join(c) for c in self.cells), self.tables))
            self.cell_count += len(self.cells)
            self.cells = None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "table":
            self._flush()
            self.tables += 1
        elif tag == "tr":
            self._end_row()
            self.cells = []
        elif tag in self.CELLS:
            if self.cells is None:
                self.cells = []
            self.cells.append([])
        elif tag in self.BLOCKS and self.cells is None:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("tr", "table"):
            self._end_row()
        elif tag in self.BLOCKS and self.cells is None:
            self._flush()

    def handle_data(self, data):
        if self.skipping:
            return
        data = re.sub(r"\s*\n\s*", "", data)
        if self.cells:
            self.cells[-1].append(data)
        elif self.cells is None:
            self.current.append(data)


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
    parser._end_row()
    parser._flush()
    if parser.cell_count > MAX_TABLE_CELLS:
        raise _too_many_cells(path, parser.cell_count)
    return _numbered(parser.texts)


def _markdown_rows(lines: list[str], table: int) -> list:
    """A chunk's lines with markdown table lines (| a | b |) as rows; |---| separator lines dropped."""
    out: list = []
    for line in lines:
        body = line.strip()
        if body.startswith("|") and body.count("|") >= 2:
            if not re.fullmatch(r"[-:| ]*", body):
                out.append(_Row(tuple(c.strip() for c in body.strip("|").split("|")), table))
        else:
            out.append(line)
    return out


def _read_text(path: Path) -> tuple[TextBlock, ...]:
    """Paragraphs are separated by blank lines (lines inside one are joined); without any blank
    line, each line is a paragraph. Markdown marks (#, **, list bullets) are dropped; lines written
    as a markdown table (| a | b |) are table rows."""
    text = _decode(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_MARKDOWN.sub("", line) if path.suffix.lower() == ".md" and not line.lstrip().startswith("|")
             else line for line in text.split("\n")]
    chunks = (re.split(r"\n\s*\n", "\n".join(lines)) if any(not line.strip() for line in lines[1:-1])
              else lines)
    texts: list = []
    for number, chunk in enumerate(chunks, start=1):
        parts = _markdown_rows(chunk.split("\n"), number)
        rows = [p for p in parts if isinstance(p, _Row)]
        texts += rows
        texts.append("".join(p.strip() for p in parts if not isinstance(p, _Row)))
    return _numbered(texts)


def _read_csv(path: Path) -> tuple[TextBlock, ...]:
    """A CSV file (UTF-8 or GBK) as one table, each line a row."""
    import csv
    import io

    rows, cells = [], 0
    for line, cells_of_row in enumerate(csv.reader(io.StringIO(_decode(path))), start=1):
        cells += len(cells_of_row)
        if cells > MAX_TABLE_CELLS:
            raise _too_many_cells(path, cells)
        rows.append(_Row(tuple(cells_of_row), 1, tuple(f"line {line}" for _ in cells_of_row)))
    return _numbered(rows)


def _read_xlsx(path: Path) -> tuple[TextBlock, ...]:
    """Each sheet of a workbook as a table, cell values as Excel last computed them; only the cells
    the file holds are read (a formatted cell far down the sheet does not stretch the rows)."""
    import openpyxl  # only spreadsheets need it
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(Problem(f"not a readable XLSX ({type(exc).__name__})", file=str(path))) from None
    rows: list = []
    cells = 0
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            sheet.reset_dimensions()
            for row in sheet.iter_rows():
                values = [getattr(c, "value", None) for c in row]
                while values and values[-1] in (None, ""):
                    values.pop()
                cells += len(values)
                if cells > MAX_TABLE_CELLS:
                    raise _too_many_cells(path, cells)
                line = next((c.row for c in row if getattr(c, "row", None)), None)
                if values and line:
                    rows.append(_Row(tuple("" if v is None else _cell_text(v) for v in values), number,
                                     tuple(f"{sheet.title}!{get_column_letter(i)}{line}"
                                           for i in range(1, len(values) + 1))))
    finally:
        book.close()
    return _numbered(rows)


def _cell_text(value) -> str:
    """A spreadsheet value as it would be read on screen: 231.0 as 231."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
