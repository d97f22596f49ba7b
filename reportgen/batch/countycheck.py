"""`check` of a county document against its townships: each township's row must state that township's
own figures, as a build from today's ledgers would word them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from reportgen.audit.consistency import CheckReport, Finding
from reportgen.audit.extract import find_phrases, normalize
from reportgen.audit.readers import read_document
from reportgen.batch.units import COUNTY, declared_units, project_for
from reportgen.build import render_document
from reportgen.engine.figures import compute_breakdown
from reportgen.engine.periods import Timeframe
from reportgen.engine.project import Project, evaluate


def _segments(text: str, townships: list[str], county: str) -> dict[str, list[tuple[str, ...]]]:
    """Each township's stated figures: the phrases after its name, up to the next unit's name."""
    names = sorted([*townships, county, "全县"], key=len, reverse=True)
    marks = [(m.start(), m.group()) for m in re.finditer("|".join(map(re.escape, names)), text)]
    found: dict[str, list[tuple[str, ...]]] = {}
    for (start, name), (end, _) in zip(marks, [*marks[1:], (len(text), "")], strict=True):
        if name in townships:
            found.setdefault(name, []).extend(p.text for p in find_phrases(text[start:end]))
    return found


def township_findings(project: Project, timeframe: Timeframe, path: Path,
                      document: str) -> tuple[list[Finding], set[str]]:
    """Where the county document's rows leave their townships' own figures ([] when they all agree),
    and the figures of the rows that agree."""
    units = project.registry.units
    county_unit = next(u for u in declared_units(project.registry) if u.level == COUNTY)
    county = project_for(project, county_unit)
    results = evaluate(county, timeframe, strict=False)
    townships = list(units.townships)
    findings = []
    verified: set[str] = set()  # phrases of township rows that agree
    spec = county.registry.documents[document]
    if spec.breakdown:  # the county's table must be the townships' own figures
        table = compute_breakdown(county.registry, county.ledgers, timeframe, list(spec.breakdown.figures),
                                  spec.breakdown.by)
        for unit in declared_units(project.registry):
            if unit.level == COUNTY:
                continue
            own = evaluate(project_for(project, unit), timeframe, strict=False).figures
            for fid, fig in table.get(unit.name, {}).items():
                if fig.value != own[fid].value:
                    findings.append(Finding("disagrees", str(path), None, None, fig.wording, unit.name,
                                            f"{unit.name}: {fig.label} in the county's table is {fig.wording}, "
                                            f"but {unit.name}'s own figure is {own[fid].wording}",
                                            own[fid].wording, (fid,)))
    expected_doc, _ = render_document(county, results, document)
    expected = _segments(normalize(expected_doc.plain_text()), townships, units.county)
    _kind, blocks = read_document(path)
    stated = _segments(normalize("\n".join(b.text for b in blocks)), townships, units.county)
    for township in townships:
        want, got = expected.get(township, []), stated.get(township, [])
        if want == got:
            verified.update(got)
            continue
        wrong = [(g, w) for g, w in zip(got, want, strict=False) if g != w]
        detail = "; ".join(f"states {g} where {township}'s own figures give {w}" for g, w in wrong) or \
            f"states {len(got)} figures where {township}'s row has {len(want)}"
        findings.append(Finding("disagrees", str(path), None, None, wrong[0][0] if wrong else "", township,
                                f"{township}: {detail}", wrong[0][1] if wrong else None))
    return findings, verified


def with_township_findings(report: CheckReport, project: Project, timeframe: Timeframe,
                           document: str) -> CheckReport:
    """The check report with each county document's township findings added to its own; a township's
    figure that its row states correctly is no longer reported as unattributed."""
    documents = []
    for d in report.documents:
        findings, verified = township_findings(project, timeframe, Path(d.file), document)
        kept = tuple(f for f in d.findings if not (f.kind == "unattributed" and f.phrase in verified))
        documents.append(dataclasses.replace(d, findings=kept + tuple(findings)))
    return CheckReport(tuple(documents))
