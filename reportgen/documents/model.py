"""Rendered template text (a front-matter title block plus CommonMark) into the document model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml
from markdown_it import MarkdownIt

from reportgen.documents import literal
from reportgen.errors import TemplateError

if TYPE_CHECKING:
    from reportgen.documents.forms import Form

TITLE_KEYS = ("title", "subtitle", "date", "speaker", "salutation")
TABLE_CAPTION = "Table:"  # a paragraph "Table: 表1　…" just before a table is its title (as in pandoc)


@dataclass(frozen=True)
class Run:
    """A stretch of text; `lead` marks a paragraph's lead sentence (set in 楷体)."""

    text: str
    lead: bool = False


@dataclass(frozen=True)
class Heading:
    """Level 1: 黑体 section heading; level 2: 楷体; level 3: 仿宋."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph, first line indented two characters unless `indent` is False."""

    runs: tuple[Run, ...]
    indent: bool = True

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    """A simple grid: one header row, body rows of plain text cells, and its title (表题) if any."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class ChartPoint:
    """One number a chart draws: its series (a registry figure), the category and the figure."""

    series: str  # figure id
    category: str  # 1月 … or a village
    cutoff: str  # the cut-off the figure was computed at (ISO date)
    value: float | int
    wording: str  # as the chart labels it, e.g. 127户
    provenance: dict = field(default_factory=dict, compare=False)  # as figures.json gives every figure


@dataclass(frozen=True)
class Chart:
    """A chart the template asks for by name (`![图题](chart:NAME)`); drawn by documents.charts.

    Until drawn it has only its name and caption; drawn, it has its alt text, the 300-dpi PNG that
    the DOCX, HTML and PDF show, and every number it draws.
    """

    name: str
    caption: str
    alt: str = ""
    png: bytes = b""
    points: tuple[ChartPoint, ...] = ()

    @property
    def text(self) -> str:
        return self.caption


Block = Heading | Paragraph | Table | Chart


@dataclass(frozen=True)
class TitleBlock:
    """The opening of a report: title, subtitle, date line, speaker line, salutation."""

    title: str
    subtitle: str | None = None
    date: str | None = None
    speaker: str | None = None
    salutation: str | None = None


@dataclass(frozen=True)
class Document:
    """What every writer reads: the title block and the body blocks, in order, and the document's
    form (reportgen.documents.forms.Form: 版头, 主送机关, 署名, 版记 …), None for none."""

    title_block: TitleBlock
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    lang: str = "zh-CN"
    form: Form | None = None

    def plain_text(self) -> str:
        """The document's text, one block a line: the basis of golden files and comparisons."""
        tb = self.title_block
        parts = self.form or _NO_FORM
        lines = [line for part in parts.header for line in part.lines()]
        title = None if getattr(parts, "replaces_title", False) else tb.title
        lines += [x for x in (title, tb.subtitle, tb.date, tb.speaker, tb.salutation) if x]
        lines += [line for part in parts.opening for line in part.lines()]
        for block in self.blocks:
            if isinstance(block, Table):
                if block.caption:
                    lines.append(block.caption)
                lines.append(" ".join(block.header))
                lines.extend(" ".join(row) for row in block.rows)
            else:
                lines.append(block.text)
        lines += [line for part in (*parts.closing, *parts.end) for line in part.lines()]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _NoForm:
    header: tuple = ()
    opening: tuple = ()
    closing: tuple = ()
    end: tuple = ()


_NO_FORM = _NoForm()


def _title_value(raw: str, source: str, number: int) -> str:
    """A title block value: text with backslash escapes as in the body (how printed values arrive),
    or a YAML-quoted string."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise TemplateError(f"{source}:{number}: title block value is not a valid quoted string: "
                                f"{getattr(exc, 'problem', None) or exc}") from None
        if not isinstance(value, str):
            raise TemplateError(f"{source}:{number}: title block value {raw[:30]!r} is not one quoted string")
        return value
    return literal.unescape(raw)


def _title_block(lines: list[str], source: str) -> dict:
    """`key: value` lines (blank lines and # comments skipped) into the title block's values."""
    meta: dict[str, str | None] = {}
    for number, line in enumerate(lines, start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, raw = line.partition(":")
        key = key.strip()
        if not colon or not key:
            raise TemplateError(f"{source}:{number}: title block must be 'key: value' lines")
        if key not in TITLE_KEYS:
            raise TemplateError(
                f"{source}:{number}: unknown title block key {key!r}; expected one of {', '.join(TITLE_KEYS)}")
        if key in meta:
            raise TemplateError(f"{source}:{number}: title block key {key!r} is given twice")
        meta[key] = _title_value(raw, source, number) or None
    return meta


def _split_front_matter(text: str, source: str) -> tuple[dict, str, int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise TemplateError(f"{source}:1: expected a title block opening with '---'")
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            meta = _title_block(lines[1:i], source)
            if not meta.get("title"):
                raise TemplateError(f"{source}: the title block has no title")
            return meta, "\n".join(lines[i + 1 :]), i + 1
    raise TemplateError(f"{source}:1: the title block opened with '---' is never closed")


def _inline_runs(token) -> tuple[Run, ...]:
    runs: list[Run] = []
    lead = False
    for child in token.children or ():
        if child.type == "strong_open":
            lead = True
        elif child.type == "strong_close":
            lead = False
        elif child.type == "text_special":  # an escaped character or an entity: text, never markup
            runs.append(Run(child.content, lead))
        elif child.type in ("text", "code_inline"):
            # CommonMark will not close ** after 。 when a letter follows, which is every lead
            # sentence in Chinese, so a literal ** left in the text toggles the lead too.
            for n, piece in enumerate(child.content.split("**")):
                if n:
                    lead = not lead
                runs.append(Run(piece, lead))
        elif child.type in ("softbreak", "hardbreak"):
            continue  # Chinese joins wrapped lines without a space
        elif child.type in ("em_open", "em_close"):
            continue
        else:
            raise TemplateError(f"unsupported inline markup {child.type!r} in {token.content[:30]!r}")
    merged: list[Run] = []
    for run in runs:
        if merged and merged[-1].lead == run.lead:
            merged[-1] = Run(merged[-1].text + run.text, run.lead)
        elif run.text:
            merged.append(run)
    return tuple(merged)


def _chart(token, source: str) -> Chart | None:
    """A paragraph that is only `![图题](chart:NAME)` asks for a chart."""
    children = [c for c in token.children or () if not (c.type == "text" and not c.content.strip())]
    if len(children) != 1 or children[0].type != "image":
        return None
    src = children[0].attrGet("src") or ""
    if not src.startswith("chart:") or not src[6:]:
        raise TemplateError(f"{source}: image {src!r}: only charts can be shown, as ![图题](chart:NAME)")
    return Chart(src[6:], _inline_text(children[0]).strip())


def _is_caption(token) -> bool:
    """A paragraph the template opens with `Table:` (an escaped `Table\\:` of a printed value is text)."""
    first = (token.children or [None])[0]
    return first is not None and first.type == "text" and first.content.startswith(TABLE_CAPTION)


def _inline_text(token) -> str:
    return "".join(r.text for r in _inline_runs(token))


def parse(text: str, source: str = "<template>") -> Document:
    """Parse rendered template text into a Document; raise TemplateError on unsupported markup."""
    meta, body, _ = _split_front_matter(text, source)
    md = MarkdownIt("commonmark").enable("table").disable("text_join")  # escaped characters stay text_special
    tokens = md.parse(body)
    blocks: list[Block] = []
    captions: set[int] = set()  # the paragraphs that are table titles, by id
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            blocks.append(Heading(level, _inline_text(tokens[i + 1])))
            i += 3
        elif tok.type == "paragraph_open":
            blocks.append(_chart(tokens[i + 1], source) or Paragraph(_inline_runs(tokens[i + 1])))
            if _is_caption(tokens[i + 1]):
                captions.add(id(blocks[-1]))
            i += 3
        elif tok.type == "table_open":
            header: list[str] = []
            rows: list[tuple[str, ...]] = []
            current: list[str] = []
            in_head = False
            i += 1
            while tokens[i].type != "table_close":
                t = tokens[i]
                if t.type == "thead_open":
                    in_head = True
                elif t.type == "thead_close":
                    in_head = False
                elif t.type == "tr_open":
                    current = []
                elif t.type == "inline":
                    current.append(_inline_text(t))
                elif t.type == "tr_close":
                    if in_head:
                        header = current
                    else:
                        rows.append(tuple(current))
                i += 1
            caption = None
            if blocks and id(blocks[-1]) in captions:
                captions.discard(id(blocks[-1]))
                caption = blocks.pop().text[len(TABLE_CAPTION):].strip()
            blocks.append(Table(tuple(header), tuple(rows), caption))
            i += 1
        elif tok.type in ("hr", "softbreak"):
            i += 1
        else:
            line = (tok.map[0] + 1) if tok.map else "?"
            raise TemplateError(f"{source}: body line {line}: unsupported markup {tok.type!r}")
    for block in blocks:
        if id(block) in captions:
            raise TemplateError(f"{source}: {block.text[:30]!r}: a table title must stand just before its table")
    title_block = TitleBlock(**{k: (str(v) if v is not None else None) for k, v in meta.items()})
    return Document(title_block, tuple(blocks))
