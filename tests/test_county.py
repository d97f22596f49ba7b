"""A county: townships and the county summary built in one batch, roll-ups checked, units narrowed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from reportgen.batch.rollup import additive_figures, rollup_checks, township_values
from reportgen.batch.run import run_batch
from reportgen.batch.units import COUNTY, project_for, select_units
from reportgen.engine.project import evaluate
from reportgen.errors import InputError

PERIOD = "2023H1"


def _figure_values(project, unit_name):
    unit = select_units(project.registry, unit_name)[0]
    narrowed = project_for(project, unit)
    return evaluate(narrowed, narrowed.timeframe(PERIOD)).figures


def test_all_units_build_into_their_folders_and_the_rollups_hold(county, county_batch):
    out, result = county_batch
    assert result.failed == []
    townships = list(county.registry.units.townships)
    for township in townships:
        files = sorted(p.name for p in (out / PERIOD / township).iterdir())
        assert files == ["brief.docx", "brief.html", "brief.pdf", "figures.json",
                         "report.docx", "report.html", "report.pdf",
                         "report_county.docx", "report_county.html", "report_county.pdf"]
    summary = json.loads((out / PERIOD / county.registry.units.county / "figures.json").read_text("utf-8"))
    rollups = [c for c in summary["checks"] if c["id"].startswith("rollup.")]
    assert {c["id"] for c in rollups} >= {f"rollup.{fid}" for fid in additive_figures(county.registry)}
    assert "rollup.employment_rate" in {c["id"] for c in rollups}  # a rate, recomputed
    assert all(c["holds"] for c in rollups)
    # the county's sums are the sums of what the townships' own figures.json say
    per_township = [json.loads((out / PERIOD / t / "figures.json").read_text("utf-8"))["figures"]
                    for t in townships]
    for fid in additive_figures(county.registry):
        assert summary["figures"][fid]["value"] == pytest.approx(sum(f[fid]["value"] for f in per_township))


def test_the_county_summary_quotes_county_figures_and_one_row_per_township(county, county_batch):
    out, _ = county_batch
    html = (out / PERIOD / county.registry.units.county / "county.html").read_text("utf-8")
    figures = _figure_values(county, county.registry.units.county)
    assert f"{county.registry.units.county}乡村振兴主要指标汇总" in html
    assert figures["population_people"].wording in html
    for township in county.registry.units.townships:
        assert f">{township}<" in html
        assert _figure_values(county, township)["labour"].wording in html


def test_a_township_of_the_county_is_the_demo_township_it_was_copied_from(county, repo_project):
    demo = evaluate(repo_project, repo_project.timeframe(PERIOD)).figures.values()
    assert _figure_values(county, "龙下乡").values() == demo


def test_each_township_sees_only_its_own_rows_and_villages(county):
    spec = county.registry.units
    for township, declared in spec.townships.items():
        narrowed = project_for(county, select_units(county.registry, township)[0])
        for ledger in narrowed.ledgers.values():
            assert set(ledger.frame[spec.column]) == {township}
            if spec.village_column in ledger.frame:
                assert set(ledger.frame[spec.village_column]) <= set(declared.villages)
        assert narrowed.registry.report["township"] == township


def test_a_planted_township_figure_breaks_its_rollup(county):
    county_figures = _figure_values(county, county.registry.units.county)
    values = {t: township_values(_figure_values(county, t)) for t in county.registry.units.townships}
    assert all(c.holds for c in rollup_checks(county.registry, county_figures, values))
    planted = next(iter(values))
    values[planted] = {**values[planted], "dibao_people": values[planted]["dibao_people"] + 1}
    failed = [c for c in rollup_checks(county.registry, county_figures, values) if not c.holds]
    assert failed[0].id == "rollup.dibao_people"
    assert (failed[0].left_value, failed[0].right_value) == (county_figures["dibao_people"].value,
                                                             county_figures["dibao_people"].value + 1)
    for check in failed[1:]:  # a formula over dibao_people, recomputed from the sums, fails with it
        assert "dibao_people" in county.registry.figures[check.id.removeprefix("rollup.")].formula


def test_a_household_counted_in_two_townships_fails_the_county_and_spares_the_townships(county_root, tmp_path):
    root = tmp_path / "county"
    shutil.copytree(county_root, root)
    population = root / "data" / "population.csv"
    lines = population.read_text("utf-8").splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")  # a person of 龙下乡 whose household is also entered in 城厢镇
    other = next(line.split(",") for line in lines if line.startswith("城厢镇,"))
    other[header.index("户编号")] = first[header.index("户编号")]
    person_id = header.index("身份证号")
    other[person_id] = "999998" + other[person_id][6:]  # a new person, so only the household repeats
    lines.append(",".join(other[:1] + [other[1] + "X"] + other[2:]))
    population.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(REPO / "pipeline.py"), "--root", str(root), "batch",
                           "--units", "城厢镇,全南县", "--periods", PERIOD, "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 3, proc.stderr
    assert "rollup.population_households" in proc.stderr
    assert not (out / PERIOD / "全南县").exists()
    assert (out / PERIOD / "城厢镇" / "report.pdf").is_file()


def test_an_unknown_unit_is_refused_with_the_units_declared(county):
    with pytest.raises(InputError) as info:
        select_units(county.registry, "不存在乡")
    assert "不存在乡" in str(info.value) and "龙下乡" in str(info.value)


def test_a_registry_without_units_is_one_township_in_todays_layout(repo_project):
    (unit,) = select_units(repo_project.registry, "all")
    assert unit.folder == "" and unit.level != COUNTY
    assert project_for(repo_project, unit) is repo_project


def test_check_compares_a_county_document_with_each_townships_own_figures(county, county_batch, tmp_path):
    from reportgen.audit.consistency import check_documents
    from reportgen.batch.countycheck import with_township_findings
    from reportgen.zhnum import hu_ren

    out, _ = county_batch
    county_unit = select_units(county.registry, county.registry.units.county)[0]
    narrowed = project_for(county, county_unit)
    results = evaluate(narrowed, narrowed.timeframe(PERIOD), strict=False)
    built = out / PERIOD / county_unit.folder / "county.html"

    def check(path):
        report = check_documents(narrowed, results, [path])
        return with_township_findings(report, county, results.figures.timeframe, "county")

    assert check(built).ok
    township = list(county.registry.units.townships)[1]
    own = _figure_values(county, township)
    right = hu_ren(own["dibao_households"].value, own["dibao_people"].value)
    wrong = hu_ren(own["dibao_households"].value, own["dibao_people"].value + 1)
    html = built.read_text("utf-8")
    row = html.index(f">{township}<")
    planted = tmp_path / "county.html"
    planted.write_text(html[:row] + html[row:].replace(f">{right}<", f">{wrong}<", 1), encoding="utf-8")
    report = check(planted)
    assert not report.ok
    (finding,) = report.failures
    assert township in finding.message and wrong in finding.message and finding.expected == right


def test_a_lone_township_batch_writes_todays_layout(repo_project, h1_build, tmp_path):
    (unit,) = select_units(repo_project.registry, "all")
    result = run_batch(repo_project, [unit], [PERIOD], tmp_path, workers=1, show=lambda _line: None)
    assert result.failed == [] and result.built[0].folder == tmp_path / PERIOD
    assert sorted(p.name for p in (tmp_path / PERIOD).iterdir()) == sorted(p.name for p in h1_build.folder.iterdir())
    for name in ("report.html", "brief.html"):
        assert (tmp_path / PERIOD / name).read_bytes() == (h1_build.folder / name).read_bytes()
    ours = json.loads((tmp_path / PERIOD / "figures.json").read_text("utf-8"))
    theirs = json.loads((h1_build.folder / "figures.json").read_text("utf-8"))
    assert ours["figures"] == theirs["figures"] and ours["checks"] == theirs["checks"]


def test_a_batch_on_a_dask_local_cluster_writes_what_the_local_batch_writes(county, county_batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    from conftest import files_apart_from_timestamps

    local, _ = county_batch
    units = select_units(county.registry, "城厢镇") + select_units(county.registry, county.registry.units.county)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        remote = run_batch(county, units, [PERIOD], tmp_path, scheduler=client, show=lambda _line: None)
        assert len(client.scheduler_info()["workers"]) == 2
    assert remote.failed == []
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite")
    assert len(written) == 10 + 4  # 城厢镇: report, brief, report_county in 3 formats + figures.json; the county: 3 + 1
    assert {p.parts[1] for p in written} == {u.name for u in units}
    for path in written:
        assert files_apart_from_timestamps(tmp_path / path) == files_apart_from_timestamps(local / path), path


def test_an_unknown_unit_or_period_stops_a_batch_before_any_job(capsys, tmp_path):
    from reportgen.cli import main

    code = main(["--root", str(REPO), "build", "--unit", "不存在乡", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "--unit" in err and "不存在乡" in err and "龙下乡" in err
    code = main(["--root", str(REPO), "batch", "--periods", "2023H1,2023Q9", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "2023Q9" in err
    assert not any(tmp_path.iterdir())


def test_a_failing_township_costs_the_others_nothing(county_root, tmp_path):
    root = tmp_path / "county"
    shutil.copytree(county_root, root)
    relocation = root / "data" / "relocation.csv"  # 城厢镇 without relocated people: a share over no rows
    kept = [line for line in relocation.read_text("utf-8").splitlines() if not line.startswith("城厢镇,")]
    relocation.write_text("\n".join(kept) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / PERIOD / "城厢镇").mkdir(parents=True)
    (out / PERIOD / "城厢镇" / "earlier.txt").write_text("an earlier build", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(REPO / "pipeline.py"), "--root", str(root), "batch",
                           "--units", "城厢镇,大吉山镇", "--periods", PERIOD, "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2, proc.stderr
    assert f"{PERIOD}/城厢镇" in proc.stderr and "a ratio over no rows" in proc.stderr
    assert "failed 1" in proc.stderr and "done 1" in proc.stderr
    assert sorted(p.name for p in (out / PERIOD / "城厢镇").iterdir()) == ["earlier.txt"]
    assert (out / PERIOD / "大吉山镇" / "brief.pdf").is_file()
    assert not [p for p in (out / PERIOD).iterdir() if p.name.startswith(".")]
