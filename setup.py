"""Packaging: everything is in pyproject.toml except copying templates/ into the wheel as reportgen/templates/."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class BuildWithTemplates(build_py):
    """build_py, then templates/ (report templates, style.css, fonts.conf, reference.docx) as package data."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "reportgen" / "templates"
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted(TEMPLATES.iterdir()):
            if source.is_file():
                shutil.copy2(source, target / source.name)


setup(cmdclass={"build_py": BuildWithTemplates})
