"""Figures named as people write them: labels and aliases scored against the words around a number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportgen.audit.extract import Phrase, normalize

MIN_NAME_SCORE = 0.6     # the best name must cover this much of itself in the words around a number
NAME_MARGIN = 0.12       # a second figure scoring within this of the best makes the reading ambiguous
AGREE_MARGIN = 0.25      # a figure scoring within this of the best is taken when its value is the one stated
DISAGREE_SCORE = 0.85    # a disagreement is reported only on a name this clearly written
_IGNORED = frozenset(" \"'“”‘’《》「」()（）")
# What a label says about its unit, which the number's own unit already says: "纳入农村低保户数" is
# named in a document as "纳入农村低保的有127户".
_UNIT_WORDS = re.compile(r"(?:户数|人数|户次|人次|金额|数量|总数|个数)$")


def _clean(name: str, normalized: bool = False) -> str:
    return "".join(ch for ch in (name if normalized else normalize(name)) if ch not in _IGNORED)


def grams(text: str, normalized: bool = False) -> frozenset[str]:
    """Characters and character pairs: reworded Chinese keeps most of either."""
    kept = _clean(text, normalized)
    return frozenset(kept) | frozenset(kept[i:i + 2] for i in range(len(kept) - 1))


def _cover(name: frozenset, words: frozenset) -> float:
    return len(name & words) / len(name) if name else 0.0


@dataclass(frozen=True)
class Named:
    """A figure (or a 户 and 人 pair) with every name it goes by, as character grams."""

    ids: tuple[str, ...]
    unit: str                       # 户人 for a pair
    names: tuple[str, ...]
    other_units: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class NameMatch:
    score: float
    named: Named
    name: str          # the name that fitted best
    unit_note: str     # the unit the document uses where the registry counts in another, if so


def stem(label: str) -> str:
    """A label without the words its unit already says: "纳入农村低保户数" → "纳入农村低保"."""
    cleaned = _clean(label)
    stripped = _UNIT_WORDS.sub("", cleaned)
    return stripped if len(stripped) >= 2 else cleaned


def registry_names(registry, figure_ids) -> tuple[Named, ...]:
    """A Named for every figure with a unit, and one for each 户 figure whose 人 twin has the same
    name (纳入农村低保户数 / 纳入农村低保人数): the pair a document writes as "127户231人"."""
    out, by_stem = [], {}
    for fid in figure_ids:
        spec = registry.figures[fid]
        if not spec.unit:
            continue
        names = tuple(dict.fromkeys([stem(spec.label), *(stem(a) for a in spec.aliases)]))
        out.append(Named((fid,), spec.unit, names, tuple(spec.other_units)))
        by_stem.setdefault((names[0], spec.unit), out[-1])
    for (name, unit), households in list(by_stem.items()):
        people = by_stem.get((name, "人"))
        if unit == "户" and people is not None:
            names = tuple(dict.fromkeys(households.names + people.names))
            out.append(Named((households.ids[0], people.ids[0]), "户人", names))
    return tuple(out)


class NameMatcher:
    """Scores the words around a number against every figure's names, best first."""

    def __init__(self, named: tuple[Named, ...]):
        self.named = [(n, [(name, grams(name), len(_clean(name)), _clean(name)) for name in n.names]) for n in named]
        self._seen: dict[tuple, list[NameMatch]] = {}   # a context met before (a table's repeated headers)

    def matches(self, phrase: Phrase, local: str, wide: str, before: str = "") -> list[NameMatch]:
        """local: the words of the number's own clause (or its row label and column); wide: its sentence
        (or the table's caption). A longer name wins over a shorter one it contains: 脱贫户及三类人员
        over 三类人员 when the document says the former. A name written right before the number
        (`before`: the words leading up to it) counts more than one further away."""
        key = (phrase.unit, local, wide, before)
        if key in self._seen:
            return self._seen[key]
        local_g = grams(local, normalized=True)
        wide_g = local_g | grams(wide, normalized=True)
        before, sentence = _clean(before, True), _clean(wide, True)
        out = []
        for named, names in self.named:
            note = ""
            if named.unit != phrase.unit:
                if phrase.unit not in named.other_units:
                    continue
                note = f"{phrase.unit} where the registry counts in {named.unit}"
            # the name in the number's own clause, or else earlier in its sentence ("完成水利项目1个，投资64.44万元")
            best = max(((max(0.75 * _cover(g, local_g) + 0.25 * _cover(g, wide_g) + 0.15 * _nearness(clean, before),
                             0.6 * _cover(g, wide_g) + 0.2 * _nearness(clean, sentence, 16))
                         + 0.01 * min(size, 12), name)
                        for name, g, size, clean in names), key=lambda x: x[0])
            if note:
                best = (best[0] - 0.05, best[1])
            out.append(NameMatch(best[0], named, best[1], note))
        out.sort(key=lambda m: -m.score)
        self._seen[key] = _drop_contained(out)
        return self._seen[key]


def unit_named(matcher: NameMatcher, words: str) -> str:
    """The unit of the figure `words` name best (a table column "已就业" with no unit written), or ""."""
    words_g = grams(words)
    scored = [(max(_cover(g, words_g) for _, g, _, _ in names), named.unit)
              for named, names in matcher.named if named.unit != "户人"]
    top = max((score for score, _ in scored), default=0.0)
    units = {unit for score, unit in scored if score == top}
    return units.pop() if top >= MIN_NAME_SCORE and len(units) == 1 else ""   # two units fit equally: none


def _nearness(name: str, before: str, reach: int = 8) -> float:
    """1 for a name written just before the number, less the further back it stands, 0 from `reach`
    characters back or when the text before does not hold the name as written."""
    at = before.rfind(name) if name else -1
    if at < 0:
        return 0.0
    distance = len(before) - (at + len(name))
    return max(0.0, 1 - distance / reach)


def _drop_contained(matches: list[NameMatch]) -> list[NameMatch]:
    """Among names fully present, drop a name contained in a longer one that is also present."""
    full = [m for m in matches if m.score >= 0.99]
    if len(full) < 2:
        return matches
    dropped = {id(m) for m in full for other in full
               if other is not m and m.name != other.name and _clean(m.name) in _clean(other.name)}
    return [m for m in matches if id(m) not in dropped]


def confident(matches: list[NameMatch]) -> tuple[list[NameMatch], list[NameMatch]]:
    """(the matches close enough to the best to make it ambiguous, the wider band of plausible readings
    that wins when its value is the one stated); both empty when no name fits well enough."""
    if not matches or matches[0].score < MIN_NAME_SCORE:
        return [], []
    best = matches[0]
    close = [m for m in matches if m.score >= best.score - NAME_MARGIN]
    plausible = [m for m in matches if m.score >= max(MIN_NAME_SCORE, best.score - AGREE_MARGIN)]
    return close, plausible
