"""The document model out to one self-contained HTML5 page, styled for GB/T 9704-2012.

The page is what WeasyPrint lays out into the PDF (reportgen.documents.writers.pdf), and it stands alone:
the stylesheet is inlined, so the file can be opened or printed without templates/.

Element and class names (style.css keys on the classes):

    h1.title            title (方正小标宋简体)      p.subtitle / p.date / p.speaker   楷体, centred
    p.salutation        "各位代表：", flush left     h2.h1 / h3.h2 / h4.h3             heading levels 1-3
    p.p                 body paragraph (仿宋)        p.p.noindent                     no first-line indent
    span.lead           lead sentence (楷体)         table.table                      a simple grid
    caption             table title (表题)           th.num / td.num                  a number column
    figure.chart        a chart (SVG, alt text)       figcaption                       its title (图题)

The title is the page's only h1 and the headings sit one level below it, so WeasyPrint's PDF
outline (bookmarks) nests them under the title.  Output is a pure function of its input.
"""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from reportgen import resources
from reportgen.documents.model import Chart, Document, Heading, Paragraph, Table
from reportgen.errors import InputError, Problem

#: The shipped style.css (package data, or templates/ of a checkout): the GB/T 9704 page in CSS.
DEFAULT_CSS = resources.default_templates() / "style.css"


def _text(text: str) -> str:
    return escape(text, quote=False)


def _lines(text: str) -> str:
    """Escape text whose explicit line breaks matter (a long title set as a trapezoid)."""
    return "<br>".join(_text(line.strip()) for line in text.strip().split("\n"))


def _read_css(css_path: Path) -> str:
    try:
        css = css_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(
            Problem(f"cannot read the stylesheet: {reason}", file=str(css_path))
        ) from exc
    if "</style" in css.lower():
        raise InputError(Problem("the stylesheet must not contain '</style'", file=str(css_path)))
    return css.strip()


def _paragraph(block: Paragraph) -> str:
    parts = []
    for run in block.runs:
        if run.lead:
            parts.append(f'<span class="lead">{_text(run.text)}</span>')
        else:
            parts.append(_text(run.text))
    cls = "p" if block.indent else "p noindent"
    return f'<p class="{cls}">{"".join(parts)}</p>'


def _heading(block: Heading) -> str:
    level = min(max(block.level, 1), 3)
    tag = f"h{level + 1}"
    return f'<{tag} class="h{level}">{_text(block.text)}</{tag}>'


# --- Tables and charts -----------------------------------------------------------------------

_NUMBER = re.compile(r"^[-+]?\d")
_NUM = ' class="num"'


def numeric_columns(table: Table) -> list[bool]:
    """Columns whose every body cell states a number (or "—"): set right-aligned."""
    width = max([len(table.header), *(len(row) for row in table.rows)], default=0)
    return [bool(table.rows) and n > 0 and all(
        n < len(row) and (_NUMBER.match(row[n]) or row[n] == "—") for row in table.rows)
        for n in range(width)]


def _table(block: Table) -> str:
    """A table with its title as caption, column headers and row headers (th with scope)."""
    numeric = numeric_columns(block)
    out = ['<table class="table">']
    if block.caption:
        out.append(f"<caption>{_text(block.caption)}</caption>")
    if block.header:
        cells = "".join(f'<th scope="col"{_NUM if numeric[n] else ""}>{_text(c)}</th>'
                        for n, c in enumerate(block.header))
        out.append(f"<thead><tr>{cells}</tr></thead>")
    out.append("<tbody>")
    for row in block.rows:
        cells = []
        for n, c in enumerate(row):
            if n == 0:
                cells.append(f'<th scope="row">{_text(c)}</th>')
            else:
                cells.append(f'<td{_NUM if numeric[n] else ""}>{_text(c)}</td>')
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _chart(block: Chart) -> str:
    """A drawn chart: its PNG inline as an image with its alt text, the 图题 below it."""
    if not block.png:
        raise ValueError(f"chart {block.name!r} was never drawn (documents.charts.draw_charts)")
    data = base64.b64encode(block.png).decode("ascii")
    return (f'<figure class="chart"><img src="data:image/png;base64,{data}" '
            f'alt="{escape(block.alt, quote=True)}">'
            f"<figcaption>{_text(block.caption)}</figcaption></figure>")


def form_parts(document: Document) -> tuple[list[str], list[str], list[str]]:
    """The HTML of the form's parts (reportgen.documents.forms) that go before the title, after the
    body and at the end; those right after the title block (主送机关) go with the title block."""
    form = document.form
    if form is None:
        return [], [], []
    from reportgen.documents.writers import html_forms

    return (html_forms.parts(form.header), html_forms.parts(form.closing),
            html_forms.parts(form.end))


def render_html(document: Document, css_path: Path | None = None) -> str:
    """Return a complete, standalone HTML5 page for `document`, with `css_path` inlined.

    `css_path` defaults to templates/style.css; an unreadable stylesheet raises InputError.
    """
    css = _read_css(Path(css_path) if css_path is not None else DEFAULT_CSS)
    tb = document.title_block
    lang = escape(document.lang or "zh-CN")
    title_line = "".join(
        line.strip() for line in tb.title.strip().split("\n")
    )  # no spaces in Chinese

    opening = []  # a 简报's masthead stands in for the title
    if document.form is None or not document.form.replaces_title:
        opening.append(f'<h1 class="title">{_lines(tb.title)}</h1>')
    for cls, value in (
        ("subtitle", tb.subtitle),
        ("date", tb.date),
        ("speaker", tb.speaker),
        ("salutation", tb.salutation),
    ):
        if value:
            opening.append(f'<p class="{cls}">{_text(value)}</p>')
    if document.form is not None:
        from reportgen.documents.writers.html_forms import parts

        opening.extend(parts(document.form.opening))
    header, closing, end = form_parts(document)
    opening = header + opening
    body: list[str] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            body.append(_paragraph(block))
        elif isinstance(block, Heading):
            body.append(_heading(block))
        elif isinstance(block, Table):
            body.append(_table(block))
        elif isinstance(block, Chart):
            body.append(_chart(block))
        else:  # pragma: no cover - the model has no other block
            raise TypeError(f"cannot render block {block!r}")

    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{lang}">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{_text(title_line)}</title>",
            f"<style>\n{css}\n</style>",
            "</head>",
            "<body>",
            "<header>",
            *opening,
            "</header>",
            "<main>",
            *body,
            *closing,
            "</main>",
            *end,
            "</body>",
            "</html>",
            "",
        ]
    )
