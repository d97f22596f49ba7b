"""Masking of personal data (names, ID numbers, phone numbers) before anything is shown."""

from __future__ import annotations

import re

_DIGIT = "[0-9０-９]"
# What people type between groups of digits: spaces (also full-width), hyphens and dashes of any width.
_SEPARATOR = "[ \u3000\u00a0\\-\u2010-\u2015\u2212\uff0d]"
_GROUP = re.compile(f"{_DIGIT}+[XxＸｘ]?")
# Groups of digits joined by single separators: 138-1234-5678, 110101 19900307 4514, 2023-07-31.
_RUN = re.compile(f"{_DIGIT}+[XxＸｘ]?(?:{_SEPARATOR}{_DIGIT}+[XxＸｘ]?)*")
_ASCII = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
_LONGEST = 18  # digits of an ID number


def _personal_number(digits: str) -> bool:
    """An ID number (17 digits and a check digit or X) or a mobile phone number (11 digits, 1…)."""
    if len(digits) == 18:
        return digits[:17].isdigit() and (digits[17].isdigit() or digits[17] in "Xx")
    return len(digits) == 11 and digits.isdigit() and digits[0] == "1"


def _spans(run: str) -> list[tuple[int, int]]:
    """Where in a run of digit groups an ID or phone number lies: whole groups, the longest first."""
    groups = [(m.start(), m.end(), m.group().translate(_ASCII)) for m in _GROUP.finditer(run)]
    found, i = [], 0
    while i < len(groups):
        digits, best = "", None
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > _LONGEST:
                break
            if _personal_number(digits):
                best = j
        if best is None:
            i += 1
        else:
            found.append((groups[i][0], groups[best][1]))
            i = best + 1
    return found


# Stars in text that goes into a document: full-width, since an ASCII * is emphasis in the markup
# that templates render to (1************ would turn the rest of the paragraph bold).
DOCUMENT_STAR = "＊"


def mask(value: object, star: str = "*") -> str:
    """A personal cell shown as its first character and stars: 张某01 → 张***, an ID → 9*****…."""
    text = "" if value is None else str(value)
    if len(text) <= 1:
        return star
    return text[0] + star * (len(text) - 1)


def scrub(text: str, star: str = "*") -> str:
    """Mask every ID-number or phone-number pattern inside free text, separators and full-width digits included."""
    pieces, last = [], 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 11:  # a date, an amount, a row number: too short to be either
            continue
        for start, end in _spans(run.group()):
            start, end = run.start() + start, run.start() + end
            pieces += [text[last:start], mask(text[start:end], star)]
            last = end
    return "".join(pieces) + text[last:]
