"""A county's ledgers kept one folder per township (data/<township>/<file>), read into county-wide ones.

Each file is read, cached and checked on its own, so every message names the township's file and its
row; a 乡镇 column, where a file has one, must name the folder's township. Keys and unique rules hold
across the whole county, as they do in one county-wide file. The county's ledger is the townships'
rows one after another, in the order figures.yaml declares the townships, with the 乡镇 column
filled in: the same frame a county-wide ledger gives.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from reportgen.engine import cells, sourcecache
from reportgen.engine.cells import STR
from reportgen.engine.config import ColumnSpec, Registry, SourceSpec
from reportgen.engine.constraints import (
    PER_WORDS,
    check_ledgers,
    shown_value,
    span_name,
    unique_keys,
)
from reportgen.engine.sources import MAX_PROBLEMS_PER_COLUMN, Ledger, load_source
from reportgen.errors import Problem, SourceError

PEEK_BYTES = 1 << 16


@dataclass(frozen=True)
class LedgerPart:
    """One township's file within a county's ledger: rows start:stop of the county's frame."""

    township: str
    file: str            # under data/: <township>/<file>
    path: Path
    sha256: str
    encoding: str | None
    start: int
    stop: int
    rows: np.ndarray     # each row's number in its own file, as a spreadsheet shows it


@dataclass(frozen=True)
class CountyLedger(Ledger):
    """A county's ledger joined from its townships' files; `parts` says which rows came from where."""

    parts: tuple[LedgerPart, ...] = ()

    def township(self, name: str, spec: SourceSpec) -> Ledger:
        """The township's own ledger: its file's rows, row numbers and path, under `spec`. Its hash stays
        the county's, as a county-wide ledger's does: the build ledger records the county's sources."""
        part = next(p for p in self.parts if p.township == name)
        frame = self.frame.iloc[part.start:part.stop].set_axis(pd.Index(part.rows, dtype="int64"))
        return Ledger(self.name, spec.model_copy(update={"file": part.file}), part.path, self.sha256, frame,
                      part.encoding)


def _folders(registry: Registry) -> list[Path]:
    """Folders of data/ that hold a township's ledgers: named as a township, or holding a ledger."""
    files = [spec.file for spec in registry.sources.values()]
    data = registry.data_dir
    if not data.is_dir():
        return []
    order = {name: index for index, name in enumerate(registry.units.townships)}
    found = [d for d in data.iterdir() if d.is_dir() and not d.name.startswith(".")
             and (d.name in order or any((d / f).exists() for f in files))]
    return sorted(found, key=lambda d: (order.get(d.name, len(order)), d.name))  # as declared, then others


def in_township_folders(registry: Registry) -> bool:
    """Whether a county keeps its ledgers one folder per township; SourceError when both layouts are
    found (county-wide files in data/ beside township folders), which one holds is then unclear."""
    if registry.units is None:
        return False
    folders = _folders(registry)
    if not folders:
        return False
    beside = [spec.file for spec in registry.sources.values() if (registry.data_dir / spec.file).exists()]
    if beside:
        shown = ", ".join(f"data/{d.name}/" for d in folders[:5]) + (" …" if len(folders) > 5 else "")
        raise SourceError([Problem(
            "a county-wide ledger beside township folders: the ledgers are either county-wide in data/ "
            f"with a {registry.units.column} column, or one folder per township, not both",
            file=f"data/{file}", value=shown,
            expected=f"one layout: move data/{file} out of data/, or the township folders") for file in beside])
    return True


def with_township_column(registry: Registry) -> Registry:
    """Every source declares the township column (a category of the townships) where it does not already:
    in township folders a file need not have one, its folder says the township."""
    units = registry.units
    implied = ColumnSpec(type="category", values=tuple(units.townships))
    sources = {name: spec if units.column in spec.columns else
               spec.model_copy(update={"columns": {units.column: implied, **spec.columns}})
               for name, spec in registry.sources.items()}
    return registry.model_copy(update={"sources": sources})


def _layout_problems(registry: Registry) -> list[Problem]:
    units, data = registry.units, registry.data_dir
    found = {d.name for d in _folders(registry)}
    problems = []
    for name in sorted(found - set(units.townships)):
        problems.append(Problem("a folder of ledgers whose name is not a declared township", file=f"data/{name}/",
                                value=name, expected=f"one of {', '.join(units.townships)} "
                                f"(units.townships in figures.yaml), or the folder moved out of data/"))
    files = [spec.file for spec in registry.sources.values()]
    for township in units.townships:
        line = registry.line("units", "townships", township)
        if township not in found:
            problems.append(Problem(
                "a declared township without its folder of ledgers"
                + (f" (declared in {registry.path.name} line {line})" if line else ""),
                file=f"data/{township}/", value=township, expected=f"a folder data/{township}/ holding "
                + ", ".join(files)))
            continue
        for name, spec in registry.sources.items():
            path = data / township / spec.file
            if path.exists():
                continue
            near = sorted(p.name for p in path.parent.glob(f"{Path(spec.file).stem}.*") if p != path)
            hint = f" ({', '.join(near)} is there: the file name must be the declared one)" if near else ""
            problems.append(Problem(f"file not found: a township's folder holds every ledger{hint}",
                                    file=f"data/{township}/{spec.file}",
                                    expected=f"the ledger of source {name!r} for {township} "
                                    "(a header row alone if it has no rows)"))
    return problems


def _header_cells(path: Path, spec: SourceSpec) -> list[str]:
    """The first row of a ledger file, read cheaply; [] when it cannot be (reading it says why)."""
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True, data_only=True)
            try:
                sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
                first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            finally:
                book.close()
            return ["" if c is None else str(c) for c in first]
        with open(path, "rb") as fh:
            head = fh.read(PEEK_BYTES)
    except Exception:  # a damaged file: the full read names the problem
        return []
    if len(head) == PEEK_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n")]  # whole lines: no character cut in two
    encoding = spec.encoding or ("utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8")
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:
        text = head.decode("gb18030", errors="replace")
    return next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))), [])


def _has_column(path: Path, spec: SourceSpec, column: str) -> bool:
    return column in {re.sub(cells.CONTROL, "", c).strip() for c in _header_cells(path, spec)}


def _read_part(registry: Registry, name: str, spec: SourceSpec, township: str, cache_dir: Path | None,
               fresh: list) -> tuple[Ledger | None, str | None]:
    """One township's file, read or taken from the cache: (ledger, None), or (None, sha256) for a file
    with a header row alone. The ledger's frame has the township column, as the county's spec has it."""
    column = registry.units.column
    file = f"{township}/{spec.file}"
    path = registry.data_dir / file

    def read_spec(own: bool) -> SourceSpec:  # the file's declaration, with or without the column
        columns = spec.columns if own else {c: s for c, s in spec.columns.items() if c != column}
        return spec.model_copy(update={"file": file, "columns": columns})

    cache_name = f"{name}@{township}"
    ledger = None
    # A source keeps one cache entry; the declaration it was read under says whether the file has
    # the township column, so an unchanged file's header is not read again.
    for own in (True, False) if cache_dir else ():
        ledger = sourcecache.get(cache_dir, cache_name, read_spec(own), path)
        if ledger is not None:
            break
    if ledger is None:
        own = _has_column(path, spec, column)
        read_ns = time.time_ns()
        try:
            ledger = load_source(name, read_spec(own), registry.data_dir)
        except SourceError as exc:
            if any(p.message != "no data rows" for p in exc.problems):
                raise
            return None, hashlib.sha256(path.read_bytes()).hexdigest()  # no rows: the township has none
        fresh.append((replace(ledger, name=cache_name), read_ns))
    ledger = replace(ledger, name=name, spec=spec.model_copy(update={"file": file}))
    if own:
        _check_agrees(ledger, column, township)
        filled = ledger.frame[column].fillna(township).astype(STR)  # a blank cell: the folder says
        return replace(ledger, frame=ledger.frame.assign(**{column: filled})), None
    frame = ledger.frame.copy(deep=False)  # the read frame is cached as read
    frame.insert(list(spec.columns).index(column), column, pd.Series(township, index=frame.index, dtype=STR))
    return replace(ledger, frame=frame), None


def _check_agrees(ledger: Ledger, column: str, township: str) -> None:
    values = ledger.frame[column]
    wrong = values.index[(values.notna() & (values != township)).to_numpy(dtype=bool)]
    if not len(wrong):
        return
    file = f"data/{ledger.spec.file}"
    problems = [Problem(f"the row's {column} is not the township of its folder", file=file, row=int(row),
                        column=column, value=values[row],
                        expected=f"{township} (the folder's township), or no {column} column")
                for row in wrong[:MAX_PROBLEMS_PER_COLUMN]]
    if len(wrong) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(Problem(f"… and {len(wrong) - MAX_PROBLEMS_PER_COLUMN} more in this column",
                                file=file, column=column))
    raise SourceError(problems)


def _repeats(keyed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows whose key came earlier, and the position where it first came."""
    repeated = keyed.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64")
    positions = pd.Series(keyed.index.to_numpy(), index=keyed.index)
    first = positions.groupby([keyed[c] for c in keyed.columns], sort=False).transform("first").to_numpy()
    return keyed.index.to_numpy()[repeated], first[repeated]


def _normal_keys(ledger: Ledger, column: str) -> pd.DataFrame:
    """A key column as sources compares keys: NFKC, case and hyphen variants set aside."""
    values = ledger.frame[column].dropna()
    texts = pa.chunked_array([pa.array(values.astype(str).to_numpy(dtype=object), pa.string())])
    return pd.DataFrame({column: cells.normalised_keys(texts).to_pandas().to_numpy()}, index=values.index)


def _county_rule_problems(name: str, spec: SourceSpec, county: CountyLedger) -> list[Problem]:
    """The source's key and unique rules over the whole county, each repeat named by its township's file
    and row. A key repeated within one file was reported when the file was read."""
    parts = county.parts
    part_of = np.repeat(np.arange(len(parts)), [p.stop - p.start for p in parts])
    row_of = np.concatenate([p.rows for p in parts])
    problems = []
    rules = [(None, (spec.key,))] if spec.key else []
    rules += [(rule, rule.columns) for rule in spec.unique]
    for rule, columns in rules:
        keyed = _normal_keys(county, spec.key) if rule is None else unique_keys(county, rule)
        at, first = _repeats(keyed)
        if rule is None:
            at, first = at[part_of[at] != part_of[first]], first[part_of[at] != part_of[first]]
        named = " + ".join(columns)
        for position, earlier in zip(at[:MAX_PROBLEMS_PER_COLUMN], first[:MAX_PROBLEMS_PER_COLUMN], strict=True):
            file, row = f"data/{parts[part_of[position]].file}", int(row_of[position])
            same = part_of[position] == part_of[earlier]
            seen = f"row {row_of[earlier]}" if same else f"data/{parts[part_of[earlier]].file} row {row_of[earlier]}"
            shown = [shown_value(spec, c, county.frame.at[position, c]) for c in columns]
            value = shown[0] if len(shown) == 1 else " + ".join(str(v) for v in shown)
            if rule is None:
                message, expected = f"duplicate key (first seen in {seen})", \
                    f"a unique value in the whole county (sources.{name}.key)"
            else:
                where = f" in {span_name(county.frame.at[position, rule.date], rule.per)}" if rule.date else ""
                within = f" per {PER_WORDS[rule.per]} of {rule.date}" if rule.date else ""
                twice = "twice" if same else "in two townships"
                message = f"the same {named}{where} {twice} (first in {seen})"
                expected = f"one row per {named}{within} in the whole county (sources.{name}.unique)"
            problems.append(Problem(message, file=file, row=row, column=named, value=value, expected=expected))
        if len(at) > MAX_PROBLEMS_PER_COLUMN:
            problems.append(Problem(f"… and {len(at) - MAX_PROBLEMS_PER_COLUMN} more rows like these",
                                    file=f"data/*/{spec.file}", column=named))
    return problems


def _joined(name: str, spec: SourceSpec, registry: Registry, read: dict[str, Ledger | str]) -> CountyLedger:
    frames, parts, start = [], [], 0
    digest = hashlib.sha256()
    for township, got in read.items():
        ledger = got if isinstance(got, Ledger) else None
        rows = ledger.frame.index.to_numpy(dtype="int64") if ledger else np.empty(0, dtype="int64")
        sha256 = ledger.sha256 if ledger else got
        file = f"{township}/{spec.file}"
        parts.append(LedgerPart(township, file, registry.data_dir / file, sha256,
                                ledger.encoding if ledger else None, start, start + len(rows), rows))
        digest.update(f"{township}:{sha256}\n".encode())
        if ledger is not None:
            frames.append(ledger.frame)
            start += len(rows)
    frame = pd.concat(frames, ignore_index=True)
    encodings = {p.encoding for p in parts if p.encoding}
    return CountyLedger(name, spec.model_copy(update={"file": f"*/{spec.file}"}), registry.data_dir,
                        digest.hexdigest(), frame, encodings.pop() if len(encodings) == 1 else None,
                        parts=tuple(parts))


def load_township_folders(registry: Registry, cache_dir: Path | None = None,
                          today: dt.date | None = None) -> dict[str, CountyLedger]:
    """Read every township's file of every source, check each and all of them together, and join them;
    SourceError lists every problem in every file. `registry` declares the township column
    (with_township_column). Files read afresh are cached, one entry each, once all of them passed."""
    problems = _layout_problems(registry)
    if problems:
        raise SourceError(problems)
    fresh: list = []
    read: dict[str, dict[str, Ledger | str]] = {}
    for name, spec in registry.sources.items():
        read[name] = {}
        for township in registry.units.townships:
            try:
                ledger, sha256 = _read_part(registry, name, spec, township, cache_dir, fresh)
            except SourceError as exc:
                problems += exc.problems
                continue
            read[name][township] = ledger if ledger is not None else sha256
    if problems:
        raise SourceError(problems)
    for ledger, read_ns in fresh if cache_dir else ():
        sourcecache.put(cache_dir, ledger, read_ns)
    ledgers = {}
    for name, spec in registry.sources.items():
        parts = [got for got in read[name].values() if isinstance(got, Ledger)]
        try:
            check_ledgers({f"{name}@{p.spec.file}": p for p in parts}, today, unique=False)
        except SourceError as exc:
            problems += exc.problems
        if not parts:
            problems.append(Problem("no data rows in any township's file", file=f"data/*/{spec.file}",
                                    expected="at least one row under the header in one of them"))
            continue
        ledgers[name] = _joined(name, spec, registry, read[name])
        problems += _county_rule_problems(name, spec, ledgers[name])
    if problems:
        raise SourceError(problems)
    return ledgers
