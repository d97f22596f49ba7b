"""Documents (DOCX, PDF, HTML, text) into paragraphs; the figures stated there, scored against cues."""

from __future__ import annotations

import ast
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError, Problem

FORMATS = {".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text"}
CLAUSE_STOPS = frozenset(",;:()!?。、|\n")     # | parts the cells of a table row
SENTENCE_STOPS = frozenset(";!?。\n")
NEAR_CHARS, SENTENCE_CHARS, AFTER_CHARS = 16, 40, 10

# After normalize(): "127户231人", "12户次", "13.38万元", "30余万元", "87.25%", "290千瓦", "5个".
PHRASE = re.compile(
    r"(?<![\d.A-Za-z])(?:(?P<households>\d+) ?户 ?(?P<people>\d+) ?人(?!次)"
    r"|(?P<number>\d+(?:\.\d+)?) ?(?P<unit>余万元|多万元|万余元|万元|亿元|元|户次|人次|千瓦|户|人|个|%))"
)
_SCALE = {"万元": 10_000, "余万元": 10_000, "多万元": 10_000, "万余元": 10_000, "亿元": 100_000_000,
          "%": Decimal("0.01")}
APPROXIMATE = ("余万元", "多万元", "万余元")
WHOLE_UNITS = ("户", "人", "个", "户次", "人次", "户人")
_IGNORED = frozenset(" \"'“”‘’《》「」")
SEQUENCE_BONUS, GARBLED_PENALTY = 1.5, 0.3
MARK = re.compile("\ue000([^\ue001]*)\ue001")
_TABLE_ROW = re.compile(r"\S {2,}\S")
_PAGE_NUMBER = re.compile(r"^\s*[—–\-－]+\s*\d{1,4}\s*[—–\-－]+\s*$|^\s*\d{1,4}\s*$")
_MARKDOWN = re.compile(r"^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|>\s?)|\*\*|__")


@dataclass(frozen=True)
class TextBlock:
    """One paragraph of a document: its text, its number, and the page where each stretch starts."""

    text: str
    paragraph: int | None = None          # 1-based among non-empty paragraphs; None for PDF
    pages: tuple[tuple[int, int], ...] = ()   # (offset in text, page) for PDF

    def page_at(self, offset: int) -> int | None:
        page = None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page


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
        unit = "余万元" if self.written_unit in APPROXIMATE else self.written_unit
        return format(Decimal(self.numbers[0]).normalize(), "f") + unit

    def span(self, number: str) -> tuple[float, float, float]:
        """(value, lowest, highest) a written number stands for, in the figure's unit (元, fraction).

        Counts are exact; "13.38万元" is 13.38 ± 0.005 万元; "30余万元" is 30 up to 31 万元.
        """
        scale = Decimal(_SCALE.get(self.written_unit, 1))
        value = Decimal(number)
        if self.written_unit in APPROXIMATE:
            whole_digits = len(number.split(".")[0])
            step = Decimal(10) ** (whole_digits - 2) if value >= 10 else Decimal("0.1")
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
        if match["households"] is not None:
            numbers, unit, written = (match["households"], match["people"]), "户人", "户人"
        else:
            written = match["unit"]
            numbers = (match["number"],)
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
    sentence_parts: list[str] = []
    for index, (start, end) in enumerate(spans):
        gap_start = spans[index - 1][1] if index else 0
        gap = text[gap_start:start]
        cut = max((i for i, ch in enumerate(gap) if ch in SENTENCE_STOPS), default=-1)
        if cut >= 0 or index == 0:
            sentence_parts = []
            sentence_start = gap_start + cut + 1
        sentence_parts.append(text[max(sentence_start, gap_start):start])
        sentence = "".join(sentence_parts)[-SENTENCE_CHARS:]
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

    def matches(self, phrase: Phrase, near: str, after: str, sentence: str,
                previous: tuple[str, ...] = ()) -> list[Match]:
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


# --------------------------------------------------------------------------- reading files


def read_document(path: Path) -> tuple[str, tuple[TextBlock, ...]]:
    """(format, paragraphs) of a DOCX, PDF, HTML, .txt or .md file; InputError if unreadable."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(Problem("cannot read this kind of file", file=str(path),
                                 expected="a .docx, .pdf, .html, .txt or .md file"))
    if not path.is_file():
        raise InputError(Problem("file not found", file=str(path)))
    reader = {"docx": _read_docx, "pdf": _read_pdf, "html": _read_html, "text": _read_text}[kind]
    return kind, reader(path)


def _numbered(texts) -> tuple[TextBlock, ...]:
    kept = [t.strip() for t in texts if t and t.strip()]
    return tuple(TextBlock(text, n) for n, text in enumerate(kept, start=1))


def _read_docx(path: Path) -> tuple[TextBlock, ...]:
    import docx  # only DOCX needs it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged file
        raise InputError(Problem(f"not a readable DOCX ({type(exc).__name__})", file=str(path))) from None
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts.extend("|".join(cell.text.strip() for cell in row.cells) for row in table.rows)
    return _numbered(texts)


def _read_pdf(path: Path) -> tuple[TextBlock, ...]:
    """pdftotext -layout, page by page (form feeds). An indented line starts a paragraph and other
    lines continue it, across pages too; a line with wide gaps is a table row, its cells joined by |.
    The page-number line at the foot of each page is dropped."""
    try:
        done = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise InputError(Problem("pdftotext is not installed", file=str(path),
                                 expected="poppler-utils (apt-get install poppler-utils)")) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unreadable"]
        raise InputError(Problem(f"not a readable PDF ({reason[0]})", file=str(path)))
    blocks: list[TextBlock] = []
    text, pages = "", []

    def flush():
        nonlocal text, pages
        if text.strip():
            blocks.append(TextBlock(text, None, tuple(pages)))
        text, pages = "", []

    for number, page in enumerate(done.stdout.decode("utf-8", "replace").split("\f"), start=1):
        lines = page.rstrip().splitlines()
        if lines and _PAGE_NUMBER.match(lines[-1]):
            lines = "\n".join(lines[:-1]).rstrip().splitlines()
        for line in lines:
            body = line.strip()
            row = bool(_TABLE_ROW.search(body))
            if not body or row or line.startswith("  "):
                flush()
            if body:
                if not pages or pages[-1][1] != number:
                    pages.append((len(text), number))
                text += "|".join(re.split(r" {2,}", body)) if row else body
            if row:
                flush()
    flush()
    return tuple(blocks)


class _BlockText(HTMLParser):
    BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote", "pre", "dt",
                        "dd", "caption", "section", "article", "header", "footer", "main", "table", "tr",
                        "ul", "ol", "body"))
    CELLS = frozenset(("td", "th"))
    SKIPPED = frozenset(("script", "style", "head", "title", "template"))

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self):
        self.texts.append("".join(self.current))
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self._flush()
        elif tag in self.CELLS and self.current:
            self.current.append("|")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(re.sub(r"\s*\n\s*", "", data))


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(Problem("neither UTF-8 nor GBK text", file=str(path)))


def _read_html(path: Path) -> tuple[TextBlock, ...]:
    parser = _BlockText()
    parser.feed(_decode(path))
    parser.close()
    parser._flush()
    return _numbered(parser.texts)


def _read_text(path: Path) -> tuple[TextBlock, ...]:
    """Paragraphs are separated by blank lines (lines inside one are joined); without any blank
    line, each line is a paragraph. Markdown marks (#, **, list bullets) are dropped."""
    text = _decode(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_MARKDOWN.sub("", line) if path.suffix.lower() == ".md" else line for line in text.split("\n")]
    if any(not line.strip() for line in lines[1:-1]):
        chunks = re.split(r"\n\s*\n", "\n".join(lines))
        return _numbered("".join(part.strip() for part in chunk.split("\n")) for chunk in chunks)
    return _numbered(lines)


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
    of a paragraph joined, each table row a paragraph of its own."""
    text = re.sub(r"\A\s*---\n.*?\n---\n", "", text, flags=re.S)
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"^\s*#{1,6}\s+|\*\*", "", line).strip() for line in chunk.split("\n")]
        rows = [line.strip("|").strip() for line in lines if line.startswith("|")]
        paragraphs += [normalize(row) for row in rows if not re.fullmatch(r"[-:| ]*", row)]
        paragraphs.append(normalize("".join(line for line in lines if not line.startswith("|"))))
    return paragraphs
