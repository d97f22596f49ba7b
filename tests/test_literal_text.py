"""Ledger and registry text reaches the documents as typed: escaped for the template markup where it
is printed, never taken for bold, links, headings, lists, tables or HTML, while the templates' own
markup (lead sentences, headings, tables, macros) keeps working."""

from __future__ import annotations

import re
import string
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document as open_docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.build import build
from reportgen.cli import main
from reportgen.documents import literal, templating
from reportgen.documents.model import Chart, Heading, Paragraph, Table, parse
from reportgen.engine.project import load_project
from tests.conftest import copy_project

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every printable ASCII character, hanzi, full-width look-alikes and Chinese punctuation.
ASCII = st.sampled_from(list(string.punctuation + string.digits + string.ascii_letters + " "))
OTHER = st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.sampled_from(list("＊＃＿，。、（）“”")))
# Values on one line (line breaks are tested on their own).
TEXT = st.text(st.one_of(ASCII, ASCII, OTHER), min_size=1, max_size=30)

FRONT = "---\ntitle: 标题\n---\n\n"


def _parse_body(body: str):
    return parse(FRONT + body + "\n", "templates/t.md.j2")


@SETTINGS
@given(value=TEXT)
def test_an_escaped_value_is_its_text_wherever_it_stands(value):
    """At a paragraph's start, inside one, inside a lead sentence, in a heading, a table cell, a
    chart's caption and the title block: the document holds the value as typed, and only the
    template's ** makes a lead sentence."""
    v = literal.escape(value)
    alone, = _parse_body(v).blocks
    assert isinstance(alone, Paragraph) and alone.text == value and not any(r.lead for r in alone.runs)

    inside, = _parse_body(f"前文{v}后文").blocks
    assert inside.text == f"前文{value}后文" and not any(r.lead for r in inside.runs)

    led, = _parse_body(f"**强化{v}。**后文").blocks
    assert [(r.text, r.lead) for r in led.runs] == [(f"强化{value}。", True), ("后文", False)]

    heading, following = _parse_body(f"## {v}\n\n正文").blocks
    assert heading == Heading(2, value) and following.text == "正文"

    table, = _parse_body(f"| 项目 | 金额 |\n|---|---|\n| {v} | 1万元 |").blocks
    assert isinstance(table, Table) and table.rows == ((value, "1万元"),) and table.caption is None

    chart, = _parse_body(f"![图1　{v}分村](chart:villages)").blocks
    assert chart == Chart("villages", f"图1　{value}分村")

    titled = parse(f"---\ntitle: {v}\nsubtitle: （{v}）\n---\n\n正文\n")
    assert (titled.title_block.title, titled.title_block.subtitle) == (value, f"（{value}）")
    assert [b.text for b in titled.blocks] == ["正文"]


@SETTINGS
@given(value=TEXT)
def test_escaping_is_undone_by_unescaping(value):
    assert literal.unescape(literal.escape(value)) == value


@pytest.mark.parametrize("value", [
    "# 标题", "## 标题", "> 引文", "- 项目", "+ 项目", "* 项目", "1. 项目", "12) 项目", "---", "***", "___", "===",
    "    缩进四格", "~~~", "```", "<div>块</div>", "<b>粗</b>", "[链接](http://x)", "![图](y.png)", "[注]: http://x",
    "a | b", "&amp;", "&#42;", "\\", "行末\\", "Table: 表1", "**粗体**", "*斜体*", "_斜体_", "`代码`",
])
def test_what_the_parser_would_take_for_markup_stays_text(value):
    """Each piece of markup a value could hold, at the start of a line where it is strongest."""
    escaped = literal.escape(value)
    doc = _parse_body("前文\n\n" + escaped + "\n\n" + f"| 列 |\n|---|\n| {escaped} |")
    assert [type(b) for b in doc.blocks] == [Paragraph, Paragraph, Table]
    assert doc.blocks[1].text == value and not any(r.lead for r in doc.blocks[1].runs)
    assert doc.blocks[2].rows == ((value,),)


def test_a_line_break_in_a_value_is_a_space_and_opens_no_block():
    doc = _parse_body("前文" + literal.escape("甲\n# 乙\r\n\n- 丙 \n 1. 丁") + "后文")
    assert [b.text for b in doc.blocks] == ["前文甲 # 乙 - 丙 1. 丁后文"]


def _render(tmp_path: Path, source: str, **values) -> str:
    (tmp_path / "t.md.j2").write_text(source, encoding="utf-8")
    return templating.environment(tmp_path).get_template("t.md.j2").render(**values)


def test_the_templates_own_markup_keeps_working(tmp_path):
    """A macro's output, a {% set %} block and |safe are the template's markup; a value inside them
    is still escaped once, never twice."""
    source = ("---\ntitle: {{ name }}\n---\n\n"
              "{% macro lead(text) %}**{{ text }}。**{% endmacro %}"
              "{% set tail %}，{{ name }}{% endset %}"
              "{{ lead(name) }}正文{{ tail }}{{ '**强调**' | safe }}。\n\n"
              "# {{ name | e }}\n\n{{ [name, name] | join('、') }}\n")
    name = "*项目_A* <b>&amp;</b> [1]"
    doc = parse(_render(tmp_path, source, name=name))
    assert doc.title_block.title == name
    first, heading, listed = doc.blocks
    assert [(r.text, r.lead) for r in first.runs] == [
        (f"{name}。", True), (f"正文，{name}", False), ("强调", True), ("。", False)]
    assert heading == Heading(1, name)
    assert listed.text == f"{name}、{name}"


# --------------------------------------------------------------------------- a whole build

# A project name and registry words holding what a Markdown-like markup could take for markup.
PROJECT = "紫苏*大棚*与**中药材**_种植_[基地](http://x)<b>&amp;</b>#1|甲|`码`~~\\"
NEGOTIATING = "1. 陈皮黄精茶<加工>"
TITLE = "关于乡村振兴的*专项*工作报告: #2 [修订]"
SPEAKER = "钟训军 & <副乡长>"


@pytest.fixture(scope="module")
def odd_text_build(tmp_path_factory):
    """The demo with a project name, a negotiating project and the report's title and speaker
    holding markup characters, built for its default period."""
    root = copy_project(tmp_path_factory.mktemp("odd") / "project")
    book = openpyxl.load_workbook(root / "data" / "projects.xlsx")
    sheet = book.active
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    names["XM008"].value = PROJECT     # completed this year: 今年建成投产
    names["XM010"].value = NEGOTIATING  # 洽谈: 等项目有望近期落户
    book.save(root / "data" / "projects.xlsx")
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    for key, value in (("title", TITLE), ("speaker", SPEAKER)):
        quoted = yaml.safe_dump(value, allow_unicode=True, width=1000).split("\n")[0]
        text = re.sub(rf"^(  {key}: ).*$", lambda m, q=quoted: m.group(1) + q, text, count=1, flags=re.M)
    registry.write_text(text, encoding="utf-8")
    project = load_project(root, cache=False)
    assert project.registry.report["title"] == TITLE and project.registry.report["speaker"] == SPEAKER
    result = build(project, project.timeframe(), root / "output")
    return root, result.folder


def _docx_paragraphs(path: Path):
    return [p for p in open_docx(str(path)).paragraphs if p.text]


def test_the_values_are_in_the_docx_as_typed_and_not_lead_or_emphasis(odd_text_build):
    _, folder = odd_text_build
    paragraphs = _docx_paragraphs(folder / "report.docx")
    texts = [p.text for p in paragraphs]
    assert TITLE in texts and any(SPEAKER in t for t in texts)
    (holder,) = [p for p in paragraphs if PROJECT in p.text]
    assert NEGOTIATING in holder.text
    runs = holder.runs
    start = holder.text.index(PROJECT)
    position = 0
    for run in runs:  # every run that holds a piece of the name is body text: no lead style, bold, italic
        end = position + len(run.text)
        if end > start and position < start + len(PROJECT):
            assert run.style.name == holder.runs[-1].style.name
            assert not run.bold and not run.italic
        position = end
    with zipfile.ZipFile(folder / "report.docx") as archive:
        assert b"<w:hyperlink" not in archive.read("word/document.xml")


class _TextWithTags(HTMLParser):
    """Each text node of <body> with the tags (and classes) open around it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.nodes: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "meta", "link", "col"):
            self.open.append(tag + "." + (dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        while self.open and not self.open.pop().startswith(tag + "."):
            pass

    def handle_data(self, data):
        self.nodes.append((data, tuple(self.open)))


def test_the_values_are_in_the_html_as_typed_and_not_marked_up(odd_text_build):
    _, folder = odd_text_build
    parser = _TextWithTags()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    body = [(text, tags) for text, tags in parser.nodes if any(t.startswith("body.") for t in tags)]
    for value in (PROJECT, NEGOTIATING, TITLE, SPEAKER):
        (node,) = [(text, tags) for text, tags in body if value in text]  # one text node: no tag inside it
        assert not any(t.split(".")[0] in ("strong", "b", "em", "i", "a", "code") or "lead" in t for t in node[1])


def test_the_values_are_in_the_pdf_as_typed(odd_text_build):
    _, folder = odd_text_build
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(folder / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    joined = re.sub(r"\s+", "", text)  # lines are set justified and broken anywhere
    for value in (PROJECT, NEGOTIATING, TITLE, SPEAKER):
        assert re.sub(r"\s+", "", value) in joined


def test_check_reads_the_documents_and_finds_them_consistent(odd_text_build, capsys):
    root, folder = odd_text_build
    documents = [str(folder / f"report.{suffix}") for suffix in ("docx", "html", "pdf")]
    code = main(["--root", str(root), "check", *documents])
    out = capsys.readouterr().out
    assert code == 0, out
