"""A document's stated figures, each attributed: text by template cues and names, table cells by row
label and column, per-village rows against the breakdown's figures."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from reportgen.audit.attribution import Cue, CueMatcher, Statement, agrees, attribute, learn_cues
from reportgen.audit.changes import Change, base_figure, read_change
from reportgen.audit.extract import contexts, find_phrases, normalize
from reportgen.audit.names import NameMatcher, confident, registry_names, unit_named
from reportgen.audit.readers import TextBlock
from reportgen.audit.tables import read_tables
from reportgen.engine.figures import FigureSet
from reportgen.engine.project import Project, Results


@dataclass
class Readers:
    """What reading one period's documents needs, built once per period: template cues, the figures'
    names, and the per-group (village) figures, computed when a document first names a group."""

    project: Project
    results: Results
    cues: CueMatcher
    names: NameMatcher
    group_names: NameMatcher
    groups: frozenset[str]
    _group_figures: dict | None = None
    _year_ago: list | None = None

    def year_ago(self) -> FigureSet | None:
        """The same figures a year earlier (None when the ledgers do not reach back that far)."""
        if self._year_ago is None:
            from reportgen.engine.figures import compute
            from reportgen.errors import ReportgenError

            earlier = self.results.figures.timeframe.previous_year()
            try:
                covered = earlier.cutoff >= self.project.coverage[0]
                figures = (compute(self.project.registry, self.project.ledgers, earlier, earlier=True)
                           if covered else None)
            except ReportgenError:
                figures = None
            self._year_ago = [figures]
        return self._year_ago[0]

    def group_figures(self) -> dict[str, FigureSet]:
        if self._group_figures is None:
            from reportgen.engine.figures import compute_breakdown

            figures, by_group = self.results.figures, {}
            for by, ids in _breakdowns(self.project).items():
                table = compute_breakdown(self.project.registry, self.project.ledgers, figures.timeframe, ids, by)
                for group, row in table.items():
                    by_group.setdefault(group, {}).update(row)
            self._group_figures = {g: FigureSet(figures.timeframe, row, figures.data_sha256)
                                   for g, row in by_group.items()}
        return self._group_figures


def _breakdowns(project: Project) -> dict[str, list[str]]:
    """Breakdown column -> the figures documents break down by it (figures.yaml documents)."""
    out: dict[str, list[str]] = {}
    for doc in project.registry.documents.values():
        if doc.breakdown:
            out.setdefault(doc.breakdown.by, [])
            out[doc.breakdown.by] += [f for f in doc.breakdown.figures if f not in out[doc.breakdown.by]]
    return out


def readers_for(project: Project, results: Results) -> Readers:
    registry, figures = project.registry, results.figures
    plain = [fid for fid, f in figures.figures.items() if f.unit and not isinstance(f.value, tuple)]
    breakdowns = _breakdowns(project)
    groups = set()
    for by, ids in breakdowns.items():
        for fid in ids:
            source = registry.sources[registry.figures[fid].source]
            groups |= set(source.columns[by].values or ())
    group_ids = [fid for ids in breakdowns.values() for fid in ids]
    return Readers(project, results, CueMatcher(learn_cues(project, results)),
                    NameMatcher(registry_names(registry, plain)), NameMatcher(registry_names(registry, group_ids)),
                    frozenset(groups))


def read_statements(blocks: tuple[TextBlock, ...], readers: Readers) -> list[Statement]:
    """Every figure the blocks state, in order, each attributed (or not, saying why)."""
    figures = readers.results.figures
    tables = read_tables(blocks, readers.groups, lambda words, group: unit_named(
        readers.group_names if group else readers.names, words))
    statements: list[Statement] = []
    for number, block in enumerate(blocks):
        row = tables.get(number)
        if row is not None and not row.cells:
            continue          # a header or caption row
        normalized = row.text if row is not None else normalize(block.text)
        if row is not None:
            block = TextBlock(normalized, block.paragraph, block.pages)
        phrases = find_phrases(normalized)
        found = contexts(normalized, [(p.start, p.end) for p in phrases])
        previous: tuple[str, ...] = ()
        for phrase, context in zip(phrases, found, strict=True):
            cell = next((c for c in row.cells if c.start <= phrase.start < c.end), None) if row else None
            change = read_change(context[0], cell.column if cell else "", context[2], figures.timeframe.cutoff.year)
            if change is not None and not (cell and cell.group):
                s = _change_statement(phrase, block, change, previous, readers, cell, context)
                statements.append(s)
                continue
            if cell is None:
                s = attribute(readers.cues, readers.names, phrase, context, block, figures, previous)
            elif cell.other_period or _other_year(cell.column, figures.timeframe.cutoff.year):
                s = Statement(phrase, block, None, note=f"in column «{cell.column}»: not a figure of this period",
                              cell=cell.where)
            elif cell.group:
                own = readers.group_figures().get(cell.group)
                local = f"{cell.row_label} {cell.column}".replace(cell.group, "")
                s = (Statement(phrase, block, None, note=f"no figures for {cell.group}", cell=cell.where)
                     if own is None else dataclasses.replace(
                        attribute(readers.cues, readers.group_names, phrase, context, block, own, previous,
                                  local=local, wide=row.caption, use_cues=False), cell=cell.where, group=cell.group))
            else:
                s = dataclasses.replace(attribute(readers.cues, readers.names, phrase, context, block, figures,
                                                  previous, local=f"{cell.row_label} {cell.column}",
                                                  wide=row.caption), cell=cell.where)
            if cell is not None and cell.placed and s.cue and not s.change and not agrees(
                    s.phrase, s.cue.ids, readers.group_figures()[s.group] if s.group else figures):
                s = dataclasses.replace(s, cue=None, note="its column is not certain from the PDF's layout")
            statements.append(s)
            previous = s.cue.ids if s.cue else previous
    return statements


def _other_year(column: str, year: int) -> bool:
    """A column headed with a year other than the period's (2021年): not this period's figures."""
    return any(int(y) != year for y in re.findall(r"(?<!\d)((?:19|20)\d\d)年", column))


def _change_statement(phrase, block: TextBlock, change: Change, previous: tuple[str, ...], readers: Readers,
                      cell, context: tuple[str, str, str]) -> Statement:
    """A change (增加14人) or an earlier value (a 去年同期 column), attributed to the figure just stated,
    or in a sentence to the figure its words name (去年同期纳入低保117户)."""
    where = cell.where if cell else ""
    fid = base_figure(phrase, previous, readers.results.figures)
    if cell is None:
        near, after, sentence = context
        named, _ = confident(readers.names.matches(phrase, f"{near} {after}", sentence, near))
        picks = {m.named.ids for m in named if len(m.named.ids) == 1}
        if len(picks) == 1 and len(named) == 1:
            fid = picks.pop()[0]
        elif named and fid not in {i for m in named for i in m.named.ids}:
            fid = None
    if fid is None:
        return Statement(phrase, block, None, note="a change, but of which figure is not clear", cell=where)
    if not change.baseline:
        return Statement(phrase, block, None, note=f"a change of {fid}, but against when is not said", cell=where)
    return Statement(phrase, block, Cue((fid,), phrase.unit, "", "", "", readers.results.figures[fid].label),
                     cell=where, change=change)
