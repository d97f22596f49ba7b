"""Ledger files (CSV in UTF-8, UTF-8 BOM or GBK; XLSX) into typed, checked pandas frames.

Reading is columnar: csvledger and xlsxledger give text columns in Arrow, cells cleans and types
them a column at a time, and this module checks the table against its declaration.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reportgen.engine import cells
from reportgen.engine.cells import BOOL_CELLS
from reportgen.engine.config import Registry, SourceSpec
from reportgen.engine.csvledger import Table, read_csv
from reportgen.errors import Problem, SourceError
from reportgen.privacy import mask

__all__ = ["BOOL_CELLS", "Ledger", "load_source", "load_sources"]

_CONTROL = re.compile(cells.CONTROL)
_FULLWIDTH_DIGITS = str.maketrans(cells.FULLWIDTH_DIGITS)
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
    unique_held: bool = False   # its declared unique rules were checked and hold


def _header_text(value: str) -> str:
    return _CONTROL.sub("", str(value).translate(_FULLWIDTH_DIGITS)).strip()


def _read(path: Path, name: str, spec: SourceSpec, file: str) -> tuple[Table, str]:
    """The ledger's text table and the SHA-256 of its bytes (not kept: a big file goes once read)."""
    if path.is_dir():
        raise SourceError(Problem("a folder where a ledger file is expected", file=file,
                                  expected=f"the ledger of source {name!r} as a .csv or .xlsx file"))
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        if not path.exists():
            raise SourceError(Problem("file not found", file=file, expected=f"the ledger of source {name!r}"))
        raise SourceError(Problem("unsupported file type", file=file, value=path.suffix, expected=".csv or .xlsx"))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(Problem("file not found", file=file, expected=f"the ledger of source {name!r}")) from None
    except OSError as exc:
        raise SourceError(Problem(f"cannot be read ({exc.strerror})", file=file)) from None
    if suffix == ".xlsx":
        from reportgen.engine.xlsxledger import read_xlsx  # only ledgers in Excel need it

        return read_xlsx(path, spec.sheet, file), hashlib.sha256(raw).hexdigest()
    return read_csv(raw, spec.encoding, file), hashlib.sha256(raw).hexdigest()


def _header_problems(header: list[str], spec: SourceSpec, file: str, rows: int) -> list[Problem]:
    problems = [Problem("missing column", file=file, row=1, column=column, expected=f"a header cell {column!r}")
                for column in spec.columns if column not in header]
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            problems.append(Problem("the same column name twice in the header", file=file, row=1,
                                    column=column, expected="each column once"))
        seen.add(column)
        if column not in spec.columns and column not in spec.extra_columns:
            problems.append(Problem("unknown column (declare it in figures.yaml or remove it)",
                                    file=file, row=1, column=column or "(blank header)"))
    if rows == 0:
        problems.append(Problem("no data rows", file=file, expected="at least one row under the header"))
    return problems


class _Located:
    """Turns positions in the kept rows into Problems naming row, column (and cell for Excel)."""

    def __init__(self, file: str, rows: np.ndarray, header: list[str], excel: bool):
        self.file, self.rows, self.header, self.excel = file, rows, header, excel

    def where(self, column: str, row: int) -> str:
        if not self.excel:
            return column
        from openpyxl.utils import get_column_letter

        return f"{column} (cell {get_column_letter(self.header.index(column) + 1)}{row})"

    def problems(self, column: str, texts: pa.ChunkedArray, bad: list[cells.Bad], personal: bool,
                 message: str = "bad value") -> list[Problem]:
        found = sorted(((int(p), i) for i, b in enumerate(bad) for p in b.positions[:MAX_PROBLEMS_PER_COLUMN]))
        shown = found[:MAX_PROBLEMS_PER_COLUMN]
        values = pc.take(texts, pa.array([p for p, _ in shown], pa.int64())).to_pylist() if shown else []
        problems = []
        for (position, kind), value in zip(shown, values, strict=True):
            row = int(self.rows[position])
            empty = bad[kind].expected.startswith("a value (")
            problems.append(Problem(message, file=self.file, row=row, column=self.where(column, row),
                                    value=None if empty else (mask(value) if personal else value),
                                    expected=bad[kind].expected))
        total = sum(len(b.positions) for b in bad)
        if total > MAX_PROBLEMS_PER_COLUMN:
            problems.append(Problem(f"… and {total - MAX_PROBLEMS_PER_COLUMN} more in this column",
                                    file=self.file, column=column))
        return problems


def _duplicate_keys(keys: pa.ChunkedArray, at: _Located, column: str, personal: bool) -> list[Problem]:
    """Keys that repeat once NFKC, case and hyphen variants are ignored (Ｐ－１ repeats p-1)."""
    normal = cells.normalised_keys(keys)
    order = pc.sort_indices(normal)  # stable: among equal keys the first seen comes first
    ordered = pc.take(normal, order)
    same = np.zeros(len(normal), dtype=bool)
    same[1:] = pc.equal(ordered.slice(1), ordered.slice(0, len(normal) - 1)).to_numpy(zero_copy_only=False)
    same &= pc.not_equal(ordered, "").to_numpy(zero_copy_only=False)
    if not same.any():
        return []  # every key differs: the usual case, settled by one sort
    order = order.to_numpy()
    run_start = np.maximum.accumulate(np.where(same, 0, np.arange(len(same))))
    first_of = np.empty(len(same), dtype=np.int64)
    first_of[order] = order[run_start]  # original position -> position of its first occurrence
    repeated = np.sort(order[same])
    firsts = first_of[repeated[:MAX_PROBLEMS_PER_COLUMN]]
    shown = repeated[:MAX_PROBLEMS_PER_COLUMN]
    values = pc.take(keys, pa.array(shown)).to_pylist()
    first_values = pc.take(keys, pa.array(firsts)).to_pylist()
    show = mask if personal else (lambda v: v)
    problems = []
    for position, first, value, first_value in zip(shown, firsts, values, first_values, strict=True):
        message = f"duplicate key (first seen in row {int(at.rows[first])})"
        if first_value != value:
            message = (f"duplicate key (first seen in row {int(at.rows[first])} as {show(first_value)!r}, "
                       "the same key once case, full-width forms and hyphens are set aside)")
        problems.append(Problem(message, file=at.file, row=int(at.rows[position]), column=column,
                                value=show(value), expected="a unique value"))
    if len(repeated) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(Problem(f"… and {len(repeated) - MAX_PROBLEMS_PER_COLUMN} more in this column",
                                file=at.file, column=column))
    return problems


def _mask_personal(problems: list[Problem], columns: dict[str, pa.ChunkedArray], spec: SourceSpec) -> list[Problem]:
    """A name or ID number typed into the wrong column is masked too."""
    shown = list({p.value for p in problems if isinstance(p.value, str)} - set(cells.EXCEL_ERRORS))
    if not shown:
        return problems
    personal: set[str] = set()
    for column in spec.personal:
        hits = pc.is_in(pa.array(shown, pa.string()), value_set=pc.unique(columns[column]))
        personal |= {v for v, hit in zip(shown, hits.to_pylist(), strict=True) if hit and v}
    return [replace(p, value=mask(p.value)) if isinstance(p.value, str) and p.value in personal else p
            for p in problems]


def load_source(name: str, spec: SourceSpec, data_dir: Path) -> Ledger:
    """Read one ledger and check it against its declaration; raise SourceError with every problem."""
    path = data_dir / spec.file
    file = str(Path("data") / spec.file) if data_dir.name == "data" else str(path)
    table, sha256 = _read(path, name, spec, file)
    header = [_header_text(c) for c in table.header]
    texts = [cells.clean(c, table.dirty) for c in table.columns]
    table.columns = []  # the raw text goes as soon as the clean text is there
    blank = np.ones(len(table.rows), dtype=bool)
    for column in texts:
        blank &= pc.equal(column, "").to_numpy(zero_copy_only=False)
    if blank.any():
        keep = pa.array(~blank)
        texts = [pc.filter(c, keep) for c in texts]
        rows = table.rows[~blank]
    else:
        rows = table.rows
    problems = _header_problems(header, spec, file, len(rows))
    if problems:
        raise SourceError(problems)
    at = _Located(file, rows, header, table.cells)
    columns = dict(zip(header, texts, strict=True))
    errors = {column: cells.excel_errors(column_texts) for column, column_texts in columns.items()}
    for column, positions in errors.items():  # an Excel error is no value, in any column
        if len(positions):
            problems += at.problems(column, columns[column], [cells.Bad(positions, "a value, not an Excel error")],
                                    False, "an Excel error value; correct the cell or its formula in Excel")
    typed = {}
    for column, col_spec in spec.columns.items():
        personal = column in spec.personal
        typed[column], bad = cells.convert(col_spec, columns[column], personal)
        pa.default_memory_pool().release_unused()
        if len(errors[column]):  # said once above, not again as a bad number or date
            bad = [cells.Bad(b.positions[~np.isin(b.positions, errors[column])], b.expected) for b in bad]
            bad = [b for b in bad if len(b.positions)]
        if bad:
            problems += at.problems(column, columns[column], bad, personal)
        if column != spec.key and not personal and not problems:
            del columns[column]  # its text is not needed again
    index = pd.RangeIndex(2, len(rows) + 2) if not blank.any() else pd.Index(rows, dtype="int64")
    frame = pd.DataFrame({c: s.set_axis(index) for c, s in typed.items()}, index=index, copy=False)
    if spec.key:
        problems += _duplicate_keys(columns[spec.key], at, spec.key, spec.key in spec.personal)
    if problems and spec.personal:
        problems = _mask_personal(problems, columns, spec)
    if problems:
        raise SourceError(problems)
    return Ledger(name, spec, path, sha256, frame, table.encoding)


def load_sources(registry: Registry, names: set[str] | None = None,
                 cache_dir: Path | None = None) -> dict[str, Ledger]:
    """Read every ledger the registry declares (or those named); collect problems across all of them.

    With a cache folder, a ledger whose bytes and declaration were read and checked before is taken
    from there; newly read ledgers are kept there only when every ledger passed.
    """
    from reportgen.engine import sourcecache
    from reportgen.engine.constraints import unique_problems

    ledgers: dict[str, Ledger] = {}
    problems: list[Problem] = []
    fresh: list[tuple[str, int]] = []
    for name, spec in registry.sources.items():
        if names is not None and name not in names:
            continue
        cached = sourcecache.get(cache_dir, name, spec, registry.data_dir / spec.file) if cache_dir else None
        if cached is not None:
            ledgers[name] = cached
            continue
        try:
            fresh.append((name, time.time_ns()))
            ledgers[name] = load_source(name, spec, registry.data_dir)
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    for name, read_ns in fresh if cache_dir else ():
        if not unique_problems(ledgers[name]):  # else check_ledgers says what breaks them, as for any ledger
            ledgers[name] = replace(ledgers[name], unique_held=True)
        pa.default_memory_pool().release_unused()
        sourcecache.put(cache_dir, ledgers[name], read_ns)
    return ledgers

