"""The documents of figures.yaml: template, breakdown and GB/T 9704 form metadata, and their checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from reportgen.engine.periods import parse_period
from reportgen.engine.sourcespec import Frozen
from reportgen.errors import ReportgenError


class BreakdownSpec(Frozen):
    by: str
    figures: tuple[str, ...]


class FormMetadata(Frozen):
    """A document form's metadata (GB/T 9704): declared per document, overridden per period."""

    mark: str | None = None            # 发文机关标志, or the name of a 简报: printed in red
    issuer: str | None = None          # 发文机关署名; the issuing body of a 简报
    number_prefix: str | None = None   # 机关代字 of the 发文字号, e.g. 龙府字
    number: int | None = Field(default=None, ge=1)  # 发文字号's 顺序号; a 简报's 期数
    signer: str | None = None          # 签发人 of a 上行文
    recipient: str | None = None       # 主送机关
    attachments: tuple[str, ...] = ()  # 附件说明
    copy_to: tuple[str, ...] = ()      # 抄送机关
    printer: str | None = None         # 印发机关
    print_date: dt.date | None = None  # 印发日期
    date: dt.date | None = None        # 成文日期


FORMS = ("report", "upward", "brief")


class DocumentSpec(Frozen):
    template: str
    title: str | None = None
    breakdown: BreakdownSpec | None = None
    compare_with_previous_year: bool = False
    compare_with_previous_period: bool = False
    form: Literal["report", "upward", "brief"] | None = None
    reference_docx: str | None = None
    metadata: FormMetadata = Field(default_factory=FormMetadata)
    periods: dict[str, FormMetadata] = Field(default_factory=dict)


#: The metadata a form cannot do without (documents.<name>.metadata, or every period's entry).
FORM_REQUIRES = {"report": ("issuer",), "upward": ("mark", "issuer", "number_prefix", "signer", "recipient"),
                 "brief": ("issuer",)}


def form_problems(doc: DocumentSpec, root: Path) -> list[tuple[tuple, str, Any]]:
    """(key path under the document, message, value) for each thing its form lacks or gets wrong."""
    problems = []
    if doc.reference_docx is not None and not (root / doc.reference_docx).is_file():
        problems.append((("reference_docx",), "reference DOCX not found (a path from the project folder)",
                         doc.reference_docx))
    for period in doc.periods:
        try:
            parse_period(period)
        except ReportgenError:
            problems.append((("periods", period), "not a period such as 2023H1", period))
    for key in FORM_REQUIRES.get(doc.form, ()):
        entries = list(doc.periods.values())
        if getattr(doc.metadata, key) is None and not (entries and all(getattr(e, key) for e in entries)):
            problems.append((("metadata", key), f"form {doc.form} needs this key", None))
    return problems
