"""A document's form (GB/T 9704-2012 clause 7) for one period: figures.yaml metadata into layout components.

A form is data about a document, not a template: the speech (the seed's form) has no parts of
its own; a written report ends with 署名 and 成文日期; a 上行文 has a red 版头 (发文机关标志,
发文字号 with 签发人, the red line), a 主送机关, numbered headings, 署名, 成文日期 and a 版记;
a 简报 opens with its masthead.  The DOCX and HTML writers each render the same components.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from reportgen import zhnum
from reportgen.documents.model import Block, Document, Heading, Paragraph, Run
from reportgen.engine.config import DocumentSpec, FormMetadata
from reportgen.engine.periods import Timeframe
from reportgen.errors import InputError, Problem

RED = "FF0000"  # 发文机关标志, 简报 name and the separator lines [7.2.4, 7.2.7]
MARK_TOP_MM = 35  # 发文机关标志: top edge 35 mm below the top of the 版心 [7.2.4]
MARK_SIZE_PT = 36  # its size is the office's choice; 36 pt keeps 龙下乡人民政府文件 well inside 156 mm
RED_LINE_BELOW_NUMBER_MM = 4  # the red line 4 mm below the 发文字号 [7.2.7]


@dataclass(frozen=True)
class _OneLine:
    """A form part printed as one line of text."""

    text: str

    def lines(self) -> tuple[str, ...]:
        return (self.text,)


class IssuerMark(_OneLine):
    """发文机关标志: red 小标宋, centred, its top edge MARK_TOP_MM below the top of the 版心."""


@dataclass(frozen=True)
class NumberLine:
    """发文字号, one character in from the left; in a 上行文 签发人 on the same line, one character
    in from the right; the red line follows 4 mm below."""

    number: str
    signer: str | None = None

    def lines(self) -> tuple[str, ...]:
        return (self.number + (f"签发人：{self.signer}" if self.signer else ""),)


@dataclass(frozen=True)
class BriefMasthead:
    """简报 masthead: its name in red, 第N期, the issuing body left and the date right, a red line.

    The name stands in the title's place: a form whose header holds a masthead prints no other title."""

    name: str
    issue: str | None
    issuer: str
    date: str

    def lines(self) -> tuple[str, ...]:
        return (self.name, *((self.issue,) if self.issue else ()), self.issuer + self.date)


class Recipient(_OneLine):
    """主送机关: one blank line under the title, flush left, ending in a full-width colon."""


@dataclass(frozen=True)
class Attachments:
    """附件说明: one blank line under the body, two characters in: 附件：1. name."""

    items: tuple[str, ...]

    def lines(self) -> tuple[str, ...]:
        if len(self.items) == 1:
            return (f"附件：{self.items[0]}",)
        return tuple(("附件：" if n == 1 else "　　　") + f"{n}. {item}"
                     for n, item in enumerate(self.items, start=1))


@dataclass(frozen=True)
class Signature:
    """署名 and 成文日期 without a seal [7.3.5]: right-aligned, `issuer_inset` and `date_inset`
    characters in from the right, so that the date starts two characters right of the name."""

    issuer: str
    date: str
    issuer_inset: float
    date_inset: float

    def lines(self) -> tuple[str, ...]:
        return (self.issuer, self.date)


@dataclass(frozen=True)
class Imprint:
    """版记 on the last page, its last line on the last line of the 版心: 抄送, 印发机关 and 印发日期,
    between rules as wide as the 版心 (first and last 0.35 mm, between them 0.25 mm)."""

    copy_to: tuple[str, ...]
    printer: str
    print_date: str

    def lines(self) -> tuple[str, ...]:
        copy = (f"抄送：{'，'.join(self.copy_to)}。",) if self.copy_to else ()
        return (*copy, self.printer + f"{self.print_date}印发")


Component = IssuerMark | NumberLine | BriefMasthead | Recipient | Attachments | Signature | Imprint


@dataclass(frozen=True)
class Form:
    """A document's own parts, in the places they go: `header` before the title, `opening` after
    the title block, `closing` after the body, `end` on the last page."""

    kind: str  # speech, written, upward or brief
    header: tuple[Component, ...] = ()
    opening: tuple[Component, ...] = ()
    closing: tuple[Component, ...] = ()
    end: tuple[Component, ...] = ()

    @property
    def replaces_title(self) -> bool:
        """A 简报's masthead name is its title."""
        return any(isinstance(part, BriefMasthead) for part in self.header)


SPEECH = Form("speech")


def date_words(day: dt.date) -> str:
    """成文日期 in Arabic digits without leading zeros: 2023年8月4日 [7.3.5]."""
    return f"{day.year}年{day.month}月{day.day}日"


def text_width(text: str) -> float:
    """Width in characters: half-width letters and digits count half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def signature(issuer: str, day: dt.date) -> Signature:
    """The insets of 7.3.5.2: name two characters in from the right, the date starting two characters
    right of the name's start; a date that would then reach past two characters in pushes both left."""
    date = date_words(day)
    name_width, date_width = text_width(issuer), text_width(date)
    date_inset = 2 + max(0.0, name_width - 2 - date_width)
    return Signature(issuer, date, date_inset + date_width + 2 - name_width, date_inset)


def metadata_for(spec: DocumentSpec, period: str) -> FormMetadata:
    """The document's metadata with the period's entry laid over it."""
    override = spec.periods.get(period)
    if override is None:
        return spec.metadata
    given = {k: v for k, v in override.model_dump(exclude_defaults=True).items()}
    return spec.metadata.model_copy(update=given)


def issued_for(spec: DocumentSpec, period: str) -> bool:
    """Whether the document exists for the period: a 上行文 needs the period's 发文字号 and date."""
    if spec.form != "upward":
        return True
    meta = metadata_for(spec, period)
    return meta.number is not None and meta.date is not None


def resolve(name: str, spec: DocumentSpec, timeframe: Timeframe, meeting: Mapping | None,
            file: str = "figures.yaml") -> Form | None:
    """The form of document `name` in `timeframe`, or None for a document declaring none."""
    if spec.form is None:
        return None
    period = timeframe.period.name
    meta = metadata_for(spec, period)
    day = meta.date or timeframe.cutoff
    if spec.form == "report":
        if meeting:
            return SPEECH
        return Form("written", closing=_closing(meta, day))
    if spec.form == "brief":
        issue = f"第{meta.number}期" if meta.number else None
        return Form("brief", header=(BriefMasthead(meta.mark or "", issue, meta.issuer, date_words(day)),))
    if not issued_for(spec, period):
        missing = "number" if meta.number is None else "date"
        raise InputError(Problem(f"a 上行文 needs its {'发文字号' if missing == 'number' else '成文日期'} "
                                 f"for {period}", file=file, column=f"documents.{name}.periods.{period}.{missing}",
                                 expected="a number such as 12" if missing == "number" else "a date YYYY-MM-DD"))
    number = f"{meta.number_prefix}〔{meta.date.year}〕{meta.number}号"
    end = ()
    if meta.printer:
        end = (Imprint(meta.copy_to, meta.printer, date_words(meta.print_date or meta.date)),)
    return Form("upward", header=(IssuerMark(meta.mark), NumberLine(number, meta.signer)),
                opening=(Recipient(_with_colon(meta.recipient)),), closing=_closing(meta, meta.date), end=end)


def _closing(meta: FormMetadata, day: dt.date) -> tuple[Component, ...]:
    attachments = (Attachments(meta.attachments),) if meta.attachments else ()
    return (*attachments, signature(meta.issuer, day))


def _with_colon(recipient: str) -> str:
    return recipient.rstrip("：:") + "："


def title_for(spec: DocumentSpec, name: str, words: Mapping[str, str], file: str = "figures.yaml") -> str | None:
    """The document's declared title with {year}, {name}, {township} … filled in, or None."""
    if spec.title is None:
        return None

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in words:
            raise InputError(Problem("unknown placeholder in the title", file=file,
                                     column=f"documents.{name}.title", value=key,
                                     expected=f"one of {', '.join(sorted(words))}"))
        return str(words[key])

    return re.sub(r"\{(\w+)\}", fill, spec.title)


LEAD_ORDINAL = re.compile(r"^[一二三四五六七八九十]+是")
HEADING_STYLES = {1: "section", 2: "sub", 3: "arabic", 4: "paren"}


def number_headings(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """Number headings 一、（一）1.（1） [7.3.3]; a paragraph opening with a lead sentence is a
    run-in heading of the second level (（一） in 楷体), unless it already counts (一是…)."""
    counts = [0] * 6
    out: list[Block] = []

    def number(level: int) -> str:
        counts[level - 1] += 1
        counts[level:] = [0] * (len(counts) - level)
        return zhnum.ordinal(counts[level - 1], HEADING_STYLES.get(level, "paren"))

    for block in blocks:
        if isinstance(block, Heading):
            out.append(Heading(block.level, number(block.level) + block.text))
        elif isinstance(block, Paragraph) and block.runs and block.runs[0].lead \
                and not LEAD_ORDINAL.match(block.runs[0].text):
            first = block.runs[0]
            out.append(dataclasses.replace(block, runs=(Run(number(2) + first.text, True), *block.runs[1:])))
        else:
            out.append(block)
    return tuple(out)


def apply(document: Document, form: Form | None, title: str | None = None) -> Document:
    """The document in its form: a 上行文 keeps only its title (then 主送机关) and numbers its headings."""
    if form is None:
        return document
    title_block = document.title_block
    blocks = document.blocks
    if form.kind == "upward":
        title_block = dataclasses.replace(title_block, subtitle=None, date=None, speaker=None, salutation=None)
        blocks = number_headings(blocks)
    if title:
        title_block = dataclasses.replace(title_block, title=title)
    if form.replaces_title:  # the masthead's name, by default the document's title
        header = tuple(dataclasses.replace(part, name=part.name or title_block.title)
                       if isinstance(part, BriefMasthead) else part for part in form.header)
        form = dataclasses.replace(form, header=header)
        title_block = dataclasses.replace(title_block, title=form.header[0].name)
    return dataclasses.replace(document, title_block=title_block, blocks=blocks, form=form)
