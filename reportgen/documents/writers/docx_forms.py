"""A document form's components (reportgen.documents.forms) as DOCX paragraphs, and the styles they are set in.

Every look (red 小标宋 标志, the red line, 署名 …) lives in a named paragraph style of the
reference DOCX, so an office can restyle it in Word or WPS; the writer adds only what depends
on the text: the tab that puts 签发人 at the right, the insets of 署名 and 成文日期, the 版记's
rules and its place at the foot of the last page.
"""

from __future__ import annotations

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement

from reportgen.documents import forms
from reportgen.documents.writers.docx_styles import (
    BODY,
    FANGSONG,
    KAITI,
    LINE_PITCH,
    TEXT_WIDTH_MM,
    XIAOBIAOSONG,
    Look,
    apply_look,
    keep_with_next,
    set_fonts,
    set_style,
)
from reportgen.documents.writers.ooxml import PPR_ORDER, RPR_ORDER, child, set_attrs

CHAR_TWIPS = 320  # one 16 pt character
TEXT_TWIPS = round(TEXT_WIDTH_MM / 25.4 * 1440)
TEXT_HEIGHT_TWIPS = round((297 - 37 - 35) / 25.4 * 1440)  # the 版心's 225 mm
# 发文机关标志 [7.2.4]: its top edge 35 mm below the top of the 版心.  In an exact line of 1.25
# times its size (Word clips glyphs taller than an exact line) the glyphs' tops stand 1.95 mm
# below the line's top (measured in LibreOffice, Noto Serif CJK SC Bold standing in for
# 方正小标宋简体), so the space before is 35 mm less that.
MARK_LINE = round(forms.MARK_SIZE_PT * 1.25 * 20)
MARK_BEFORE = round((forms.MARK_TOP_MM - 1.95) / 25.4 * 1440)

MARK, NUMBER, SIGNER, RECIPIENT, ATTACHMENTS = ("Issuer Mark", "Document Number", "Signer Name",
                                                "Recipient", "Attachments")
SIGNATURE, SIGNING_DATE, IMPRINT = "Signature", "Signing Date", "Imprint"
BRIEF_NAME, BRIEF_ISSUE, BRIEF_LINE = "Brief Name", "Brief Issue", "Brief Line"

#: Paragraph styles: name -> (look, space before in twips, red text, red line below).
PARAGRAPH_STYLES = {
    MARK: (Look(XIAOBIAOSONG, forms.MARK_SIZE_PT, "center", False, snap_to_grid=False, line=MARK_LINE),
           MARK_BEFORE, True, False),
    # Two blank lines under the 标志, less what its taller line already gave.
    NUMBER: (Look(FANGSONG, align="left", indent=False), 2 * LINE_PITCH - (MARK_LINE - forms.MARK_SIZE_PT * 20),
             False, True),
    RECIPIENT: (Look(FANGSONG, align="left", indent=False), 0, False, False),
    ATTACHMENTS: (BODY, 0, False, False),
    SIGNATURE: (Look(FANGSONG, align="right", indent=False), LINE_PITCH, False, False),
    SIGNING_DATE: (Look(FANGSONG, align="right", indent=False), 0, False, False),
    IMPRINT: (Look(FANGSONG, 14, "left", False, snap_to_grid=False), 0, False, False),
    # The masthead on tight lines, so that a one-page brief keeps its tables on its page.
    BRIEF_NAME: (Look(XIAOBIAOSONG, 26, "center", False, snap_to_grid=False, line=520), 0, True, False),
    BRIEF_ISSUE: (Look(FANGSONG, align="center", indent=False, snap_to_grid=False, line=360), 0, False, False),
    BRIEF_LINE: (Look(FANGSONG, align="left", indent=False, snap_to_grid=False, line=400), 0, False, True),
}
USES = {
    forms.IssuerMark: (MARK,), forms.NumberLine: (NUMBER, SIGNER), forms.BriefMasthead: (BRIEF_NAME, BRIEF_ISSUE, BRIEF_LINE),
    forms.Recipient: (RECIPIENT,), forms.Attachments: (ATTACHMENTS,),
    forms.Signature: (SIGNATURE, SIGNING_DATE), forms.Imprint: (IMPRINT,),
}


def add_form_styles(styles) -> None:
    """Add the forms' paragraph styles and the 签发人 character style (for the default reference)."""
    normal = styles["Normal"]
    for name, (look, before, red, rule) in PARAGRAPH_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        apply_look(style, look)
        pPr = style.element.get_or_add_pPr()
        set_attrs(child(pPr, "spacing", PPR_ORDER), before=before)
        if red:
            set_attrs(child(style.element.get_or_add_rPr(), "color", RPR_ORDER), val=forms.RED)
        if rule:  # the red line as wide as the 版心; the number one character in, 签发人 at a right tab
            border = child(child(pPr, "pBdr", PPR_ORDER), "bottom", ("top", "left", "bottom", "right"))
            # 4 mm under the 发文字号's glyphs; the 简报's line close under its text
            set_attrs(border, val="single", sz=8, space=6 if name == NUMBER else 2, color=forms.RED)
            set_attrs(child(pPr, "ind", PPR_ORDER), firstLineChars=0, firstLine=CHAR_TWIPS)
            tab = OxmlElement("w:tab")
            set_attrs(tab, val="right", pos=TEXT_TWIPS - CHAR_TWIPS)
            child(pPr, "tabs", PPR_ORDER).append(tab)
        if name == BRIEF_LINE:
            set_attrs(child(pPr, "spacing", PPR_ORDER), after=0)
    signer = styles.add_style(SIGNER, WD_STYLE_TYPE.CHARACTER)
    set_fonts(signer.element.get_or_add_rPr(), KAITI)


def form_styles(form: forms.Form) -> dict[str, str]:
    """The styles the form's components are set in, with what each is for."""
    parts = (*form.header, *form.opening, *form.closing, *form.end)
    return {style: f"the {type(part).__name__} of the {form.kind} form"
            for part in parts for style in USES[type(part)]}


def _paragraph(doc, style: str, *runs: tuple[str, str | None]):
    paragraph = doc.add_paragraph()
    set_style(paragraph, style)
    for text, run_style in runs:
        run = paragraph.add_run(text)
        set_style(run, run_style)
        set_attrs(child(run._r.get_or_add_rPr(), "rFonts", RPR_ORDER), hint="eastAsia")
    return paragraph


def _right_inset(paragraph, chars: float) -> None:
    set_attrs(child(paragraph._p.get_or_add_pPr(), "ind", PPR_ORDER),
              rightChars=round(chars * 100), right=round(chars * CHAR_TWIPS))


def write_form_parts(doc, parts: tuple[forms.Component, ...]) -> None:
    """Write each component where the writer has got to."""
    for part in parts:
        if isinstance(part, forms.IssuerMark):
            _paragraph(doc, MARK, (part.text, None))
        elif isinstance(part, forms.NumberLine):
            runs = [(part.number, None)]
            if part.signer:
                runs += [("\t签发人：", None), (part.signer, SIGNER)]
            _paragraph(doc, NUMBER, *runs)
            doc.add_paragraph()  # the title stands two blank lines under the red line
        elif isinstance(part, forms.BriefMasthead):
            _paragraph(doc, BRIEF_NAME, (part.name, None))
            if part.issue:
                _paragraph(doc, BRIEF_ISSUE, (part.issue, None))
            _paragraph(doc, BRIEF_LINE, (part.issuer, None), ("\t" + part.date, None))
        elif isinstance(part, forms.Recipient):
            _paragraph(doc, RECIPIENT, (part.text, None))
        elif isinstance(part, forms.Attachments):
            doc.add_paragraph()
            for line in part.lines():
                _paragraph(doc, ATTACHMENTS, (line, None))
        elif isinstance(part, forms.Signature):
            signature = _paragraph(doc, SIGNATURE, (part.issuer, None))
            _right_inset(signature, part.issuer_inset)
            keep_with_next(signature)  # never a page's last line without its 成文日期 (style.css too)
            _right_inset(_paragraph(doc, SIGNING_DATE, (part.date, None)), part.date_inset)
        elif isinstance(part, forms.Imprint):
            write_imprint(doc, part)
        else:  # pragma: no cover - forms has no other component
            raise TypeError(f"unknown form component {part!r}")


def _element(tag: str, **attrs):
    element = OxmlElement(f"w:{tag}")
    set_attrs(element, **attrs)
    return element


def write_imprint(doc, imprint: forms.Imprint) -> None:
    """版记: one frame per line, as wide as the 版心, stacked at the foot of the text area of the
    page they end (the last); ruled 0.35 mm above and below and 0.25 mm between its lines.

    Each frame has the grid's exact height, so its place is known without laying the page out.
    (LibreOffice lays a table as wide as the text out inline, and one frame of several lines
    with rules between them as plain paragraphs.)"""
    lines = []
    if imprint.copy_to:
        lines.append(imprint.lines()[0])
    lines.append(f"{imprint.printer}\t{imprint.print_date}印发")
    inset = 280  # one 14 pt character in from each side
    for n, text in enumerate(lines):
        paragraph = _paragraph(doc, IMPRINT, (text, None))
        pPr = paragraph._p.get_or_add_pPr()
        top = TEXT_HEIGHT_TWIPS - (len(lines) - n) * LINE_PITCH
        frame = child(pPr, "framePr", PPR_ORDER)
        set_attrs(frame, w=TEXT_TWIPS, h=LINE_PITCH, hRule="exact", wrap="around", hAnchor="margin",
                  vAnchor="margin", xAlign="center", y=top)
        rules = child(pPr, "pBdr", PPR_ORDER)
        if n == 0:  # eighths of a point: 0.35 mm above the first line, 0.25 mm between
            rules.append(_element("top", val="single", sz=8, space=0, color="000000"))
        last = n == len(lines) - 1
        rules.append(_element("bottom", val="single", sz=8 if last else 6, space=0, color="000000"))
        set_attrs(child(pPr, "ind", PPR_ORDER), left=inset, right=inset)
        if "\t" in text:
            child(pPr, "tabs", PPR_ORDER).append(_element("tab", val="right", pos=TEXT_TWIPS - 2 * inset))
    doc.add_paragraph()  # the frames' anchor
