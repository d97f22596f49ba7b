"""Excel ledgers into a table of text columns: calamine reads the cells that hold data, nothing more.

A formatted but empty cell at XFD1048576 costs nothing: calamine's range ends at the last cell with a
value. What calamine does not report (merged header cells, formulas without a saved value, error
values such as #REF!) is looked for in the sheet's XML, streamed, and refused naming the cell.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

from reportgen.engine.csvledger import Table, _without_trailing_blank_columns
from reportgen.errors import Problem, SourceError

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_MARKERS = (b"<mergeCell ", b"<f>", b"<f ", b't="e"')
_CHUNK = 1 << 22


def _sheet_xml_path(archive: zipfile.ZipFile, sheet: str) -> str | None:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("p:Relationship", _NS)}
    for node in book.iterfind("m:sheets/m:sheet", _NS):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{{{_NS['r']}}}id"), "")
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return None


def _sheet_markers(path: Path, sheet: str) -> bytes | None:
    """The sheet's XML when it holds merges, formulas or error cells (read in chunks); else None."""
    with zipfile.ZipFile(path) as archive:
        member = _sheet_xml_path(archive, sheet)
        if member is None:
            return None
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _MARKERS):
                    return archive.read(member)
                tail = window[-16:]
    return None


def _column_name(header: list[str], column: int) -> str:
    return header[column - 1] if 0 < column <= len(header) and header[column - 1] else ""


def _sheet_problems(xml: bytes, header: list[str], file: str) -> list[Problem]:
    """Merged header cells, formulas whose value was never saved, and Excel error values."""
    problems = []
    for ref in re.findall(rb'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml):
        if range_boundaries(ref.decode())[1] == 1:
            problems.append(Problem("merged cells in the header row; unmerge them so each column has its own name",
                                    file=file, row=1, column=ref.decode()))
    for cell in re.finditer(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", xml, re.S) if b"<f" in xml or b't="e"' in xml else ():
        attributes, inner = cell.group(1), cell.group(2) or b""
        ref = re.search(rb'\br="([A-Z]+)(\d+)"', attributes)
        if ref is None:
            continue
        coordinate = (ref.group(1) + ref.group(2)).decode()
        letters, row = coordinate_from_string(coordinate)
        name = _column_name(header, column_index_from_string(letters))
        where = f"{name} (cell {coordinate})" if name else coordinate
        value = re.search(rb"<v>([^<]*)</v>", inner)
        if re.search(rb'\bt="e"', attributes):
            problems.append(Problem("an Excel error value; correct the cell or its formula in Excel and save",
                                    file=file, row=row, column=where,
                                    value=value.group(1).decode() if value else None, expected="a value"))
        elif b"<f" in inner and (value is None or not value.group(1)):
            formula = re.search(rb"<f\b[^>]*>([^<]*)</f>", inner)
            problems.append(Problem("formula without a saved value; open the file in Excel and save it",
                                    file=file, row=row, column=where,
                                    value=f"={_unescape(formula.group(1))}" if formula else None))
    return problems


def _unescape(text: bytes) -> str:
    return text.decode().replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _texts(cells: np.ndarray) -> pa.ChunkedArray:
    """A column of calamine values as the text a CSV export would hold, one type group at a time."""
    types = pd.Series(cells, dtype=object).map(type).to_numpy()
    out = np.empty(len(cells), dtype=object)
    for kind in set(types):
        at = types == kind
        group = cells[at]
        if kind is str:
            out[at] = group
        elif kind in (float, int):
            numbers = group.astype(float)
            whole = np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2 ** 63)
            texts = numbers.astype(str).astype(object)
            texts[whole] = numbers[whole].astype(np.int64).astype(str)
            out[at] = texts
        elif kind in (dt.datetime, dt.date):
            stamps = pa.array(pd.to_datetime(pd.Series(group, dtype=object)).to_numpy(), pa.timestamp("us"))
            midnight = pc.equal(pc.floor_temporal(stamps, unit="day"), stamps)
            out[at] = pc.if_else(midnight, pc.strftime(stamps, "%Y-%m-%d"),
                                 pc.strftime(stamps, "%Y-%m-%dT%H:%M:%S")).to_numpy(zero_copy_only=False)
        else:  # bool, time, timedelta: rare; as str() writes them
            out[at] = [str(v) for v in group]
    return pa.chunked_array([pa.array(out, pa.string())])


def read_xlsx(path: Path, sheet: str | None, file: str) -> Table:
    """Header and text columns of one sheet; SourceError for merged headers, unsaved formulas, errors."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet_name = sheet or book.sheet_names[0]
        if sheet_name not in book.sheet_names:
            raise SourceError(Problem("no such sheet", file=file, value=sheet_name,
                                      expected=f"one of {', '.join(book.sheet_names)}"))
        worksheet = book.get_sheet_by_name(sheet_name)
        rows = worksheet.to_python()
        xml = _sheet_markers(path, sheet_name)
    except SourceError:
        raise
    except Exception as exc:  # calamine and zipfile raise many types for a damaged file
        raise SourceError(Problem(f"not a readable Excel workbook ({type(exc).__name__})", file=file)) from None
    first_row, first_column = worksheet.start or (0, 0)
    if rows and (first_row or first_column):  # the range starts where the data does, Excel at A1
        rows = [[""] * len(rows[0])] * first_row + rows
        rows = [[""] * first_column + list(r) for r in rows] if first_column else rows
    grid = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    if rows:
        grid[:] = rows
    columns = [_texts(grid[1:, j]) for j in range(grid.shape[1])]
    header = [t for t in _texts(grid[0]).to_pylist()] if len(grid) else []
    if not any(h.strip() for h in header) and not any(
            pc.any(pc.not_equal(pc.utf8_trim_whitespace(c), "")).as_py() for c in columns):
        raise SourceError(Problem("the sheet is empty", file=file, expected="a header row and data rows"))
    if xml is not None:
        problems = _sheet_problems(xml, header, file)
        if problems:
            raise SourceError(problems)
    table = Table(header, columns, np.arange(2, len(grid) + 1), cells=True)
    return _without_trailing_blank_columns(table)
