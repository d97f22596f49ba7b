"""The sources of figures.yaml: a ledger's file, typed columns and rules, and the checks of those rules."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

WINDOWS = ("as_of", "year_start", "ytd", "period", "period_ytd", "month", "all", "span", "before_period")
PERS = ("day", "month", "quarter", "half", "year")
FILTER_KEYS = ("min", "max", "after", "before", "empty", "not")


class Frozen(BaseModel):
    """A part of the registry: immutable, and no key it does not declare."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(Frozen):
    type: Literal["str", "int", "number", "date", "bool", "category"]
    required: bool = True
    values: tuple[str, ...] | None = None
    min: float | dt.date | None = None   # a number, or a date YYYY-MM-DD for a date column
    max: float | dt.date | None = None


class UniqueSpec(Frozen):
    """One row per value of `columns` (per `per` of the `date` column when given)."""

    columns: tuple[str, ...]
    date: str | None = None
    per: Literal["day", "month", "quarter", "half", "year"] | None = None


class DateRangeSpec(Frozen):
    """The days a ledger records: every date in it lies within, and no period reaches beyond."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    first: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None


class SourceSpec(Frozen):
    file: str
    sheet: str | None = None
    encoding: Literal["utf-8", "utf-8-sig", "gbk", "gb18030"] | None = None
    title: str | None = None
    key: str | None = None
    personal: tuple[str, ...] = ()
    columns: dict[str, ColumnSpec]
    extra_columns: tuple[str, ...] = ()
    unique: tuple[UniqueSpec, ...] = ()
    dates: DateRangeSpec | None = None
    not_empty: bool | tuple[str, ...] = False

    @field_validator("unique", mode="before")
    @classmethod
    def _one_rule_alone(cls, value):
        return [value] if isinstance(value, dict) else value  # unique: {columns: [..]} is one rule

    @field_validator("not_empty", mode="before")
    @classmethod
    def _windows_or_all(cls, value):
        windows = (*(w for w in WINDOWS if w != "all"), "quarters")
        if isinstance(value, bool) or (isinstance(value, list) and all(w in windows for w in value)):
            return value
        raise ValueError(f"expected true, false or a list of windows out of {', '.join(windows)}")


def check_filter(where: dict, columns: dict, at: tuple, add) -> None:
    """A figure's `where:` (or `numerator:`) names columns of its source, and their categories."""
    for column, condition in where.items():
        if column not in columns:
            add(at + (column,), "unknown column", column, f"a column of the source: {', '.join(columns)}")
            continue
        if isinstance(condition, dict):
            for key in condition:
                if key not in FILTER_KEYS:
                    add(at + (column, key), "unknown filter key", key, f"one of {', '.join(FILTER_KEYS)}")
        spec = columns[column]
        if spec.type == "category":
            wanted = condition if isinstance(condition, list) else [condition]
            if isinstance(condition, dict):
                wanted = condition.get("not", []) or []
            for value in wanted:
                if value not in spec.values:
                    add(at + (column,), "value is not a category of the column", value,
                        f"one of {', '.join(spec.values)}")


def check_source(name: str, src: SourceSpec, add) -> None:
    """A source's own declaration: its key, personal columns, bounds and rules name its columns."""
    for col in (src.key, *src.personal):
        if col is not None and col not in src.columns:
            add(("sources", name), "names a column that is not declared", col)
    for col, spec in src.columns.items():
        if spec.type == "category" and not spec.values:
            add(("sources", name, "columns", col), "a category column needs its values")
        for bound in ("min", "max"):
            limit = getattr(spec, bound)
            if limit is None:
                continue
            if spec.type == "date" and not isinstance(limit, dt.date):
                add(("sources", name, "columns", col, bound), "a date column's bound is a date", limit,
                    "a date YYYY-MM-DD")
            elif spec.type in ("int", "number") and isinstance(limit, dt.date):
                add(("sources", name, "columns", col, bound), "a number column's bound is a number",
                    limit.isoformat(), "a number")
            elif spec.type not in ("int", "number", "date"):
                add(("sources", name, "columns", col, bound), f"{bound} applies to numbers and dates",
                    spec.type)
    _check_source_rules(name, src, add)


def _check_source_rules(name: str, src: SourceSpec, add) -> None:
    """The declared constraints of one source (unique, dates) name its own columns."""
    for index, rule in enumerate(src.unique):
        at = ("sources", name, "unique", index)
        for col in rule.columns:
            if col not in src.columns:
                add(at + ("columns",), "unknown column", col, f"a column of {name}")
        if not rule.columns:
            add(at + ("columns",), "names no column", None, "at least one column")
        if rule.date is not None and src.columns.get(rule.date, None) is None:
            add(at + ("date",), "unknown column", rule.date, f"a date column of {name}")
        elif rule.date is not None and src.columns[rule.date].type != "date":
            add(at + ("date",), "not a date column", rule.date)
        if (rule.date is None) != (rule.per is None):
            add(at, "date and per go together", rule.date or rule.per,
                f"both date: <a date column> and per: one of {', '.join(PERS)}, or neither")
    if src.dates and src.dates.first and src.dates.until and src.dates.first > src.dates.until:
        add(("sources", name, "dates"), "from is after until", src.dates.first.isoformat(),
            f"a day on or before {src.dates.until.isoformat()}")
