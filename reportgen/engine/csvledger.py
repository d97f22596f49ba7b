"""CSV ledgers (UTF-8, UTF-8 BOM, GBK/GB18030) into a table of text columns, parsed by Arrow.

Arrow's multi-threaded parser reads the common, well-formed file. It is lenient where the csv module
is strict (a row longer than the header, an unclosed quote, text after a closing quote, blank lines
that shift row numbers), so every sign of such trouble sends the file to the csv module, which
refuses it naming the row, or reads it exactly as before.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from reportgen.errors import Problem, SourceError

MAX_PROBLEMS = 20
_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n][^,\r\n]*|)'
_STRICT_LINE = f"^{_FIELD}(?:,{_FIELD})*\r?$"  # one record on one line, as csv's strict mode reads it
_ODD = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f０-９]|\\r[^\\n]"


@dataclass
class Table:
    """Header cells and text columns of one sheet or file; rows are numbered as a spreadsheet shows them."""

    header: list[str]
    columns: list[pa.ChunkedArray]
    rows: np.ndarray
    encoding: str | None = None
    dirty: bool = True          # may hold control characters or full-width digits
    cells: bool = False         # name cells as A1 in messages (Excel)


def _decode(raw: bytes, declared: str | None, file: str) -> tuple[str, str]:
    if declared:
        try:  # Excel's "CSV UTF-8" starts with a BOM; it is still UTF-8
            return raw.decode("utf-8-sig" if declared == "utf-8" else declared), declared
        except UnicodeDecodeError as exc:
            raise SourceError(Problem(f"cannot be read as {declared} (byte {exc.start})", file=file,
                                      line=raw[: exc.start].count(b"\n") + 1,
                                      expected=f"text saved as {declared}")) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_start = exc.start
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        start = max(exc.start, utf8_start)  # the encoding that read further is the file's: point there
        raise SourceError(Problem(f"neither UTF-8 nor GBK text (byte {start})", file=file,
                                  line=raw[:start].count(b"\n") + 1,
                                  expected="CSV saved as UTF-8 or GBK")) from None


def _is_utf8(body: bytes) -> bool:
    try:
        _as_text(body).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _utf8(raw: bytes, declared: str | None, file: str) -> tuple[bytes, str]:
    """The file's text as UTF-8 bytes without BOM, and the encoding it was read in."""
    if declared in (None, "utf-8", "utf-8-sig"):
        bom = raw.startswith(b"\xef\xbb\xbf")
        body = raw[3:] if bom else raw
        if _is_utf8(body):
            return body, declared or ("utf-8-sig" if bom else "utf-8")
    text, encoding = _decode(raw, declared, file)  # names the byte it stumbles on, or reads GBK
    return text.encode("utf-8"), encoding


def read_csv(raw: bytes, declared: str | None, file: str) -> Table:
    """Header and text columns of a CSV ledger; SourceError naming the row when it is not well-formed."""
    body, encoding = _utf8(raw, declared, file)
    if re.fullmatch(rb"\s*", body):
        raise SourceError(Problem("the file is empty", file=file, expected="a header row and data rows"))
    table = _read_fast(body)
    if table is None:
        table = _read_exact(body.decode("utf-8"), file)
    table.encoding = encoding
    table.dirty = _has_odd_characters(body)
    return _without_trailing_blank_columns(table)


def _has_odd_characters(body: bytes) -> bool:
    """Whether any cell may hold a control character or a full-width digit (one RE2 pass)."""
    return bool(pc.match_substring_regex(_as_text(body), _ODD).to_pylist()[0])


def _as_text(body: bytes) -> pa.Array:
    """The whole file as one Arrow string, without copying it."""
    offsets = pa.py_buffer(np.array([0, len(body)], dtype=np.int64))
    return pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(body)])


def _read_fast(body: bytes) -> Table | None:
    """Arrow's parse when it provably equals the csv module's; None when the file needs a closer look."""
    end = body.find(b"\n")
    first = body[: end if end >= 0 else len(body)].decode("utf-8")
    try:
        header = next(csv.reader([first], strict=True))
    except (csv.Error, StopIteration):
        return None
    if not header or not any(cell.strip() for cell in header):
        return None
    names = [f"c{i}" for i in range(len(header))]
    trouble = []

    def invalid_row(row) -> str:
        trouble.append(row)
        return "error"

    try:
        parsed = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=False))
    except (pa.ArrowInvalid, ValueError):
        return None
    end = len(body)
    while end and body[end - 1] in b"\r\n":  # trailing blank lines (no copy of a big body)
        end -= 1
    lines = body.count(b"\n", 0, end) + 1
    if trouble or parsed.num_rows != lines:
        return None  # blank lines, a record over several lines, or a row of the wrong length
    if b'"' in body and not _quotes_are_strict(body):
        return None
    header = [parsed.column(i)[0].as_py() for i in range(parsed.num_columns)]
    columns = [parsed.column(i).slice(1) for i in range(parsed.num_columns)]
    return Table(header, columns, np.arange(2, parsed.num_rows + 1))


def _quotes_are_strict(body: bytes) -> bool:
    """Every line with a quote is a record the csv module reads alike (no text after a closing quote)."""
    lines = pc.split_pattern(_as_text(body), "\n").flatten()
    quoted = pc.filter(lines, pc.match_substring(lines, '"'))
    return bool(pc.all(pc.match_substring_regex(quoted, _STRICT_LINE)).as_py() is not False)


def _read_exact(text: str, file: str) -> Table:
    """The csv module's strict reading, for files Arrow cannot be trusted with; names the bad row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        raise SourceError(Problem(f"not well-formed CSV ({exc})", file=file, line=reader.line_num,
                                  row=len(records) + 1,
                                  expected='cells separated by commas, quotes "" closed')) from None
    header = records[0]
    if not any(cell.strip() for cell in header):
        raise SourceError(Problem("the first row is blank", file=file, row=1, expected="the column names in row 1"))
    width = len(header)
    while width and header[width - 1].strip() == "" and all(
            len(r) < width or not r[width - 1].strip() for r in records[1:]):
        width -= 1  # a trailing comma on every line: an empty column, not a column
    problems = [Problem(f"{len(r)} cells in a row under a header of {width}", file=file,
                        row=n, expected=f"at most {width} cells")  # no value: it may be personal
                for n, r in enumerate(records[1:], start=2)
                if len(r) > width and any(c.strip() for c in r[width:])]
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise SourceError(problems[:MAX_PROBLEMS]
                          + ([Problem(f"… and {more} more rows like these", file=file)] if more > 0 else []))
    body = [(r + [""] * width)[:width] for r in records[1:]]
    columns = [pa.chunked_array([pa.array([r[i] for r in body], pa.string())]) for i in range(width)]
    return Table(header[:width], columns, np.arange(2, len(body) + 2))


def _without_trailing_blank_columns(table: Table) -> Table:
    while table.header and table.header[-1].strip() == "" and (
            not len(table.rows) or not pc.any(pc.not_equal(pc.utf8_trim_whitespace(table.columns[-1]), "")).as_py()):
        table.header, table.columns = table.header[:-1], table.columns[:-1]
    return table
