"""The check corpus as files: text documents copied, *.docx.txt / *.xlsx.txt / *.csv.txt written as the
DOCX, XLSX or CSV they describe (paragraphs separated by blank lines; | a | b | lines are a table), and
*.pdf.html printed to PDF by WeasyPrint. The tests write them into a temporary folder each run; nothing
generated is committed.

Each document NN_name.* has a sidecar NN_name.yaml listing, in document order, the figures it states:
`text` as written (a table cell as written, its unit coming from the row or column), `figures` the
registry ids it states, and where so `wrong: true` (a planted error), `village:` (a per-village
figure), `earlier: year` (the value a year earlier) or `change: year` (a change against a year
earlier). The sidecar holds no values: the tests compare each figure with the pipeline's own."""

from __future__ import annotations

import csv
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATED = (".docx.txt", ".xlsx.txt", ".csv.txt", ".pdf.html")
DOCUMENTS = (".txt", ".md", ".html")


def _parts(text: str) -> list[str | list[list[str]]]:
    """Paragraphs (strings) and tables (lists of rows of cells), in order."""
    parts: list = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = chunk.strip().split("\n")
        rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines
                if line.strip().startswith("|") and not re.fullmatch(r"[-:| ]*", line.strip())]
        parts.append(rows if rows else "".join(line.strip() for line in lines))
    return parts


def _number(cell: str):
    """A bare number as Excel holds it; anything else as text."""
    if re.fullmatch(r"\d+", cell):
        return int(cell)
    if re.fullmatch(r"\d+\.\d+", cell):
        return float(cell)
    return cell


def write_docx(parts, path: Path) -> None:
    import docx

    document = docx.Document()
    for part in parts:
        if isinstance(part, str):
            document.add_paragraph(part)
            continue
        table = document.add_table(rows=len(part), cols=max(len(r) for r in part))
        for row, cells in zip(table.rows, part, strict=True):
            for cell, text in zip(row.cells, cells, strict=False):
                cell.text = text
    document.save(str(path))


def write_xlsx(parts, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "统计表"
    for part in parts:
        for row in ([[part]] if isinstance(part, str) else part):
            sheet.append([_number(c) for c in row])
    book.save(str(path))


def write_csv(parts, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for part in parts:
            writer.writerows([[part]] if isinstance(part, str) else part)


def materialise(out: Path, source: Path = HERE) -> list[Path]:
    """Every corpus document written into `out`; returns their paths, in corpus order."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for path in sorted(source.iterdir()):
        generated = next((s for s in GENERATED if path.name.endswith(s)), None)
        if generated == ".pdf.html":
            import weasyprint

            target = out / (path.name[: -len(generated)] + ".pdf")
            weasyprint.HTML(string=path.read_text(encoding="utf-8")).write_pdf(str(target))
        elif generated:
            target = out / (path.name[: -len(generated)] + generated[: -len(".txt")])
            writer = {".docx.txt": write_docx, ".xlsx.txt": write_xlsx, ".csv.txt": write_csv}[generated]
            writer(_parts(path.read_text(encoding="utf-8")), target)
        elif path.suffix in DOCUMENTS:
            target = out / path.name
            shutil.copy(path, target)
        else:
            continue
        paths.append(target)
    return paths


def sidecar(document: Path, source: Path = HERE) -> Path:
    """The sidecar listing a corpus document's right and planted wrong figures."""
    return source / (document.name.split(".")[0] + ".yaml")


if __name__ == "__main__":
    for written in materialise(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")):
        print(written)
