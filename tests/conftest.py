"""Shared fixtures: the repository's project, one real half-year build, and copies to alter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reportgen.build import build
from reportgen.cli import main
from reportgen.engine.project import evaluate, load_project

REPO = Path(__file__).resolve().parents[1]


def copy_project(target: Path) -> Path:
    """A copy of the registry, ledgers and templates that a test may change freely."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "figures.yaml", target / "figures.yaml")
    shutil.copytree(REPO / "data", target / "data")
    shutil.copytree(REPO / "templates", target / "templates")
    return target


def figures_json(root: Path, capsys) -> dict:
    """What `figures --format json` prints for the project at `root` (the command must succeed)."""
    capsys.readouterr()
    code = main(["--root", str(root), "figures", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="session")
def repo_project():
    return load_project(REPO)


@pytest.fixture(scope="session")
def h1_build(repo_project, tmp_path_factory):
    """The demo's default period built once for the whole session, into a private folder."""
    out = tmp_path_factory.mktemp("output")
    return build(repo_project, repo_project.timeframe(), out)


@pytest.fixture(scope="session")
def variant_builds(repo_project, tmp_path_factory):
    """Every default variant built once for the session: ({period: BuildResult}, progress messages)."""
    from reportgen.batch.variants import DEFAULT_VARIANTS, build_variants

    out = tmp_path_factory.mktemp("variants")
    messages: list[str] = []
    results = build_variants(repo_project, DEFAULT_VARIANTS, out, progress=messages.append)
    return {r.timeframe.name: r for r in results}, messages


def write_county(target: Path, **options) -> Path:
    """A synthetic county written by scripts/make_county_data.py (write_county's options)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_county_data", REPO / "scripts" / "make_county_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_county(target, **options)


@pytest.fixture(scope="session")
def county_root(tmp_path_factory):
    """A small synthetic county (3 townships) written by scripts/make_county_data.py."""
    return write_county(tmp_path_factory.mktemp("county"), townships=3)


@pytest.fixture(scope="session")
def county(county_root):
    return load_project(county_root)


@pytest.fixture(scope="session")
def county_batch(county, tmp_path_factory):
    """Every township and the county built for 2023H1 in one batch: (output folder, BatchResult)."""
    from reportgen.batch.run import run_batch
    from reportgen.batch.units import select_units

    out = tmp_path_factory.mktemp("county-out")
    result = run_batch(county, select_units(county.registry, "all"), ["2023H1"], out, workers=2,
                       show=lambda _line: None)
    return out, result


def files_apart_from_timestamps(path: Path) -> dict[str, bytes]:
    """A built file's content with the creation and modification stamps taken out (DOCX core.xml)."""
    import json
    import re
    import zipfile

    if path.name == "figures.json":  # a DOCX's hash covers its stamps
        payload = json.loads(path.read_text("utf-8"))
        for document in payload.get("documents", {}).values():
            document["sha256"].pop("docx", None)
        return {"": json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()}
    if path.suffix != ".docx":
        return {"": path.read_bytes()}
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"",
                                        parts["docProps/core.xml"])
    return parts


@pytest.fixture(scope="session")
def period_report(repo_project):
    """period -> (results, the report's text), each period evaluated and rendered once per session."""
    from reportgen.build import render_document
    from reportgen.engine.project import evaluate

    cache: dict = {}

    def rendered(period: str):
        if period not in cache:
            results = evaluate(repo_project, repo_project.timeframe(period))
            cache[period] = results, render_document(repo_project, results, "report")[0].plain_text()
        return cache[period]
    return rendered


@pytest.fixture(scope="session")
def repo_results(repo_project):
    """The repository project's figures for its default period, as `check` compares with them."""
    return evaluate(repo_project, repo_project.timeframe(), strict=False)
