"""figures.yaml into a validated, frozen Registry; every problem reported at once with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from reportgen import resources
from reportgen.engine import formula, time_checks
from reportgen.engine.documentspec import (  # noqa: F401 (names imported from here)
    FORM_REQUIRES,
    FORMS,
    BreakdownSpec,
    DocumentSpec,
    FormMetadata,
    form_problems,
)
from reportgen.engine.sourcespec import (  # noqa: F401 (names imported from here)
    FILTER_KEYS,
    PERS,
    WINDOWS,
    ColumnSpec,
    DateRangeSpec,
    Frozen,
    SourceSpec,
    UniqueSpec,
    check_filter,
    check_source,
)
from reportgen.engine.unitspec import TownshipSpec, UnitsSpec  # noqa: F401 (names imported from here)
from reportgen.engine.yamlload import line_of, load_yaml
from reportgen.errors import ConfigError, Problem

MEASURES = ("count", "nunique", "sum", "mean", "ratio", "list", "quarters")
QUANTITIES = ("stock", "flow", "monthly")


class QuarterWindow(Frozen):
    quarters: tuple[int, ...]


class DatedValue(Frozen):
    """One value of a registry figure, the day it became true and where it is recorded."""

    date: dt.date
    value: float | int
    source: str


class FigureSpec(Frozen):
    label: str
    unit: Literal["户", "人", "户次", "人次", "元", "千瓦", "个", "%", ""]
    source: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    measure: Literal["count", "nunique", "sum", "mean", "ratio", "list", "quarters"] | None = None
    column: str | None = None
    window: Literal["as_of", "year_start", "ytd", "period", "period_ytd", "month", "all", "span",
                    "before_period"] | QuarterWindow | None = None
    date: str | None = None
    end: str | None = None
    numerator: dict[str, Any] = Field(default_factory=dict)
    order_by: str | None = None
    formula: str | None = None
    value: float | int | None = None
    values: tuple[DatedValue, ...] | None = None   # a registry figure's dated values
    note: str | None = None
    quantity: Literal["stock", "flow", "monthly"] | None = None
    wording: Literal["count", "wan", "yu_wan", "percent", "plain", "yuan"] | None = None
    aliases: tuple[str, ...] = ()       # other names documents use for the figure (read by `check`)
    other_units: tuple[Literal["个", "户", "人", "户次", "人次"], ...] = ()   # units people also count it in

    @property
    def kind(self) -> str:
        if self.source is not None:
            return "ledger"
        return "formula" if self.formula is not None else "registry"

    @property
    def time_quantity(self) -> str:
        """stock, flow or monthly: as declared, else what the window implies (registry values: stock)."""
        if self.quantity:
            return self.quantity
        window = "quarters" if isinstance(self.window, QuarterWindow) else self.window
        if window == "month":
            return "monthly"
        return "flow" if window in ("ytd", "period", "period_ytd", "span", "quarters") else "stock"


class CheckSpec(Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    label: str
    assertion: str = Field(alias="assert")


class PeriodsSpec(Frozen):
    default: str
    cutoffs: dict[str, dt.date] = Field(default_factory=dict)


class Registry(Frozen):
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


def _semantic_problems(reg: Registry, file: str, lines: dict, declared: dict | None = None) -> list[Problem]:
    problems: list[Problem] = []
    # ids that are defined but failed validation: their own problem is reported, not "unknown"
    declared = declared or {}
    known_figures = set(reg.figures) | set(declared.get("figures", ()))

    def add(path, message, value=None, expected=None):
        problems.append(Problem(message, file=file, line=line_of(lines, path),
                                column=".".join(map(str, path)), value=value, expected=expected))

    for name, src in reg.sources.items():
        check_source(name, src, add)
    for fid, fig in reg.figures.items():
        at = ("figures", fid)
        if not fid.isidentifier():
            add(at, "figure id must be a name of letters, digits and _", fid)
        kinds = [k for k in ("source", "formula", "value", "values") if getattr(fig, k) is not None]
        if len(kinds) != 1:
            add(at, "a figure needs exactly one of source, formula, value, values", ", ".join(kinds) or None)
            continue
        for index, alias in enumerate(fig.aliases):
            if not alias.strip() or any(ch.isdigit() for ch in alias) or len(alias) > 30:
                add(at + ("aliases", index), "an alias is a name of 1 to 30 characters without digits", alias)
            elif fig.aliases.index(alias) != index or alias == fig.label:
                add(at + ("aliases", index), "the alias repeats the label or another alias", alias)
        for index, unit in enumerate(fig.other_units):
            if unit == fig.unit or fig.other_units.index(unit) != index:
                add(at + ("other_units", index), "repeats the figure's unit or another of its units", unit)
        if fig.kind == "registry" and fig.value is not None and not fig.note:
            add(at, "a registry value needs a note saying where it comes from")
        time_checks.check_figure(fig, at, add)
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
        check_filter(fig.where, src.columns, at + ("where",), add)
        check_filter(fig.numerator, src.columns, at + ("numerator",), add)
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
    for key, meeting in reg.meetings.items():
        time_checks.check_meeting(key, meeting, add)
    declared_documents = reg.documents if ("documents",) in lines else {}
    for name, doc in declared_documents.items():
        if not resources.find(doc.template, reg.path.parent).is_file():
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
    for name, doc in declared_documents.items():
        for path, message, value in form_problems(doc, reg.path.parent):
            add(("documents", name, *path), message, value)
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
