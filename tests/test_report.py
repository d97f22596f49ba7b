"""The half-year report end to end: readings of the seed, formats agreeing, fonts, failures."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import REPO, copy_project

from reportgen.cli import main

GOLDEN = REPO / "tests" / "golden" / "report_2023H1.txt"
CJK = "\u4e00-\u9fff"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(" ".join(c.text for c in row.cells) for row in table.rows)
    return "\n".join(lines)


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    return re.sub("\u2014\\s*\\d+\\s*\u2014", "", text)  # page numbers sit between text lines


def html_text(path: Path) -> str:
    body = path.read_text(encoding="utf-8").split("<body", 1)[1].split(">", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def seed_readings() -> list[str]:
    lines = (REPO / "tests" / "data" / "seed_readings.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def report(h1_build):
    built = {d.name: d for d in h1_build.documents}["report"]
    return h1_build.folder, built


@pytest.mark.parametrize("reader, fmt", [(docx_text, "docx"), (pdf_text, "pdf"), (html_text, "html")])
def test_every_seed_reading_stands_in_its_sentence(report, reader, fmt):
    folder, built = report
    text = squeeze(reader(folder / built.files[fmt]))
    missing = [phrase for phrase in seed_readings() if squeeze(phrase) not in text]
    assert not missing, f"{fmt} lacks {missing}"


@pytest.mark.parametrize("reader, fmt", [(docx_text, "docx"), (pdf_text, "pdf"), (html_text, "html")])
def test_no_garbled_forms_and_no_ascii_punctuation_between_chinese(report, reader, fmt):
    folder, built = report
    text = reader(folder / built.files[fmt])
    for garbled in ("222715人", "40136人", "1979人", "819人", "1338人", "第次会议", "在委、政府"):
        assert garbled not in text
    assert not re.search(f"[{CJK}][,:;()!?][{CJK}]", text)


def test_docx_html_and_pdf_say_the_same(report):
    folder, built = report
    expected = squeeze(built.text)
    assert squeeze(docx_text(folder / built.files["docx"])) == expected
    assert squeeze(html_text(folder / built.files["html"])) == expected
    assert squeeze(pdf_text(folder / built.files["pdf"])) == expected


def test_golden_text(report):
    _folder, built = report
    if os.environ.get("REPORTGEN_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(built.text, encoding="utf-8")
    assert built.text == GOLDEN.read_text(encoding="utf-8"), "refresh with `make snapshot` if intended"


def test_pdf_embeds_every_font(report):
    folder, built = report
    listing = subprocess.run(["pdffonts", str(folder / built.files["pdf"])], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    assert listing
    assert all(line.split()[-5] == "yes" for line in listing), listing
    assert any("FandolFang" in line for line in listing)


def test_figures_json_states_every_figure_used_with_provenance(h1_build, repo_project):
    data = json.loads((h1_build.folder / "figures.json").read_text(encoding="utf-8"))
    used = data["documents"]["report"]["figures_used"]
    assert set(used) <= set(data["figures"]) and len(used) > 60
    for fid in used:
        figure = data["figures"][fid]
        assert figure["wording"] == str(h1_build.results.figures[fid])
        assert figure["provenance"]["kind"] in ("ledger", "formula", "registry")
    assert all(c["holds"] for c in data["checks"])


def test_libreoffice_converts_the_report(report, tmp_path):
    folder, built = report
    env = {**os.environ, "FONTCONFIG_FILE": str(REPO / "templates" / "fonts.conf")}
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(folder / built.files["docx"])],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    text = squeeze(pdf_text(tmp_path / "report.pdf"))
    # LibreOffice 7.4 reads w:overflowPunct="0" backwards and drops punctuation it hangs at a line end.
    hanging = "，。、；：！？”’）》"
    for line in built.text.splitlines():
        pattern = "".join(re.escape(c) + ("?" if c in hanging else "") for c in squeeze(line))
        assert re.search(pattern, text), line[:30]


def test_unknown_figure_fails_with_template_line_and_keeps_earlier_output(tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    assert main(["--root", str(root), "build"]) == 0
    before = {p.name: p.read_bytes() for p in (root / "output" / "2023H1").iterdir()}
    template = root / "templates" / "report.md.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "f.dibao_monthly_amount" in line)
    lines[at] = lines[at].replace("f.dibao_monthly_amount", "f.dibao_monthly_amout")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(root), "build"]) == 2
    err = capsys.readouterr().err
    assert f"templates/report.md.j2:{at + 1}" in err and "dibao_monthly_amout" in err
    after = {p.name: p.read_bytes() for p in (root / "output" / "2023H1").iterdir()}
    assert after == before
    assert not [p for p in (root / "output").iterdir() if p.name.startswith(".")]


def test_missing_meeting_detail_stops_the_build(tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    registry = root / "figures.yaml"
    registry.write_text(re.sub(r"(?m)^    session:.*\n", "", registry.read_text(encoding="utf-8")),
                        encoding="utf-8")
    assert main(["--root", str(root), "build"]) == 2
    err = capsys.readouterr().err
    assert "templates/report.md.j2" in err and "session" in err
    assert not (root / "output" / "2023H1").exists()
