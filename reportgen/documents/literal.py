"""Ledger and registry text made literal in template markup: escaped where it is printed, read back as typed."""

# What the markup parser (markdown-it's CommonMark preset with tables, as documents.model runs it)
# treats specially, from its block and inline rules:
#   anywhere in a line: \ (escapes, a hard break at the end), ` (code spans), * and _ (emphasis; an
#     unpaired ** also toggles a lead sentence in model.py), [ ] (links, images after !, reference
#     definitions), < (autolinks, raw HTML), & (entities), | (table cells), # (a heading's closing
#     sequence), and a line break (a blank line ends the paragraph, a new line can open a block);
#   at the start of a line: # (heading), > (block quote), - + * (list items, rules, setext
#     underlines), = (setext underline), ~~~ and ``` (fenced code), digits and . or ) (ordered list),
#     four spaces (indented code), and "Table:" (a table title, model.py).
# Everything else (!, ", ', (, ), :, ., digits elsewhere, full-width ＊＃ …) is text. A printed value
# may land at the start of a line, so the start-of-line characters are escaped at its start; a line
# break inside a value is made a space, so nothing in it starts a line. `\` before ASCII punctuation
# is that character in CommonMark, in a table cell too, and model.py reads the title block alike.

import re

from markupsafe import Markup

_ANYWHERE = re.compile(r"([\\`*_\[\]<>&|#~])")
_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")
_LINE_START = re.compile(r"^([ \t]*)(?:([-+=])|(\d{1,9})([.)])(?=[ \t]|$)|(Table)(:))")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation


def _escape_start(match: re.Match) -> str:
    indent, sign, digits, closer, table, colon = match.groups()
    if sign:
        return f"{indent}\\{sign}"
    if digits:
        return f"{indent}{digits}\\{closer}"
    return f"{indent}{table}\\{colon}"


def escape(text: str) -> str:
    """Text as markup that the parser reads back as exactly this text (a line break as a space)."""
    text = _ANYWHERE.sub(r"\\\1", _LINE_BREAK.sub(" ", text))
    return _LINE_START.sub(_escape_start, text, count=1)


def unescape(text: str) -> str:
    """The text a backslash-escaped piece of markup stands for (the title block's values)."""
    return _ESCAPED.sub(r"\1", text)


def literal(value) -> Markup:
    """What `{{ value }}` prints: markup made by the template itself (a macro's output, a
    `{% set %}` block, `|safe`) as it is, any other value escaped so it reaches the document as typed."""
    if isinstance(value, Markup):
        return value
    return Markup(escape(str(value)))
