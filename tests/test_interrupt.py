"""Nothing lost: a build that fails, or is killed while it writes, leaves the previous output set
byte for byte; the next build clears what an interrupted one left behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, copy_project

from reportgen.build import PREVIOUS_PREFIX, STAGING_PREFIX, recover
from reportgen.cli import main
from reportgen.engine.config import load_registry

PERIOD = load_registry(REPO / "figures.yaml").periods.default


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under output/ except the folders a build works in, with its bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).parts[0].startswith(".")}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith((STAGING_PREFIX, PREVIOUS_PREFIX)))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the demo with one good build in output/, made once and copied for every test."""
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    assert main(["--root", str(root), "build"]) == 0
    assert (root / "output" / PERIOD / "figures.json").is_file()
    return root


@pytest.fixture
def project(built, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(built, root)
    return root


def _first_figure(root: Path) -> str:
    return next(iter(load_registry(root / "figures.yaml").figures))


def _break_template(root: Path) -> None:
    template = root / "templates" / "report.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n{{ f.no_such_figure }}\n", encoding="utf-8")


def _break_check(root: Path) -> None:
    fid = _first_figure(root)
    registry = root / "figures.yaml"
    text, n = re.subn(r"^checks:\n", f"checks:\n  impossible:\n    label: 不可能成立\n    assert: {fid} + 1 < {fid}\n",
                      registry.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert n == 1
    registry.write_text(text, encoding="utf-8")


def _break_ledger(root: Path) -> None:
    ledger = next(p for p in sorted((root / "data").glob("*.csv")))
    lines = ledger.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[0] = ""  # the key of the first row: a required cell left empty
    lines[1] = ",".join(cells)
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("breaker, code", [(_break_template, 2), (_break_check, 3), (_break_ledger, 2)])
def test_a_failed_build_leaves_the_output_byte_for_byte(breaker, code, project, capsys):
    out = project / "output"
    before = snapshot(out)
    breaker(project)
    assert main(["--root", str(project), "build"]) == code
    assert "error" in capsys.readouterr().err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_failure_while_writing_leaves_the_output_and_no_staging(project, monkeypatch, capsys):
    import reportgen.documents.writers.pdf

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reportgen.documents.writers.pdf, "write_pdf", broken)
    out = project / "output"
    before = snapshot(out)
    assert main(["--root", str(project), "build"]) == 70
    assert "disk full" in capsys.readouterr().err
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_build_killed_while_writing_leaves_the_previous_output(project, capsys):
    out = project / "output"
    before = snapshot(out)
    assert before, "the previous build wrote files"
    proc = subprocess.Popen([sys.executable, str(REPO / "pipeline.py"), "--root", str(project), "build"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        staging: list[Path] = []
        while not staging and proc.poll() is None and time.monotonic() < deadline:
            staging = list(out.glob(f"{STAGING_PREFIX}*"))
            time.sleep(0.001)
        assert staging, "the build never created its staging folder"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert [p.name for p in staging] == leftovers(out)  # killed before it could swap anything in
    assert snapshot(out) == before

    assert main(["--root", str(project), "build"]) == 0  # the next build recovers, then succeeds
    capsys.readouterr()
    assert leftovers(out) == []
    folder = out / PERIOD
    previous_names = sorted(Path(name).name for name in before if Path(name).parts[0] == PERIOD)
    assert sorted(p.name for p in folder.iterdir()) == previous_names


def test_recover_puts_back_a_period_folder_moved_aside(tmp_path):
    """Killed between the two renames of the swap: the old set is back, the staging folder gone."""
    out = tmp_path / "output"
    aside = out / f"{PREVIOUS_PREFIX}{PERIOD}-4242"
    aside.mkdir(parents=True)
    (aside / "report.docx").write_bytes(b"old report")
    staging = out / f"{STAGING_PREFIX}{PERIOD}-x1y2"
    staging.mkdir()
    (staging / "report.docx").write_bytes(b"half written")
    recover(out)
    assert sorted(p.name for p in out.iterdir()) == [PERIOD]
    assert (out / PERIOD / "report.docx").read_bytes() == b"old report"


def test_recover_drops_a_previous_set_once_the_new_one_is_in(tmp_path):
    """Killed after the swap but before the old set was deleted: the new set stays."""
    out = tmp_path / "output"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "report.docx").write_bytes(b"new report")
    aside = out / f"{PREVIOUS_PREFIX}{PERIOD}-4242"
    aside.mkdir()
    (aside / "report.docx").write_bytes(b"old report")
    recover(out)
    assert sorted(p.name for p in out.iterdir()) == [PERIOD]
    assert (out / PERIOD / "report.docx").read_bytes() == b"new report"
