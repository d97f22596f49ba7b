"""Seconds to check a 10-page DOCX (the report's paragraphs repeated) against the registry."""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from reportgen.audit.consistency import check_documents
from reportgen.build import render_document
from reportgen.documents.writers.docx import write_docx
from reportgen.engine.project import evaluate, load_project

ROOT = Path(__file__).resolve().parents[1]
PAGES = 10
CHARS_PER_PAGE = 22 * 28   # GB/T 9704: 22 lines of 28 characters


def main() -> None:
    project = load_project(ROOT)
    results = evaluate(project, project.timeframe(), strict=False)
    document, _ = render_document(project, results, "report")
    blocks = list(document.blocks)
    while len("".join(getattr(b, "text", "") for b in blocks)) < PAGES * CHARS_PER_PAGE:
        blocks += document.blocks
    long_document = dataclasses.replace(document, blocks=tuple(blocks))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ten-pages.docx"
        write_docx(long_document, path)
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            report = check_documents(project, results, [path])
            timings.append(time.perf_counter() - start)
    stated = report.documents[0].stated
    chars = len(long_document.plain_text())
    print(f"check of a {PAGES}-page DOCX ({chars} characters, {stated} figures stated, "
          f"{report.documents[0].attributed} attributed, ok={report.ok}): "
          f"first {timings[0]:.3f} s, median {statistics.median(timings):.3f} s")


if __name__ == "__main__":
    main()
