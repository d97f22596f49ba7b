"""docs/periods.md says what the code does: its word table and every example sentence are produced here."""

from __future__ import annotations

import re

from conftest import REPO

from reportgen.documents.lint import sentences
from reportgen.engine.periods import KIND_NAMES, KINDS, WORD_MEANINGS, WORD_TABLE, resolve

DOC = REPO / "docs" / "periods.md"
# One period of each kind (H1 with the seed's July cut-off), delivered inside its year and on a later day.
EXAMPLE_PERIODS = {"quarter": ("2023Q3", None), "first_half": ("2023H1", "2023-07-31"),
                   "three_quarters": ("2023Q1-Q3", None), "second_half": ("2023H2", None), "year": ("2023", None)}
LATER_DELIVERY = "2024-01-15"
EXAMPLE = re.compile(r"^- `(?P<period>[^`]+)`：(?P<sentence>.+)$", re.M)


def word_table() -> str:
    """The word table as docs/periods.md shows it: each cell "inside the year / after it"."""
    head = "| 词 | 用途 | " + " | ".join(f"{KIND_NAMES[k]}（{EXAMPLE_PERIODS[k][0]}）" for k in KINDS) + " |"
    rows = [head, "|" + "---|" * (len(KINDS) + 2)]
    for key in WORD_TABLE:
        cells = []
        for kind in KINDS:
            period, cutoff = EXAMPLE_PERIODS[kind]
            inside = resolve(period, cutoff).words()[key]
            after = resolve(f"{period}@{LATER_DELIVERY}", cutoff).words()[key]
            cells.append(inside if inside == after else f"{inside} / {after}")
        rows.append(f"| `{key}` | {WORD_MEANINGS[key]} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def test_the_doc_shows_the_word_table_the_code_uses():
    assert word_table() in DOC.read_text(encoding="utf-8"), "paste tests/test_period_docs.py word_table()"


def test_every_example_sentence_is_a_sentence_of_that_periods_report(period_report):
    examples = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    assert len(examples) >= 10
    assert {period for period, _ in examples} >= {"2023Q1", "2023Q3", "2023H1", "2023H2", "2023Q1-Q3", "2023",
                                                  "2023@2024-01-15"}
    for period, sentence in examples:
        assert sentence in sentences(period_report(period)[1]), (period, sentence)
