"""Ledger cells as Arrow text, cleaned and typed column by column (vectorised, never cell by cell)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reportgen.engine.config import ColumnSpec

CONTROL = "[\\x00-\\x08\\x0b-\\x1f\\x7f]"
FULLWIDTH_DIGITS = {chr(0xFF10 + d): str(d) for d in range(10)}
BOOL_CELLS = {"是": True, "否": False}  # how a yes/no column is written in the ledgers
# What Excel shows in a cell whose formula failed; such a cell holds no figure.
EXCEL_ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#GETTING_DATA",
                "#SPILL!", "#CALC!")
HYPHENS = "[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]"
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str": Arrow-backed, NaN for missing
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_PLAIN_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PADDED = r"^[\s\p{Z}\x{85}]|[\s\p{Z}\x{85}]$"  # leading or trailing white space, Unicode's too


def clean(texts: pa.ChunkedArray, dirty: bool = True) -> pa.ChunkedArray:
    """Cell text as it is meant: control characters dropped, full-width digits made ASCII, trimmed.

    Other characters stay as typed, so that a header or a category such as 金额（元） still matches
    figures.yaml. Numbers and dates get NFKC in `convert`. `dirty=False` says the caller knows the
    text holds neither control characters nor full-width digits.
    """
    if dirty and pc.any(pc.match_substring_regex(texts, f"{CONTROL}|[０-９]")).as_py():
        texts = pc.replace_substring_regex(texts, CONTROL, "")
        for wide, narrow in FULLWIDTH_DIGITS.items():
            texts = pc.replace_substring(texts, wide, narrow)
    if pc.any(pc.match_substring_regex(texts, _PADDED)).as_py():  # a copy only when a cell needs it
        texts = pc.utf8_trim_whitespace(texts)
    return texts


def normalised_keys(keys: pa.ChunkedArray) -> pa.ChunkedArray:
    """Keys as compared for duplicates: NFKC (full-width forms), lower case, one hyphen."""
    if pc.all(pc.string_is_ascii(keys)).as_py() is not False:
        return pc.utf8_lower(keys)  # not ascii_lower: pyarrow 26 shifts text whose offsets start past 0
    keys = pc.utf8_lower(pc.utf8_normalize(keys, "NFKC"))
    return pc.replace_substring_regex(keys, HYPHENS, "-")


def excel_errors(texts: pa.ChunkedArray) -> np.ndarray:
    """Positions of cells that hold an Excel error value such as #REF!."""
    return np.flatnonzero(pc.is_in(texts, value_set=pa.array(EXCEL_ERRORS)).to_numpy(zero_copy_only=False))


@dataclass
class Bad:
    """Cells of one column that break its declaration: positions, and what was expected there."""

    positions: np.ndarray
    expected: str


def _positions(mask) -> np.ndarray:
    if isinstance(mask, (pa.Array, pa.ChunkedArray)):
        mask = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def _nfkc(texts: pa.ChunkedArray) -> pa.ChunkedArray:
    if pc.all(pc.string_is_ascii(texts)).as_py() is False:
        return pc.utf8_normalize(texts, "NFKC")  # １．５, ２０２３－０６－３０
    return texts


def _without_empty(texts: pa.ChunkedArray, empty: np.ndarray) -> pa.ChunkedArray:
    return pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), texts) if empty.any() else texts


def _dates(texts: pa.ChunkedArray, empty: np.ndarray) -> pd.Series:
    """Dates at day precision (a time of day is dropped: a cut-off compares whole days)."""
    try:  # Arrow reads ISO dates strictly (2023-02-30 fails); all of them in one pass when it can
        stamps = pc.cast(_without_empty(texts, empty), pa.timestamp("us"))
        return pd.Series(pc.floor_temporal(stamps, unit="day").to_numpy(zero_copy_only=False),
                         dtype="datetime64[us]")
    except pa.ArrowInvalid:
        pass
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_DATE), False)
    try:
        fast = pc.cast(pc.if_else(plain, texts, pa.scalar(None, pa.string())), pa.timestamp("us"))
        values = pd.Series(fast.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
    except pa.ArrowInvalid:  # 2023-02-30: let pandas say which cell
        values = pd.Series(pd.NaT, index=range(len(texts)), dtype="datetime64[us]")
        plain = pa.array(np.zeros(len(texts), dtype=bool))
    rest = np.flatnonzero(~plain.to_numpy(zero_copy_only=False) & ~empty)
    if len(rest):  # other ISO 8601 forms (2023-7-1, 2023/07/31) go through pandas
        others = pd.Series(pc.take(texts, pa.array(rest)).to_numpy(zero_copy_only=False), dtype=object)
        try:
            parsed = pd.to_datetime(others, format="ISO8601", errors="coerce")
            if parsed.dt.tz is not None:
                parsed = parsed.dt.tz_localize(None)
            values.iloc[rest] = parsed.to_numpy()
        except (ValueError, TypeError):  # mixed time zones: not dates a ledger holds
            pass
    return values.dt.floor("D").astype("datetime64[us]")


def _numbers(texts: pa.ChunkedArray, empty: np.ndarray) -> pd.Series:
    """Numbers as pandas reads them: int64 when every cell is a whole number written as one."""
    if not empty.any():
        try:
            return pd.Series(pc.cast(texts, pa.int64()).to_numpy(zero_copy_only=False), dtype="int64")
        except pa.ArrowInvalid:
            pass  # fractions, or beyond int64: read as float below, as pandas does
    try:
        values = pc.cast(_without_empty(texts, empty), pa.float64())
        if not pc.any(pc.is_nan(values)).as_py() and not pc.any(pc.is_inf(values)).as_py():
            return pd.Series(values.to_numpy(zero_copy_only=False), dtype="float64")
    except pa.ArrowInvalid:
        pass
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_NUMBER), False).to_numpy(zero_copy_only=False)
    chosen = pc.if_else(pa.array(plain), texts, pa.scalar(None, pa.string()))
    values = pd.Series(pc.cast(chosen, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")
    rest = np.flatnonzero(~plain & ~empty)
    if len(rest):  # the odd forms ("inf", "1_000"): pandas decides, cell by cell, only for these
        others = pd.Series(pc.take(texts, pa.array(rest)).to_numpy(zero_copy_only=False), dtype=object)
        values.iloc[rest] = pd.to_numeric(others, errors="coerce").astype(float).to_numpy()
    return values.where(values.abs() != np.inf)  # "inf" and 1e400 are no amounts


def convert(spec: ColumnSpec, texts: pa.ChunkedArray, personal: bool) -> tuple[pd.Series, list[Bad]]:
    """One column's clean text into its declared type, and every cell that breaks the declaration."""
    if spec.type in ("int", "number", "date"):
        texts = _nfkc(texts)
    empty = pc.equal(texts, "").to_numpy(zero_copy_only=False)
    bad: list[Bad] = []
    if spec.required:
        bad.append(Bad(np.flatnonzero(empty), "a value (the cell is empty)"))
    if spec.type in ("str", "category"):
        values = pd.Series(_without_empty(texts, empty), dtype=STR)  # no copy when none is empty
        if spec.type == "category":
            known = pc.is_in(texts, value_set=pa.array(spec.values, pa.string())).to_numpy(zero_copy_only=False)
            allowed = "one of the values declared in figures.yaml" if personal else f"one of {', '.join(spec.values)}"
            bad.append(Bad(np.flatnonzero(~empty & ~known), allowed))
    elif spec.type == "bool":
        yes = pc.equal(texts, "是").to_numpy(zero_copy_only=False)
        no = pc.equal(texts, "否").to_numpy(zero_copy_only=False)
        cells = np.full(len(texts), None, dtype=object)
        cells[yes], cells[no] = True, False
        values = pd.Series(cells, dtype=object)
        bad.append(Bad(np.flatnonzero(~empty & ~yes & ~no), "是 or 否"))
    elif spec.type == "date":
        values = _dates(texts, empty)
        bad.append(Bad(np.flatnonzero(~empty & values.isna().to_numpy()), "a date YYYY-MM-DD"))
        for limit, test, word in ((spec.min, values.lt, "on or after"), (spec.max, values.gt, "on or before")):
            if isinstance(limit, dt.date):
                bad.append(Bad(_positions(test(pd.Timestamp(limit)).fillna(False)), f"a date {word} {limit.isoformat()}"))
    else:
        values = _numbers(texts, empty)
        bad.append(Bad(np.flatnonzero(~empty & values.isna().to_numpy()), "a number"))
        if spec.type == "int":
            bad.append(Bad(_positions(values.notna() & (values % 1 != 0)), "a whole number"))
        for limit, word in ((spec.min, "at least"), (spec.max, "at most")):
            if limit is not None:
                outside = values < limit if word == "at least" else values > limit
                bad.append(Bad(_positions(outside), f"a number {word} {limit:g}"))
    return values, [b for b in bad if len(b.positions)]
