"""Write templates/reference.docx, the default reference DOCX, from the GB/T 9704 styles in reportgen.

Run after changing reportgen/documents/writers/docx_styles.py or docx_forms.py:
    .venv/bin/python scripts/make_reference_docx.py
tests/test_reference_docx.py checks that the committed file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportgen.documents.writers.docx_styles import make_reference

TARGET = Path(__file__).resolve().parents[1] / "templates" / "reference.docx"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else TARGET
    make_reference(target)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
