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
    CueMatcher,
    Statement,
    agrees,
    attribute,
    learn_cues,
    right_wording,
)
from reportgen.audit.extract import contexts, find_phrases, household_splits, normalize, spans_hold
from reportgen.audit.readers import read_document
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

    @property
    def failing(self) -> bool:
        return self.kind in FAILING


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

    @property
    def ok(self) -> bool:
        return not any(f.failing for f in self.findings)


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
    for s in (s for s in statements if s.cue is not None and not s.garbled):
        for fid, number in zip(s.cue.ids, s.phrase.numbers, strict=False):
            values.setdefault(fid, s.phrase.span(number))
    for index, s in enumerate(statements):
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
                   message, expected, ids)


def _compare(path: Path, statements: list[Statement], figures: FigureSet, assertions: list[str],
             values: dict, readings: dict) -> list[Finding]:
    findings = []
    for index, s in enumerate(statements):
        if s.cue is None:
            findings.append(_finding("unattributed", path, s, s.note))
            continue
        ids, right = s.cue.ids, right_wording(s.cue.ids, figures)
        label = "、".join(figures[i].label for i in ids)
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
        elif not agrees(s.phrase, ids, figures):
            findings.append(_finding("disagrees", path, s, f"{label}: the registry has {right}, not "
                                     f"{s.phrase.text}", right, ids))
    return findings


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
        where = next(s for s in statements if s.cue and anchor in s.cue.ids)
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


def _check_one(path: Path, project: Project, results: Results, matcher: CueMatcher, recorded,
               notes: list[Finding]) -> DocumentReport:
    kind, blocks = read_document(path)
    figures = results.figures
    statements: list[Statement] = []
    for block in blocks:
        normalized = normalize(block.text)
        phrases = find_phrases(normalized)
        found = contexts(normalized, [(p.start, p.end) for p in phrases])
        previous: tuple[str, ...] = ()
        for phrase, context in zip(phrases, found, strict=True):
            statements.append(attribute(matcher, phrase, context, block, figures, previous))
            previous = statements[-1].cue.ids if statements[-1].cue else previous
    assertions = [c.assertion for c in project.registry.checks.values()]
    values, readings = _document_values(statements, assertions)
    findings = [*notes, *(_stale(path, project, recorded) if recorded else [])]
    findings += _compare(path, statements, figures, assertions, values, readings)
    findings += _arithmetic(path, statements, project, figures, values)
    frame = figures.timeframe
    return DocumentReport(str(path), kind, frame.period.name, frame.cutoff.isoformat(),
                          recorded.build_id if recorded else None, len(statements),
                          sum(1 for s in statements if s.cue is not None), tuple(findings))


def check_documents(project: Project, results: Results, paths, ledger_db: Path | None = None) -> CheckReport:
    """Read each file back and compare its figures with the registry's for `results`' period, or for
    the period of the build that wrote it when the build ledger knows the file."""
    from reportgen.audit.ledger import find_document

    matchers: dict[tuple[str, str], CueMatcher] = {}

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
            matchers[key] = CueMatcher(learn_cues(project, doc_results))
        reports.append(_check_one(path, project, doc_results, matchers[key], recorded, notes))
    return CheckReport(tuple(reports))


# --------------------------------------------------------------------------- output


def _where(f: Finding) -> str:
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
        lines.append(f"{doc.file} — {doc.period} (cut-off {doc.cutoff}{build}): {doc.stated} figures stated, "
                     f"{doc.attributed} attributed: {verdict}")
        for f in sorted(doc.findings, key=lambda f: (not f.failing, f.paragraph or 0, f.page or 0)):
            right = f" → {f.expected}" if f.expected else ""
            shown = f" 「{f.context}」" if f.context else ""
            lines.append(f"  {_where(f)} {f.kind}:{shown} {f.message}{right}")
    return "\n".join(lines) + "\n"


def to_json(report: CheckReport) -> str:
    documents = [{**dataclasses.asdict(d), "ok": d.ok,
                  "findings": [{**dataclasses.asdict(f), "failing": f.failing} for f in d.findings]}
                 for d in report.documents]
    return json.dumps({"ok": report.ok, "documents": documents}, ensure_ascii=False, indent=2) + "\n"
