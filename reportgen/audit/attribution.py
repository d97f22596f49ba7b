"""Cues learnt from the rendered templates; each stated figure attributed to the figure they name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen import resources, zhnum
from reportgen.audit.changes import Change
from reportgen.audit.extract import Phrase, contexts, household_splits, normalize
from reportgen.audit.names import DISAGREE_SCORE, NameMatch, NameMatcher, confident
from reportgen.audit.readers import TextBlock
from reportgen.build import document_context
from reportgen.documents import literal, templating
from reportgen.engine.figures import Figure, FigureSet
from reportgen.engine.project import Project, Results
from reportgen.errors import ReportgenError

MIN_SCORE, MIN_CUE, TIE_MARGIN, VALUE_MARGIN = 1.8, 0.4, 0.15, 0.35
SEQUENCE_BONUS, GARBLED_PENALTY = 1.5, 0.3
MARK = re.compile("\ue000([^\ue001]*)\ue001")
_IGNORED = frozenset(" \"'“”‘’《》「」")


# --------------------------------------------------------------------------- matching cues


@dataclass(frozen=True)
class Cue:
    """How a template names a figure: the words before and after it, its sentence, its label, and
    the figure printed just before it in the same paragraph."""

    ids: tuple[str, ...]   # one figure, or (households, people) printed as X户Y人
    unit: str              # 户人 for a pair
    near: str
    after: str
    sentence: str
    label: str
    previous: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """How well a stated figure's context fits one cue."""

    score: float
    cue_fit: float      # the best of near-words and after-words fit, 0..1
    cue: Cue
    garbled: bool       # a digit run read as X户Y人


def _grams(text: str) -> frozenset[str]:
    """Characters and character pairs: reworded Chinese keeps most of either."""
    kept = "".join(ch for ch in text if ch not in _IGNORED)
    return frozenset(kept) | frozenset(kept[i:i + 2] for i in range(len(kept) - 1))


def _cover(cue_grams: frozenset, doc_grams: frozenset) -> float:
    return len(cue_grams & doc_grams) / len(cue_grams) if cue_grams else 0.0


def _edge(cue: str, doc: str, from_end: bool) -> float:
    """How many of the cue's characters next to the figure the document repeats there (0..1)."""
    a, b = (cue[::-1], doc[::-1]) if from_end else (cue, doc)
    same = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        same += 1
    return min(1.0, same / min(4, len(cue))) if cue else 0.0


class CueMatcher:
    """Scores a stated figure's context against every cue of its unit, best first."""

    def __init__(self, cues: tuple[Cue, ...]):
        self.cues = [(cue, _grams(cue.near), _grams(cue.after), _grams(cue.sentence), _grams(cue.label))
                     for cue in cues]
        self._seen: dict[tuple, list[Match]] = {}   # a context met before

    def matches(self, phrase: Phrase, near: str, after: str, sentence: str,
                previous: tuple[str, ...] = ()) -> list[Match]:
        key = (phrase.unit, phrase.digit_run and phrase.numbers[0], near, after, sentence, previous)
        if key not in self._seen:
            self._seen[key] = self._matches(phrase, near, after, sentence, previous)
        return self._seen[key]

    def _matches(self, phrase: Phrase, near: str, after: str, sentence: str,
                 previous: tuple[str, ...]) -> list[Match]:
        near_g, after_g, sentence_g = _grams(near), _grams(after), _grams(sentence)
        garbled_ok = phrase.digit_run and bool(household_splits(phrase.numbers[0]))
        out = []
        for cue, cue_near, cue_after, cue_sentence, cue_label in self.cues:
            garbled = cue.unit == "户人" and phrase.unit == "人"
            if cue.unit != phrase.unit and not (garbled and garbled_ok):
                continue
            before_fit = 0.7 * _cover(cue_near, near_g) + 0.3 * _edge(cue.near, near, True)
            after_fit = 0.7 * _cover(cue_after, after_g) + 0.3 * _edge(cue.after, after, False)
            if not cue.near:   # the template names this figure only after it: 4个村级卫生室
                before_fit, after_fit = after_fit, before_fit
            score = (3 * before_fit + after_fit + _cover(cue_sentence, sentence_g)
                     + 0.5 * _cover(cue_label, sentence_g | near_g)
                     + (SEQUENCE_BONUS if previous and cue.previous == previous else 0)
                     - (GARBLED_PENALTY if garbled else 0))
            out.append(Match(score, max(before_fit, after_fit), cue, garbled))
        return sorted(out, key=lambda m: -m.score)


# --------------------------------------------------------------------------- templates


def marker(*ids: str) -> str:
    """What a figure (or an X户Y人 pair) prints as while cues are learnt from a template."""
    return "\ue000" + "|".join(ids) + "\ue001"


def marked_source(source: str) -> str:
    """A template's source with each figure placeholder a marker and other tags dropped: the
    fallback when a template cannot be rendered on its own."""
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}", "", source, flags=re.S)

    def placeholder(match):
        ids = re.findall(r"\bf\.(\w+)", match.group(1))
        pair = len(ids) == 2 and re.search(r"\bhu_ren\s*\(", match.group(1))
        return marker(*ids) if len(ids) == 1 or pair else ""

    return re.sub(r"\{\{(.*?)\}\}", placeholder, source, flags=re.S)


def template_paragraphs(text: str) -> list[str]:
    """Rendered template markup into normalized paragraphs: front matter, # and ** dropped, the lines
    of a paragraph joined, each table row a paragraph of its own, printed values unescaped."""
    text = re.sub(r"\A\s*---\n.*?\n---\n", "", text, flags=re.S)
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"^\s*#{1,6}\s+|\*\*", "", line).strip() for line in chunk.split("\n")]
        rows = [line.strip("|").strip() for line in lines if line.startswith("|")]
        paragraphs += [normalize(literal.unescape(row)) for row in rows if not re.fullmatch(r"[-:| ]*", row)]
        paragraphs.append(normalize(literal.unescape("".join(line for line in lines if not line.startswith("|")))))
    return paragraphs


# --------------------------------------------------------------------------- learning cues


class _MarkedFigure(Figure):
    """A figure that prints as a marker of its id, so rendered template text shows where it stands."""

    def __str__(self) -> str:
        return marker(self.id)


def _pair_marker(households, people) -> str:
    """hu_ren while cues are learnt: a marker for a pair of the period's figures; other pairs (a
    village's row of a breakdown, which carries the same ids) print as words, as in the document."""
    if isinstance(households, _MarkedFigure) and isinstance(people, _MarkedFigure):
        return marker(households.id, people.id)
    return zhnum.hu_ren(*(x.value if isinstance(x, Figure) else x for x in (households, people)))


def _render_marked(project: Project, name: str, figures: FigureSet) -> str:
    """A document's template rendered with markers for figures and everything else the build gives it
    (meeting, prev, breakdown …); a template that still cannot render is read from its source."""
    template = resources.find(project.registry.documents[name].template, project.root)
    try:
        extra = {**document_context(project, figures.timeframe, name), "hu_ren": _pair_marker}
        return templating.render(template.parent, template.name, figures, project.registry.report,
                                 figures.timeframe.words(), extra=extra)
    except ReportgenError:
        return marked_source(template.read_text(encoding="utf-8"))


def learn_cues(project: Project, results: Results) -> tuple[Cue, ...]:
    """Cues for every figure the templates print, plus a label-only cue for every other figure.
    Figures without a unit (lists, quarter words) print as words: they are context, not figures."""
    figures = results.figures
    marked = {fid: _MarkedFigure(f.id, f.label, f.unit, f.value, f.wording_style, f.provenance)
              if f.unit and not isinstance(f.value, tuple) else f for fid, f in figures.figures.items()}
    marked_set = FigureSet(figures.timeframe, marked, figures.data_sha256)
    cues: dict[Cue, None] = {}
    for name in project.registry.documents:
        text = _render_marked(project, name, marked_set)
        for paragraph in template_paragraphs(text):
            matches = list(MARK.finditer(paragraph))
            previous: tuple[str, ...] = ()
            for match, context in zip(matches, contexts(paragraph, [m.span() for m in matches]), strict=True):
                ids = tuple(match.group(1).split("|"))
                units = tuple(figures[i].unit for i in ids if i in figures.figures)
                if units == ("户", "人") or len(ids) == len(units) == 1:
                    unit = "户人" if len(ids) == 2 else figures[ids[0]].unit
                    label = "".join(figures[i].label for i in ids)
                    cues[Cue(ids, unit, *context, label, previous)] = None
                previous = ids
    printed = {i for cue in cues for i in cue.ids}
    for fid, fig in figures.figures.items():
        if fid not in printed and fig.unit and not isinstance(fig.value, tuple):
            cues[Cue((fid,), fig.unit, normalize(fig.label), "", "", fig.label)] = None
    return tuple(cues)


# --------------------------------------------------------------------------- attribution


@dataclass(frozen=True)
class Statement:
    """A figure a document states, the cue it is attributed to (None: unattributed) and why not."""

    phrase: Phrase
    block: TextBlock
    cue: Cue | None
    garbled: bool = False
    note: str = ""
    cell: str = ""                 # a table cell: its row label and column
    group: str | None = None       # a breakdown group (village) the figure belongs to
    unit_note: str = ""            # the document counts in another unit than the registry
    change: Change | None = None   # a change against, or the value of, an earlier time (the cue's figure)


def _named_cue(match: NameMatch) -> Cue:
    return Cue(match.named.ids, match.named.unit, "", "", "", match.name)


def attribute(matcher: CueMatcher, namer: NameMatcher, phrase: Phrase, context: tuple[str, str, str],
              block: TextBlock, figures: FigureSet, previous: tuple[str, ...], local: str | None = None,
              wide: str | None = None, use_cues: bool = True) -> Statement:
    """The figure a stated number is, by the template cues its words match and by the figures' names
    and aliases (`local`/`wide`: the words that name it, when not its clause and sentence).

    Precision first: any close reading whose figure has the stated value wins (rewording must not
    turn into a disagreement); a disagreement is reported only when one figure alone fits; when two
    fit, the number is unattributed, "could be A or B"."""
    near, after, sentence = context
    named, plausible = confident(namer.matches(phrase, f"{near} {after}" if local is None else local,
                                       sentence if wide is None else wide, near if local is None else ""))
    matches = matcher.matches(phrase, *context, previous) if use_cues else []
    best = next((m for m in matches if m.score >= MIN_SCORE and m.cue_fit >= MIN_CUE), None)
    close = [m for m in matches if m.score >= best.score * (1 - VALUE_MARGIN)] if best else []
    agreeing = [m for m in close if not m.garbled and agrees(phrase, m.cue.ids, figures)]
    if agreeing:
        return Statement(phrase, block, agreeing[0].cue)
    for match in plausible:
        if agrees(phrase, match.named.ids, figures):
            return Statement(phrase, block, _named_cue(match), unit_note=match.unit_note)
    cue_pick, ambiguous = None, []
    if best is not None:
        tied = [m for m in close if m.score >= best.score - TIE_MARGIN and m.cue.ids != best.cue.ids]
        if tied:
            ambiguous = [m.cue.ids for m in [best, *tied]]
        else:
            cue_pick = best
    name_ids = list(dict.fromkeys(m.named.ids for m in named))
    if cue_pick is not None and (cue_pick.garbled or any(set(ids) <= set(cue_pick.cue.ids) for ids in name_ids)):
        name_ids = [cue_pick.cue.ids]     # the template's wording settles what the names leave open
    if len(name_ids) > 1:
        ambiguous += name_ids
    elif name_ids and cue_pick is not None and not set(name_ids[0]) <= set(cue_pick.cue.ids):
        ambiguous += [cue_pick.cue.ids, name_ids[0]]
    if ambiguous:
        names = " or ".join(dict.fromkeys("+".join(ids) for ids in ambiguous))
        return Statement(phrase, block, None, note=f"could be {names}")
    if cue_pick is not None:
        return Statement(phrase, block, cue_pick.cue, garbled=cue_pick.garbled)
    if named and named[0].score >= DISAGREE_SCORE:
        return Statement(phrase, block, _named_cue(named[0]), unit_note=named[0].unit_note)
    if named:
        return Statement(phrase, block, None, note=f"the words only loosely name {named[0].named.label}"
                         f" ({'+'.join(named[0].named.ids)})")
    return Statement(phrase, block, None, note=f"no registry figure in {phrase.unit} is named like this")


def right_wording(ids: tuple[str, ...], figures: FigureSet) -> str:
    """The registry value as reportgen words it: 40户136人 for a pair."""
    if len(ids) == 2:
        return zhnum.hu_ren(figures[ids[0]].value, figures[ids[1]].value)
    return figures[ids[0]].wording


def agrees(phrase: Phrase, ids: tuple[str, ...], figures: FigureSet) -> bool:
    """Whether the phrase is one of the ways reportgen itself words the registry value (for money
    万元, 余万元 or 元; 13.380万元 counts as 13.38万元), or the registry value lies within what the
    written number stands for (13.4万元 for 133,800元; 112个 for 112人)."""
    if len(ids) == 2 or phrase.unit == "户人":
        return (len(ids) == 2 and phrase.unit == "户人"
                and all(figures[i].value == int(n) for i, n in zip(ids, phrase.numbers, strict=True)))
    fig = figures[ids[0]]
    makers = {"元": (zhnum.wan, zhnum.yu_wan, zhnum.yuan), "%": (zhnum.percent,)}.get(
        fig.unit, (lambda v: zhnum.count(v, fig.unit),))
    for make in makers:
        try:
            if phrase.canonical == make(fig.value):
                return True
        except zhnum.WordingError:
            continue
    if phrase.canonical == fig.wording:
        return True
    if not isinstance(fig.value, (int, float)) or phrase.unit in ("户人", "个百分点"):
        return False
    _, low, high = phrase.span(phrase.numbers[0])
    eps = 1e-9 * max(1.0, abs(high))
    return low - eps <= float(fig.value) <= high + eps
