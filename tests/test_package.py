"""The built wheel installed into a fresh environment outside the repository builds the demo report, fonts and all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO

SOURCES = ("pyproject.toml", "setup.py", "reportgen", "templates")


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding only the wheel; its dependencies come from this environment through a .pth
    file (the installed package itself is never found there: an editable install works through
    its own .pth files, which a path added this way does not run)."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", root / "wheels",
                source)
    assert built.returncode == 0, built.stderr
    wheel = next((root / "wheels").glob("reportgen-*.whl"))
    venv = root / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel)
    assert done.returncode == 0, done.stderr
    return venv


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("FONTCONFIG_FILE", "PYTHONPATH", "VIRTUAL_ENV")}


def test_the_installed_package_is_the_wheel_not_the_repository(installed, tmp_path):
    where = run(installed / "bin" / "python", "-c", "import reportgen; print(reportgen.__file__)", cwd=tmp_path,
                env=clean_env())
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout + where.stderr


def test_help_names_the_command(installed, tmp_path):
    done = run(installed / "bin" / "reportgen", "--help", cwd=tmp_path, env=clean_env())
    assert done.returncode == 0
    assert done.stdout.startswith("usage: reportgen ")
    assert "pipeline.py" not in done.stdout


def test_demo_report_builds_from_package_data_with_the_right_fonts(installed, tmp_path):
    project = tmp_path / "township"  # the registry and the ledgers, no templates/
    project.mkdir()
    shutil.copy2(REPO / "figures.yaml", project / "figures.yaml")
    shutil.copytree(REPO / "data", project / "data")
    done = run(installed / "bin" / "reportgen", "--root", project, "build", cwd=tmp_path, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert "Fontconfig error" not in done.stderr
    assert "font: 仿宋_GB2312 → FandolFang" in done.stderr
    folder = project / "output" / "2023H1"
    for name in ("report", "brief", "report_county"):
        for suffix in ("docx", "html", "pdf"):
            assert (folder / f"{name}.{suffix}").is_file(), f"{name}.{suffix}"
    fonts = run("pdffonts", folder / "report.pdf").stdout
    for stand_in in ("FandolFang", "LXGW-WenKai", "Noto-Serif-CJK-SC"):
        assert stand_in in fonts, fonts
    names = [line.split()[0].split("+", 1)[-1] for line in fonts.splitlines()[2:]]
    assert len(set(names)) >= 3 and not all(name.startswith("Noto-Sans-CJK") for name in names)
