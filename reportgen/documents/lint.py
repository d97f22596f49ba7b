"""The period-word lint: phrases a report of a period kind must not contain (templates/period_lint.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportgen.engine.periods import KINDS, Timeframe
from reportgen.engine.yamlload import line_of, load_yaml
from reportgen.errors import CheckFailed, ConfigError, Problem

RULES_FILE = "period_lint.yaml"
DELIVERIES = ("any", "inside", "after")
_SENTENCE = re.compile(r"[^。！？；\n]*[。！？；]?")


@dataclass(frozen=True)
class LintRule:
    """Phrases that must not appear in reports of some period kinds delivered inside or after the year."""

    phrases: tuple[str, ...]
    kinds: tuple[str, ...]
    delivered: str
    why: str
    line: int | None = None

    def applies(self, timeframe: Timeframe) -> bool:
        if self.kinds and timeframe.period.kind not in self.kinds:
            return False
        after = timeframe.delivered_after_year
        return self.delivered == "any" or (self.delivered == "after") == after


@dataclass(frozen=True)
class LintHit:
    """One phrase found where its period does not allow it, with the sentence that holds it."""

    document: str
    phrase: str
    sentence: str
    why: str

    def __str__(self) -> str:
        return f"{self.document}: “{self.phrase}” {self.why}: {self.sentence}"


def _placeholders(timeframe: Timeframe) -> dict[str, str]:
    year = timeframe.period.year
    return {"Y": f"{year}年", "Y-1": f"{year - 1}年", "Y+1": f"{year + 1}年"}


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(Y|Y-1|Y\+1)\}", lambda m: values[m.group(1)], text)


def load_rules(templates_dir: Path) -> tuple[LintRule, ...] | None:
    """Read and validate the phrase table (None when the project has none); every problem is
    reported with its line."""
    path = templates_dir / RULES_FILE
    shown = str(Path(templates_dir.name) / RULES_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data, lines = load_yaml(text, shown)
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(Problem("expected a list under rules:", file=shown, line=line_of(lines, ("rules",))))
    rules, problems = [], []
    for index, entry in enumerate(entries):
        at = ("rules", index)

        def bad(message, key=None, value=None, expected=None, at=at):
            path_ = at + ((key,) if key else ())
            problems.append(Problem(message, file=shown, line=line_of(lines, path_) or line_of(lines, at),
                                    column=".".join(map(str, path_)), value=value, expected=expected))

        if not isinstance(entry, dict):
            bad("expected a mapping with phrases, kinds, delivered and why")
            continue
        unknown = set(entry) - {"phrases", "kinds", "delivered", "why"}
        for key in sorted(unknown):
            bad("unknown key", key, expected="phrases, kinds, delivered, why")
        phrases = entry.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p for p in phrases):
            bad("phrases must be a list of words", "phrases", expected="a non-empty list of text")
            continue
        kinds = entry.get("kinds") or []
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if kind not in KINDS:
                bad("unknown period kind", "kinds", kind, ", ".join(KINDS))
        delivered = entry.get("delivered", "any")
        if delivered not in DELIVERIES:
            bad("unknown delivery", "delivered", delivered, ", ".join(DELIVERIES))
        why = entry.get("why")
        if not isinstance(why, str) or not why:
            bad("say why the phrase is wrong", "why")
            continue
        rules.append(LintRule(tuple(phrases), tuple(kinds) if isinstance(kinds, list) else (kinds,),
                              delivered, why, line_of(lines, at)))
    if problems:
        raise ConfigError(problems)
    return tuple(rules)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def lint_text(text: str, timeframe: Timeframe, rules: tuple[LintRule, ...], document: str) -> list[LintHit]:
    """Every forbidden phrase in a document's text, each with the sentence it stands in."""
    values = _placeholders(timeframe)
    hits = []
    for sentence in sentences(text):
        for rule in rules:
            if not rule.applies(timeframe):
                continue
            for phrase in rule.phrases:
                word = _fill(phrase, values)
                if word in sentence:
                    hits.append(LintHit(document, word, sentence, _fill(rule.why, values)))
    return hits


def require_clean(hits: list[LintHit], timeframe: Timeframe) -> None:
    """Fail the build's checks (exit 3), quoting each sentence, when the lint found anything."""
    if hits:
        raise CheckFailed([Problem(f"period word “{h.phrase}” in the {timeframe.name} {h.document}: {h.why}",
                                   value=h.sentence) for h in hits])
