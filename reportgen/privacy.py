"""Masking of personal data (names, ID numbers, phone numbers) before anything is shown."""

from __future__ import annotations

import re

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
PHONE = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")


def mask(value: object) -> str:
    """A personal cell shown as its first character and stars: 张某01 → 张***, an ID → 9*****…."""
    text = "" if value is None else str(value)
    if len(text) <= 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


def scrub(text: str) -> str:
    """Mask every ID-number or phone-number pattern inside free text."""
    return PHONE.sub(lambda m: mask(m.group()), ID_NUMBER.sub(lambda m: mask(m.group()), text))
