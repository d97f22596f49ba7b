"""Document forms: the 上行文 to the county (red 版头, 主送机关, numbered headings, 署名, 版记), the written
report's signature and date, the 简报 masthead; read back from the DOCX, the PDF and the HTML."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, copy_project
from docx_helpers import NS, Styles, body_lines, paragraph_text, read_part, w
from pdf_layout import (
    TEXT_HEIGHT_MM,
    TEXT_LEFT_MM,
    TEXT_TOP_MM,
    TEXT_WIDTH_MM,
    ink_bottom,
    ink_top,
    page_text,
    pages,
    red_rows,
    render,
    words,
)

from reportgen.build import build
from reportgen.cli import main
from reportgen.documents import forms

CHAR_MM = TEXT_WIDTH_MM / 28  # one character of the grid
TEXT_RIGHT_MM = TEXT_LEFT_MM + TEXT_WIDTH_MM
RED_CSS = re.compile(r"color:\s*(#ff0000|#f00|red|rgb\(255,\s*0,\s*0\))\s*;", re.I)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def date_words(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def built(h1_build, name: str):
    document = {d.name: d for d in h1_build.documents}[name]
    return {fmt: h1_build.folder / file for fmt, file in document.files.items()}, document


@pytest.fixture(scope="module")
def county(h1_build):
    return built(h1_build, "report_county")


@pytest.fixture(scope="module")
def meta(repo_project):
    """The 上行文's metadata for 2023H1 as figures.yaml declares it."""
    return forms.metadata_for(repo_project.registry.documents["report_county"], "2023H1")


def paragraphs(docx_path: Path) -> list:
    body = read_part(docx_path, "word/document.xml")
    return [p for p in body.iter(w("p")) if paragraph_text(p).strip()]


def docx_styles(docx_path: Path) -> Styles:
    return Styles(read_part(docx_path, "word/styles.xml"))


def text_runs(p):
    return [r for r in p.iterfind("w:r", NS) if r.find("w:t", NS) is not None]


# ------------------------------------------------------------------------------------------ DOCX


def test_make_report_writes_the_upward_report_in_every_format(county):
    files, document = county
    assert set(files) == {"docx", "html", "pdf"}
    assert all(path.is_file() for path in files.values())


def test_docx_header_red_mark_number_on_the_signer_line_and_red_line(county, meta):
    files, _ = county
    styles = docx_styles(files["docx"])
    mark, number = paragraphs(files["docx"])[:2]
    assert paragraph_text(mark) == meta.mark
    run = text_runs(mark)[0]
    assert styles.run_property(run, "color") == "FF0000"
    assert styles.run_property(run, "rFonts", "eastAsia") == "方正小标宋简体"
    assert styles.paragraph_property(mark, "jc", "val") == "center"
    text = paragraph_text(number)
    assert re.fullmatch(rf"{meta.number_prefix}〔{meta.date.year}〕[1-9]\d*号签发人：{meta.signer}", text)
    assert re.search(r"〔2023〕\d+号", text)
    assert number.find("w:r/w:tab", NS) is not None, "签发人 stands at a right tab"
    assert styles.paragraph_property(number, "pBdr/w:bottom", "color") == "FF0000"
    assert styles.paragraph_property(number, "pBdr/w:bottom", "val") == "single"
    assert styles.paragraph_property(number, "tabs/w:tab", "val") == "right"
    signer = text_runs(number)[-1]
    assert paragraph_text(signer) == meta.signer
    assert styles.run_property(signer, "rFonts", "eastAsia") == "楷体_GB2312"


def test_docx_recipient_then_numbered_headings(county, meta, h1_build):
    files, _ = county
    styles = docx_styles(files["docx"])
    lines = [paragraph_text(p) for p in paragraphs(files["docx"])]
    recipient = lines.index(meta.recipient + "：")
    assert lines[recipient].endswith("：")
    title = {d.name: d for d in h1_build.documents}["report_county"].title
    assert lines[recipient - 1] == title.replace("\n", "")  # the title (the blank line is empty)
    words_ = h1_build.timeframe.words()
    headings = [paragraph_text(p) for p in paragraphs(files["docx"])
                if styles.paragraph_style_id(p) == "Heading1"]
    assert headings == [f"一、{words_['review_heading']}", f"二、{words_['plan_heading']}"]
    run_in = [line for line in lines if line.startswith("（")]
    assert [line[:3] for line in run_in[:2]] == ["（一）", "（二）"]


def test_docx_ends_with_right_aligned_signature_and_date_then_the_imprint(county, meta):
    files, _ = county
    styles = docx_styles(files["docx"])
    ps = paragraphs(files["docx"])
    framed = [p for p in ps if p.find("w:pPr/w:framePr", NS) is not None]
    body = [p for p in ps if p.find("w:pPr/w:framePr", NS) is None]
    assert [paragraph_text(p) for p in body[-2:]] == [meta.issuer, date_words(meta.date)]
    for p in body[-2:]:
        assert styles.paragraph_property(p, "jc", "val") == "right"
        assert int(p.find("w:pPr/w:ind", NS).get(w("right"))) >= 2 * 320
    assert body[-2].find("w:pPr/w:keepNext", NS) is not None, "the 署名 stays with its 成文日期"
    assert ps[-len(framed):] == framed, "the 版记 comes last"
    assert [paragraph_text(p) for p in framed] == [f"抄送：{'，'.join(meta.copy_to)}。",
                                                   f"{meta.printer}{date_words(meta.print_date)}印发"]


@pytest.fixture(scope="module")
def libreoffice_county(county, tmp_path_factory):
    """The DOCX laid out by LibreOffice with the project's font aliases."""
    files, _ = county
    out = tmp_path_factory.mktemp("lo-county")
    env = {**os.environ, "FONTCONFIG_FILE": str(REPO / "templates" / "fonts.conf")}
    done = subprocess.run(["soffice", f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(files["docx"])],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    return out / "report_county.pdf"


def test_libreoffice_puts_the_mark_35mm_down_and_the_imprint_on_the_last_page(libreoffice_county, meta):
    first = words(libreoffice_county, 1)
    image = render(libreoffice_county, 1)
    mark = next(word for word in first if word.text == meta.mark)
    top = ink_top(image, mark, red=True) - TEXT_TOP_MM
    assert abs(top - forms.MARK_TOP_MM) < 0.5, top
    number = next(word for word in first if "〔2023〕" in word.text)
    rules = [row for row, share in red_rows(image) if share > 0.98]
    gap = rules[0] - ink_bottom(image, number)
    assert abs(gap - forms.RED_LINE_BELOW_NUMBER_MM) < 0.7, f"red line {gap:.2f} mm under the 发文字号"
    last = pages(libreoffice_county)
    assert all("印发" not in page_text(libreoffice_county, n) for n in range(1, last))
    printed = [word for word in words(libreoffice_county, last) if word.text.endswith("印发")]
    assert printed and TEXT_TOP_MM + TEXT_HEIGHT_MM - 12 < printed[0].bottom <= TEXT_TOP_MM + TEXT_HEIGHT_MM


# ------------------------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def page_one(county):
    files, _ = county
    return words(files["pdf"], 1), render(files["pdf"], 1)


def test_pdf_mark_is_red_and_its_top_edge_35mm_below_the_text_area(page_one, meta):
    found, image = page_one
    mark = found[0]
    assert mark.text == meta.mark
    assert mark.top < TEXT_TOP_MM + forms.MARK_TOP_MM  # pdftotext's box reaches above the glyphs
    top = ink_top(image, mark, red=True) - TEXT_TOP_MM
    assert abs(top - forms.MARK_TOP_MM) < 0.5, f"标志 top edge {top:.2f} mm below the 版心"
    assert abs((mark.left + mark.right) / 2 - (TEXT_LEFT_MM + TEXT_RIGHT_MM) / 2) < 1  # centred


def test_pdf_number_and_signer_share_a_line_with_the_red_line_4mm_under(page_one, meta):
    found, image = page_one
    number = next(word for word in found if re.fullmatch(r".*〔2023〕\d+号", word.text))
    signer = next(word for word in found if word.text == f"签发人：{meta.signer}")
    assert abs(number.top - signer.top) < 0.5 and abs(number.bottom - signer.bottom) < 0.5
    assert abs(number.left - (TEXT_LEFT_MM + CHAR_MM)) < 0.5  # one character in
    assert abs(signer.right - (TEXT_RIGHT_MM - CHAR_MM)) < 1  # one character in from the right
    mark = found[0]
    lines_between = (number.top - mark.bottom) / (28.95 * 25.4 / 72)
    assert 1.5 < lines_between < 3, "two blank lines under the 标志"
    rules = [top for top, share in red_rows(image) if share > 0.98]
    assert rules, "a red line as wide as the 版心"
    gap = rules[0] - ink_bottom(image, number)
    assert abs(gap - forms.RED_LINE_BELOW_NUMBER_MM) < 0.7, f"red line {gap:.2f} mm under the 发文字号"
    title = found[3]
    assert title.top > rules[-1] + 1.5 * 28.95 * 25.4 / 72, "two blank lines under the red line"


def test_pdf_recipient_flush_left_and_headings_numbered(county, page_one, meta, h1_build):
    found, _ = page_one
    recipient = next(word for word in found if word.text == meta.recipient + "：")
    assert abs(recipient.left - TEXT_LEFT_MM) < 0.3
    files, _ = county
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(files["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    period = h1_build.timeframe.words()
    for heading in (f"一、{period['review_heading']}", f"二、{period['plan_heading']}", "（一）", "（二）"):
        assert heading in text


def test_pdf_signature_and_date_right_aligned_and_imprint_at_the_foot_of_the_last_page(county, meta):
    files, _ = county
    last = pages(files["pdf"])
    for n in range(1, last):
        assert "印发" not in page_text(files["pdf"], n)
    found = [word for word in words(files["pdf"], last) if not re.fullmatch(r"—|\d+", word.text)]
    issuer = next(word for word in found if word.text == meta.issuer)
    date = next(word for word in found if word.text == date_words(meta.date))
    assert found.index(date) == found.index(issuer) + 1
    part = forms.signature(meta.issuer, meta.date)
    assert abs(date.right - (TEXT_RIGHT_MM - part.date_inset * CHAR_MM)) < 1
    assert abs(issuer.right - (TEXT_RIGHT_MM - part.issuer_inset * CHAR_MM)) < 1
    assert abs(date.left - (issuer.left + 2 * CHAR_MM)) < 1, "the date starts two characters right"
    imprint = found[found.index(date) + 1:]
    assert [word.text for word in imprint] == [f"抄送：{'，'.join(meta.copy_to)}。", meta.printer,
                                               f"{date_words(meta.print_date)}印发"]
    bottom = TEXT_TOP_MM + TEXT_HEIGHT_MM
    assert bottom - 5 < imprint[-1].bottom <= bottom, "its last line on the last line of the 版心"


def test_html_mark_is_red_in_css(county, meta):
    files, _ = county
    html = files["html"].read_text(encoding="utf-8")
    assert f'<p class="form-mark">{meta.mark}</p>' in html
    rule = re.search(r"\.form-mark\s*\{([^}]*)\}", html).group(1)
    assert RED_CSS.search(rule)
    red_line = re.search(r"\.form-red-line\s*\{([^}]*)\}", html).group(1)
    assert re.search(r"border-top:[^;]*#ff0000", red_line, re.I)


@pytest.mark.parametrize("name", ["report_county", "brief"])
def test_docx_html_and_pdf_say_the_same(h1_build, name):
    files, document = built(h1_build, name)
    expected = squeeze(document.text)
    assert squeeze("".join(body_lines(read_part(files["docx"], "word/document.xml")))) == expected
    html = files["html"].read_text(encoding="utf-8").split("<body", 1)[1]
    assert squeeze(re.sub(r"<[^>]+>", "", html.split(">", 1)[1])) == expected
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(files["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    text = squeeze(re.sub("\u2014\\s*\\d+\\s*\u2014", "", text))
    if name == "brief":  # pdftotext may read a table column by column: the same characters
        assert sorted(text) == sorted(expected)
    else:
        assert text == expected


def test_the_speech_has_no_form_parts(h1_build, meta):
    _, document = built(h1_build, "report")
    for part in ("签发人", "印发", meta.recipient):
        assert part not in document.text


# ------------------------------------------------------------------------- written report, 简报


@pytest.fixture(scope="module")
def written(repo_project, tmp_path_factory):
    """A period with no meeting: the report is a written report."""
    timeframe = repo_project.timeframe("2023Q1")
    assert "2023Q1" not in repo_project.registry.meetings
    result = build(repo_project, timeframe, tmp_path_factory.mktemp("written"), ("report",), record=False)
    return built(result, "report")[0], timeframe


def test_written_report_ends_with_signature_and_date(written, repo_project):
    files, timeframe = written
    spec = repo_project.registry.documents["report"]
    meta = forms.metadata_for(spec, "2023Q1")
    day = date_words(meta.date or timeframe.cutoff)
    assert [paragraph_text(p) for p in paragraphs(files["docx"])[-2:]] == [meta.issuer, day]
    styles = docx_styles(files["docx"])
    assert all(styles.paragraph_property(p, "jc", "val") == "right" for p in paragraphs(files["docx"])[-2:])
    last = [word for word in words(files["pdf"], pages(files["pdf"])) if not re.fullmatch(r"—|\d+", word.text)]
    assert [word.text for word in last[-2:]] == [meta.issuer, day]
    assert all(word.right > TEXT_LEFT_MM + TEXT_WIDTH_MM * 0.75 for word in last[-2:])
    html = files["html"].read_text(encoding="utf-8")
    assert html.index('class="form-signature"') < html.rindex(day) < html.index("</main>")


def test_brief_masthead(h1_build, repo_project):
    files, document = built(h1_build, "brief")
    meta = forms.metadata_for(repo_project.registry.documents["brief"], "2023H1")
    styles = docx_styles(files["docx"])
    name, issue, line = paragraphs(files["docx"])[:3]
    assert paragraph_text(name) == document.title
    assert styles.run_property(text_runs(name)[0], "color") == "FF0000"
    assert paragraph_text(issue) == f"第{meta.number}期"
    assert paragraph_text(line) == f"{meta.issuer}{date_words(meta.date)}"
    assert styles.paragraph_property(line, "pBdr/w:bottom", "color") == "FF0000"
    found = words(files["pdf"], 1)
    assert found[0].text == document.title
    image = render(files["pdf"], 1)
    assert ink_top(image, found[0], red=True)
    assert any(share > 0.98 for _, share in red_rows(image)), "a red line as wide as the 版心"
    assert f"第{meta.number}期" in page_text(files["pdf"], 1)


# ---------------------------------------------------------------------------------- bad metadata


def test_upward_report_for_a_period_without_its_number_is_an_input_error(tmp_path, capsys):
    project = copy_project(tmp_path / "p")
    code = main(["--root", str(project), "build", "--period", "2023Q1", "--documents", "report_county",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert "documents.report_county.periods.2023Q1.number" in capsys.readouterr().err


def test_default_build_leaves_out_an_upward_report_not_issued_for_the_period(repo_project):
    from reportgen.build import issued_documents

    assert "report_county" not in issued_documents(repo_project, repo_project.timeframe("2023Q1"))
    assert "report_county" in issued_documents(repo_project, repo_project.timeframe("2023H1"))


@pytest.mark.parametrize("old, new, named", [
    ("      recipient: 全南县乡村振兴局", "", "documents.report_county.metadata.recipient"),
    ('关于{year}{name}', '关于{years}{name}', "documents.report_county.title"),
    ("      2023H1: {number: 12,", "      2023X9: {number: 12,", "documents.report_county.periods.2023X9"),
])
def test_bad_form_metadata_is_named(tmp_path, capsys, old, new, named):
    project = copy_project(tmp_path / "p")
    registry = project / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    assert old in text
    registry.write_text(text.replace(old, new, 1), encoding="utf-8")
    code = main(["--root", str(project), "build", "--documents", "report_county", "--out", str(tmp_path / "o")])
    assert code == 2
    assert named in capsys.readouterr().err


# ------------------------------------------------------------------------------ form components


@pytest.mark.parametrize("issuer", ["龙下乡人民政府", "全南县龙下乡人民政府党政综合办公室"])
def test_signature_insets_follow_7_3_5(issuer, meta):
    part = forms.signature(issuer, meta.date)
    name, date = forms.text_width(issuer), forms.text_width(part.date)
    assert min(part.issuer_inset, part.date_inset) == 2  # the longer line two characters from the right
    name_start, date_start = -(part.issuer_inset + name), -(part.date_inset + date)
    assert date_start - name_start == 2  # the date starts two characters right of the name


def test_upward_numbering_counts_headings_and_run_in_leads():
    from reportgen.documents.model import Heading, Paragraph, Run

    blocks = (Heading(1, "回顾"), Paragraph((Run("强化。", True), Run("正文"))), Paragraph((Run("一是抓。", True),)),
              Paragraph((Run("再强化。", True),)), Heading(3, "细项"), Heading(1, "安排"),
              Paragraph((Run("又一。", True),)))
    numbered = forms.number_headings(blocks)
    assert [b.text for b in numbered] == ["一、回顾", "（一）强化。正文", "一是抓。", "（二）再强化。",
                                          "1.细项", "二、安排", "（一）又一。"]


def test_attachments_are_listed_in_every_format(tmp_path):
    project = copy_project(tmp_path / "p")
    registry = project / "figures.yaml"
    old = "      printer: 龙下乡党政综合办公室"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace(old, "      attachments: [主要指标表, 分村情况表]\n" + old), encoding="utf-8")
    from reportgen.engine.project import load_project

    loaded = load_project(project)
    result = build(loaded, loaded.timeframe(), tmp_path / "out", ("report_county",), formats=("docx", "html"),
                   record=False)
    files, document = built(result, "report_county")
    lines = document.text.splitlines()
    at = lines.index("附件：1. 主要指标表")
    assert lines[at + 1].endswith("2. 分村情况表") and lines[at + 2] == forms.metadata_for(
        loaded.registry.documents["report_county"], "2023H1").issuer
    assert squeeze("".join(body_lines(read_part(files["docx"], "word/document.xml")))) == squeeze(document.text)
    assert '<p class="form-attachments first">附件：1. 主要指标表</p>' in files["html"].read_text(encoding="utf-8")


@pytest.mark.parametrize("lines", [14, 16, 17])
def test_pdf_imprint_never_overlaps_the_body_on_a_full_last_page(tmp_path, lines, meta):
    """Body lengths around a full page: the 版记 moves to a page of its own rather than overlap."""
    from reportgen.documents.model import Document, Paragraph, Run, TitleBlock
    from reportgen.documents.writers.html import render_html
    from reportgen.documents.writers.pdf import write_pdf

    line = "龙下乡巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作稳步推进"[:22]  # one line each
    form = forms.Form("upward", closing=(forms.signature(meta.issuer, meta.date),),
                      end=(forms.Imprint(meta.copy_to, meta.printer, date_words(meta.print_date)),))
    document = Document(TitleBlock("标题"), tuple(Paragraph((Run(f"{line}{n:02d}。"),)) for n in range(lines)),
                        form=form)
    pdf = tmp_path / "full.pdf"
    write_pdf(render_html(document), pdf, tmp_path)
    last = pages(pdf)
    found = [word for word in words(pdf, last) if not re.fullmatch(r"—|\d+", word.text)]
    printed = next(word for word in found if word.text.endswith("印发"))
    copy = next(word for word in found if word.text.startswith("抄送"))
    imprint = {copy.text, meta.printer, printed.text}
    assert all(word.bottom < copy.top - 1 for word in found if word.text not in imprint)
    assert TEXT_TOP_MM + TEXT_HEIGHT_MM - 5 < printed.bottom <= TEXT_TOP_MM + TEXT_HEIGHT_MM
    assert all("印发" not in page_text(pdf, n) for n in range(1, last))
