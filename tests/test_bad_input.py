"""Every case of tests/corpus/ is refused with exit code 2 and a message that says where and what."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reportgen.cli import main

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
CASE_FILES = ("expected.txt", "absent.txt", "exit.txt", "args.txt")


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _args(case: str) -> list[str]:
    """Arguments after the command, one a line; an empty line is an empty argument (--period "")."""
    path = CORPUS / case / "args.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _exit_code(case: str) -> int:
    path = CORPUS / case / "exit.txt"
    return int(path.read_text(encoding="utf-8").strip()) if path.exists() else 2


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _project(case: str, tmp_path: Path) -> Path:
    root = tmp_path / case
    shutil.copytree(CORPUS / "_base", root)
    for folder in (p for p in (CORPUS / case).rglob("*") if p.is_dir()):  # a folder where a file was
        if (root / folder.relative_to(CORPUS / case)).is_file():
            (root / folder.relative_to(CORPUS / case)).unlink()
    shutil.copytree(CORPUS / case, root, dirs_exist_ok=True,
                    ignore=lambda _dir, names: [n for n in names if n in CASE_FILES])
    previous = root / "output" / "2023H1"  # what an earlier, good build left
    previous.mkdir(parents=True)
    (previous / "report.docx").write_bytes(b"PK\x03\x04 an earlier report")
    (previous / "figures.json").write_text('{"period": "2023H1"}\n', encoding="utf-8")
    return root


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    for case in CASES:
        assert _lines(CORPUS / case / "expected.txt"), f"{case} has no expected.txt"


def test_the_base_project_is_good(tmp_path, capsys):
    root = _project("_base", tmp_path)
    assert main(["--root", str(root), "figures"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_saying_where(case, tmp_path, capsys):
    root = _project(case, tmp_path)
    command = "build" if (CORPUS / case / "templates").is_dir() else "figures"
    before = _snapshot(root / "output")
    code = main(["--root", str(root), command, *_args(case)])
    out, err = capsys.readouterr()
    assert code == _exit_code(case), err
    assert "internal error" not in err, err
    assert ("error: " in err) == (code != 0), err  # exit 0: what is expected is a warning
    said = err if code else err + out  # exit 0: a warning, or what the command printed
    missing = [text for text in _lines(CORPUS / case / "expected.txt") if text not in said]
    assert not missing, f"not in the message: {missing}\n{said}"
    leaked = [text for text in _lines(CORPUS / case / "absent.txt") if text in err + out]
    assert not leaked, f"shown though personal: {leaked}\n{err}"
    assert _snapshot(root / "output") == before
    assert not [p.name for p in (root / "output").iterdir() if p.name.startswith(".")]
