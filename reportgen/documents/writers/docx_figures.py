"""Table titles, number columns and charts into the DOCX, for reportgen.documents.writers.docx.

表题 above a table, 图题 below a chart, numbers right-aligned, rows kept whole, and the chart's
300-dpi PNG with its alt text.
"""

from __future__ import annotations

import io

from docx.shared import Mm

from reportgen.documents.model import Chart, Table
from reportgen.documents.writers.docx_styles import keep_with_next as keep
from reportgen.documents.writers.ooxml import PPR_ORDER, child, set_attrs

TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
               "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
               "tblLook", "tblCaption", "tblDescription")
TRPR_ORDER = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit",
              "trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden")


def write_caption(doc, text: str, keep_with_next: bool = False) -> None:
    """A table title (表题, above its table) or chart title (图题, below its chart): 黑体, centred."""
    from reportgen.documents.writers.docx import add_paragraph
    from reportgen.documents.writers.docx_styles import TABLE_STYLES

    style, _look = TABLE_STYLES["caption"]
    paragraph = add_paragraph(doc, style, (text,))  # the font comes from the style
    if keep_with_next:
        keep(paragraph)


def align_table(grid, table: Table) -> None:
    """Number columns right-aligned, row headers and other body cells left-aligned (as in the PDF);
    rows never split across pages, and the last two rows go to a new page together (never a 合计
    row alone under the repeated header: style.css does the same)."""
    from reportgen.documents.writers.html import numeric_columns
    from reportgen.documents.writers.table_columns import CELL_MARGIN_PT

    numeric = numeric_columns(table)
    first_body_row = 1 if table.header else 0
    margins = child(grid._tbl.tblPr, "tblCellMar", TBLPR_ORDER)  # the PDF's cell padding, as column widths assume
    for side in ("left", "right"):
        set_attrs(child(margins, side, ("top", "left", "start", "bottom", "right", "end")),
                  w=round(CELL_MARGIN_PT * 20), type="dxa")
    for r, row in enumerate(grid.rows):
        set_attrs(child(row._tr.get_or_add_trPr(), "cantSplit", TRPR_ORDER), val=1)
        for n, cell in enumerate(row.cells):
            align = "right" if numeric[n] else "left" if r >= first_body_row else None
            if align:
                set_attrs(child(cell.paragraphs[0]._p.get_or_add_pPr(), "jc", PPR_ORDER), val=align)
            if r == len(grid.rows) - 2 and r >= first_body_row:  # Word and LibreOffice keep it with the last
                for paragraph in cell.paragraphs:
                    keep(paragraph)


def write_chart(doc, chart: Chart) -> None:
    """The chart's 300-dpi PNG, centred in a paragraph of its own height, with its alt text; its
    title below it."""
    from reportgen.documents.charts import WIDTH_MM
    from reportgen.documents.writers.docx_styles import set_indent

    if not chart.png:
        raise ValueError(f"chart {chart.name!r} was never drawn (documents.charts.draw_charts)")
    paragraph = doc.add_paragraph()
    pPr = paragraph._p.get_or_add_pPr()
    set_attrs(child(pPr, "keepNext", PPR_ORDER), val=1)
    set_attrs(child(pPr, "snapToGrid", PPR_ORDER), val=0)
    set_attrs(child(pPr, "spacing", PPR_ORDER), before=0, after=0, line=240, lineRule="auto")
    set_indent(pPr, False)
    set_attrs(child(pPr, "jc", PPR_ORDER), val="center")
    shape = paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Mm(WIDTH_MM))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", chart.alt)
    doc_pr.set("title", chart.caption)
    write_caption(doc, chart.caption)
