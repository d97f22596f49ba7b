"""Checked ledgers kept on disk under their content hash, so an unchanged file is not parsed again."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from pathlib import Path

from reportgen import __version__
from reportgen.engine.config import SourceSpec

FORMAT = 1  # bump when the Ledger dataclass or the checks applied to a ledger change


def _entry(cache_dir: Path, name: str, spec: SourceSpec, file_sha256: str) -> Path:
    key = hashlib.sha256(
        f"{FORMAT}\n{__version__}\n{spec.model_dump_json()}\n{file_sha256}".encode()
    ).hexdigest()[:32]
    return cache_dir / f"{name}-{key}.pickle"


def get(cache_dir: Path, name: str, spec: SourceSpec, path: Path):
    """The ledger read and checked earlier from these exact bytes under this declaration, or None."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with open(_entry(cache_dir, name, spec, digest), "rb") as fh:
            ledger = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if getattr(ledger, "sha256", None) != digest:
        return None
    return dataclasses.replace(ledger, spec=spec, path=path)


def put(cache_dir: Path, ledger) -> None:
    """Keep a checked ledger, replacing older entries of the same source; failures are ignored."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = _entry(cache_dir, ledger.name, ledger.spec, ledger.sha256)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as fh:
            pickle.dump(ledger, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
        for old in cache_dir.glob(f"{ledger.name}-*.pickle"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full disk costs speed, not correctness
