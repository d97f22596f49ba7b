"""The templates, style.css, fonts.conf and reference.docx a build uses: the project's templates/ first, then the package's own.

An installed wheel carries them as package data in reportgen/templates/; a source checkout
(and an editable install) has them in templates/ at the repository root.  A file in the
project's own templates/ folder overrides the packaged one of the same name.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def default_templates() -> Path:
    """The folder of the shipped templates: package data when installed, else the checkout's."""
    packaged = _PACKAGE / "templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "templates"


def search_path(root: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins: <root>/templates, then the shipped ones."""
    own = [Path(root) / "templates"] if root is not None and (Path(root) / "templates").is_dir() else []
    shipped = default_templates()
    return [*own, shipped] if not own or own[0].resolve() != shipped.resolve() else own


def find(name: str, root: Path | None = None) -> Path:
    """`name` in the project's templates/ if it is there (a folder or a broken link too, for the
    reader to refuse with its reason), else the shipped file."""
    for folder in search_path(root):
        if (folder / name).exists() or (folder / name).is_symlink():
            return folder / name
    return default_templates() / name
