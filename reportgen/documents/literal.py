"""Ledger and registry text made literal in template markup: escaped where it is printed, read back as typed."""

# What the markup parser (markdown-it's CommonMark preset with tables, as documents.model runs it)
# treats specially, from its block and inline rules:
#   anywhere in a line: \ (escapes, a hard break at the end), ` (code spans), * and _ (emphasis; an
#     unpaired ** also toggles a lead sentence in model.py), [ ] (links, images after !, reference
#     definitions), < (autolinks, raw HTML), & (entities), | (table cells), # (a heading's closing
#     sequence), and a line break (a blank line ends the paragraph, a new line can open a block);
#   at the start of a line: # (heading), > (block quote), - + * (list items, rules, setext
#     underlines), = (setext underline), ~~~ and ``` (fenced code), digits and . or ) (ordered list),
#     four spaces (indented code), and "Table:" (a table title, model.py); a title block value
#     that opens with ' or " is a quoted string (model.py).
# Everything else (!, ", ', (, ), :, ., digits elsewhere, full-width ＊＃ …) is text. A printed value
# may land at the start of a line, so the start-of-line characters are escaped at its start (blanks
# at either end as the entities &#32; and &#9;, which no line start or end strips); a line break inside a value is
# made a space, so nothing in it starts a line. `\` before ASCII punctuation is that character in
# CommonMark, in a table cell too, and model.py reads the title block alike.

import re

from markupsafe import Markup

_ANYWHERE = re.compile(r"([\\`*_\[\]<>&|#~])")
_LINE_BREAK = re.compile(r"[ \t]*[\r\n][ \t\r\n]*")  # line breaks and the blanks around them
_LINE_START = re.compile(r"""^(?:([-+='"])|(\d{1,9})([.)])(?=[ \t]|$)|(Table)(:))""")
_EDGE_BLANKS = re.compile(r"^[ \t]+|[ \t]+$")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])|&#(32|9);")  # a backslash before ASCII punctuation; a blank
_BLANKS = {" ": "&#32;", "\t": "&#9;"}


def _escape_start(match: re.Match) -> str:
    sign, digits, closer, table, colon = match.groups()
    if sign:
        return f"\\{sign}"
    if digits:
        return f"{digits}\\{closer}"
    return f"{table}\\{colon}"


def escape(text: str) -> str:
    """Text as markup that the parser reads back as exactly this text (line breaks as one space)."""
    text = _ANYWHERE.sub(r"\\\1", _LINE_BREAK.sub(" ", text))
    text = _LINE_START.sub(_escape_start, text, count=1)
    return _EDGE_BLANKS.sub(lambda m: "".join(_BLANKS[c] for c in m.group(0)), text)


def unescape(text: str) -> str:
    """The text a backslash-escaped piece of markup stands for (the title block's values)."""
    return _ESCAPED.sub(lambda m: m.group(1) or chr(int(m.group(2))), text)


def literal(value) -> Markup:
    """What `{{ value }}` prints: markup made by the template itself (a macro's output, a
    `{% set %}` block, `|safe`) as it is, any other value escaped so it reaches the document as typed."""
    if isinstance(value, Markup):
        return value
    return Markup(escape(str(value)))
