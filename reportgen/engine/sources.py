"""Ledger files (CSV in UTF-8, UTF-8 BOM or GBK; XLSX) into typed, checked pandas frames."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from reportgen.engine.config import ColumnSpec, Registry, SourceSpec
from reportgen.errors import Problem, SourceError
from reportgen.privacy import mask

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
BOOL_CELLS = {"是": True, "否": False}  # how a yes/no column is written in the ledgers
MAX_PROBLEMS_PER_COLUMN = 20


@dataclass(frozen=True)
class Ledger:
    """One source, read and checked. The frame's index is the row number a spreadsheet shows."""

    name: str
    spec: SourceSpec
    path: Path
    sha256: str
    frame: pd.DataFrame
    encoding: str | None = None


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


def _read_csv(raw: bytes, spec: SourceSpec, file: str) -> tuple[pd.DataFrame, str]:
    text, encoding = _decode(raw, spec.encoding, file)
    if not text.strip():
        raise SourceError(Problem("the file is empty", file=file, expected="a header row and data rows"))
    # The csv module, not pandas: a row longer than the header or an unclosed quote is an error
    # that names its row, never a shifted table or a parser crash.
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
    while header and header[-1].strip() == "" and all(len(r) < len(header) or not r[len(header) - 1].strip()
                                                      for r in records[1:]):
        header = header[:-1]  # a trailing comma on every line: an empty column, not a column
    problems = [Problem(f"{len(r)} cells in a row under a header of {len(header)}", file=file,
                        row=n, expected=f"at most {len(header)} cells")  # no value: it may be personal
                for n, r in enumerate(records[1:], start=2)
                if len(r) > len(header) and any(c.strip() for c in r[len(header):])]
    if problems:
        more = len(problems) - MAX_PROBLEMS_PER_COLUMN
        raise SourceError(problems[:MAX_PROBLEMS_PER_COLUMN]
                          + ([Problem(f"… and {more} more rows like these", file=file)] if more > 0 else []))
    body = [(r + [""] * len(header))[: len(header)] for r in records[1:]]
    return pd.DataFrame(body, columns=header, dtype=object), encoding


def _read_xlsx(path: Path, spec: SourceSpec, file: str) -> pd.DataFrame:
    import openpyxl  # only ledgers in Excel need it

    try:
        # Read-only parsing is faster; merged cells and formulas are rare, so only a sheet that
        # has either is read again in full below to say exactly where.
        quick = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheet_name = spec.sheet or quick.sheetnames[0]
        needs_full_read = sheet_name not in quick.sheetnames or _has_merges_or_formulas(quick, sheet_name)
        if not needs_full_read:
            rows = [list(r) for r in quick[sheet_name].iter_rows(values_only=True)]
        quick.close()
        if needs_full_read:
            book = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SourceError(Problem(f"not a readable Excel workbook ({type(exc).__name__})", file=file)) from None
    if not needs_full_read:
        return _xlsx_frame(rows, file)
    if sheet_name not in book.sheetnames:
        raise SourceError(Problem("no such sheet", file=file, value=sheet_name,
                                  expected=f"one of {', '.join(book.sheetnames)}"))
    sheet = book[sheet_name]
    problems = [
        Problem("merged cells in the header row; unmerge them so each column has its own name",
                file=file, row=1, column=str(rng))
        for rng in sheet.merged_cells.ranges if rng.min_row == 1
    ]
    formula_cells = [c.coordinate for row in sheet.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.startswith("=")]
    if formula_cells:
        cached = openpyxl.load_workbook(path, data_only=True)[sheet_name]
        for coordinate in formula_cells:
            if cached[coordinate].value is None:
                cell = sheet[coordinate]
                name = sheet.cell(1, cell.column).value
                problems.append(Problem("formula without a saved value; open the file in Excel and save it",
                                        file=file, row=cell.row,
                                        column=f"{name} (cell {coordinate})" if name else coordinate,
                                        value=cell.value))
        sheet = cached
    if problems:
        raise SourceError(problems)
    return _xlsx_frame([list(r) for r in sheet.iter_rows(values_only=True)], file)


def _has_merges_or_formulas(book, sheet_name: str) -> bool:
    """Whether the sheet's XML holds merged cells or formulas (read-only sheets expose neither)."""
    path = getattr(book[sheet_name], "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return True  # cannot tell: take the full read
    xml = archive.read(path)
    return b"<mergeCell " in xml or b"<f>" in xml or b"<f " in xml


def _xlsx_frame(rows: list[list], file: str) -> pd.DataFrame:
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SourceError(Problem("the sheet is empty", file=file, expected="a header row and data rows"))
    header = ["" if v is None else str(v) for v in rows[0]]
    while header and header[-1] == "" and all(len(r) < len(header) or r[len(header) - 1] is None for r in rows[1:]):
        header.pop()
    body = [["" if v is None else v for v in r[: len(header)]] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _cell_text(value) -> str:
    if type(value) is str and value.isascii() and value.isprintable():
        return value.strip()  # the common case: nothing to normalize
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Full-width digits (１２７) become ASCII; other characters stay as typed, so that a header or a
    # category such as 金额（元） still matches figures.yaml. Numbers and dates get NFKC in _convert.
    return _CONTROL.sub("", str(value).translate(_FULLWIDTH_DIGITS)).strip()


def _convert(column: str, spec: ColumnSpec, cells: pd.Series, file: str, personal: bool,
             problems: list[Problem]) -> pd.Series:
    texts = cells  # already clean text (see load_source)
    if spec.type in ("int", "number", "date"):
        texts = texts.map(lambda t: unicodedata.normalize("NFKC", t))  # １．５, ２０２３－０６－３０
    empty = texts == ""
    bad: list[tuple[int, object, str]] = []
    if spec.required:
        bad += [(row, None, "a value (the cell is empty)") for row in texts.index[empty]]
    if spec.type == "str":
        values = texts.where(~empty, None)
    elif spec.type == "category":
        values = texts.where(~empty, None)
        unknown = ~empty & ~texts.isin(spec.values)
        allowed = "one of the values declared in figures.yaml" if personal else f"one of {', '.join(spec.values)}"
        bad += [(row, texts[row], allowed) for row in texts.index[unknown]]
    elif spec.type == "bool":
        values = texts.map(BOOL_CELLS.get).astype(object).where(~empty, None)
        unknown = ~empty & ~texts.isin(list(BOOL_CELLS))
        bad += [(row, texts[row], "是 or 否") for row in texts.index[unknown]]
    elif spec.type == "date":
        values = pd.to_datetime(texts.where(~empty, None), format="ISO8601", errors="coerce")
        unknown = ~empty & values.isna()
        bad += [(row, texts[row], "a date YYYY-MM-DD") for row in texts.index[unknown]]
        for limit, test, word in ((spec.min, values.lt, "on or after"), (spec.max, values.gt, "on or before")):
            if isinstance(limit, dt.date):
                outside = test(pd.Timestamp(limit)).fillna(False).astype(bool)
                bad += [(row, texts[row], f"a date {word} {limit.isoformat()}") for row in texts.index[outside]]
    else:
        values = pd.to_numeric(texts.where(~empty, None), errors="coerce")
        values = values.where(values.abs() != math.inf)  # "inf" and 1e400 are no amounts
        unknown = ~empty & values.isna()
        bad += [(row, texts[row], "a number") for row in texts.index[unknown]]
        if spec.type == "int":
            fractional = ~values.isna() & (values % 1 != 0)
            bad += [(row, texts[row], "a whole number") for row in texts.index[fractional]]
        for limit, test, word in ((spec.min, values < (spec.min or 0), "at least"),
                                  (spec.max, values > (spec.max or 0), "at most")):
            if limit is not None:
                bad += [(row, texts[row], f"a number {word} {limit:g}") for row in texts.index[test]]
    for row, value, expected in sorted(bad, key=lambda b: b[0])[:MAX_PROBLEMS_PER_COLUMN]:
        shown = mask(value) if personal and value is not None else value
        problems.append(Problem("bad value", file=file, row=row, column=column, value=shown,
                                expected=expected))
    if len(bad) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(Problem(f"… and {len(bad) - MAX_PROBLEMS_PER_COLUMN} more in this column",
                                file=file, column=column))
    return values


def load_source(name: str, spec: SourceSpec, data_dir: Path) -> Ledger:
    """Read one ledger and check it against its declaration; raise SourceError with every problem."""
    path = data_dir / spec.file
    file = str(Path("data") / spec.file) if data_dir.name == "data" else str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(Problem("file not found", file=file, expected=f"the ledger of source {name!r}")) from None
    encoding = None
    if path.suffix.lower() == ".xlsx":
        table = _read_xlsx(path, spec, file)
    elif path.suffix.lower() == ".csv":
        table, encoding = _read_csv(raw, spec, file)
    else:
        raise SourceError(Problem("unsupported file type", file=file, value=path.suffix, expected=".csv or .xlsx"))
    table.columns = [_cell_text(c) for c in table.columns]
    table.index = pd.RangeIndex(2, len(table) + 2)  # header is row 1, as Excel shows it
    table = table.map(_cell_text)  # every cell as clean text, once; types are checked from these
    table = table[~(table == "").all(axis=1)] if len(table) else table
    problems: list[Problem] = []
    declared = set(spec.columns)
    for column in spec.columns:
        if column not in table.columns:
            problems.append(Problem("missing column", file=file, row=1, column=column,
                                    expected=f"a header cell {column!r}"))
    seen: set[str] = set()
    for column in table.columns:
        if column in seen and column:
            problems.append(Problem("the same column name twice in the header", file=file, row=1,
                                    column=column, expected="each column once"))
        seen.add(column)
        if column not in declared and column not in spec.extra_columns:
            problems.append(Problem("unknown column (declare it in figures.yaml or remove it)",
                                    file=file, row=1, column=column or "(blank header)"))
    if len(table) == 0:
        problems.append(Problem("no data rows", file=file, expected="at least one row under the header"))
    if problems:
        raise SourceError(problems)
    typed = {}
    for column, col_spec in spec.columns.items():
        typed[column] = _convert(column, col_spec, table[column], file, column in spec.personal, problems)
    frame = pd.DataFrame(typed, index=table.index)
    if spec.key:
        keys = frame[spec.key]
        duplicated = keys.notna() & keys.duplicated(keep="first")
        for row in frame.index[duplicated][:MAX_PROBLEMS_PER_COLUMN]:
            first = keys.index[(keys == keys[row])][0]
            shown = mask(keys[row]) if spec.key in spec.personal else keys[row]
            problems.append(Problem(f"duplicate key (first seen in row {first})", file=file, row=row,
                                    column=spec.key, value=shown, expected="a unique value"))
    if problems and spec.personal:  # a name or ID number typed into the wrong column is masked too
        personal = {_cell_text(v) for column in spec.personal for v in table[column]} - {""}
        problems = [replace(p, value=mask(p.value)) if isinstance(p.value, str) and p.value in personal else p
                    for p in problems]
    if problems:
        raise SourceError(problems)
    return Ledger(name, spec, path, hashlib.sha256(raw).hexdigest(), frame, encoding)


def load_sources(registry: Registry, names: set[str] | None = None,
                 cache_dir: Path | None = None) -> dict[str, Ledger]:
    """Read every ledger the registry declares (or those named); collect problems across all of them.

    With a cache folder, a ledger whose bytes and declaration were read and checked before is taken
    from there; newly read ledgers are kept there only when every ledger passed.
    """
    from reportgen.engine import sourcecache

    ledgers: dict[str, Ledger] = {}
    problems: list[Problem] = []
    fresh: list[str] = []
    for name, spec in registry.sources.items():
        if names is not None and name not in names:
            continue
        cached = sourcecache.get(cache_dir, name, spec, registry.data_dir / spec.file) if cache_dir else None
        if cached is not None:
            ledgers[name] = cached
            continue
        try:
            ledgers[name] = load_source(name, spec, registry.data_dir)
            fresh.append(name)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    for name in fresh if cache_dir else ():
        sourcecache.put(cache_dir, ledgers[name])
    return ledgers
