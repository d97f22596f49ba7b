"""reference.docx: the shipped one is what its script makes; an office's own styles and page setup carry over."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import REPO, copy_project
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx_helpers import NS, Styles, read_part, w

from reportgen.build import build
from reportgen.cli import main
from reportgen.engine.project import load_project
from reportgen.errors import InputError

SHIPPED = REPO / "templates" / "reference.docx"
OFFICE_FONT = "宋体"
OFFICE_MARGIN = Mm(30)
OFFICE_HEADER = "龙下乡人民政府办公室"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def twips(length) -> str:
    return str(round(length / 635))


def test_shipped_reference_is_what_the_script_makes(tmp_path):
    made = tmp_path / "reference.docx"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_reference_docx.py"), str(made)], check=True,
                   capture_output=True, timeout=120)
    assert parts(made) == parts(SHIPPED)


def office_reference(path: Path, drop_style: str | None = None) -> Path:
    """The shipped reference as an office would change it in Word: another body font, wider margins."""
    reference = docx.Document(str(SHIPPED))
    normal = reference.styles["Normal"]
    fonts = normal.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attr in ("eastAsia", "ascii", "hAnsi"):
        fonts.set(qn(f"w:{attr}"), OFFICE_FONT)
    normal.font.size = Pt(15)
    section = reference.sections[0]
    section.left_margin = section.right_margin = OFFICE_MARGIN
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = OFFICE_HEADER
    if drop_style:
        element = reference.styles[drop_style].element
        element.getparent().remove(element)
    reference.save(str(path))
    return path


def declare_reference(project: Path, name: str) -> None:
    registry = project / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    old = "  report:\n    template: report.md.j2\n"
    assert old in text
    registry.write_text(text.replace(old, old + f"    reference_docx: {name}\n", 1), encoding="utf-8")


def assert_carries_office_styles(path: Path) -> None:
    styles = Styles(read_part(path, "word/styles.xml"))
    assert styles.style_property("Normal", "rPr", "rFonts", "eastAsia") == OFFICE_FONT
    assert styles.style_property("Normal", "rPr", "sz") == "30"
    body = read_part(path, "word/document.xml")
    margins = body.find(".//w:sectPr/w:pgMar", NS)
    assert margins.get(w("left")) == margins.get(w("right")) == twips(OFFICE_MARGIN)
    paragraph = next(p for p in body.iter(w("p")) if styles.paragraph_style_id(p) == "Normal"
                     and p.find("w:r/w:t", NS) is not None)
    run = paragraph.find("w:r", NS)
    assert styles.run_property(run, "rFonts", "eastAsia") == OFFICE_FONT  # no run names another font
    built = docx.Document(str(path)).sections[0]
    assert built.header.paragraphs[0].text == OFFICE_HEADER
    assert "PAGE" in "".join(t.text or "" for t in built.footer._element.iter(qn("w:instrText")))


def test_declared_reference_docx_gives_the_office_font_and_margins(tmp_path):
    project = copy_project(tmp_path / "p")
    office_reference(project / "office.docx")
    declare_reference(project, "office.docx")
    loaded = load_project(project)
    result = build(loaded, loaded.timeframe(), tmp_path / "out", ("report",), formats=("docx",), record=False)
    assert_carries_office_styles(result.folder / "report.docx")


def test_a_reference_in_the_projects_templates_overrides_the_shipped_one(tmp_path):
    project = copy_project(tmp_path / "p")
    office_reference(project / "templates" / "reference.docx")
    loaded = load_project(project)
    result = build(loaded, loaded.timeframe(), tmp_path / "out", ("report",), formats=("docx",), record=False)
    assert_carries_office_styles(result.folder / "report.docx")


@pytest.fixture(scope="module")
def office_project(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("office") / "p")
    text = (project / "figures.yaml").read_text(encoding="utf-8")
    (project / "figures.yaml").write_text(text.replace(
        "    template: report.md.j2\n    form: upward\n",
        "    template: report.md.j2\n    form: upward\n    reference_docx: office.docx\n"), encoding="utf-8")
    return project


def test_reference_without_a_needed_style_stops_the_build_naming_it(office_project, tmp_path, capsys):
    office_reference(office_project / "office.docx", drop_style="Issuer Mark")
    out = tmp_path / "out"
    code = main(["--root", str(office_project), "build", "--documents", "report_county", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "no style 'Issuer Mark'" in err and "office.docx" in err
    assert not (out / "2023H1").exists()


@pytest.mark.parametrize("style", ["Lead Sentence", "Heading 1", "Signature", "Imprint"])
def test_each_style_the_document_uses_is_required(office_project, tmp_path, style):
    office_reference(office_project / "office.docx", drop_style=style)
    loaded = load_project(office_project)
    with pytest.raises(InputError, match=f"no style {style!r}") as caught:
        build(loaded, loaded.timeframe(), tmp_path / "out", ("report_county",), formats=("docx",), record=False)
    assert caught.value.exit_code == 2


def test_missing_reference_file_is_named(tmp_path, capsys):
    project = copy_project(tmp_path / "p")
    declare_reference(project, "missing.docx")
    code = main(["--root", str(project), "build", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "documents.report.reference_docx" in err and "missing.docx" in err
