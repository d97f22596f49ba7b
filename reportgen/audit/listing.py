"""Figures and their provenance into text: tables, JSON and CSV for the terminal, and explanations."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

from reportgen.engine.checks import CheckResult
from reportgen.engine.config import Registry
from reportgen.engine.figures import Figure, select_rows
from reportgen.engine.periods import Timeframe
from reportgen.engine.project import Project, Results
from reportgen.privacy import mask, scrub


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _source_of(fig: Figure) -> str:
    p = fig.provenance
    if p.kind == "ledger":
        return f"{p.file} {p.measure} {p.window} ({p.rows} rows)"
    if p.kind == "formula":
        return f"= {p.formula}"
    return f"registry: {p.note}"


def figures_table(results: Results) -> str:
    rows = [("id", "label", "value", "wording", "source")]
    for fig in results.figures.figures.values():
        value = "、".join(fig.value) if isinstance(fig.value, tuple) else str(fig.value)
        rows.append((fig.id, fig.label, value, fig.wording, _source_of(fig)))
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(_pad(cell, widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip()
             for row in rows]
    lines.append("")
    lines.extend(str(c) for c in results.checks)
    return "\n".join(lines) + "\n"


def _timeframe_dict(frame: Timeframe) -> dict:
    return {"period": frame.period.name, "cutoff": frame.cutoff.isoformat(),
            "start": frame.period.start.isoformat(), "end": frame.period.end.isoformat()}


def figures_document(results: Results) -> dict:
    """The JSON form of a figure set: what figures.json holds and `figures --format json` prints."""
    fs = results.figures
    return {
        **_timeframe_dict(fs.timeframe),
        "data_sha256": fs.data_sha256,
        "figures": {fid: fig.as_dict() for fid, fig in fs.figures.items()},
        "checks": [c.as_dict() for c in results.checks],
        "warnings": list(fs.warnings),
    }


def figures_json(results: Results) -> str:
    return json.dumps(figures_document(results), ensure_ascii=False, indent=2) + "\n"


def figures_csv(results: Results) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "label", "unit", "value", "wording", "kind", "source", "window", "rows"])
    for fig in results.figures.figures.values():
        p = fig.provenance
        value = "、".join(fig.value) if isinstance(fig.value, tuple) else fig.value
        writer.writerow([fig.id, fig.label, fig.unit, value, fig.wording, p.kind,
                         p.file or p.formula or p.note, p.window or "", p.rows if p.rows is not None else ""])
    return out.getvalue()


def failed_checks_text(failed: tuple[CheckResult, ...]) -> str:
    return "\n".join(str(c) for c in failed) + "\n"


def explain(project: Project, results: Results, fid: str, first_rows: int = 5) -> str:
    """A figure's definition, provenance and the first ledger rows it used (personal data masked)."""
    registry: Registry = project.registry
    fig = results.figures[fid]
    spec = registry.figures[fid]
    lines = [f"{fid}: {fig.label}", f"  value:    {fig.value}", f"  wording:  {fig.wording}",
             f"  defined:  {registry.path}:{registry.line('figures', fid)}"]
    for key, value in fig.provenance.as_dict().items():
        lines.append(f"  {key + ':':<10}{value}")
    if spec.kind == "ledger":
        ledger = project.ledgers[spec.source]
        rows = select_rows(spec, ledger, results.figures.timeframe)
        shown = rows.head(first_rows).copy()
        for column in ledger.spec.personal:
            shown[column] = shown[column].map(mask)
        for column, spec in ledger.spec.columns.items():  # free text may hold an ID or phone number
            if spec.type in ("str", "category") and column not in ledger.spec.personal:
                shown[column] = shown[column].map(scrub, na_action="ignore")
        for column in shown.columns:
            if str(shown[column].dtype).startswith("datetime"):
                shown[column] = shown[column].dt.strftime("%Y-%m-%d").fillna("")
        lines.append(f"  first {len(shown)} of {len(rows)} rows used (row numbers as the ledger shows them):")
        shown.insert(0, "行", shown.index)
        lines.extend("    " + line for line in shown.to_string(index=False).splitlines())
    return "\n".join(lines) + "\n"
