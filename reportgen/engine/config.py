"""figures.yaml into a validated, frozen Registry; every problem reported at once with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reportgen.engine import formula
from reportgen.engine.yamlload import line_of, load_yaml
from reportgen.errors import ConfigError, Problem

MEASURES = ("count", "nunique", "sum", "mean", "ratio", "list", "quarters")
WINDOWS = ("as_of", "year_start", "ytd", "period", "period_ytd", "month", "all")
FILTER_KEYS = ("min", "max", "after", "before", "empty", "not")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    type: Literal["str", "int", "number", "date", "bool", "category"]
    required: bool = True
    values: tuple[str, ...] | None = None
    min: float | dt.date | None = None   # a number, or a date YYYY-MM-DD for a date column
    max: float | dt.date | None = None


PERS = ("day", "month", "quarter", "half", "year")


class UniqueSpec(_Frozen):
    """One row per value of `columns` (per `per` of the `date` column when given)."""

    columns: tuple[str, ...]
    date: str | None = None
    per: Literal["day", "month", "quarter", "half", "year"] | None = None


class DateRangeSpec(_Frozen):
    """The days a ledger records: every date in it lies within, and no period reaches beyond."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    first: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None


class SourceSpec(_Frozen):
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
        windows = (*WINDOWS[:-1], "quarters")
        if isinstance(value, bool) or (isinstance(value, list) and all(w in windows for w in value)):
            return value
        raise ValueError(f"expected true, false or a list of windows out of {', '.join(windows)}")


class QuarterWindow(_Frozen):
    quarters: tuple[int, ...]


class FigureSpec(_Frozen):
    label: str
    unit: Literal["户", "人", "户次", "人次", "元", "千瓦", "个", "%", ""]
    source: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    measure: Literal["count", "nunique", "sum", "mean", "ratio", "list", "quarters"] | None = None
    column: str | None = None
    window: Literal["as_of", "year_start", "ytd", "period", "period_ytd", "month", "all"] | QuarterWindow | None = None
    date: str | None = None
    end: str | None = None
    numerator: dict[str, Any] = Field(default_factory=dict)
    order_by: str | None = None
    formula: str | None = None
    value: float | int | None = None
    note: str | None = None
    wording: Literal["count", "wan", "yu_wan", "percent", "plain", "yuan"] | None = None

    @property
    def kind(self) -> str:
        if self.source is not None:
            return "ledger"
        return "formula" if self.formula is not None else "registry"


class CheckSpec(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    label: str
    assertion: str = Field(alias="assert")


class BreakdownSpec(_Frozen):
    by: str
    figures: tuple[str, ...]


class DocumentSpec(_Frozen):
    template: str
    title: str | None = None
    breakdown: BreakdownSpec | None = None
    compare_with_previous_year: bool = False
    compare_with_previous_period: bool = False


class TownshipSpec(_Frozen):
    villages: tuple[str, ...] = ()
    report: dict[str, str | int | dt.date] = Field(default_factory=dict)  # overrides of report:


class UnitsSpec(_Frozen):
    """A county, its townships and their villages (reportgen.batch.units reads it)."""

    county: str
    column: str = "乡镇"             # the ledgers' column naming each row's township
    village_column: str = "村"
    townships: dict[str, TownshipSpec]
    documents: dict[str, DocumentSpec] = Field(default_factory=dict)  # the county's own documents
    not_additive: tuple[str, ...] = ()  # count/sum/nunique figures a county does not get by summing


class PeriodsSpec(_Frozen):
    default: str
    cutoffs: dict[str, dt.date] = Field(default_factory=dict)


class Registry(_Frozen):
    """The whole of figures.yaml, validated. `path` is the file it came from."""

    report: dict[str, str | int | dt.date]
    meetings: dict[str, dict[str, str | int | dt.date]] = Field(default_factory=dict)
    periods: PeriodsSpec
    sources: dict[str, SourceSpec]
    figures: dict[str, FigureSpec]
    checks: dict[str, CheckSpec] = Field(default_factory=dict)
    documents: dict[str, DocumentSpec] = Field(
        default_factory=lambda: {"report": DocumentSpec(template="report.md.j2")})
    units: UnitsSpec | None = None
    path: Path = Path("figures.yaml")
    lines: dict = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.path.parent / "data"

    def line(self, *path) -> int | None:
        return line_of(self.lines, tuple(path))


def _pydantic_problems(exc: ValidationError, prefix: tuple, file: str, lines: dict) -> list[Problem]:
    problems, seen = [], set()
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        if loc[-1:] == ("QuarterWindow",) or str(loc[-1]).startswith("literal["):
            loc = loc[:-1]  # one message for a union, not one per member
            message, expected = "not allowed", f"one of {', '.join(WINDOWS)} or {{quarters: [1, 2]}}"
        elif err["type"] == "literal_error":
            message, expected = "not allowed", f"one of {err['ctx']['expected']}"
        elif err["type"] == "missing":
            message, expected = "required key is missing", None
        elif err["type"] == "extra_forbidden":
            message, expected = "unknown key", None
        elif err["type"] == "value_error":
            message, expected = "not allowed", str(err["ctx"]["error"]).removeprefix("expected ")
        else:
            message, expected = err["msg"], None
        if loc in seen:
            continue
        seen.add(loc)
        shown = None if err["type"] == "missing" else err.get("input")
        if isinstance(shown, (dict, list)):
            shown = None
        problems.append(Problem(message, file=file, line=line_of(lines, loc),
                                column=".".join(str(p) for p in loc), value=shown, expected=expected))
    return problems


def _validate_sections(data: dict, file: str, lines: dict) -> tuple[dict, list[Problem]]:
    """Validate each source, figure and check on its own so one bad entry does not hide the others."""
    problems: list[Problem] = []
    valid: dict = {k: v for k, v in data.items() if k not in ("sources", "figures", "checks", "documents")}
    sections = (("sources", SourceSpec), ("figures", FigureSpec), ("checks", CheckSpec),
                ("documents", DocumentSpec))
    for section, model in sections:
        if section not in data:
            continue
        entries = data.get(section, {}) or {}
        if not isinstance(entries, dict):
            problems.append(Problem("expected a mapping of id: definition", file=file,
                                    line=line_of(lines, (section,)), column=section))
            continue
        valid[section] = {}
        for key, entry in entries.items():
            try:
                valid[section][key] = model.model_validate(entry)
            except ValidationError as exc:
                problems.extend(_pydantic_problems(exc, (section, key), file, lines))
    return valid, problems


def _check_filter(where: dict, columns: dict, at: tuple, add) -> None:
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


def _semantic_problems(reg: Registry, file: str, lines: dict, declared: dict | None = None) -> list[Problem]:
    problems: list[Problem] = []
    # ids that are defined but failed validation: their own problem is reported, not "unknown"
    declared = declared or {}
    known_figures = set(reg.figures) | set(declared.get("figures", ()))

    def add(path, message, value=None, expected=None):
        problems.append(Problem(message, file=file, line=line_of(lines, path),
                                column=".".join(map(str, path)), value=value, expected=expected))

    for name, src in reg.sources.items():
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
    for fid, fig in reg.figures.items():
        at = ("figures", fid)
        if not fid.isidentifier():
            add(at, "figure id must be a name of letters, digits and _", fid)
        kinds = [k for k in ("source", "formula", "value") if getattr(fig, k) is not None]
        if len(kinds) != 1:
            add(at, "a figure needs exactly one of source, formula, value", ", ".join(kinds) or None)
            continue
        if fig.kind == "registry" and not fig.note:
            add(at, "a registry value needs a note saying where it comes from")
        if fig.kind == "formula":
            try:
                names = formula.names(fig.formula)
            except ConfigError as exc:
                add(at + ("formula",), str(exc.problems[0].message), fig.formula)
                continue
            for n in sorted(names - known_figures):
                add(at + ("formula",), "names an unknown figure", n)
        if fig.kind != "ledger":
            continue
        src = reg.sources.get(fig.source)
        if src is None:
            if fig.source not in declared.get("sources", ()):
                add(at + ("source",), "unknown source", fig.source, f"one of {', '.join(reg.sources)}")
            continue
        if fig.measure == "list" and fig.column in src.personal:
            add(at + ("column",), "a list of personal data would print it in the report", fig.column,
                "a column not listed under personal")
        if fig.measure is None:
            add(at, "a ledger figure needs a measure", None, f"one of {', '.join(MEASURES)}")
        if fig.measure in ("nunique", "sum", "mean", "list") and fig.column is None:
            add(at, f"measure {fig.measure} needs a column")
        if fig.window is None:
            add(at, "a ledger figure needs a window", None, f"one of {', '.join(WINDOWS)} or {{quarters: [..]}}")
        elif fig.window != "all" and fig.date is None:
            add(at, "a windowed figure needs the date column that places rows in time")
        for attr in ("column", "date", "end", "order_by"):
            col = getattr(fig, attr)
            if col is not None and col not in src.columns:
                add(at + (attr,), "unknown column", col, f"a column of {fig.source}")
        for attr in ("date", "end"):
            col = getattr(fig, attr)
            if col in src.columns and src.columns[col].type != "date":
                add(at + (attr,), "not a date column", col)
        if isinstance(fig.window, QuarterWindow) and not all(1 <= q <= 4 for q in fig.window.quarters):
            add(at + ("window",), "quarters run from 1 to 4", list(fig.window.quarters))
        _check_filter(fig.where, src.columns, at + ("where",), add)
        _check_filter(fig.numerator, src.columns, at + ("numerator",), add)
        if fig.measure == "ratio" and fig.unit != "%":
            add(at + ("unit",), "a ratio is a share", fig.unit, "%")
    for cid, check in reg.checks.items():
        try:
            names = formula.names(check.assertion, comparison=True)
        except ConfigError as exc:
            add(("checks", cid, "assert"), exc.problems[0].message, check.assertion)
            continue
        for n in sorted(names - known_figures):
            add(("checks", cid, "assert"), "names an unknown figure", n)
    declared_documents = reg.documents if ("documents",) in lines else {}
    for name, doc in declared_documents.items():
        if not (reg.path.parent / "templates" / doc.template).is_file():
            add(("documents", name, "template"), "template file not found in templates/", doc.template)
        for fid in doc.breakdown.figures if doc.breakdown else ():
            spec = reg.figures.get(fid)
            if spec is None:
                if fid not in known_figures:
                    add(("documents", name, "breakdown", "figures"), "names an unknown figure", fid)
            elif spec.kind == "ledger" and spec.source not in reg.sources:
                continue  # the figure's unknown source is reported with the figure
            elif spec.kind != "ledger" or doc.breakdown.by not in reg.sources[spec.source].columns:
                add(("documents", name, "breakdown", "figures"),
                    f"only ledger figures whose source has a column {doc.breakdown.by!r} break down", fid)
            elif doc.breakdown.by in reg.sources[spec.source].personal:
                add(("documents", name, "breakdown", "by"), "a breakdown by personal data would print it",
                    doc.breakdown.by, "a column not listed under personal")
    cycle = formula.find_cycle({fid: fig.formula for fid, fig in reg.figures.items() if fig.formula})
    if cycle:
        add(("figures", cycle[0], "formula"), "formulas form a cycle", " → ".join(cycle))
    return problems


def load_registry(path: Path | str = "figures.yaml") -> Registry:
    """Read and validate figures.yaml; raise ConfigError listing every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem("file not found", file=str(path))) from None
    except IsADirectoryError:
        raise ConfigError(Problem("is a folder", file=str(path), expected="the registry file")) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(Problem(f"not UTF-8 text (byte {exc.start})", file=str(path))) from None
    data, lines = load_yaml(text, str(path))
    valid, problems = _validate_sections(data, str(path), lines)
    try:
        registry = Registry(**valid, path=path, lines=lines)
    except ValidationError as exc:
        raise ConfigError(problems + _pydantic_problems(exc, (), str(path), lines)) from None
    declared = {section: set(data[section]) for section in ("figures", "sources")
                if isinstance(data.get(section), dict)}
    problems += _semantic_problems(registry, str(path), lines, declared)
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return registry
