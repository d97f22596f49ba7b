"""The figures a text states: each phrase, the words around it, and the values its wording allows."""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

CLAUSE_STOPS = frozenset(",;:()!?。、|\n")     # | parts the cells of a table row
SENTENCE_STOPS = frozenset(";!?。\n")
NEAR_CHARS, SENTENCE_CHARS, AFTER_CHARS = 16, 40, 10

# After normalize(): "127户231人", "127户、231人", "12户次", "13.38万元", "30余万元", "87.25%", "290千瓦",
# "5个", "111名" (名 = 人), "1,250,000元", "0.6个百分点".
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
PHRASE = re.compile(
    r"(?<![\d.A-Za-z])(?<!\d,)(?:(?P<households>\d+) ?户 ?[、,]? ?(?P<people>\d+) ?[人名](?!次)"
    rf"|(?P<number>{_NUMBER}) ?(?P<unit>余万元|多万元|万余元|万多元|万元|亿元|千元|余元|多元|元|户次|人次|千瓦|个百分点|户|人|名|个|%))"
)
_SCALE = {"万元": 10_000, "余万元": 10_000, "多万元": 10_000, "万余元": 10_000, "万多元": 10_000, "亿元": 100_000_000,
          "千元": 1_000, "%": Decimal("0.01")}
APPROXIMATE = ("余万元", "多万元", "万余元", "万多元", "余元", "多元")  # 多 means what 余 does
# "同比增加13人", "环比提高0.1个百分点": a difference between two periods, not a figure of the registry
COMPARISON = re.compile(r"(?:同比|环比)(?:增加|减少|提高|降低|增长|下降)$")
UNIT_SYNONYMS = {"名": "人"}      # a unit people write for a registry unit, with the same meaning
WHOLE_UNITS = ("户", "人", "个", "户次", "人次", "户人", "名")


@dataclass(frozen=True)
class Phrase:
    """A figure stated in a text: where it is and what it says (numbers as written, its unit)."""

    start: int
    end: int
    text: str
    unit: str                 # 户人 for "X户Y人"; 元 for money; else the unit as written
    numbers: tuple[str, ...]  # ("127", "231") or ("13.38",)
    written_unit: str         # 万元, 余万元, 户 …

    @property
    def digit_run(self) -> bool:
        """A plain run of digits before 人: maybe a "X户Y人" that lost its 户."""
        return self.unit == "人" and self.numbers[0].isdigit() and len(self.numbers[0]) >= 2

    @property
    def canonical(self) -> str:
        """The phrase as reportgen would write the same number: "13.380万元" → "13.38万元"."""
        if self.unit == "户人":
            return f"{int(self.numbers[0])}户{int(self.numbers[1])}人"
        unit = self.written_unit.replace("多", "余")
        return format(Decimal(self.numbers[0]).normalize(), "f") + unit

    def span(self, number: str) -> tuple[float, float, float]:
        """(value, lowest, highest) a written number stands for, in the figure's unit (元, fraction).

        Counts are exact; "13.38万元" is 13.38 ± 0.005 万元. 余 (or 多) adds less than the place it
        stands for: right after a whole number ending in 0, that 0's place ("30余万元" is 30 up to
        40 万元, "850余元" 850 up to 860元); else, as after 万, one unit of the last digit written
        ("12万余元" is 12 up to 13 万元, "9.3万余元" 9.3 up to 9.4).
        """
        scale = Decimal(_SCALE.get(self.written_unit, 1))
        value = Decimal(number)
        if self.written_unit in APPROXIMATE:
            whole, _, fraction = number.partition(".")
            step = Decimal(10) ** -len(fraction)
            if not fraction and self.written_unit[0] in "余多" and whole.endswith("0"):
                step = Decimal(10) ** (len(whole) - len(whole.rstrip("0")))
            return float(value * scale), float(value * scale), float((value + step) * scale)
        places = len(number.split(".")[1]) if "." in number else 0
        half = Decimal(0) if self.written_unit in WHOLE_UNITS else Decimal(5) * Decimal(10) ** -(places + 1)
        return float(value * scale), float((value - half) * scale), float((value + half) * scale)


def normalize(text: str) -> str:
    """Full-width forms to ASCII (，→, ％→% １→1), character by character so offsets stay put."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7f else ch
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def find_phrases(normalized: str) -> list[Phrase]:
    """Every stated figure of a normalized text, X户Y人 taken whole, in order."""
    phrases = []
    for match in PHRASE.finditer(normalized):
        if COMPARISON.search(normalized, max(0, match.start() - 4), match.start()):
            continue
        if match["households"] is not None:
            numbers, unit, written = (match["households"], match["people"]), "户人", "户人"
        else:
            written = UNIT_SYNONYMS.get(match["unit"], match["unit"])
            numbers = (match["number"].replace(",", ""),)
            unit = "元" if written.endswith("元") else written
        phrases.append(Phrase(match.start(), match.end(), match.group(), unit, numbers, written))
    return phrases


def household_splits(digits: str) -> list[tuple[int, int]]:
    """Readings of a digit run as households then people: 40136 → [(40, 136)]; no 0-led people."""
    splits = []
    for cut in range(1, len(digits)):
        head, tail = digits[:cut], digits[cut:]
        if tail[0] == "0" or (head[0] == "0" and len(head) > 1):
            continue
        households, people = int(head), int(tail)
        if 0 < households <= people:
            splits.append((households, people))
    return splits


def contexts(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, str, str]]:
    """For each figure span: (near words before it, words after it, the sentence before it).

    Near words run back to the clause's punctuation; when nothing but punctuation or another figure
    stands between two figures, the later one shares the earlier one's near words. Other figures are
    left out of every context.
    """
    result: list[tuple[str, str, str]] = []
    sentence_start = 0
    sentence = ""     # the sentence so far, only its last SENTENCE_CHARS kept: linear in the text
    for index, (start, end) in enumerate(spans):
        gap_start = spans[index - 1][1] if index else 0
        gap = text[gap_start:start]
        cut = max((i for i, ch in enumerate(gap) if ch in SENTENCE_STOPS), default=-1)
        if cut >= 0 or index == 0:
            sentence = ""
            sentence_start = gap_start + cut + 1
        sentence = (sentence + text[max(sentence_start, gap_start, start - SENTENCE_CHARS):start])[-SENTENCE_CHARS:]
        clause_cut = max((i for i, ch in enumerate(gap) if ch in CLAUSE_STOPS), default=-1)
        near = gap[clause_cut + 1:].strip()
        if not near and index and result and not gap.strip(" ,:(、|").strip():
            near = result[-1][0]
        if not near:
            clauses = [c for c in re.split(r"[,;:()!?。、|\n]", sentence) if c.strip()]
            near = clauses[-1] if clauses else ""
        following = text[end:spans[index + 1][0] if index + 1 < len(spans) else len(text)]
        after = re.split(r"[,;:()!?。、|\n]", following, maxsplit=1)[0][:AFTER_CHARS]
        result.append((near[-NEAR_CHARS:], after.strip(), sentence))
    return result


def spans_hold(assertion: str, values: dict[str, tuple[float, float, float]]) -> bool:
    """Whether a check can hold for some values within what the written numbers stand for
    (value, lowest, highest as Phrase.span gives them): 13.38万元 + 0.77万元 may be 14.16万元."""
    tree = ast.parse(assertion.strip(), mode="eval").body

    def span(node) -> tuple[float, float]:
        if isinstance(node, ast.Constant):
            return float(node.value), float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id][1], values[node.id][2]
        if isinstance(node, ast.UnaryOp):
            lo, hi = span(node.operand)
            return (-hi, -lo) if isinstance(node.op, ast.USub) else (lo, hi)
        (a, b), (c, d) = span(node.left), span(node.right)
        if isinstance(node.op, ast.Add):
            return a + c, b + d
        if isinstance(node.op, ast.Sub):
            return a - d, b - c
        if isinstance(node.op, ast.Div):
            if c <= 0 <= d:
                return float("-inf"), float("inf")
            c, d = 1 / d, 1 / c
        corners = (a * c, a * d, b * c, b * d)
        return min(corners), max(corners)

    (lo1, hi1), (lo2, hi2) = span(tree.left), span(tree.comparators[0])
    eps = 1e-9 * max(1.0, abs(hi1), abs(hi2))
    op = type(tree.ops[0])
    return {ast.Eq: lo1 <= hi2 + eps and lo2 <= hi1 + eps, ast.LtE: lo1 <= hi2 + eps,
            ast.Lt: lo1 < hi2, ast.GtE: hi1 + eps >= lo2, ast.Gt: hi1 > lo2}[op]
