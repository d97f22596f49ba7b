"""A county whose ledgers are kept one folder per township builds what its county-wide ledgers build."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import write_county

from reportgen.batch.run import run_batch
from reportgen.batch.units import project_for, select_units
from reportgen.engine.project import CACHE_DIR, evaluate, load_project

PERIOD = "2023H1"
APART = {"sha256", "data_sha256", "file", "built_at", "generated_at"}  # hashes, paths and timestamps
WRITTEN = {"documents", "charts"}  # what the documents built hold (here the brief alone, for time)


@pytest.fixture(scope="module")
def folders_root(tmp_path_factory):
    return write_county(tmp_path_factory.mktemp("county-folders"), townships=3, layout="folders")


@pytest.fixture(scope="module")
def folders(folders_root):
    return load_project(folders_root, cache=False)


def _without(payload, keys=APART):
    if isinstance(payload, dict):
        return {k: _without(v, keys) for k, v in payload.items() if k not in keys}
    if isinstance(payload, list):
        return [_without(v, keys) for v in payload]
    return payload


def test_the_same_rows_in_township_folders_give_the_same_figures_json(county, county_batch, folders,
                                                                      county_root, folders_root, tmp_path):
    assert not (folders_root / "data" / "population.csv").exists()
    assert (folders_root / "figures.yaml").read_bytes() == (county_root / "figures.yaml").read_bytes()
    wide, _ = county_batch
    result = run_batch(folders, select_units(folders.registry, "all"), [PERIOD], tmp_path, workers=2,
                       documents=("brief",), show=lambda _line: None)
    assert result.failed == []
    units = [*folders.registry.units.townships, folders.registry.units.county]
    for unit in units:
        ours = json.loads((tmp_path / PERIOD / unit / "figures.json").read_text("utf-8"))
        theirs = json.loads((wide / PERIOD / unit / "figures.json").read_text("utf-8"))
        assert ours["figures"].keys() == theirs["figures"].keys()
        assert _without(ours, APART | WRITTEN) == _without(theirs, APART | WRITTEN), unit
    # a township's figures name its own file; the county's name every township's
    township = json.loads((tmp_path / PERIOD / "城厢镇" / "figures.json").read_text("utf-8"))
    files = {f["provenance"]["file"] for f in township["figures"].values() if f["provenance"].get("file")}
    assert "data/城厢镇/population.csv" in files and all(f.startswith("data/城厢镇/") for f in files)
    summary = json.loads((tmp_path / PERIOD / "全南县" / "figures.json").read_text("utf-8"))
    assert "data/*/population.csv" in {f["provenance"].get("file") for f in summary["figures"].values()}
    # `check` reads a township's document back as current, against the build ledger
    from reportgen.audit.consistency import check_documents

    unit = select_units(folders.registry, "城厢镇")[0]
    narrowed = project_for(folders, unit)
    results = evaluate(narrowed, narrowed.timeframe(PERIOD), strict=False)
    report = check_documents(narrowed, results, [tmp_path / PERIOD / "城厢镇" / "brief.html"],
                             tmp_path / "ledger.sqlite")
    assert report.ok and not [f for f in report.findings if f.kind == "stale"], report.findings


def test_the_county_ledger_is_the_county_wide_ledger_and_each_township_its_own_file(county, folders):
    for name, wide in county.ledgers.items():
        joined = folders.ledgers[name]
        assert joined.frame.reset_index(drop=True).equals(wide.frame.reset_index(drop=True)), name
        for township in county.registry.units.townships:
            unit = select_units(folders.registry, township)[0]
            own = project_for(folders, unit).ledgers[name]
            assert own.spec.file == f"{township}/{wide.spec.file}"
            assert own.path == folders.root / "data" / township / wide.spec.file
            assert own.frame.index[0] == 2 if len(own.frame) else True  # its file's row numbers
            assert own.frame.reset_index(drop=True).equals(
                project_for(county, unit).ledgers[name].frame.reset_index(drop=True)), (name, township)


def test_a_township_column_that_agrees_and_a_header_alone_are_read_as_the_folder_says(folders_root, folders,
                                                                                      tmp_path):
    root = tmp_path / "county"
    shutil.copytree(folders_root, root)
    population = root / "data" / "城厢镇" / "population.csv"
    lines = population.read_text("utf-8").splitlines()
    population.write_text("\n".join(["乡镇," + lines[0]] + [f"城厢镇,{line}" for line in lines[1:]]) + "\n",
                          encoding="utf-8")
    relocation = root / "data" / "大吉山镇" / "relocation.csv"
    relocation.write_text(relocation.read_text("utf-8").splitlines()[0] + "\n", encoding="utf-8")
    changed = load_project(root, cache=False)
    assert changed.ledgers["population"].frame.equals(folders.ledgers["population"].frame)
    relocated = folders.ledgers["relocation"].frame
    assert changed.ledgers["relocation"].frame.reset_index(drop=True).equals(
        relocated[relocated["乡镇"] != "大吉山镇"].reset_index(drop=True))
    narrowed = project_for(changed, select_units(changed.registry, "大吉山镇")[0])
    assert len(narrowed.ledgers["relocation"].frame) == 0
    assert list(narrowed.ledgers["relocation"].frame.columns) == list(relocated.columns)


def test_the_cache_keeps_one_entry_per_file_and_a_changed_file_is_read_alone(folders_root, folders, tmp_path):
    root = tmp_path / "county"
    shutil.copytree(folders_root, root)
    cached = root / CACHE_DIR
    load_project(root)
    first = {p.name: p.stat().st_mtime_ns for p in cached.glob("*.arrow")}
    townships = list(folders.registry.units.townships)
    assert len(first) == len(folders.registry.sources) * len(townships)
    again = load_project(root)
    assert {p.name: p.stat().st_mtime_ns for p in cached.glob("*.arrow")} == first
    for name, ledger in again.ledgers.items():
        assert ledger.frame.equals(folders.ledgers[name].frame), name
    dibao = root / "data" / townships[1] / "dibao_payments.csv"
    dibao.write_text(dibao.read_text("utf-8").replace("\n", "\r\n"), encoding="utf-8")  # same rows, new bytes
    load_project(root)
    now = {p.name: p.stat().st_mtime_ns for p in cached.glob("*.arrow")}
    gone, new = set(first) - set(now), set(now) - set(first)
    assert [n.split("-")[0] for n in gone] == [n.split("-")[0] for n in new] == [f"dibao_payments@{townships[1]}"]
    assert {n: now[n] for n in set(first) & set(now)} == {n: first[n] for n in set(first) & set(now)}


def test_a_lone_township_figures_are_the_same_read_from_either_layout(county, folders):
    for township in county.registry.units.townships:
        unit = select_units(county.registry, township)[0]
        wide, own = project_for(county, unit), project_for(folders, unit)
        assert evaluate(own, own.timeframe(PERIOD)).figures.values() == \
            evaluate(wide, wide.timeframe(PERIOD)).figures.values()
