"""Builds that share an output folder: at once, of one period or two, each succeeds or waits its turn;
recovery removes only what dead builds left; a build that cannot be recorded is not swapped in."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import REPO

from reportgen import output_folder
from reportgen.build import PREVIOUS_PREFIX, STAGING_PREFIX
from reportgen.cli import main
from reportgen.engine.config import load_registry

SMALL = Path(__file__).parent / "corpus" / "_base"  # one ledger, one page: six rounds in little time
REGISTRY = load_registry(SMALL / "figures.yaml")
PERIOD, OTHER = REGISTRY.periods.default, "2023Q1"
DOCUMENT = next(iter(REGISTRY.documents))


def small_project(target: Path) -> Path:
    shutil.copytree(SMALL, target)
    for name in ("style.css", "fonts.conf"):
        shutil.copy2(REPO / "templates" / name, target / "templates" / name)
    return target


def _start(root: Path, period: str, env: dict | None = None, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    return subprocess.Popen([*prefix, sys.executable, str(REPO / "pipeline.py"), "--root", str(root), "build",
                             "--period", period, "--documents", DOCUMENT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_consistent(out: Path, builds_expected: int) -> None:
    """No staging left; each period folder is whole and is what the ledger's latest build of it wrote."""
    assert not [p.name for p in out.iterdir() if p.name.startswith((STAGING_PREFIX, PREVIOUS_PREFIX))]
    with sqlite3.connect(out / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM builds").fetchone()[0] == builds_expected
        for folder in (p for p in out.iterdir() if p.is_dir()):
            payload = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
            latest = db.execute("SELECT max(id) FROM builds WHERE period = ?", (folder.name,)).fetchone()[0]
            recorded = {(Path(path).name, sha) for path, sha in db.execute(
                "SELECT path, sha256 FROM documents WHERE build_id = ?", (latest,))}
            on_disk = {(name, _sha(folder / name)) for doc in payload["documents"].values()
                       for name in doc["files"].values()}
            written = {(doc["files"][fmt], sha) for doc in payload["documents"].values()
                       for fmt, sha in doc["sha256"].items()}
            assert recorded == on_disk == written, folder.name
            for path, in db.execute("SELECT path FROM documents WHERE build_id = ?", (latest,)):
                assert Path(path).parent == folder


@pytest.mark.parametrize("periods, stagger", [((OTHER, PERIOD), 0.2), ((PERIOD, PERIOD), 0.0)],
                         ids=["Q1 then H1", "H1 twice"])
def test_two_builds_at_once_both_succeed_or_wait(periods, stagger, tmp_path):
    """Real processes, three rounds each, the second started while the first computes."""
    root = small_project(tmp_path / "project")
    out = root / "output"
    builds = 0
    for _round in range(3):
        first = _start(root, periods[0])
        time.sleep(stagger)
        second = _start(root, periods[1])
        for proc in (first, second):
            _stdout, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "error" not in err, err
            builds += 1
        _assert_consistent(out, builds)
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(set(periods))


def test_a_build_waits_for_the_lock_and_says_so(tmp_path):
    root = small_project(tmp_path / "project")
    out = root / "output"
    out.mkdir()
    with output_folder.locked(out, lambda _msg: None):
        proc = _start(root, PERIOD)
        waited = ""
        deadline = time.monotonic() + 300
        while "waiting" not in waited and proc.poll() is None and time.monotonic() < deadline:
            waited += os.read(proc.stderr.fileno(), 4096).decode("utf-8", "replace")
        assert "waiting: another build is writing to" in waited, waited
        assert proc.poll() is None  # it waits, it does not fail
        assert not (out / PERIOD).exists()
    _stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert (out / PERIOD / "figures.json").is_file()


def test_recovery_leaves_a_running_builds_staging_alone(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    running = output_folder.Staging(out, PERIOD, lambda _msg: None)  # held, as a running build holds it
    (running.path / "report.docx").write_bytes(b"being written")
    dead = out / f"{STAGING_PREFIX}{OTHER}-dead1"  # no process holds it any more
    dead.mkdir()
    (dead / "report.docx").write_bytes(b"half written")
    try:
        output_folder.Staging(out, OTHER, lambda _msg: None).release()  # the next build recovers first
        assert running.path.is_dir() and (running.path / "report.docx").read_bytes() == b"being written"
        assert not dead.exists()
    finally:
        running.release()
    output_folder.recover(out)  # once its build has ended, it is a dead build's staging
    assert not running.path.exists()


def _old_build(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = small_project(tmp_path / "project")
    assert main(["--root", str(root), "build", "--documents", DOCUMENT]) == 0
    folder = root / "output" / PERIOD
    return root, {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("spoil", ["not sqlite", "a folder"])
def test_a_ledger_that_cannot_be_written_stops_the_build_before_the_swap(spoil, tmp_path, capsys):
    root, before = _old_build(tmp_path)
    ledger = root / "output" / "ledger.sqlite"
    ledger.unlink()
    if spoil == "a folder":
        ledger.mkdir()
    else:
        ledger.write_bytes(b"not a database, a note someone saved here\n" * 100)
    capsys.readouterr()
    assert main(["--root", str(root), "build", "--documents", DOCUMENT]) == 2
    err = capsys.readouterr().err
    assert f"{ledger}: cannot record the build in the build ledger" in err and "internal error" not in err
    folder = root / "output" / PERIOD
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in (root / "output").iterdir()) == [PERIOD, "ledger.sqlite"]


AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root ignores chmod 444")
def test_a_read_only_ledger_stops_the_build_before_the_swap():
    """A real read-only ledger: as root, the builds run as `nobody`, for whom chmod 444 holds."""
    prefix = AS_NOBODY if os.geteuid() == 0 else ()
    base = Path(tempfile.mkdtemp(prefix="readonly-ledger-", dir="/tmp"))
    try:
        os.chmod(base, 0o777)
        root = small_project(base / "project")
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o777 if path.is_dir() else 0o666)
        env = {**os.environ, "HOME": str(base), "XDG_CACHE_HOME": str(base / "cache")}
        first = _start(root, PERIOD, env, prefix)
        _stdout, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
        folder = root / "output" / PERIOD
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        ledger = root / "output" / "ledger.sqlite"
        os.chmod(ledger, 0o444)
        second = _start(root, PERIOD, env, prefix)
        _stdout, err = second.communicate(timeout=300)
        assert second.returncode == 2, err
        assert f"{ledger}: cannot record the build in the build ledger (attempt to write a readonly database)" in err
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        assert sorted(p.name for p in (root / "output").iterdir()) == [PERIOD, "ledger.sqlite"]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_out_at_an_existing_file_is_refused(tmp_path, capsys):
    root = small_project(tmp_path / "project")
    target = tmp_path / "notes.txt"
    target.write_text("a file, not a folder\n", encoding="utf-8")
    for out in (target, target / "sub"):
        assert main(["--root", str(root), "build", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{out} --out:" in err and "expected a folder for the output" in err, err
        assert "internal error" not in err
    assert target.read_text(encoding="utf-8") == "a file, not a folder\n"
