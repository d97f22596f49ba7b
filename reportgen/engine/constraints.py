"""Rules a source declares beyond its columns: uniqueness within a window, and the days it records."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reportgen.engine.config import SourceSpec, UniqueSpec
from reportgen.engine.sources import MAX_PROBLEMS_PER_COLUMN, Ledger
from reportgen.errors import Problem, SourceError
from reportgen.privacy import mask

PER_WORDS = {"day": "day", "month": "month", "quarter": "quarter", "half": "half-year", "year": "year"}


def ledger_file(ledger: Ledger) -> str:
    """The ledger as messages name it: data/<file>."""
    return f"data/{ledger.spec.file}"


def shown_value(spec: SourceSpec, column: str, value) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return mask(value) if column in spec.personal else value


def span_name(stamp: pd.Timestamp, per: str) -> str:
    """The window a date falls in, as a reader names it: 2023-07, 2023Q3, 2023H2, 2023."""
    if per == "day":
        return stamp.date().isoformat()
    if per == "month":
        return f"{stamp.year}-{stamp.month:02d}"
    if per == "quarter":
        return f"{stamp.year}Q{stamp.quarter}"
    if per == "half":
        return f"{stamp.year}H{1 if stamp.month <= 6 else 2}"
    return str(stamp.year)


def _window_number(dates: pd.Series, per: str) -> pd.Series:
    """The day, month, quarter, half-year or year a date falls in, as one value to compare (vectorised)."""
    year = dates.dt.year
    numbers = {"day": lambda: dates.dt.normalize(),
               "month": lambda: year * 12 + dates.dt.month, "quarter": lambda: year * 4 + dates.dt.quarter,
               "half": lambda: year * 2 + (dates.dt.month > 6), "year": lambda: year}[per]()
    return numbers.where(dates.notna())


def _same_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def _same_keys(series: pd.Series) -> pa.ChunkedArray:
    """Every cell as `_same_key` gives it (missing stays missing), with Python only for distinct
    non-ASCII values: for ASCII text NFKC changes nothing and casefold is lower case."""
    texts = series.array.__arrow_array__() if hasattr(series.array, "__arrow_array__") else pa.array(series)
    lowered = pc.utf8_lower(texts)  # not ascii_lower: pyarrow 26 shifts text whose offsets start past 0
    if pc.all(pc.string_is_ascii(texts)).as_py() is not False:
        return lowered
    wide = pc.unique(pc.filter(texts, pc.invert(pc.string_is_ascii(texts))))
    folded = pa.array([_same_key(v) for v in wide.to_pylist()], pa.string())
    at = pc.index_in(texts, value_set=wide)
    return pc.if_else(pc.is_null(at), lowered, pc.take(folded, at))


def _keys(frame: pd.DataFrame, spec: SourceSpec, rule: UniqueSpec) -> dict[str, pa.ChunkedArray | pa.Array]:
    """The columns a rule compares, as compared: text folded, the date as the number of its window."""
    keys = {}
    for column in rule.columns:  # H0003 and Ｈ０００３ or h0003 are the same household
        if spec.columns[column].type == "str":
            keys[column] = _same_keys(frame[column])
        else:
            keys[column] = pa.array(frame[column], from_pandas=True)
    if rule.date is not None:
        keys["\0window"] = pa.array(_window_number(frame[rule.date], rule.per), from_pandas=True)
    return keys


def _codes(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Each cell as a small whole number, equal for equal cells; -1 where the cell is empty."""
    if pa.types.is_integer(values.type):
        numbers = pc.fill_null(values, pc.min(values).as_py() or 0).to_numpy(zero_copy_only=False).astype(np.int64)
        numbers -= numbers.min(initial=0)
        if values.null_count:
            numbers[pc.is_null(values).to_numpy(zero_copy_only=False)] = -1
        return numbers
    return pd.factorize(pd.array(values, dtype=pd.ArrowDtype(values.type)))[0].astype(np.int64)


def _all_distinct(keys: dict) -> bool:
    """Whether no two rows with every key present agree on all keys: the keys folded into one
    number per row and sorted (Arrow's hash grouping takes a minute over five million rows)."""
    combined = None
    for values in keys.values():
        codes = _codes(values)
        if combined is None:
            combined = codes
            continue
        width = int(codes.max(initial=0)) + 2
        if int(combined.max(initial=0)) + 1 >= (1 << 62) // width:
            combined = pd.factorize(combined)[0].astype(np.int64)
        missing = (combined < 0) | (codes < 0)
        combined = combined * width + codes
        combined[missing] = -1
    present = np.sort(combined[combined >= 0])
    return not (present[1:] == present[:-1]).any()


def unique_problems(ledger: Ledger) -> list[Problem]:
    """Every break of the ledger's declared unique rules (none is [])."""
    problems = []
    for rule in ledger.spec.unique:
        problems += _unique_problems(ledger, rule)
    return problems


def _unique_problems(ledger: Ledger, rule: UniqueSpec) -> list[Problem]:
    frame, spec = ledger.frame, ledger.spec
    arrow_keys = _keys(frame, spec, rule)
    if _all_distinct(arrow_keys):
        return []  # the usual case: no row-by-row look needed
    return _repeats(ledger, rule, unique_keys(ledger, rule, arrow_keys))


def unique_keys(ledger: Ledger, rule: UniqueSpec, arrow_keys: dict | None = None) -> pd.DataFrame:
    """What a unique rule compares, one row per ledger row with every key cell filled: text set in one
    form (NFKC, case) and dates as the window they fall in."""
    frame = ledger.frame
    if arrow_keys is None:
        arrow_keys = _keys(frame, ledger.spec, rule)
    keys = pd.DataFrame({c: k.to_pandas().set_axis(frame.index) for c, k in arrow_keys.items()})
    complete = keys.notna().all(axis=1)  # an empty cell is the column's own concern
    return keys[complete]


def _repeats(ledger: Ledger, rule: UniqueSpec, keyed: pd.DataFrame) -> list[Problem]:
    frame, spec = ledger.frame, ledger.spec
    repeated = keyed.duplicated(keep="first")
    if not repeated.any():
        return []
    first_rows = {}
    for row, values in zip(keyed.index, map(tuple, keyed.itertuples(index=False)), strict=True):
        first_rows.setdefault(values, row)
    named = " + ".join(rule.columns)
    within = f" per {PER_WORDS[rule.per]} of {rule.date}" if rule.date else ""
    problems = []
    rows = keyed.index[repeated]
    for row in rows[:MAX_PROBLEMS_PER_COLUMN]:
        values = tuple(keyed.loc[row])
        first = first_rows[values]
        shown = [shown_value(spec, c, frame.at[row, c]) for c in rule.columns]
        value = shown[0] if len(shown) == 1 else " + ".join(str(v) for v in shown)
        where = f" in {span_name(frame.at[row, rule.date], rule.per)}" if rule.date else ""
        problems.append(Problem(f"the same {named}{where} twice (first in row {first})", file=ledger_file(ledger),
                                row=int(row), column=named, value=value,
                                expected=f"one row per {named}{within} (sources.{ledger.name}.unique)"))
    if len(rows) > MAX_PROBLEMS_PER_COLUMN:
        problems.append(Problem(f"… and {len(rows) - MAX_PROBLEMS_PER_COLUMN} more rows like these",
                                file=ledger_file(ledger), column=named))
    return problems


def last_day(spec: SourceSpec, today: dt.date) -> tuple[dt.date, str]:
    """The last day a ledger may record, and how that bound is named in messages."""
    if spec.dates is not None and spec.dates.until is not None:
        return spec.dates.until, "dates.until"
    return today, "today"


def _date_problems(ledger: Ledger, today: dt.date) -> list[Problem]:
    spec = ledger.spec
    until, bound = last_day(spec, today)
    first = spec.dates.first if spec.dates is not None else None
    problems = []
    for column, col_spec in spec.columns.items():
        if col_spec.type != "date":
            continue
        dates = ledger.frame[column]
        late = (dates >= pd.Timestamp(until) + pd.Timedelta(days=1)).fillna(False).astype(bool)  # by day
        early = (dates < pd.Timestamp(first)).fillna(False).astype(bool) if first else late & False
        found = [(row, "after the last day", f"a date on or before {until.isoformat()} ({bound})")
                 for row in dates.index[late]]
        found += [(row, "before the first day", f"a date on or after {first.isoformat()} (dates.from)")
                  for row in dates.index[early]]
        for row, side, expected in sorted(found)[:MAX_PROBLEMS_PER_COLUMN]:
            problems.append(Problem(f"a date {side} the ledger records", file=ledger_file(ledger),
                                    row=int(row), column=column, value=shown_value(spec, column, dates[row]),
                                    expected=expected))
        if len(found) > MAX_PROBLEMS_PER_COLUMN:
            problems.append(Problem(f"… and {len(found) - MAX_PROBLEMS_PER_COLUMN} more in this column",
                                    file=ledger_file(ledger), column=column))
    return problems


def check_ledgers(ledgers: Mapping[str, Ledger], today: dt.date | None = None, unique: bool = True) -> None:
    """Apply every source's declared rules (the days only, without `unique`); raise SourceError listing
    every violation in every ledger."""
    today = today or dt.date.today()
    problems: list[Problem] = []
    for ledger in ledgers.values():
        problems += _date_problems(ledger, today)
        if unique and not ledger.unique_held:  # a cached ledger was found to keep them when read
            problems += unique_problems(ledger)
    if problems:
        raise SourceError(problems)
