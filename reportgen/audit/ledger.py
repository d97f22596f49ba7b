"""The build ledger: a SQLite record of every build, its figures, and the documents it wrote."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import InputError, Problem

SCHEMA = """
CREATE TABLE IF NOT EXISTS builds (
    id INTEGER PRIMARY KEY,
    built_at TEXT NOT NULL,
    period TEXT NOT NULL,
    cutoff TEXT NOT NULL,
    data_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS build_sources (
    build_id INTEGER NOT NULL REFERENCES builds(id),
    source TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS figure_values (
    build_id INTEGER NOT NULL REFERENCES builds(id),
    figure_id TEXT NOT NULL,
    label TEXT NOT NULL,
    unit TEXT NOT NULL,
    value TEXT NOT NULL,
    wording TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    build_id INTEGER NOT NULL REFERENCES builds(id),
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS document_figures (
    build_id INTEGER NOT NULL REFERENCES builds(id),
    document TEXT NOT NULL,
    figure_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_hash ON documents(sha256);
"""


@dataclass(frozen=True)
class RecordedDocument:
    """A document file the ledger knows: which build wrote it and from which ledger files."""

    build_id: int
    built_at: str
    period: str
    cutoff: str
    name: str
    path: str
    sources: Mapping[str, tuple[str, str]]   # source -> (file, sha256) at build time


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _connect(db_path: Path) -> sqlite3.Connection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if db_path.is_dir():
        raise sqlite3.OperationalError("it is a folder")
    connection = sqlite3.connect(db_path, timeout=60)
    try:
        connection.executescript(SCHEMA)
    except BaseException:
        connection.close()
        raise
    return connection


def _unwritable(db_path: Path, exc: sqlite3.Error) -> InputError:
    return InputError(Problem(f"cannot record the build in the build ledger ({exc}); the output was left as it was",
                              file=str(db_path), expected="a writable SQLite file (or none: it is created)"))


def record_build(db_path: Path, build_result, ledgers: Mapping) -> int:
    """Record one finished build; return its id. One transaction: all of it or nothing.

    A ledger that cannot be written (read-only, a folder, not SQLite) is an InputError.
    """
    try:
        return _insert_build(db_path, build_result, ledgers)
    except sqlite3.Error as exc:
        raise _unwritable(db_path, exc) from None


def forget_build(db_path: Path, build_id: int) -> None:
    """Take back a recorded build whose folder could not be swapped in (one transaction)."""
    with closing(sqlite3.connect(db_path, timeout=60)) as db, db:
        for table in ("document_figures", "documents", "figure_values", "build_sources"):
            db.execute(f"DELETE FROM {table} WHERE build_id = ?", (build_id,))
        db.execute("DELETE FROM builds WHERE id = ?", (build_id,))


def _insert_build(db_path: Path, build_result, ledgers: Mapping) -> int:
    frame = build_result.timeframe
    figures = build_result.results.figures
    with closing(_connect(db_path)) as db, db:
        cursor = db.execute(
            "INSERT INTO builds (built_at, period, cutoff, data_sha256) VALUES (?, ?, ?, ?)",
            (dt.datetime.now().isoformat(timespec="seconds"), frame.period.name, frame.cutoff.isoformat(),
             figures.data_sha256))
        build_id = cursor.lastrowid
        db.executemany("INSERT INTO build_sources VALUES (?, ?, ?, ?)",
                       [(build_id, name, f"data/{lg.spec.file}", lg.sha256) for name, lg in ledgers.items()])
        db.executemany("INSERT INTO figure_values VALUES (?, ?, ?, ?, ?, ?)", [
            (build_id, fid, f.label, f.unit, json.dumps(list(f.value) if isinstance(f.value, tuple) else f.value,
                                                         ensure_ascii=False), f.wording)
            for fid, f in figures.figures.items()])
        for doc in build_result.documents:
            for fmt, name in doc.files.items():
                path = build_result.folder / name
                digest = doc.sha256.get(fmt) or sha256_of(path)
                db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
                           (build_id, doc.name, fmt, str(path), digest))
            db.executemany("INSERT INTO document_figures VALUES (?, ?, ?)",
                           [(build_id, doc.name, fid) for fid in doc.figures_used])
    return build_id


def find_document(db_path: Path, sha256: str) -> RecordedDocument | None:
    """The latest build that wrote a file with this content hash, or None."""
    if not db_path.exists():
        return None
    with closing(sqlite3.connect(db_path)) as db:
        row = db.execute(
            "SELECT b.id, b.built_at, b.period, b.cutoff, d.name, d.path FROM documents d "
            "JOIN builds b ON b.id = d.build_id WHERE d.sha256 = ? ORDER BY b.id DESC LIMIT 1",
            (sha256,)).fetchone()
        if row is None:
            return None
        sources = {s: (f, h) for s, f, h in db.execute(
            "SELECT source, file, sha256 FROM build_sources WHERE build_id = ?", (row[0],))}
    return RecordedDocument(row[0], row[1], row[2], row[3], row[4], row[5], sources)
