"""Documents read back against the registry: built reports pass, edited, garbled and stale ones do not."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import docx
import pytest

from reportgen import zhnum
from reportgen.audit.consistency import check_documents, format_text, to_json
from reportgen.audit.ledger import record_build
from reportgen.build import build
from reportgen.engine.project import evaluate, load_project

ROOT = Path(__file__).resolve().parents[1]
SEED = Path("/work/shared/seeds/000_f0c4059317dc1c18.txt")

pytestmark = pytest.mark.skipif(
    not (ROOT / "figures.yaml").is_file() or shutil.which("pdftotext") is None,
    reason="needs figures.yaml, data/ and poppler-utils",
)


@pytest.fixture(scope="module")
def built(repo_project, tmp_path_factory):
    """The real report of the default period, built once: (BuildResult, figures.json payload)."""
    result = build(repo_project, repo_project.timeframe(), tmp_path_factory.mktemp("out"))
    payload = json.loads((result.folder / "figures.json").read_text(encoding="utf-8"))
    return result, payload


def _document(built, name: str = "report"):
    return next(d for d in built[0].documents if d.name == name)


def _file(built, fmt: str, name: str = "report") -> Path:
    return built[0].folder / _document(built, name).files[fmt]


def _wording(payload: dict, *ids: str) -> str:
    """A figure's wording as the build printed it; a household-and-people pair as X户Y人."""
    figures = payload["figures"]
    if len(ids) == 2:
        return zhnum.hu_ren(figures[ids[0]]["value"], figures[ids[1]]["value"])
    return figures[ids[0]]["wording"]


def _edits(payload: dict) -> dict[tuple[str, ...], tuple[str, str]]:
    """Three figures changed by hand: figure ids -> (wording in the report, wording after the edit)."""
    figures = payload["figures"]
    households, people = figures["dibao_households"]["value"], figures["dibao_people"]["value"]
    return {
        ("dibao_households", "dibao_people"): (_wording(payload, "dibao_households", "dibao_people"),
                                               zhnum.hu_ren(households + 1, people + 2)),
        ("dibao_monthly_amount",): (_wording(payload, "dibao_monthly_amount"),
                                    zhnum.wan(figures["dibao_monthly_amount"]["value"] + 1000)),
        ("welfare_jobs_total",): (_wording(payload, "welfare_jobs_total"),
                                  zhnum.count(figures["welfare_jobs_total"]["value"] + 1, "人")),
    }


def _assert_caught(report, edits, with_page: bool = False) -> None:
    assert not report.ok
    for ids, (right, wrong) in edits.items():
        found = [f for f in report.failures if f.kind == "disagrees" and f.figures == ids]
        assert found, f"{wrong} (for {ids}) was not reported:\n{format_text(report)}"
        assert found[0].phrase == wrong and found[0].expected == right
        assert (found[0].page is not None) if with_page else (found[0].paragraph is not None)


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_built_report_is_consistent(repo_project, repo_results, built, fmt):
    result, payload = built
    report = check_documents(repo_project, repo_results, [_file(built, fmt)], result.folder.parent / "ledger.sqlite")
    assert report.ok, format_text(report)
    doc = report.documents[0]
    assert doc.stated == doc.attributed > 40
    assert not [f for f in doc.findings if f.kind == "unattributed"], format_text(report)
    assert (doc.period, doc.cutoff) == (payload["period"], payload["cutoff"])


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_every_built_document_is_consistent(repo_project, repo_results, built, fmt):
    """Other documents too (the figures brief, its per-village table and year-on-year changes included):
    every number attributed and checked, none wrong."""
    paths = [built[0].folder / d.files[fmt] for d in built[0].documents if fmt in d.files]
    report = check_documents(repo_project, repo_results, paths)
    assert report.ok, format_text(report)
    for doc in report.documents:
        assert doc.stated == doc.attributed == doc.checked > 0, format_text(report)
    brief = next(d for d in report.documents if "brief" in Path(d.file).name)
    villages = {s.group for s in brief.statements if s.group}
    assert len(villages) >= 2 and all(s.outcome == "agrees" for s in brief.statements)


def test_wrong_village_and_change_in_the_brief_are_caught(repo_project, repo_results, built, tmp_path):
    """A village's cell and a year-on-year change edited in the brief's DOCX are reported by cell."""
    from reportgen.audit.reading import readers_for

    brief = built[0].folder / _document(built, "brief").files["docx"]
    document = docx.Document(str(brief))
    village_table, main_table = document.tables[-1], document.tables[0]
    village = village_table.rows[1].cells[0].text
    breakdown = readers_for(repo_project, repo_results).group_figures()[village]
    right_cell = zhnum.hu_ren(breakdown["dibao_households"].value, breakdown["dibao_people"].value)
    cell = next(c for c in village_table.rows[1].cells if c.text == right_cell)
    cell.text = zhnum.hu_ren(breakdown["dibao_households"].value, breakdown["dibao_people"].value + 3)
    change_cell = main_table.rows[1].cells[2]
    right_change = change_cell.text
    change_cell.text = right_change.replace("增加", "减少") if "增加" in right_change else "增加99人"
    edited = tmp_path / "brief.docx"
    document.save(str(edited))
    report = check_documents(repo_project, repo_results, [edited])
    wrong = {f.phrase: f for f in report.failures if f.kind == "disagrees"}
    changed = change_cell.text.removeprefix("减少").removeprefix("增加")   # the number; its verb is context
    assert set(wrong) == {cell.text, changed}, format_text(report)
    assert f"«{village}»" in wrong[cell.text].cell and wrong[cell.text].expected == right_cell
    assert wrong[changed].expected == right_change and "较去年同期" in wrong[changed].cell


def test_issue_examples_are_read_as_written(repo_project, repo_results, tmp_path):
    """其中监测对象40户136人 is the monitored pair, not the newly monitored; 127户、231人 is one pair;
    公益性岗位总数113个 disagrees with the posts counted in 人, saying so; 名 is 人."""
    f = repo_results.figures
    pair = lambda name: zhnum.hu_ren(f[f"{name}_households"].value, f[f"{name}_people"].value)  # noqa: E731
    jobs = f["welfare_jobs_total"].value
    text = (f"今年新纳入监测对象{pair('newly_monitored')}，其中监测对象{pair('monitored')}。\n\n"
            f"纳入农村低保的有{f['dibao_households'].value}户、{f['dibao_people'].value}人。\n\n"
            f"资助学生{f['education_grant_people'].value}名。\n\n公益性岗位总数{jobs + 1}个。\n")
    path = tmp_path / "brief-by-hand.txt"
    path.write_text(text, encoding="utf-8")
    doc = check_documents(repo_project, repo_results, [path]).documents[0]
    outcomes = {s.text: (s.figures, s.outcome) for s in doc.statements}
    assert outcomes[pair("monitored")] == (("monitored_households", "monitored_people"), "agrees")
    assert outcomes[f"{f['dibao_households'].value}户、{f['dibao_people'].value}人"][1] == "agrees"
    assert outcomes[f"{f['education_grant_people'].value}名"] == (("education_grant_people",), "agrees")
    assert outcomes[f"{jobs + 1}个"] == (("welfare_jobs_total",), "disagrees")
    finding = next(x for x in doc.findings if x.kind == "disagrees")
    assert "个" in finding.message and "人" in finding.message


def test_three_figures_changed_in_docx_are_caught(repo_project, repo_results, built, tmp_path):
    _, payload = built
    edits = _edits(payload)
    document = docx.Document(str(_file(built, "docx")))
    for right, wrong in edits.values():
        runs = [run for p in document.paragraphs for run in p.runs if right in run.text]
        assert len(runs) == 1, f"{right} should be printed once, in one run"
        runs[0].text = runs[0].text.replace(right, wrong)
    edited = tmp_path / "edited.docx"
    document.save(str(edited))
    report = check_documents(repo_project, repo_results, [edited])
    _assert_caught(report, edits)
    assert {f.kind for f in report.failures} <= {"disagrees", "arithmetic"}
    assert json.loads(to_json(report))["ok"] is False


def test_changed_figures_in_pdf_are_found_with_their_page(repo_project, repo_results, built, tmp_path):
    from reportgen.documents.writers.pdf import write_pdf

    _, payload = built
    edits = _edits(payload)
    html = _file(built, "html").read_text(encoding="utf-8")
    for right, wrong in edits.values():
        html = html.replace(right, wrong)
    edited = tmp_path / "edited.pdf"
    write_pdf(html, edited, ROOT / "templates")
    _assert_caught(check_documents(repo_project, repo_results, [edited]), edits, with_page=True)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_plain_text_document(repo_project, repo_results, built, tmp_path, suffix):
    _, payload = built
    text = "\n\n".join(_document(built).text.splitlines())
    path = tmp_path / f"report{suffix}"
    path.write_text(text, encoding="utf-8")
    assert check_documents(repo_project, repo_results, [path]).ok
    edits = _edits(payload)
    for right, wrong in edits.values():
        text = text.replace(right, wrong)
    path.write_text(text, encoding="utf-8")
    _assert_caught(check_documents(repo_project, repo_results, [path]), edits)


def test_seed_garbled_figures_are_read_from_their_parts(repo_project, repo_results):
    report = check_documents(repo_project, repo_results, [SEED])
    figures = repo_results.figures
    assert not report.ok
    garbled = {f.phrase: f for f in report.failures if f.kind == "garbled"}
    monitored = zhnum.hu_ren(figures["monitored_households"].value, figures["monitored_people"].value)
    parts = [zhnum.hu_ren(figures[f"{c}_households"].value, figures[f"{c}_people"].value)
             for c in ("unstable", "marginal", "sudden")]
    assert parts[0].replace("户", "") in garbled        # 19户79人 printed as 1979人
    finding = garbled[monitored.replace("户", "")]      # 40户136人 printed as 40136人
    assert finding.expected == monitored
    assert f"add up to {monitored}" in finding.message
    assert finding.figures == ("monitored_households", "monitored_people")
    population = zhnum.hu_ren(figures["population_households"].value, figures["population_people"].value)
    assert garbled[population.replace("户", "")].expected == population
    assert all(f.kind == "garbled" for f in report.failures), format_text(report)
    assert all(f.paragraph is not None for f in report.findings)


def test_hand_written_sentences_attribute_and_add_up(repo_project, repo_results, tmp_path):
    f = repo_results.figures
    pair = lambda name: zhnum.hu_ren(f[f"{name}_households"].value, f[f"{name}_people"].value)  # noqa: E731
    text = (f"截至目前，全乡“三类人员”共{pair('monitored')}，其中脱贫不稳定户{pair('unstable')}，"
            f"边缘易致贫户{pair('marginal')}，突发严重困难户{pair('sudden')}。\n\n"
            f"全乡纳入农村低保的有{pair('dibao')}，每月发放低保金{f['dibao_monthly_amount']}。\n\n"
            f"我们还组织了{zhnum.count(f['labour'].value + 5, '场')}培训。\n")
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    report = check_documents(repo_project, repo_results, [path])
    assert report.ok, format_text(report)
    assert report.documents[0].attributed == 6
    total = zhnum.hu_ren(f["monitored_households"].value + 1, f["monitored_people"].value)
    path.write_text(text.replace(pair("monitored"), total, 1), encoding="utf-8")
    report = check_documents(repo_project, repo_results, [path])
    arithmetic = [x for x in report.failures if x.kind == "arithmetic"]
    assert arithmetic and arithmetic[0].expected == f"{f['monitored_households'].value}户"


def test_document_built_before_a_ledger_changed_is_stale(tmp_path):
    for name in ("figures.yaml", "data", "templates"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    project = load_project(tmp_path)
    result = build(project, project.timeframe(), tmp_path / "output")
    db = tmp_path / "ledger.sqlite"
    record_build(db, result, project.ledgers)
    document = result.folder / next(d for d in result.documents if d.name == "report").files["docx"]
    results = evaluate(project, project.timeframe(), strict=False)
    assert check_documents(project, results, [document], db).ok

    ledger = next(lg for lg in project.ledgers.values() if lg.path.suffix == ".csv"
                  and any(c.type == "number" for c in lg.spec.columns.values()))
    column = next(name for name, c in ledger.spec.columns.items() if c.type == "number")
    encoding = ledger.encoding or "utf-8"
    with open(ledger.path, encoding=encoding, newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0][column] = str(float(rows[0][column]) + 1)
    with open(ledger.path, "w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    changed = load_project(tmp_path)
    report = check_documents(changed, evaluate(changed, changed.timeframe(), strict=False), [document], db)
    stale = [f for f in report.failures if f.kind == "stale"]
    assert stale and ledger.spec.file in stale[0].message
    assert report.documents[0].build_id is not None


def test_unreadable_file_is_an_input_error(repo_project, repo_results, tmp_path):
    from reportgen.errors import InputError

    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputError):
        check_documents(repo_project, repo_results, [broken])
    with pytest.raises(InputError):
        check_documents(repo_project, repo_results, [tmp_path / "missing.pdf"])
