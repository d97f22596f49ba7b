"""The command line over the demo: figures in three formats, explain, exit codes."""

from __future__ import annotations

import csv
import io
import json

from conftest import REPO

from reportgen.cli import main
from reportgen.engine.project import evaluate


def _run(capsys, *argv):
    code = main(["--root", str(REPO), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_figures_json_matches_the_engine_and_every_check_holds(capsys, repo_project):
    code, out, _ = _run(capsys, "figures", "--period", "2023H1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    expected = evaluate(repo_project, repo_project.timeframe("2023H1")).figures
    assert data["period"] == "2023H1" and data["cutoff"] == expected.timeframe.cutoff.isoformat()
    assert set(data["figures"]) == set(expected.figures)
    for fid, fig in expected.figures.items():
        assert data["figures"][fid]["wording"] == fig.wording
    assert data["checks"] and all(c["holds"] for c in data["checks"])


def test_figures_table_and_csv_list_every_figure(capsys, repo_project):
    code, table, _ = _run(capsys, "figures")
    assert code == 0
    code, text, _ = _run(capsys, "figures", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == list(repo_project.registry.figures)
    for row in rows:
        assert row["id"] in table and row["wording"] in table


def test_explain_shows_definition_provenance_and_masked_rows(capsys, repo_project):
    code, out, _ = _run(capsys, "explain", "population_people", "--rows", "3")
    assert code == 0
    spec = repo_project.registry.figures["population_people"]
    assert f"figures.yaml:{repo_project.registry.line('figures', 'population_people')}" in out
    assert spec.source in out and "first 3 of" in out
    ledger = repo_project.ledgers[spec.source]
    for column in ledger.spec.personal:
        for value in ledger.frame[column].head(3):
            assert str(value) not in out


def test_unknown_figure_and_bad_period_exit_2(capsys):
    code, _, err = _run(capsys, "explain", "no_such_figure")
    assert code == 2 and "no_such_figure" in err
    code, _, err = _run(capsys, "figures", "--period", "2023Q5")
    assert code == 2 and "2023Q5" in err
    code, _, err = _run(capsys, "figures", "--period", "2025Q1")
    assert code == 2 and "records days up to" in err and "dates.until" in err
    code, _, err = _run(capsys, "figures", "--period", "")
    assert code == 2 and "malformed period" in err


def test_figures_json_states_every_seed_reading(capsys):
    import re

    from conftest import REPO

    code, out, _ = _run(capsys, "figures", "--period", "2023H1", "--format", "json")
    wordings = {fig["wording"] for fig in json.loads(out)["figures"].values()}
    readings = (REPO / "tests" / "data" / "seed_readings.txt").read_text(encoding="utf-8")
    readings = "\n".join(line for line in readings.splitlines() if not line.startswith("#"))
    # 40户136人 is two figures, 40户 and 136人; every other reading is one figure's wording.
    tokens = re.findall(r"\d+(?:\.\d+)?(?:余万元|万元|户次|户|人|个|千瓦|%)", readings)
    assert len(tokens) > 50
    missing = sorted({t for t in tokens if t not in wordings})
    assert not missing


def test_build_refuses_an_unknown_document_before_writing(capsys, tmp_path):
    code, _, err = _run(capsys, "build", "--documents", "report", "minutes", "--out", str(tmp_path))
    assert code == 2 and "minutes" in err and "report, brief" in err
    assert not any(tmp_path.iterdir())
