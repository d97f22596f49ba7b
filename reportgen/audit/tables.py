"""Tables read as tables: each number cell named by its row label and column, its unit found in the
cell, a unit column, the column header ("金额（万元）") or the table's caption ("单位：万元")."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from reportgen.audit.extract import normalize
from reportgen.audit.readers import TextBlock

BARE_NUMBER = re.compile(r"[+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
UNIT_WORDS = ("万元", "亿元", "千元", "元", "户次", "人次", "千瓦", "户", "人", "名", "个", "%")
_UNIT_IN_HEADER = re.compile(r"(?:单位[:：]\s*|[(（]\s*)(万元|亿元|千元|元|户次|人次|千瓦|户|人|名|个|%)\s*[)）]?")
_UNIT_OF_HEADER = {"户数": "户", "人数": "人", "户次": "户次", "人次": "人次"}
# Columns whose numbers are not figures of the period: row numbers, codes, other periods, changes.
_NOT_FIGURES = re.compile(r"序号|编号|代码|排名|去年|上年|同期|同比|环比|增减|增幅|较|变化")
_LEADING = re.compile(r"^(?:其中|含|包括)[:：]?|^[一二三四五六七八九十]+[、.]|^\(?\d+\)?[、.]")


@dataclass(frozen=True)
class Cell:
    """One number cell of a row as a figure: where it sits in the row's text and what names it."""

    start: int
    end: int
    row_label: str
    column: str
    where: str                 # 'row «纳入农村低保户数», column «数值» (Sheet1!C5)'
    group: str | None = None   # a breakdown group (a village) the row or column names
    other_period: bool = False  # a column of another period or of changes (去年同期, 增减)
    placed: bool = False        # its column was worked out from where it stands on a PDF line


@dataclass(frozen=True)
class RowReading:
    """A table row as check reads it: its text with units supplied, and its number cells."""

    text: str
    cells: tuple[Cell, ...]
    caption: str = ""


def _is_number(cell: str) -> bool:
    return bool(BARE_NUMBER.fullmatch(normalize(cell).strip()))


def _header_unit(text: str) -> str:
    text = normalize(text)
    match = _UNIT_IN_HEADER.search(text)
    if match:
        return match.group(1)
    return next((unit for word, unit in _UNIT_OF_HEADER.items() if text.endswith(word)), "")


def _unit_cell(cell: str) -> str:
    cell = normalize(cell).strip()
    return cell if cell in UNIT_WORDS else ""


def read_tables(blocks: tuple[TextBlock, ...], groups: frozenset[str],
                unit_named=lambda words, group: "") -> dict[int, RowReading]:
    """Row readings for every block that is a table row, by block index; header and caption rows read
    as empty. `groups` are the breakdown's group names (villages): a row or column named by one holds
    that group's figures. `unit_named(words, group)` gives the unit of the figure a row label and column
    name, for a bare number no unit is written for."""
    readings: dict[int, RowReading] = {}
    blocks = list(blocks)     # PDF rows are realigned in place
    index = 0
    while index < len(blocks):
        table = blocks[index].table
        if not blocks[index].cells or table is None:
            index += 1
            continue
        end = index
        while end < len(blocks) and blocks[end].cells and blocks[end].table == table:
            end += 1
        caption = _caption(blocks, index)
        readings.update(_read_table(blocks, index, end, groups, caption, unit_named))
        index = end
    return readings


def _caption(blocks: tuple[TextBlock, ...], start: int) -> str:
    """The paragraph just before a table, when it is short (its title or a 单位 line)."""
    if start and not blocks[start - 1].cells and len(blocks[start - 1].text) <= 60:
        return blocks[start - 1].text
    return ""


def _aligned(blocks, start: int, end: int) -> None:
    """PDF rows with fewer cells than the header (empty cells leave no trace in the text) put under the
    header's columns by where each cell stands on the line (its centre nearest a header cell's centre);
    a row is left as read when two of its cells would fall under one column."""
    header = next((blocks[i] for i in range(start, end) if len(blocks[i].cells) > 1), None)
    if header is None or not header.spans:
        return
    centres = [(a + b) / 2 for a, b in header.spans]
    for i in range(start, end):
        block = blocks[i]
        if block is header or not block.spans or len(block.cells) >= len(centres):
            continue
        columns = [min(range(len(centres)), key=lambda c: abs(centres[c] - (a + b) / 2)) for a, b in block.spans]
        if len(set(columns)) < len(columns):
            continue
        cells = [""] * len(centres)
        for text, column in zip(block.cells, columns, strict=True):
            cells[column] = text
        blocks[i] = dataclasses.replace(block, cells=tuple(cells), spans=(), realigned=True)


def _read_table(blocks, start: int, end: int, groups: frozenset[str], caption: str,
                unit_named) -> dict[int, RowReading]:
    _aligned(blocks, start, end)
    rows = [blocks[i].cells for i in range(start, end)]
    readings: dict[int, RowReading] = {}
    header_at = None
    for offset, cells in enumerate(rows):
        filled = [c for c in cells if c.strip()]
        if len(set(filled)) <= 1:           # a title or 单位 line spanning the table
            caption = f"{caption} {filled[0] if filled else ''}".strip()
            readings[start + offset] = RowReading("", ())
            continue
        if not any(_is_number(c) for c in filled):
            header_at = offset
            readings[start + offset] = RowReading("", ())
        break
    header = rows[header_at] if header_at is not None else ()
    body = range((header_at + 1) if header_at is not None else len(readings), len(rows))
    table_unit = _header_unit(caption)
    width = max(len(r) for r in rows)
    label_columns = [c for c in range(width) if _wordy(rows, body, c) and not (c < len(header) and "单位" in header[c])]
    unit_column = next((c for c in range(len(header)) if "单位" in header[c]), None)
    if unit_column is None:
        unit_column = next((c for c in range(width) if c not in label_columns and any(
            c < len(rows[i]) and _unit_cell(rows[i][c]) for i in body)), None)
    for i in body:
        readings[start + i] = _read_row(blocks[start + i], header, label_columns, unit_column, table_unit,
                                        groups, caption, unit_named)
    return readings


def _wordy(rows, body, column: int) -> bool:
    """Whether most filled cells of a column are words (labels), not numbers, figures or units."""
    filled = [r[column] for r in (rows[i] for i in body) if column < len(r) and r[column].strip()]
    words = [c for c in filled if not re.search(r"\d", c) and not _unit_cell(c)]
    return bool(filled) and len(words) * 2 > len(filled)


def _read_row(block: TextBlock, header, label_columns, unit_column, table_unit, groups, caption,
              unit_named) -> RowReading:
    cells = block.cells
    label = " ".join(_LEADING.sub("", cells[c].strip()) for c in label_columns if c < len(cells) and cells[c].strip())
    row_unit = _unit_cell(cells[unit_column]) if unit_column is not None and unit_column < len(cells) else ""
    row_group = next((g for g in groups if label.strip() == g), None)
    parts, found, offset = [], [], 0
    for c, raw in enumerate(cells):
        text = normalize(raw.strip())
        column = header[c].strip() if c < len(header) else ""
        if c not in label_columns and c != unit_column and text:
            group = row_group or (column if column in groups else None)
            unit = "" if not _is_number(text) else (row_unit or _header_unit(column) or _header_unit(label)
                                                    or table_unit)
            if _is_number(text) and not unit and not _NOT_FIGURES.search(column):
                unit = unit_named(f"{label} {column}".replace(group or "\0", ""), group)
                unit = "" if unit in ("元", "%") else unit   # 元 or 万元, 0.87 or 87%: not for a guess
            if _is_number(text) and unit:
                text += unit
            where = f"table {block.table}, row «{label or '—'}», column «{column or c + 1}»"
            if c < len(block.refs):
                where += f" ({block.refs[c]})"
            found.append(Cell(offset, offset + len(text), label if not row_group else "", column, where, group,
                              bool(_NOT_FIGURES.search(column)), block.realigned))
        parts.append(text)
        offset += len(text) + 1
    return RowReading("|".join(parts), tuple(found), caption)
