"""A document form's components (reportgen.documents.forms) as HTML, styled by the forms section of style.css.

    p.form-mark            发文机关标志 (red 小标宋)       p.form-number-line   发文字号 + 签发人
    div.form-red-line      the red separator line         p.form-recipient     主送机关
    p.form-attachments     附件说明                         p.form-signature / p.form-date  署名, 成文日期
    div.form-imprint       版记, held at the foot of the last page by div.form-imprint-space
    div.form-brief         简报 masthead: h1.form-brief-name (red, the title), p.form-brief-issue, p.form-brief-line
"""

from __future__ import annotations

from html import escape

from reportgen.documents import forms

CHAR = "calc(156mm / 28)"  # one character of the grid, as the body's text-indent counts it


def _text(text: str) -> str:
    return escape(text, quote=False)


def _inset(chars: float) -> str:
    return f'style="padding-right: calc({chars:g} * 156mm / 28)"'


def component(part: forms.Component) -> list[str]:
    """The HTML of one form component."""
    if isinstance(part, forms.IssuerMark):
        return [f'<p class="form-mark">{_text(part.text)}</p>']
    if isinstance(part, forms.NumberLine):
        signer = ""
        if part.signer:
            signer = (f'<span class="form-signer">签发人：<span class="form-signer-name">'
                      f"{_text(part.signer)}</span></span>")
        return [f'<p class="form-number-line"><span class="form-number">{_text(part.number)}</span>{signer}</p>',
                '<div class="form-red-line" role="separator"></div>']
    if isinstance(part, forms.BriefMasthead):
        issue = f'<p class="form-brief-issue">{_text(part.issue)}</p>' if part.issue else ""
        return ['<div class="form-brief">', f'<h1 class="title form-brief-name">{_text(part.name)}</h1>', issue,
                f'<p class="form-brief-line"><span>{_text(part.issuer)}</span><span>{_text(part.date)}</span></p>',
                '<div class="form-red-line" role="separator"></div>', "</div>"]
    if isinstance(part, forms.Recipient):
        return [f'<p class="form-recipient">{_text(part.text)}</p>']
    if isinstance(part, forms.Attachments):
        return [f'<p class="form-attachments{" first" if n == 0 else ""}">{_text(line)}</p>'
                for n, line in enumerate(part.lines())]
    if isinstance(part, forms.Signature):
        return [f'<p class="form-signature" {_inset(part.issuer_inset)}>{_text(part.issuer)}</p>',
                f'<p class="form-date" {_inset(part.date_inset)}>{_text(part.date)}</p>']
    if isinstance(part, forms.Imprint):
        copy = ""
        if part.copy_to:
            copy = f'<p class="form-copy-to">{_text(part.lines()[0])}</p>'
        printed = (f'<p class="form-printed"><span>{_text(part.printer)}</span>'
                   f"<span>{_text(part.print_date)}印发</span></p>")
        return ['<div class="form-imprint-space">', '<div class="form-imprint">', copy, printed, "</div>",
                "</div>"]
    raise TypeError(f"unknown form component {part!r}")  # pragma: no cover - forms has no other


def parts(components: tuple[forms.Component, ...]) -> list[str]:
    """The HTML of a run of components, empty strings left out."""
    return [html for part in components for html in component(part) if html]
