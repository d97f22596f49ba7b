"""Seconds to check a 10-page DOCX (the report's paragraphs repeated) against the registry, and
precision, recall and attribution rate of check over the hand-written corpus in tests/check_corpus."""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reportgen.audit.consistency import check_documents
from reportgen.build import render_document
from reportgen.documents.writers.docx import write_docx
from reportgen.engine.project import evaluate, load_project

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "check_corpus"))
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
        timings, cpu = [], []
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            report = check_documents(project, results, [path])
            timings.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    stated = report.documents[0].stated
    chars = len(long_document.plain_text())
    print(f"check of a {PAGES}-page DOCX ({chars} characters, {stated} figures stated, "
          f"{report.documents[0].attributed} attributed, ok={report.ok}): "
          f"first {timings[0]:.3f} s, median {statistics.median(timings):.3f} s "
          f"(CPU time: median {statistics.median(cpu):.3f} s; wall time rises with the machine's load)")
    run_on_scaling(project, results)
    corpus_scores(project, results)


def run_on_scaling(project, results) -> None:
    """Seconds to check a text of figures with no sentence end, at three sizes, each figure's words
    different (第一组, 第二组 …): linear means twice the text takes twice the time, less the fixed cost."""
    from reportgen import zhnum
    from reportgen.audit.reading import readers_for

    readers_for(project, results)   # warm the imports
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        for chars in (20_000, 40_000, 80_000):
            path = Path(folder) / f"run-on-{chars}.txt"
            text, n = [], 0
            while sum(map(len, text)) < chars:
                n += 1
                text.append(f"第{zhnum.chinese_numeral(n)}组低保127户231人，")
            path.write_text("".join(text), encoding="utf-8")
            start = time.perf_counter()
            check_documents(project, results, [path])
            times[chars] = time.perf_counter() - start
    print("check of a text without sentence ends: " + ", ".join(f"{c} characters {t:.2f} s" for c, t in times.items()))


def corpus_scores(project, results) -> None:
    """Precision: right figures not flagged; recall: planted errors found; attribution: figures attributed."""
    import yaml
    from make_corpus import materialise, sidecar

    right = right_kept = planted = found = 0
    with tempfile.TemporaryDirectory() as folder:
        paths = materialise(Path(folder))
        report = check_documents(project, results, paths)
    for path, doc in zip(paths, report.documents, strict=True):
        statements = list(doc.statements)
        for entry in yaml.safe_load(sidecar(path).read_text(encoding="utf-8"))["figures"]:
            at = next(i for i, s in enumerate(statements) if s.text.startswith(str(entry["text"])))
            outcome = statements.pop(at).outcome
            if entry.get("wrong"):
                planted += 1
                found += outcome == "disagrees"
            else:
                right += 1
                right_kept += outcome not in ("disagrees", "garbled")
    stated = sum(d.stated for d in report.documents)
    attributed = sum(d.attributed for d in report.documents)
    print(f"corpus of {len(paths)} documents: precision {right_kept}/{right} right figures not flagged "
          f"({right_kept / right:.1%}), recall {found}/{planted} planted errors found ({found / planted:.1%}), "
          f"attribution {attributed}/{stated} ({attributed / stated:.1%})")


if __name__ == "__main__":
    main()
