"""One job, run where an executor puts it: figures, checks and documents back as bytes and records.

A worker holds a Bundle (the validated project and the templates' bytes) and touches no shared
file: the templates are written to a private folder once, and the output comes back to the client.
"""

from __future__ import annotations

import shutil
import tempfile
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import resources
from reportgen.batch.rollup import township_values
from reportgen.batch.units import Unit, project_for
from reportgen.engine.project import Project
from reportgen.errors import EXIT_INTERNAL, ReportgenError


@dataclass(frozen=True)
class Bundle:
    """What every worker needs: the project as validated on the client, and the templates' files."""

    project: Project
    templates: dict[str, bytes]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, project: Project) -> Bundle:
        folder = project.root / "templates"
        files = sorted(folder.iterdir()) if folder.is_dir() else []  # none: the shipped templates serve
        return cls(project, {p.name: p.read_bytes() for p in files if p.is_file()})


@dataclass
class DocumentOutput:
    """One document: its files' bytes by format, and what the build ledger records of it."""

    name: str
    title: str
    files: dict[str, bytes]
    figures_used: tuple[str, ...]
    text: str


@dataclass
class JobOutput:
    """A job's outcome: documents and figures, or the error that stopped it (its message and exit code)."""

    unit: Unit
    period: str
    documents: list[DocumentOutput] = field(default_factory=list)
    figures: dict = field(default_factory=dict)         # id -> Figure
    checks: tuple = ()
    data_sha256: str = ""
    rollup_values: dict = field(default_factory=dict)  # what the county's roll-up needs of a township
    fonts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    charts: dict = field(default_factory=dict)  # figures.json's "charts": document -> chart -> points
    error: str | None = None
    exit_code: int = 0


_state: dict[str, tuple[Path, dict]] = {}  # bundle token -> (private project folder, unit -> Project)


def _project(bundle: Bundle, unit: Unit) -> Project:
    if bundle.token not in _state:
        for old_root, _ in _state.values():
            shutil.rmtree(old_root, ignore_errors=True)
        _state.clear()
        root = Path(tempfile.mkdtemp(prefix="reportgen-worker-"))
        (root / "templates").mkdir()
        for name, data in bundle.templates.items():
            (root / "templates" / name).write_bytes(data)
        _state[bundle.token] = (root, {})
    root, projects = _state[bundle.token]
    if unit not in projects:
        base = Project(root, bundle.project.registry, bundle.project.ledgers)
        projects[unit] = project_for(base, unit)
    return projects[unit]


def run_job(bundle: Bundle, job) -> JobOutput:
    """Render the job's documents; never raises, so one failing unit costs no other its output."""
    out = JobOutput(job.unit, job.timeframe.name)
    try:
        _render(_project(bundle, job.unit), job, out)
    except ReportgenError as exc:
        out.error, out.exit_code = str(exc), exc.exit_code
    except Exception as exc:  # a bug: the client says so, with the trace, and goes on with the others
        out.error = f"internal error ({type(exc).__name__}): {exc}\n{traceback.format_exc()}"
        out.exit_code = EXIT_INTERNAL
    if out.error:
        out.documents = []
    return out


def _render(project: Project, job, out: JobOutput) -> None:
    from reportgen.build import reference_docx, render_document
    from reportgen.documents import lint
    from reportgen.documents.comparisons import Comparer
    from reportgen.documents.writers.docx import write_docx
    from reportgen.documents.writers.html import render_html
    from reportgen.documents.writers.pdf import write_pdf
    from reportgen.engine.project import evaluate

    results = evaluate(project, job.timeframe)
    out.figures = dict(results.figures.figures)
    out.checks = results.checks
    out.data_sha256 = results.figures.data_sha256
    out.rollup_values = township_values(results.figures)
    templates = project.root / "templates"
    rules = lint.load_rules(templates)
    compare = Comparer(project, job.timeframe)  # the earlier figures, shared by the job's documents
    with tempfile.TemporaryDirectory(prefix="reportgen-job-") as scratch:
        for name in job.documents:
            doc, used = render_document(project, results, name, compare)
            if rules is not None:  # the period-word lint, as in every build
                lint.require_clean(lint.lint_text(doc.plain_text(), job.timeframe, rules, name), job.timeframe)
            html = render_html(doc, resources.find("style.css", project.root))
            write_docx(doc, Path(scratch) / "doc.docx", reference=reference_docx(project, name))
            report = write_pdf(html, Path(scratch) / "doc.pdf", templates)
            out.fonts.extend(f for f in report.lines() if f not in out.fonts)
            out.warnings.extend(report.warnings)
            files = {"docx": (Path(scratch) / "doc.docx").read_bytes(), "html": html.encode("utf-8"),
                     "pdf": (Path(scratch) / "doc.pdf").read_bytes()}
            out.documents.append(DocumentOutput(name, doc.title_block.title, files, used, doc.plain_text()))
            from reportgen.documents.charts import charts_listing

            out.charts.update(charts_listing({name: doc}))
