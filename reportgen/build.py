"""Figures and templates into a complete output set (DOCX, HTML, PDF, figures.json), swapped in atomically."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import output_folder, resources
from reportgen.audit import listing
from reportgen.audit.ledger import forget_build, record_build, sha256_of
from reportgen.documents import comparisons, lint, templating
from reportgen.documents import model as document_model
from reportgen.engine.figures import FigureSet, compute_breakdown
from reportgen.engine.periods import Timeframe
from reportgen.engine.project import Project, Results, evaluate
from reportgen.errors import InputError, Problem

STAGING_PREFIX = output_folder.STAGING_PREFIX
PREVIOUS_PREFIX = output_folder.PREVIOUS_PREFIX
recover = output_folder.recover


@dataclass(frozen=True)
class BuiltDocument:
    """One document of a build: its name, the files written and the figures it used."""

    name: str
    title: str
    files: Mapping[str, str]          # format -> file name inside the period folder
    figures_used: tuple[str, ...]
    text: str
    sha256: Mapping[str, str] = field(default_factory=dict)  # format -> hash of the file written


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote, where, and which font stood in for which."""

    timeframe: Timeframe
    folder: Path
    documents: tuple[BuiltDocument, ...]
    results: Results
    font_substitutions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    lint_hits: tuple = ()             # period words out of place, written anyway under --force


class _UsageRecorder(Mapping):
    """Wraps the figures so that a render records which ids the template read."""

    def __init__(self, figures):
        self._figures = figures
        self.used: list[str] = []

    def __getitem__(self, key):
        value = self._figures[key]
        if key not in self.used:
            self.used.append(key)
        return value

    def __iter__(self):
        return iter(self._figures)

    def __len__(self):
        return len(self._figures)


def document_context(project: Project, timeframe: Timeframe, name: str,
                     compare: comparisons.Comparer | None = None) -> dict:
    """What a document's template sees besides `f`, `report` and `period`: the meeting, figures of a
    year earlier (`prev`) and the per-village `breakdown`, as figures.yaml declares for it.

    `compare`: the build's Comparer, whose earlier figures every document of the build shares."""
    spec = project.registry.documents[name]
    compare = compare or comparisons.Comparer(project, timeframe)
    context: dict = {"meeting": templating.registry_words(project.registry.meetings.get(timeframe.name)),
                     "compare": compare}
    if spec.form == "upward":  # a report sent up to the county is a written report, not a speech
        context["meeting"] = None
    if spec.compare_with_previous_year:
        earlier = timeframe.previous_year()
        covered = earlier.cutoff >= project.coverage[0]
        context["prev"] = templating.FigureNamespace(compare.figures_at(earlier).figures) if covered else None
    if spec.compare_with_previous_period:
        earlier = timeframe.previous_period()
        covered = earlier.period.start >= project.coverage[0]
        context["prev_period"] = (templating.FigureNamespace(compare.figures_at(earlier).figures)
                                  if covered else None)
    if spec.breakdown:
        context["breakdown"] = compute_breakdown(project.registry, project.ledgers, timeframe,
                                                 list(spec.breakdown.figures), spec.breakdown.by)
    return context


def render_document(project: Project, results: Results, name: str, compare: comparisons.Comparer | None = None,
                    ) -> tuple[document_model.Document, tuple[str, ...]]:
    """Render one document's template and parse it into the model; also return the figure ids used.

    `compare`: one Comparer for all the documents of a build (see document_context)."""
    return finish_document(project, results, render_text(project, results, name, compare))


@dataclass
class DocumentDraft:
    """A document's text rendered and parsed, its charts not yet drawn (render_text)."""

    name: str
    document: document_model.Document
    recorder: _UsageRecorder
    context: dict

    @property
    def has_charts(self) -> bool:
        return any(isinstance(block, document_model.Chart) for block in self.document.blocks)


def render_text(project: Project, results: Results, name: str, compare: comparisons.Comparer | None = None,
                ) -> DocumentDraft:
    """The document's template rendered and parsed; finish_document draws its charts and form."""
    spec = project.registry.documents[name]
    timeframe = results.figures.timeframe
    recorder = _UsageRecorder(results.figures.figures)
    figures = FigureSet(timeframe, recorder, results.figures.data_sha256)
    for fid in spec.breakdown.figures if spec.breakdown else ():
        recorder[fid]  # a breakdown uses its figures as much as the text does
    templates = resources.find(spec.template, project.root).parent  # the project's, else the shipped
    context = document_context(project, timeframe, name, compare)
    text = templating.render(templates, spec.template, figures, project.registry.report,
                             timeframe.words(), context)
    return DocumentDraft(name, document_model.parse(text, f"templates/{spec.template}"), recorder, context)


def finish_document(project: Project, results: Results, draft: DocumentDraft,
                    ) -> tuple[document_model.Document, tuple[str, ...]]:
    """The draft with its charts drawn, in its form; and the figure ids it used."""
    timeframe = results.figures.timeframe
    document, recorder = draft.document, draft.recorder
    if draft.has_charts:
        from reportgen.documents.charts import CHARTS, draw_charts

        document = draw_charts(project, timeframe, document, draft.context.get("breakdown"))
        for block in document.blocks:
            for fid in CHARTS[block.name].figures if isinstance(block, document_model.Chart) else ():
                recorder[fid]  # a chart uses its figures as much as the text does
    return with_form(project, timeframe, draft.name, document), tuple(recorder.used)


def with_form(project: Project, timeframe: Timeframe, name: str,
              document: document_model.Document) -> document_model.Document:
    """The document in the form figures.yaml declares for it (版头, 主送机关, 署名, 版记 …)."""
    from reportgen.documents import forms

    spec = project.registry.documents[name]
    file = str(project.registry.path)
    meeting = project.registry.meetings.get(timeframe.name)
    form = forms.resolve(name, spec, timeframe, meeting, file)
    words = {**{k: str(v) for k, v in project.registry.report.items()}, **timeframe.words()}
    return forms.apply(document, form, forms.title_for(spec, name, words, file))


def reference_docx(project: Project, name: str) -> Path:
    """The Word/WPS file whose styles the document's DOCX takes: documents.<name>.reference_docx,
    else templates/reference.docx of the project, else the shipped GB/T 9704 one."""
    declared = project.registry.documents[name].reference_docx
    if declared:  # beside figures.yaml, which a batch worker's private project folder is not
        return project.registry.path.parent / declared
    return resources.find("reference.docx", project.root)


def issued_documents(project: Project, timeframe: Timeframe) -> tuple[str, ...]:
    """The documents figures.yaml declares for the period (a 上行文 only where its 发文字号 is)."""
    from reportgen.documents.forms import issued_for

    return tuple(name for name, spec in project.registry.documents.items()
                 if issued_for(spec, timeframe.period.name))


def _start_page(name: str, doc: document_model.Document, templates: Path, formats: tuple[str, ...],
                scratch: Path, jobs: list, more_to_render: bool = False) -> tuple[str | None, Exception | None]:
    """The document's HTML (or the error rendering it), its PDF handed to a helper at once, into
    `scratch`: it renders while the next document is rendered and the DOCX files are written
    (`more_to_render`: this process still has documents to render, see pdf_worker.submit)."""
    html = html_error = None
    if "html" in formats or "pdf" in formats:
        from reportgen.documents.writers.html import render_html

        try:
            html = render_html(doc, resources.find("style.css", templates.parent))
        except Exception as exc:
            html_error = exc
    if html is not None and "pdf" in formats:
        from reportgen.documents.writers import pdf_worker

        jobs.append(pdf_worker.submit(html, scratch / f"{name}.pdf", templates, caller_busy=more_to_render))
    return html, html_error


def _write_formats(name: str, doc: document_model.Document, page: tuple[str | None, Exception | None],
                   staging: Path, formats: tuple[str, ...], say: Callable[[str], None],
                   reference: Path | None = None) -> dict[str, str]:
    """Write one document's DOCX and HTML (`page`, from _start_page); its PDF is on its way.

    The steps fail in the order they always did (DOCX, HTML, PDF): an HTML error waits for the DOCX.
    """
    files = {}
    html, html_error = page
    if "docx" in formats:
        from reportgen.documents.writers.docx import write_docx

        say(f"writing {name}.docx")
        write_docx(doc, staging / f"{name}.docx", reference=reference)
        files["docx"] = f"{name}.docx"
    if html_error is not None:
        raise html_error
    if "html" in formats:
        (staging / f"{name}.html").write_text(html, encoding="utf-8")
        files["html"] = f"{name}.html"
    if "pdf" in formats:
        say(f"writing {name}.pdf")
        files["pdf"] = f"{name}.pdf"
    return files


def _settle_pdfs(jobs: list, earlier: int, exc: BaseException) -> None:
    """A step failed: let every PDF in flight finish (none may land in staging after it goes).

    A PDF of an earlier document that failed too is the error a one-by-one build would have hit
    first, so that one is raised.  On Ctrl-C the helper is stopped instead of waited for.
    """
    from reportgen.documents.writers import pdf_worker

    if not isinstance(exc, Exception):
        pdf_worker.shutdown(kill=True)
        return
    for index, job in enumerate(jobs):
        if index < earlier:
            try:
                job.result()
            except Exception as first:
                for later in jobs[index + 1:]:
                    later.wait()
                raise first from None
        else:
            job.wait()


def build(project: Project, timeframe: Timeframe, out_root: Path, documents: tuple[str, ...] | None = None,
          formats: tuple[str, ...] = ("docx", "html", "pdf"),
          progress: Callable[[str], None] | None = None, record: bool = True, force: bool = False) -> BuildResult:
    """Compute, check, render and write every document; the period folder changes only if all succeed.

    The period-word lint reads every document; a hit stops the build (CheckFailed) unless `force`,
    which writes the files and returns the hits in `lint_hits`."""
    say = progress or (lambda _msg: None)
    if "pdf" in formats:  # WeasyPrint loads in a helper process while the figures are computed
        from reportgen.documents.writers.pdf_worker import prestart

        prestart()
    documents = documents or issued_documents(project, timeframe)
    unknown = [name for name in documents if name not in project.registry.documents]
    if unknown:
        raise InputError(Problem("unknown document", column="--documents", value=unknown[0],
                                 expected=f"one of {', '.join(project.registry.documents)}"))
    output_folder.ensure_folder(out_root)
    templates = project.root / "templates"
    for name in ("style.css", "fonts.conf"):  # read into the HTML and the PDF: a link out is refused
        templating.confined(templates, templates / name, f"templates/{name}")
    results = evaluate(project, timeframe)
    rendered, hits = [], []
    rules = lint.load_rules(templates)
    compare = comparisons.Comparer(project, timeframe)
    jobs: list = []  # the PDFs in flight, one per document in order
    pages: dict = {}  # document -> (HTML, error rendering it): its PDF handed on as soon as it is rendered
    scratch = Path(tempfile.mkdtemp(prefix="reportgen-pdf-"))  # where they land until staging exists
    try:
        drafts = []
        for name in documents:
            say(f"{timeframe.name}: rendering {name}")
            drafts.append(render_text(project, results, name, compare))
        # Pages without charts go to the PDF helpers first: they render while the charts are drawn.
        finished = {}
        drafts.sort(key=lambda d: d.has_charts)
        for n, draft in enumerate(drafts):
            doc, used = finished[draft.name] = finish_document(project, results, draft)
            if rules is not None:
                hits.extend(lint.lint_text(doc.plain_text(), timeframe, rules, draft.name))
            if (force or not hits) and all(error is None for _, error in pages.values()):
                busy = any(later.has_charts for later in drafts[n + 1:])
                pages[draft.name] = _start_page(draft.name, doc, templates, formats, scratch, jobs, busy)
        rendered = [(name, *finished[name]) for name in documents]
        place = {name: n for n, name in enumerate(documents)}
        hits.sort(key=lambda hit: place[hit.document])  # reported in the documents' order
        jobs.sort(key=lambda job: place[job.path.stem])  # in the documents' order, as the steps below
        if not force:
            lint.require_clean(hits, timeframe)
        output_folder.ensure_folder(out_root, create=True)
    except BaseException as exc:
        try:
            _settle_pdfs(jobs, 0, exc)  # wanted by no one: waited for, their errors unasked
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    held = output_folder.Staging(out_root, timeframe.name, lambda msg: say(f"{timeframe.name}: {msg}"))
    staging = held.path
    at = 0  # the document whose step runs now: PDFs of those before it have come first
    try:
        built, fonts, warnings = [], [], list(results.figures.warnings)
        if rules is None:
            warnings.append(f"templates/{lint.RULES_FILE} is missing: the period words were not checked")
        for index, (name, doc, used) in enumerate(rendered):
            at = index
            page = pages.get(name) or _start_page(name, doc, templates, formats, scratch, jobs)
            files = _write_formats(name, doc, page, staging, formats,
                                   lambda msg: say(f"{timeframe.name}: {msg}"), reference_docx(project, name))
            built.append(BuiltDocument(name, doc.title_block.title, files, used, doc.plain_text()))
        for index, job in enumerate(jobs):
            at = index
            report = job.result()
            fonts.extend(f for f in report.lines() if f not in fonts)
            warnings.extend(report.warnings)
        at = len(jobs)
        for d in built:
            if "pdf" in d.files:
                shutil.move(scratch / d.files["pdf"], staging / d.files["pdf"])
        built = [dataclasses.replace(d, sha256={fmt: sha256_of(staging / f) for fmt, f in d.files.items()})
                 for d in built]
        payload = listing.figures_document(results)
        payload["documents"] = {
            d.name: {"title": d.title, "files": dict(d.files), "figures_used": list(d.figures_used),
                     "sha256": dict(d.sha256)}
            for d in built
        }
        if any(isinstance(b, document_model.Chart) for _, doc, _ in rendered for b in doc.blocks):
            from reportgen.documents.charts import charts_listing

            payload["charts"] = charts_listing({name: doc for name, doc, _ in rendered})
        (staging / "figures.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
        target = out_root / timeframe.name
        result = BuildResult(timeframe, target, tuple(built), results, tuple(fonts), tuple(warnings),
                             tuple(hits))
        publish(result, staging, out_root, project.ledgers if record else None, say)
    except BaseException as exc:
        try:
            _settle_pdfs(jobs, at, exc)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        held.release()
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def publish(result: BuildResult, staging: Path, out_root: Path, ledgers: Mapping | None,
            say: Callable[[str], None]) -> None:
    """Record the build, then swap its folder in, under the output folder's lock: a folder in
    output/ is always one the build ledger knows.  A ledger that cannot be written stops the build
    before anything moved; a swap that fails takes the record back."""
    db = out_root / "ledger.sqlite"
    with output_folder.locked(out_root, lambda msg: say(f"{result.timeframe.name}: {msg}")):
        build_id = record_build(db, result, ledgers) if ledgers is not None else None
        try:
            output_folder.swap_in(staging, result.folder)
        except BaseException:
            if build_id is not None:
                forget_build(db, build_id)
            raise
