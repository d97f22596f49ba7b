"""The few WordprocessingML moves python-docx has no API for: children in schema order, attributes."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# Schema order of the children we touch: Word rejects out-of-order elements.
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange",
)  # fmt: skip
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr",
    "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish",
    "oMath",
)  # fmt: skip


def child(parent, tag: str, order: tuple[str, ...]):
    """The `w:tag` child of `parent`, created in schema order if missing."""
    found = parent.find(qn(f"w:{tag}"))
    if found is not None:
        return found
    new = OxmlElement(f"w:{tag}")
    later = {qn(f"w:{t}") for t in order[order.index(tag) + 1 :]}
    for existing in parent:
        if existing.tag in later:
            existing.addprevious(new)
            return new
    parent.append(new)
    return new


def set_attrs(element, **attrs: str | int) -> None:
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), str(value))


def drop_attrs(element, names: tuple[str, ...]) -> None:
    for name in names:
        element.attrib.pop(qn(f"w:{name}"), None)
