"""A reference DOCX (the office's own Word/WPS file, or the shipped GB/T 9704 one) opened as the base of a new document.

Its styles, page setup, headers and footers, settings and numbering carry over untouched; its
body text is dropped.  A style the document needs and the reference lacks is an input error
that names the style.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.oxml.ns import qn

from reportgen import resources
from reportgen.errors import InputError, Problem

DEFAULT_REFERENCE = "reference.docx"


def default_reference() -> Path:
    return resources.default_templates() / DEFAULT_REFERENCE


def open_reference(path: Path | None, needed: dict[str, str]):
    """The reference as a python-docx Document with an empty body; check it has the `needed` styles
    (style name -> what it is for)."""
    path = Path(path) if path is not None else default_reference()
    try:
        doc = docx.Document(str(path))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(Problem(f"cannot open the reference DOCX: {exc}", file=str(path),
                                 expected="a .docx saved by Word or WPS")) from None
    names = {style.name for style in doc.styles}
    missing = [(name, use) for name, use in needed.items() if name not in names]
    if missing:
        raise InputError([Problem(f"the reference DOCX has no style {name!r}", file=str(path),
                                  expected=f"a style named {name!r} for {use}; add it in Word or WPS "
                                           "(Styles pane, New Style), or start from the default reference.docx")
                          for name, use in missing])
    body = doc.element.body
    for element in list(body):
        if element.tag != qn("w:sectPr"):
            body.remove(element)
    return doc
