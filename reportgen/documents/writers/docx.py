"""Write the document model out as a DOCX in the styles of a reference DOCX (default: GB/T 9704-2012)."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from collections.abc import Iterator

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.shared import Emu, Length, Pt

from reportgen.documents.model import TITLE_KEYS, Chart, Document, Heading, Paragraph, Table
from reportgen.documents.writers.docx_figures import align_table, write_caption, write_chart
from reportgen.documents.writers.docx_forms import form_styles, write_form_parts
from reportgen.documents.writers.docx_reference import open_reference
from reportgen.documents.writers.docx_styles import (
    LEAD_STYLE,
    TABLE_STYLES,
    TITLE_BLOCK_STYLES,
    set_indent,
    set_style,
)
from reportgen.documents.writers.ooxml import RPR_ORDER, child, set_attrs
from reportgen.documents.writers.table_columns import column_widths
from reportgen.errors import InputError, Problem

# C0 controls other than tab and newline, lone surrogates, U+FFFE/U+FFFF: XML 1.0 cannot hold them.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def write_docx(
    document: Document, path: pathlib.Path, *, created: dt.datetime | None = None,
    reference: pathlib.Path | None = None,
) -> None:
    """Write `document` to `path` as a DOCX; raise InputError if its text cannot go into XML or
    the reference lacks a style the document needs.

    Styles, page setup, headers and footers and numbering are the reference DOCX's (default: the
    project's GB/T 9704 reference.docx).  `created` stamps the core properties (default: now);
    word/document.xml never depends on it.
    """
    check_text(document)
    doc = open_reference(reference, needed_styles(document))
    form = document.form
    if form is not None:
        write_form_parts(doc, form.header)
    write_title_block(doc, document)
    if form is not None:
        write_form_parts(doc, form.opening)
    for block in document.blocks:
        if isinstance(block, Heading):
            write_heading(doc, block)
        elif isinstance(block, Paragraph):
            write_paragraph(doc, block)
        elif isinstance(block, Table):
            write_table(doc, block)
        elif isinstance(block, Chart):
            write_chart(doc, block)
        else:
            raise TypeError(f"unknown block type {type(block).__name__}")
    if form is not None:
        write_form_parts(doc, form.closing)
        write_form_parts(doc, form.end)
    set_core_properties(doc, document, created)
    doc.save(str(path))


def needed_styles(document: Document) -> dict[str, str]:
    """The styles the document's paragraphs, runs and tables use, with what each is for."""
    needed = {"Normal": "the body"}
    for key in TITLE_KEYS:
        if getattr(document.title_block, key):
            needed[TITLE_BLOCK_STYLES[key][0]] = f"the title block's {key}"
    for block in document.blocks:
        if isinstance(block, Heading):
            needed[f"Heading {block.level}"] = f"level {block.level} headings"
        elif isinstance(block, Paragraph) and any(run.lead for run in block.runs):
            needed[LEAD_STYLE] = "lead sentences (a character style)"
        elif isinstance(block, Table):
            needed["Table Grid"] = "tables (a table style)"
            needed.update({style: "tables" for style, _ in TABLE_STYLES.values()})
    if document.form is not None:
        needed.update(form_styles(document.form))
    return needed


def iter_texts(document: Document) -> Iterator[tuple[str, str]]:
    """Every string the writer puts into the DOCX, with where it comes from."""
    for key in TITLE_KEYS:
        value = getattr(document.title_block, key)
        if value:
            yield f"title block {key}", value
    for n, block in enumerate(document.blocks, start=1):
        if isinstance(block, Table):
            if block.caption:
                yield f"block {n} (table title)", block.caption
            for cells in (block.header, *block.rows):
                for cell in cells:
                    yield f"block {n} (table cell)", cell
        else:
            kind = "heading" if isinstance(block, Heading) else "paragraph"
            yield f"block {n} ({kind})", block.text
    form = document.form
    for part in (*form.header, *form.opening, *form.closing, *form.end) if form else ():
        for line in part.lines():
            yield f"{form.kind} form ({type(part).__name__})", line


def check_text(document: Document) -> None:
    """Raise InputError naming every string that holds a character XML cannot carry."""
    problems = [
        Problem(f"{where} starting {text[:20]!r} contains the control character U+{ord(bad):04X}")
        for where, text in iter_texts(document)
        for bad in FORBIDDEN_CHARS.findall(text)[:1]
    ]
    if problems:
        raise InputError(problems)


def add_paragraph(doc, style: str | None, texts: tuple[str, ...] = ()):
    """A paragraph in `style` (None: Normal) of runs in the paragraph's font."""
    paragraph = doc.add_paragraph()
    set_style(paragraph, style)
    for text in texts:
        add_run(paragraph, text)
    return paragraph


def add_run(paragraph, text: str, style: str | None = None):
    """A run whose fonts come from its styles; the eastAsia hint sends “ ” — … to the Chinese font."""
    run = paragraph.add_run(text)
    set_style(run, style)
    set_attrs(child(run._r.get_or_add_rPr(), "rFonts", RPR_ORDER), hint="eastAsia")
    return run


def write_title_block(doc, document: Document) -> None:
    """Title, a blank line, then subtitle, date line, speaker line and salutation; a blank line
    before the body unless the salutation (or a form's 主送机关) leads into it, as in style.css."""
    title_block = document.title_block
    replaced = document.form is not None and document.form.replaces_title  # by a 简报's masthead
    last = None
    for key in TITLE_KEYS:
        value = getattr(title_block, key)
        if key == "title" and replaced:
            continue
        if value:
            add_paragraph(doc, TITLE_BLOCK_STYLES[key][0], (value,))
            last = key
        if key == "title":
            add_paragraph(doc, None)  # GB/T 9704: one blank line below the title
    opening = document.form is not None and document.form.opening
    if last not in (None, "title", "salutation") and not replaced and not opening:
        add_paragraph(doc, None)


def write_heading(doc, heading: Heading) -> None:
    add_paragraph(doc, f"Heading {heading.level}", (heading.text,))


def write_paragraph(doc, paragraph: Paragraph) -> None:
    written = add_paragraph(doc, None)
    for run in paragraph.runs:
        add_run(written, run.text, LEAD_STYLE if run.lead else None)
    if not paragraph.indent:
        set_indent(written._p.get_or_add_pPr(), False)


def write_table(doc, table: Table) -> None:
    """A centred grid of single 0.5 pt lines; the header row repeats on each page."""
    rows = [(cells, TABLE_STYLES["cell"]) for cells in table.rows]
    if table.header:
        rows.insert(0, (table.header, TABLE_STYLES["header"]))
    width = max((len(cells) for cells, _ in rows), default=0)
    if not width:
        return
    if table.caption:
        write_caption(doc, table.caption, keep_with_next=True)
    grid = doc.add_table(rows=len(rows), cols=width)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    section = doc.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin
    widths = [Emu(int(Pt(points))) for points in column_widths(
        table.header, table.rows, TABLE_STYLES["cell"][1].size, Length(text_width).pt)]
    for column, column_width in zip(grid.columns, widths, strict=True):
        column.width = column_width  # w:gridCol, which LibreOffice reads; Word reads w:tcW below
    for row, (cells, (style, _look)) in zip(grid.rows, rows, strict=True):
        for n, cell in enumerate(row.cells):
            cell.width = widths[n]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            set_style(paragraph, style)
            if n < len(cells):
                add_run(paragraph, cells[n])
    if table.header:
        trPr = grid.rows[0]._tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:tblHeader"))
    align_table(grid, table)


def set_core_properties(doc, document: Document, created: dt.datetime | None) -> None:
    stamp = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    props = doc.core_properties
    props.title = document.title_block.title
    props.language = document.lang
    props.author = props.last_modified_by = props.comments = ""
    props.revision = 1
    props.created = props.modified = stamp
    # The template's thumbnail shows an empty page, not this document.
    package_rels = doc.part.package.rels
    for rId in [rId for rId, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rId]
