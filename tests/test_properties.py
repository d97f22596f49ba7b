"""Properties of the template-to-model parser: Chinese text survives it unchanged, and whatever
the text, it either gives a Document or refuses with a TemplateError (never another exception)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.documents.model import TITLE_KEYS, Document, Heading, Paragraph, parse
from reportgen.errors import TemplateError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Common hanzi (the whole CJK Unified Ideographs block), Chinese punctuation and digits: what a
# report's paragraphs are made of. Nothing here is markup to CommonMark.
HANZI = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PUNCTUATION = st.sampled_from(list("，。、；：？！“”‘’（）《》【】…—·％１２３0123456789"))
CHINESE = st.text(st.one_of(HANZI, HANZI, PUNCTUATION), min_size=1, max_size=40)


def front(title: str) -> str:
    return f"---\ntitle: {title}\n---\n\n"


@st.composite
def wrapped(draw, text_strategy=CHINESE) -> tuple[str, str]:
    """A paragraph and its source form, wrapped over several lines at arbitrary points."""
    text = draw(text_strategy)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=3))) if len(text) > 1 else []
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return text, "\n".join(pieces)


@SETTINGS
@given(title=st.text(HANZI, min_size=1, max_size=20), paragraphs=st.lists(wrapped(), min_size=1, max_size=6))
def test_chinese_paragraphs_round_trip_into_plain_text(title, paragraphs):
    body = "\n\n".join(source for _, source in paragraphs)
    doc = parse(front(title) + body + "\n")
    assert isinstance(doc, Document)
    assert doc.plain_text() == title + "\n" + "".join(text + "\n" for text, _ in paragraphs)
    assert all(isinstance(b, Paragraph) and b.indent for b in doc.blocks)
    assert [b.text for b in doc.blocks] == [text for text, _ in paragraphs]


@SETTINGS
@given(lead=CHINESE, rest=CHINESE)
def test_a_lead_sentence_keeps_its_text_and_is_marked(lead, rest):
    doc = parse(front("标题") + f"**{lead}**{rest}\n")
    (paragraph,) = doc.blocks
    assert paragraph.text == lead + rest
    assert paragraph.runs[0].lead and paragraph.runs[0].text == lead
    assert not paragraph.runs[-1].lead and paragraph.runs[-1].text == rest
    assert doc.plain_text() == f"标题\n{lead}{rest}\n"


@SETTINGS
@given(level=st.integers(1, 3), heading=CHINESE, text=CHINESE)
def test_headings_and_paragraphs_keep_their_order_and_text(level, heading, text):
    doc = parse(front("标题") + f"{'#' * level} {heading}\n\n{text}\n")
    assert doc.blocks == (Heading(level, heading), Paragraph(doc.blocks[1].runs))
    assert doc.plain_text() == f"标题\n{heading}\n{text}\n"


# Pieces of markup a template could produce by mistake, and text between them.
MARKUP = st.sampled_from([
    "---", "\n", "\n\n", "# ", "## ", "#### ", "**", "*", "_", "`", "```", "    ", "\t", "- ", "1. ", "> ",
    "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n", "|", "<div>", "<br>", "&amp;", "[链接](x)", "![图](y.png)",
    "\\", "  \n", "***", "===", ":", "title: ", "subtitle: ", "date: ", "[1, 2]", "{a: 1}", "!!binary",
    "\r\n", "\x00", "\ufeff", "——", "。",
])
TEXTS = st.lists(st.one_of(MARKUP, CHINESE, st.text(max_size=5)), max_size=25).map("".join)
# Title block keys that YAML reads as text (letters of category Lo: never null, true, 1 or a date);
# keys of other types are tested on their own below.
KEYS = st.one_of(st.sampled_from(TITLE_KEYS), st.text(st.characters(categories=("Lo",)), min_size=1, max_size=6))
VALUES = st.one_of(CHINESE, st.sampled_from(["", "[1, 2]", "{a: 1}", "2023-08-04", "'x", "null", "|", "-"]))


def _parse_or_refuse(text: str) -> None:
    try:
        doc = parse(text, "templates/t.md.j2")
    except TemplateError as exc:
        assert str(exc)
        return
    assert isinstance(doc, Document)
    assert doc.title_block.title
    assert doc.plain_text().endswith("\n")


@SETTINGS
@given(text=TEXTS)
def test_any_text_gives_a_document_or_a_template_error(text):
    _parse_or_refuse(text)


@SETTINGS
@given(body=TEXTS)
def test_any_body_under_a_title_block_gives_a_document_or_a_template_error(body):
    _parse_or_refuse(front("标题") + body)


@SETTINGS
@given(entries=st.lists(st.tuples(KEYS, VALUES), max_size=6), body=TEXTS)
def test_any_title_block_gives_a_document_or_a_template_error(entries, body):
    block = "\n".join(f"{key}: {value}" for key, value in entries)
    _parse_or_refuse(f"---\n{block}\n---\n\n{body}")


@pytest.mark.parametrize("block", ["1: x\nb: y", "title: x\nnull: 1\nb: 2"])
def test_title_block_keys_that_are_not_text_are_refused(block):
    with pytest.raises(TemplateError):
        parse(f"---\n{block}\n---\n\n正文。\n")
