"""Ledger files (CSV in UTF-8, UTF-8 BOM or GBK; XLSX) into typed, checked pandas frames."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import ColumnSpec, Registry, SourceSpec
from .errors import Problem, SourceError
from .privacy import mask

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BOOL = {"是": True, "否": False}
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
        try:
            return raw.decode(declared), declared
        except UnicodeDecodeError as exc:
            raise SourceError(Problem(f"cannot be read as {declared} (byte {exc.start})", file=file,
                                      expected=f"text saved as {declared}")) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise SourceError(Problem(f"neither UTF-8 nor GBK text (byte {exc.start})", file=file,
                                  expected="CSV saved as UTF-8 or GBK")) from None


def _read_csv(raw: bytes, spec: SourceSpec, file: str) -> tuple[pd.DataFrame, str]:
    text, encoding = _decode(raw, spec.encoding, file)
    if not text.strip():
        raise SourceError(Problem("the file is empty", file=file, expected="a header row and data rows"))
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    return frame, encoding


def _read_xlsx(path: Path, spec: SourceSpec, file: str) -> pd.DataFrame:
    import openpyxl  # only ledgers in Excel need it

    try:
        book = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise SourceError(Problem(f"not a readable Excel workbook ({type(exc).__name__})", file=file)) from None
    sheet_name = spec.sheet or book.sheetnames[0]
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
                problems.append(Problem("formula without a saved value; open the file in Excel and save it",
                                        file=file, column=coordinate,
                                        value=sheet[coordinate].value))
        sheet = cached
    if problems:
        raise SourceError(problems)
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
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
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _CONTROL.sub("", unicodedata.normalize("NFKC", str(value))).strip()


def _convert(column: str, spec: ColumnSpec, cells: pd.Series, file: str, personal: bool,
             problems: list[Problem]) -> pd.Series:
    texts = cells.map(_cell_text)
    empty = texts == ""
    bad: list[tuple[int, object, str]] = []
    if spec.required:
        bad += [(row, None, "a value (the cell is empty)") for row in texts.index[empty]]
    if spec.type == "str":
        values = texts.where(~empty, None)
    elif spec.type == "category":
        values = texts.where(~empty, None)
        unknown = ~empty & ~texts.isin(spec.values)
        bad += [(row, texts[row], f"one of {', '.join(spec.values)}") for row in texts.index[unknown]]
    elif spec.type == "bool":
        values = texts.map(_BOOL.get).astype(object).where(~empty, None)
        unknown = ~empty & ~texts.isin(list(_BOOL))
        bad += [(row, texts[row], "是 or 否") for row in texts.index[unknown]]
    elif spec.type == "date":
        values = pd.to_datetime(texts.where(~empty, None), format="ISO8601", errors="coerce")
        unknown = ~empty & values.isna()
        bad += [(row, texts[row], "a date YYYY-MM-DD") for row in texts.index[unknown]]
    else:
        values = pd.to_numeric(texts.where(~empty, None), errors="coerce")
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
    blank = table.apply(lambda r: all(_cell_text(v) == "" for v in r), axis=1) if len(table) else []
    table = table[~pd.Series(blank, index=table.index, dtype=bool)]
    problems: list[Problem] = []
    declared = set(spec.columns)
    for column in spec.columns:
        if column not in table.columns:
            problems.append(Problem("missing column", file=file, row=1, column=column,
                                    expected=f"a header cell {column!r}"))
    for column in table.columns:
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
            problems.append(Problem(f"duplicate key (first seen in row {first})", file=file, row=row,
                                    column=spec.key, value=keys[row], expected="a unique value"))
    if problems:
        raise SourceError(problems)
    return Ledger(name, spec, path, hashlib.sha256(raw).hexdigest(), frame, encoding)


def load_sources(registry: Registry, names: set[str] | None = None) -> dict[str, Ledger]:
    """Read every ledger the registry declares (or those named); collect problems across all of them."""
    ledgers: dict[str, Ledger] = {}
    problems: list[Problem] = []
    for name, spec in registry.sources.items():
        if names is not None and name not in names:
            continue
        try:
            ledgers[name] = load_source(name, spec, registry.data_dir)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return ledgers
