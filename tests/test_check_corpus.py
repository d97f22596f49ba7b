"""check over hand-written documents (tests/check_corpus): planted errors found, right figures never
flagged, most figures attributed; tables named by row and column; exit codes; size limits."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from reportgen.audit.attribution import agrees
from reportgen.audit.changes import Change, change_agrees
from reportgen.audit.consistency import check_documents, format_text
from reportgen.audit.extract import find_phrases, normalize
from reportgen.cli import main
from reportgen.engine.figures import FigureSet, compute, compute_breakdown
from reportgen.engine.project import load_project
from reportgen.errors import EXIT_CHECK, EXIT_INPUT, EXIT_UNCHECKED

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "check_corpus"
sys.path.insert(0, str(CORPUS))
import make_corpus  # noqa: E402

MIN_ATTRIBUTION = 0.9


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The corpus written out (DOCX, XLSX and CSV generated from their text at test time)."""
    return make_corpus.materialise(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def report(repo_project, repo_results, corpus):
    return check_documents(repo_project, repo_results, corpus)


def _entries(document: Path) -> list[dict]:
    return yaml.safe_load(make_corpus.sidecar(document).read_text(encoding="utf-8"))["figures"]


def _matched(doc, entries):
    """Each sidecar entry with the stated figure it names: the next one in document order whose text
    starts with the entry's text (a table cell reads with its unit: 128 → 128户)."""
    pairs, position = [], 0
    for entry in entries:
        while position < len(doc.statements) and not normalize(doc.statements[position].text).startswith(
                normalize(str(entry["text"]))):
            position += 1
        assert position < len(doc.statements), f"{doc.file}: {entry['text']} is not among the figures read"
        pairs.append((entry, doc.statements[position]))
        position += 1
    return pairs


def test_corpus_is_big_and_varied(corpus):
    assert len(corpus) >= 12
    assert {p.suffix for p in corpus} >= {".txt", ".md", ".html", ".docx", ".xlsx", ".csv", ".pdf"}
    assert sum(1 for p in corpus for e in _entries(p) if e.get("wrong")) >= 12


def test_sidecars_agree_with_the_pipeline(repo_project, repo_results, corpus, report):
    """The corpus itself is right: its right figures are the registry's values (a year earlier for a
    figure marked `earlier: year`), its planted ones are not."""
    year_ago = compute(repo_project.registry, repo_project.ledgers, repo_results.figures.timeframe.previous_year(),
                       earlier=True)
    groups = {}
    for doc in repo_project.registry.documents.values():
        if doc.breakdown:
            table = compute_breakdown(repo_project.registry, repo_project.ledgers, repo_results.figures.timeframe,
                                      list(doc.breakdown.figures), doc.breakdown.by)
            for group, row in table.items():
                groups.setdefault(group, {}).update(row)
    for path, doc in zip(corpus, report.documents, strict=True):
        for entry, stated in _matched(doc, _entries(path)):
            figures = (FigureSet(repo_results.figures.timeframe, groups[entry["village"]], repo_results.figures.data_sha256)
                       if entry.get("village") else year_ago if entry.get("earlier") == "year" else repo_results.figures)
            phrase = find_phrases(normalize(stated.text))[0]
            if entry.get("change") == "year":     # a change against a year earlier, its verb in the text
                fid = entry["figures"][0]
                right, _ = change_agrees(phrase, Change("year", "增加"), repo_results.figures[fid].value,
                                         year_ago[fid].value, repo_results.figures[fid].unit)
            else:
                right = agrees(phrase, tuple(entry["figures"]), figures)
            assert right is not bool(entry.get("wrong")), (path, entry)


def test_every_planted_error_is_found_and_no_right_figure_flagged(report, corpus):
    for path, doc in zip(corpus, report.documents, strict=True):
        for entry, stated in _matched(doc, _entries(path)):
            if entry.get("wrong"):
                assert stated.outcome == "disagrees", f"{path.name}: {entry} not caught\n{format_text(report)}"
                assert stated.figures == tuple(entry["figures"])
                assert stated.group == entry.get("village")
            else:
                assert stated.outcome not in ("disagrees", "garbled"), f"{path.name}: {entry} flagged"
        planted = {str(e["text"]) for e in _entries(path) if e.get("wrong")}
        flagged = [s for s in doc.statements if s.outcome in ("disagrees", "garbled")]
        assert all(any(normalize(s.text).startswith(normalize(t)) for t in planted) for s in flagged), \
            format_text(report)


def test_most_stated_figures_are_attributed(report):
    stated = sum(d.stated for d in report.documents)
    attributed = sum(d.attributed for d in report.documents)
    assert attributed / stated >= MIN_ATTRIBUTION, format_text(report)


@pytest.mark.parametrize("name", ["07_stats_unit_column.docx", "08_stats_money.xlsx"])
def test_statistics_table_names_each_wrong_cell(corpus, capsys, name):
    path = next(p for p in corpus if p.name == name)
    assert main(["--root", str(ROOT), "check", str(path)]) == EXIT_CHECK
    out = capsys.readouterr().out
    wrong = [e for e in _entries(path) if e.get("wrong")]
    rows = [line for line in out.splitlines() if "disagrees" in line]
    assert len(rows) == len(wrong) >= 2
    project = load_project(ROOT)
    for entry, line in zip(wrong, rows, strict=True):
        label = project.registry.figures[entry["figures"][0]]
        assert "row «" in line and "column «" in line and label.label in line


def test_document_without_checkable_figures_has_its_own_exit_code(tmp_path, capsys):
    path = tmp_path / "notice.txt"
    path.write_text("关于召开乡村振兴工作会议的通知\n\n请各村支部书记准时参加。", encoding="utf-8")
    assert main(["--root", str(ROOT), "check", str(path)]) == EXIT_UNCHECKED
    out = capsys.readouterr().out
    assert "nothing checked" in out and "consistent" not in out


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    assert "exit codes" in out and " 4 " in out and " 3 " in out
    assert "exit codes" in (ROOT / "README.md").read_text(encoding="utf-8").lower()


def test_too_large_a_file_is_refused_with_exit_2(tmp_path, capsys):
    from reportgen.audit import readers

    path = tmp_path / "huge.txt"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("纳入农村低保127户231人，" * (readers.MAX_FILE_BYTES // 30 + 1))
    assert path.stat().st_size > readers.MAX_FILE_BYTES
    assert main(["--root", str(ROOT), "check", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "huge.txt" in err and "too large" in err and "MB" in err


def test_long_text_without_sentence_ends_is_read_in_one_pass(repo_project, repo_results, tmp_path):
    """A text of figures with no 。 at all (the shape that made reading quadratic) is read, every figure."""
    from reportgen.audit import readers

    path = tmp_path / "run-on.txt"
    unit = "低保127户231人，"
    path.write_text(unit * (readers.MAX_TEXT_CHARS // len(unit) // 20), encoding="utf-8")
    doc = check_documents(repo_project, repo_results, [path]).documents[0]
    assert doc.stated == readers.MAX_TEXT_CHARS // len(unit) // 20


def test_folder_given_to_check_exits_2(tmp_path, capsys):
    assert main(["--root", str(ROOT), "check", str(tmp_path)]) == EXIT_INPUT
    assert "folder" in capsys.readouterr().err




def test_aliases_are_validated(tmp_path):
    """An alias with digits, a repeated one, and a figure's own unit among other_units are refused,
    each named by its key path in figures.yaml."""
    from reportgen.engine.config import load_registry
    from reportgen.errors import ConfigError

    text = (ROOT / "figures.yaml").read_text(encoding="utf-8")
    figure = "dibao_households"
    spec = load_project(ROOT).registry.figures[figure]
    line = f"    aliases: [{', '.join(spec.aliases)}]"
    assert line in text
    bad = text.replace(line, f"    aliases: [低保2023, {spec.aliases[0]}, {spec.aliases[0]}]\n"
                             f"    other_units: [{spec.unit}]", 1)
    (tmp_path / "figures.yaml").write_text(bad, encoding="utf-8")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    with pytest.raises(ConfigError) as caught:
        load_registry(tmp_path / "figures.yaml")
    message = str(caught.value)
    for key in ("aliases.0", "aliases.2", "other_units.0"):
        assert f"figures.{figure}.{key}" in message, message


def test_two_figures_that_fit_leave_the_number_unattributed(repo_project, repo_results, tmp_path):
    """Precision first: a number two figures could be is "could be A or B", never a disagreement."""
    f = repo_results.figures
    neither = f["monitored_households"].value + f["dibao_households"].value + 1
    path = tmp_path / "ambiguous.txt"
    path.write_text(f"截至7月底，“三类人员”和低保对象共{neither}户。\n", encoding="utf-8")
    report = check_documents(repo_project, repo_results, [path])
    assert report.ok and report.unchecked
    note = next(x for x in report.findings if x.kind == "unattributed").message
    assert "could be" in note and "monitored_households" in note and "dibao_households" in note
