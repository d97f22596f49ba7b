"""Read a written DOCX back for tests: its parts as XML, properties resolved as Word resolves them."""

from __future__ import annotations

import pathlib
import posixpath
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"w": W_NS, "r": R_NS}


def w(name: str) -> str:
    """Clark name of a WordprocessingML tag or attribute: w("eastAsia") -> "{…/main}eastAsia"."""
    return f"{{{W_NS}}}{name}"


def read_part(path: pathlib.Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(name))


def footer_parts(path: pathlib.Path) -> dict[str, etree._Element]:
    """The footers the section references, by footerReference type ("default", "even", …)."""
    document = read_part(path, "word/document.xml")
    rels = read_part(path, "word/_rels/document.xml.rels")
    targets = {
        rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship")
    }
    footers = {}
    for ref in document.iterfind(".//w:sectPr/w:footerReference", NS):
        target = targets[ref.get(f"{{{R_NS}}}id")]
        footers[ref.get(w("type"))] = read_part(path, posixpath.join("word", target))
    return footers


def paragraph_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


def body_lines(document: etree._Element) -> list[str]:
    """The body's non-empty paragraphs in order; a table row is its cells joined by a space."""
    lines = []
    for element in document.find("w:body", NS):
        if element.tag == w("p"):
            text = paragraph_text(element)
            if text:
                lines.append(text)
        elif element.tag == w("tbl"):
            for row in element.iterfind("w:tr", NS):
                cells = row.iterfind("w:tc", NS)
                lines.append(
                    " ".join("".join(paragraph_text(p) for p in c.iter(w("p"))) for c in cells)
                )
    return lines


class Styles:
    """styles.xml, resolving a property through direct formatting, styles and docDefaults."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.by_id = {s.get(w("styleId")): s for s in root.iterfind("w:style", NS)}
        self.defaults = root.find("w:docDefaults", NS)
        self.default_paragraph_style = next(
            s.get(w("styleId"))
            for s in root.iterfind("w:style", NS)
            if s.get(w("type")) == "paragraph" and s.get(w("default")) == "1"
        )

    def by_name(self, name: str) -> etree._Element:
        for style in self.by_id.values():
            if style.find("w:name", NS).get(w("val")).lower() == name.lower():
                return style
        raise KeyError(name)

    def chain(self, style_id: str | None):
        """The style and the styles it is based on, nearest first."""
        while style_id is not None:
            style = self.by_id[style_id]
            yield style
            based_on = style.find("w:basedOn", NS)
            style_id = based_on.get(w("val")) if based_on is not None else None

    def paragraph_style_id(self, p: etree._Element) -> str:
        p_style = p.find("w:pPr/w:pStyle", NS)
        return p_style.get(w("val")) if p_style is not None else self.default_paragraph_style

    def paragraph_property(self, p: etree._Element, tag: str, attr: str) -> str | None:
        """A pPr attribute (e.g. "ind", "firstLineChars") as Word resolves it for paragraph p."""
        holders = [p.find("w:pPr", NS)]
        holders += [s.find("w:pPr", NS) for s in self.chain(self.paragraph_style_id(p))]
        holders.append(self.defaults.find("w:pPrDefault/w:pPr", NS))
        return _first_attr(holders, tag, attr)

    def run_property(self, r: etree._Element, tag: str, attr: str = "val") -> str | None:
        """An rPr attribute (e.g. "rFonts", "eastAsia") as Word resolves it for run r."""
        holders = [r.find("w:rPr", NS)]
        r_style = r.find("w:rPr/w:rStyle", NS)
        if r_style is not None:
            holders += [s.find("w:rPr", NS) for s in self.chain(r_style.get(w("val")))]
        p = r.getparent()
        holders += [s.find("w:rPr", NS) for s in self.chain(self.paragraph_style_id(p))]
        holders.append(self.defaults.find("w:rPrDefault/w:rPr", NS))
        return _first_attr(holders, tag, attr)

    def style_property(self, name: str, kind: str, tag: str, attr: str = "val") -> str | None:
        """A "pPr" or "rPr" attribute of the named style, following basedOn."""
        holders = [
            s.find(f"w:{kind}", NS) for s in self.chain(self.by_name(name).get(w("styleId")))
        ]
        return _first_attr(holders, tag, attr)


def _first_attr(holders, tag: str, attr: str) -> str | None:
    for holder in holders:
        if holder is None:
            continue
        element = holder.find(f"w:{tag}", NS)
        if element is not None and element.get(w(attr)) is not None:
            return element.get(w(attr))
    return None
