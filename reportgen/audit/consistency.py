"""Documents read back against the registry: each stated figure attributed, compared and re-added."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from reportgen import zhnum
from reportgen.audit.attribution import (
    Statement,
    agrees,
    right_wording,
)
from reportgen.audit.changes import change_agrees, earlier_value, right_words
from reportgen.audit.extract import household_splits, spans_hold
from reportgen.audit.readers import read_document
from reportgen.audit.reading import Readers, read_statements, readers_for
from reportgen.engine import formula
from reportgen.engine.figures import Figure, FigureSet
from reportgen.engine.project import Project, Results, evaluate
from reportgen.errors import ReportgenError

FAILING = ("disagrees", "garbled", "arithmetic", "stale")
MAX_READINGS = 4096   # combinations of garbled readings tried against the checks


@dataclass(frozen=True)
class Finding:
    """One thing a document says that the registry or its own arithmetic does not bear out."""

    kind: str              # disagrees | garbled | arithmetic | stale | unattributed | note
    file: str
    paragraph: int | None  # 1-based among non-empty paragraphs (DOCX, HTML, text)
    page: int | None       # PDF
    phrase: str            # the figure as written, or "" for the whole file
    context: str           # the phrase with a little text around it
    message: str
    expected: str | None = None      # the right value, worded as a report words it
    figures: tuple[str, ...] = ()    # registry figure ids concerned
    cell: str = ""                   # a table cell: 'row «…», column «…»'

    @property
    def failing(self) -> bool:
        return self.kind in FAILING


@dataclass(frozen=True)
class StatedFigure:
    """One number the document states and what became of it."""

    text: str                   # as written (a table cell with the unit its row or column gives)
    where: str                  # ¶3, p.2 or a table cell
    figures: tuple[str, ...]    # registry ids it is attributed to; () when unattributed
    outcome: str                # agrees | disagrees | garbled | unattributed
    group: str | None = None    # a breakdown group (village)


@dataclass(frozen=True)
class DocumentReport:
    """The outcome for one file: which period it was compared with and every finding."""

    file: str
    format: str
    period: str
    cutoff: str
    build_id: int | None
    stated: int
    attributed: int
    findings: tuple[Finding, ...]
    checked: int = 0            # attributed figures compared with a registry value
    statements: tuple[StatedFigure, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(f.failing for f in self.findings)

    @property
    def unchecked(self) -> bool:
        """Nothing in the document could be compared with the registry: not a sign it is right."""
        return self.checked == 0


@dataclass(frozen=True)
class CheckReport:
    """Every checked document; ok when no figure disagrees, breaks arithmetic or is stale."""

    documents: tuple[DocumentReport, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for d in self.documents for f in d.findings)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.failing)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def unchecked(self) -> tuple[DocumentReport, ...]:
        return tuple(d for d in self.documents if d.unchecked)


# --------------------------------------------------------------------------- one document


def _check(assertion: str, values: dict) -> tuple[bool, str, float, str, float] | None:
    """formula.compare over stated values, holding also when the rounding of the words allows it;
    None when the check cannot be evaluated (a division by zero)."""
    try:
        holds, left, lv, right, rv = formula.compare(assertion, {k: v[0] for k, v in values.items()})
    except (ReportgenError, ZeroDivisionError):
        return None
    return holds or spans_hold(assertion, values), left, lv, right, rv


def _document_values(statements: list[Statement], assertions: list[str]) -> tuple[dict, dict]:
    """figure id -> (value, lowest, highest) as the document first states it, and the readings of its
    garbled digit runs: the only split, or the one its own arithmetic allows (40136人 → 40户136人;
    1979人 → 19户79人 because 13户 + 6户 make 19户)."""
    values: dict[str, tuple[float, float, float]] = {}
    readings: dict[int, tuple[int, int]] = {}
    undecided = []
    for s in (s for s in statements if s.cue is not None and not s.garbled and not s.group and not s.change):
        for fid, number in zip(s.cue.ids, s.phrase.numbers, strict=False):
            values.setdefault(fid, s.phrase.span(number))
    for index, s in enumerate(statements):
        if s.garbled and s.group:
            continue
        if s.garbled and len(splits := household_splits(s.phrase.numbers[0])) == 1:
            readings[index] = splits[0]
            values.update({f: (n, n, n) for f, n in zip(s.cue.ids, splits[0], strict=True) if f not in values})
        elif s.garbled:
            undecided.append((index, s.cue.ids, splits))
    open_ids = {fid for _, ids, _ in undecided for fid in ids}
    relevant = [a for a in assertions
                if (names := formula.names(a, comparison=True)) & open_ids and names <= set(values) | open_ids]
    if relevant and math.prod(len(splits) for *_, splits in undecided) <= MAX_READINGS:
        allowed = []
        for combo in itertools.product(*(splits for *_, splits in undecided)):
            trial = dict(values)
            for (_, ids, _), pair in zip(undecided, combo, strict=True):
                trial.update({fid: (n, n, n) for fid, n in zip(ids, pair, strict=True)})
            if all((r := _check(a, trial)) is None or r[0] for a in relevant):
                allowed.append(combo)
        for position, (index, ids, _) in enumerate(undecided):
            if len(choices := {combo[position] for combo in allowed}) == 1:
                readings[index] = choices.pop()
                values.update({f: (n, n, n) for f, n in zip(ids, readings[index], strict=True) if f not in values})
    return values, readings


def _total_and_parts(assertion: str) -> tuple[str, str] | None:
    """For an == check with one figure alone on a side: (that figure, the other side)."""
    tree = ast.parse(assertion.strip(), mode="eval").body
    if isinstance(tree.ops[0], ast.Eq):
        for side, other in ((tree.left, tree.comparators[0]), (tree.comparators[0], tree.left)):
            if isinstance(side, ast.Name):
                return side.id, ast.unparse(other)
    return None


def _sum_of_parts(fid: str, values: dict, assertions: list[str]) -> float | None:
    """The value an == check gives fid from the other figures the document states, if any."""
    for assertion in assertions:
        total = _total_and_parts(assertion)
        if total and total[0] == fid and formula.names(total[1]) <= set(values) - {fid}:
            try:
                return formula.evaluate(total[1], {k: v[0] for k, v in values.items()})
            except ReportgenError:
                continue
    return None


def _word(fig: Figure, value: float) -> str:
    try:
        return zhnum.FORMATS[fig.wording_style](value, fig.unit)
    except (zhnum.WordingError, KeyError):
        return f"{value:g}"


def _finding(kind: str, path: Path, s: Statement, message: str, expected: str | None = None,
             ids: tuple[str, ...] = ()) -> Finding:
    text, start, end = s.block.text, s.phrase.start, s.phrase.end
    context = ("…" if start > 12 else "") + text[max(0, start - 12):end + 6] + ("…" if end + 6 < len(text) else "")
    return Finding(kind, str(path), s.block.paragraph, s.block.page_at(start), text[start:end], context,
                   message, expected, ids, s.cell)


def _compare_change(path: Path, s: Statement, figures: FigureSet, readers: Readers) -> tuple[Finding | None, str]:
    fid, change = s.cue.ids[0], s.change
    earlier = earlier_value(fid, change, figures, readers.year_ago() if change.baseline == "year" else None,
                            readers.project.registry)
    when = "a year earlier" if change.baseline == "year" else "at the start of the year"
    if earlier is None:
        return _finding("unattributed", path, s, f"a change of {fid}, but the registry has no value {when}"), \
            "unattributed"
    fig = figures[fid]
    holds, _ = change_agrees(s.phrase, change, float(fig.value), float(earlier), fig.unit)
    if holds:
        return None, "agrees"
    right = right_words(s.phrase, change, fig.unit, fig.wording_style, fig.value, earlier)
    what = "change of " if change.verb else "value of "
    return _finding("disagrees", path, s, f"{what}{fig.label} {when}: the registry gives {right}, not "
                    f"{s.phrase.text}", right, (fid,)), "disagrees"


def _compare(path: Path, statements: list[Statement], figures: FigureSet, assertions: list[str],
             values: dict, readings: dict, groups: dict[str, FigureSet],
             readers: Readers) -> tuple[list[Finding], list[str]]:
    """Findings for the stated figures, and each one's outcome (agrees, disagrees, garbled, unattributed)."""
    findings, outcomes = [], []
    for index, s in enumerate(statements):
        if s.cue is None:
            findings.append(_finding("unattributed", path, s, s.note))
            outcomes.append("unattributed")
            continue
        if s.change is not None:
            finding, outcome = _compare_change(path, s, figures, readers)
            findings += [finding] if finding else []
            outcomes.append(outcome)
            continue
        own = groups[s.group] if s.group else figures
        ids, right = s.cue.ids, right_wording(s.cue.ids, own)
        label = "、".join(own[i].label for i in ids) + (f" ({s.group})" if s.group else "")
        if s.garbled:
            parts = [_sum_of_parts(fid, values, assertions) for fid in ids]
            message = f"{s.phrase.text} runs together the households and people of {label}"
            if None not in parts and parts[0] <= parts[1]:
                message += f"; the parts this document states add up to {zhnum.hu_ren(*parts)}"
            elif index in readings:
                message += f"; this document's own arithmetic reads it as {zhnum.hu_ren(*readings[index])}"
            else:
                options = "、".join(f"{h}户{p}人" for h, p in household_splits(s.phrase.numbers[0]))
                message += f"; it could be read as {options}"
            findings.append(_finding("garbled", path, s, f"{message}; the registry has {right}", right, ids))
            outcomes.append("garbled")
        elif not agrees(s.phrase, ids, own):
            unit = f" (counted in {s.unit_note})" if s.unit_note else ""
            findings.append(_finding("disagrees", path, s, f"{label}: the registry has {right}, not "
                                     f"{s.phrase.text}{unit}", right, ids))
            outcomes.append("disagrees")
        else:
            if s.unit_note:
                findings.append(_finding("note", path, s, f"{label} agrees, but in {s.unit_note}", right, ids))
            outcomes.append("agrees")
    return findings, outcomes


def _arithmetic(path: Path, statements: list[Statement], project: Project, figures: FigureSet,
                values: dict) -> list[Finding]:
    """Declared checks over the figures as this document states them, where it states them all."""
    findings = []
    for cid, check in project.registry.checks.items():
        names = formula.names(check.assertion, comparison=True)
        if not names <= set(values) or (outcome := _check(check.assertion, values)) is None or outcome[0]:
            continue
        _, left, left_value, right, right_value = outcome
        total = _total_and_parts(check.assertion)
        anchor = total[0] if total else min(names, key=check.assertion.find)
        where = next(s for s in statements if s.cue and not s.group and not s.change and anchor in s.cue.ids)
        message = (f"check {cid} ({check.label}) fails on this document's figures: "
                   f"{left} = {left_value:g}, {right} = {right_value:g}")
        expected = None
        if total:
            parts = formula.evaluate(total[1], {k: v[0] for k, v in values.items()})
            expected = _word(figures[anchor], parts)
            stated = _word(figures[anchor], values[anchor][0])
            message = (f"{figures[anchor].label} is stated as {stated}, but the parts this document states make "
                       f"{expected} ({check.label}: {check.assertion})")
            if stated == figures[anchor].wording:
                message += "; the registry agrees with the total, so a part is wrong"
        findings.append(_finding("arithmetic", path, where, message, expected, tuple(sorted(names))))
    return findings


def _stale(path: Path, project: Project, recorded) -> list[Finding]:
    changed = []
    for source, (file, recorded_sha) in sorted(recorded.sources.items()):
        ledger = project.ledgers.get(source)
        if ledger is None:
            changed.append(f"{file} (no longer a source)")
        elif ledger.sha256 != recorded_sha:
            changed.append(f"{file} (was {recorded_sha[:12]}, now {ledger.sha256[:12]})")
    changed += [f"data/{project.ledgers[s].spec.file} (new source)" for s in sorted(project.ledgers)
                if s not in recorded.sources]
    if not changed:
        return []
    return [Finding("stale", str(path), None, None, "", "", f"written by build {recorded.build_id} "
                    f"({recorded.built_at}, {recorded.period}) from ledgers that have changed since: "
                    + "; ".join(changed), f"rebuild with: pipeline.py build --period {recorded.period}")]


def _check_one(path: Path, project: Project, readers: Readers, recorded, notes: list[Finding]) -> DocumentReport:
    kind, blocks = read_document(path)
    figures = readers.results.figures
    statements = read_statements(blocks, readers)
    assertions = [c.assertion for c in project.registry.checks.values()]
    values, readings = _document_values(statements, assertions)
    findings = [*notes, *(_stale(path, project, recorded) if recorded else [])]
    compared, outcomes = _compare(path, statements, figures, assertions, values, readings,
                                  readers.group_figures() if any(s.group for s in statements) else {}, readers)
    findings += compared
    findings += _arithmetic(path, statements, project, figures, values)
    stated = tuple(StatedFigure(s.phrase.text, s.cell or _where(_finding("note", path, s, "")),
                                s.cue.ids if s.cue else (), outcome, s.group)
                   for s, outcome in zip(statements, outcomes, strict=True))
    frame = figures.timeframe
    attributed = sum(1 for s in statements if s.cue is not None)
    checked = sum(1 for outcome in outcomes if outcome != "unattributed")
    return DocumentReport(str(path), kind, frame.period.name, frame.cutoff.isoformat(),
                          recorded.build_id if recorded else None, len(statements), attributed,
                          tuple(findings), checked, stated)


def check_documents(project: Project, results: Results, paths, ledger_db: Path | None = None) -> CheckReport:
    """Read each file back and compare its figures with the registry's for `results`' period, or for
    the period of the build that wrote it when the build ledger knows the file."""
    from reportgen.audit.ledger import find_document

    matchers: dict[tuple[str, str], Readers] = {}

    reports = []
    for path in map(Path, paths):
        recorded = None
        if ledger_db is not None and path.is_file():
            recorded = find_document(Path(ledger_db), hashlib.sha256(path.read_bytes()).hexdigest())
        doc_results, notes = results, []
        frame = results.figures.timeframe
        if recorded and (recorded.period, recorded.cutoff) != (frame.period.name, frame.cutoff.isoformat()):
            try:
                doc_results = evaluate(project, project.timeframe(recorded.period, recorded.cutoff), strict=False)
            except ReportgenError as exc:
                notes.append(Finding("note", str(path), None, None, "", "", f"build {recorded.build_id} was for "
                                     f"{recorded.period} (cut-off {recorded.cutoff}), which today's ledgers cannot "
                                     f"give ({exc}); compared with {frame.period.name} instead"))
        key = (doc_results.figures.timeframe.period.name, doc_results.figures.timeframe.cutoff.isoformat())
        if key not in matchers:
            matchers[key] = readers_for(project, doc_results)
        reports.append(_check_one(path, project, matchers[key], recorded, notes))
    return CheckReport(tuple(reports))


# --------------------------------------------------------------------------- output


def _where(f: Finding) -> str:
    if f.cell:
        return f.cell if f.page is None else f"p.{f.page} {f.cell}"
    if f.page is not None:
        return f"p.{f.page}"
    return f"¶{f.paragraph}" if f.paragraph is not None else "file"


def format_text(report: CheckReport) -> str:
    """A human summary: one heading line per document, then its findings, problems first."""
    lines = []
    for doc in report.documents:
        build = f", build {doc.build_id}" if doc.build_id is not None else ""
        problems = sum(1 for f in doc.findings if f.failing)
        verdict = "consistent" if doc.ok else f"{problems} problem{'s' if problems != 1 else ''}"
        if doc.ok and doc.unchecked:
            verdict = ("nothing checked: no figure it states could be attributed to the registry"
                       if doc.stated else "nothing checked: it states no figure")
        lines.append(f"{doc.file} — {doc.period} (cut-off {doc.cutoff}{build}): {doc.stated} figures stated, "
                     f"{doc.attributed} attributed, {doc.checked} checked: {verdict}")
        for f in sorted(doc.findings, key=lambda f: (not f.failing, f.paragraph or 0, f.page or 0)):
            right = f" → {f.expected}" if f.expected else ""
            shown = f" 「{f.context}」" if f.context else ""
            lines.append(f"  {_where(f)} {f.kind}:{shown} {f.message}{right}")
    return "\n".join(lines) + "\n"


def to_json(report: CheckReport) -> str:
    documents = [{**dataclasses.asdict(d), "ok": d.ok, "unchecked": d.unchecked,
                  "findings": [{**dataclasses.asdict(f), "failing": f.failing} for f in d.findings]}
                 for d in report.documents]
    return json.dumps({"ok": report.ok, "unchecked": bool(report.unchecked), "documents": documents}, ensure_ascii=False, indent=2) + "\n"
