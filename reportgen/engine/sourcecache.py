"""Checked ledgers kept on disk as Parquet under their content hash, so an unchanged file is not parsed again.

It is a cache: an entry that cannot be read back exactly (truncated, garbage, a folder, another
version's) is ignored and written again; nothing here ever stops a build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reportgen import __version__
from reportgen.engine.cells import STR
from reportgen.engine.config import SourceSpec

FORMAT = 2  # bump when the Ledger dataclass or the checks applied to a ledger change
_META = b"reportgen.ledger"
RACY_NS = 2_000_000_000


def _entry(cache_dir: Path, name: str, spec: SourceSpec, file_sha256: str) -> Path:
    key = hashlib.sha256(
        f"{FORMAT}\n{__version__}\n{spec.model_dump_json()}\n{file_sha256}".encode()
    ).hexdigest()[:32]
    return cache_dir / f"{name}-{key}.parquet"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _typed(frame: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    """The dtypes a fresh read gives (Parquet gives bools without gaps as numpy bool, and so on)."""
    for column, col in spec.columns.items():
        dtype = frame[column].dtype
        if col.type in ("str", "category") and dtype != STR:
            frame[column] = frame[column].astype(STR)
        elif col.type == "bool" and dtype.kind != "O":  # with gaps Arrow gives objects and None already
            frame[column] = frame[column].astype(object)
        elif col.type == "date" and dtype != "datetime64[us]":
            frame[column] = frame[column].astype("datetime64[us]")
    return frame


def _known_sha256(cache_dir: Path, name: str, path: Path) -> str | None:
    """The hash recorded with the source's entry, if the file's size and mtime say it is unchanged.

    As git does, a file modified less than RACY_NS before it was hashed is hashed again: a change in
    the same clock tick would not show in its mtime.
    """
    stat = path.stat()
    for entry in cache_dir.glob(f"{name}-*.parquet"):
        meta = json.loads((pq.read_schema(entry).metadata or {}).get(_META, b"{}"))
        if (meta.get("size"), meta.get("mtime_ns")) == (stat.st_size, stat.st_mtime_ns) \
                and stat.st_mtime_ns < meta.get("hashed_ns", 0) - RACY_NS:
            return meta.get("sha256")
    return None


def get(cache_dir: Path, name: str, spec: SourceSpec, path: Path):
    """The ledger read and checked earlier from these exact bytes under this declaration, or None."""
    from reportgen.engine.sources import Ledger

    try:
        try:
            digest = _known_sha256(cache_dir, name, path) or _file_sha256(path)
        except Exception:  # an unreadable entry's metadata: hash the file
            digest = _file_sha256(path)
        entry = _entry(cache_dir, name, spec, digest)
        if not entry.is_file():
            return None
        table = pq.read_table(entry)
        meta = json.loads((table.schema.metadata or {}).get(_META, b"{}"))
        if meta.get("sha256") != digest or meta.get("name") != name or meta.get("rows") != table.num_rows:
            return None
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
        del table
        if list(frame.columns) != list(spec.columns):
            return None
        frame = _typed(frame, spec)
    except Exception:  # any unreadable entry is a miss, never an error
        return None
    return Ledger(name, spec, path, digest, frame, meta.get("encoding"))


def put(cache_dir: Path, ledger, hashed_ns: int = 0) -> None:
    """Keep a checked ledger, replacing older entries of the same source; failures are ignored.

    `hashed_ns` is when the ledger's bytes were read (time.time_ns()); 0 never trusts the mtime.
    """
    temporary = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for leftover in _stale_temporaries(cache_dir):
            leftover.unlink(missing_ok=True)
        target = _entry(cache_dir, ledger.name, ledger.spec, ledger.sha256)
        table = pa.Table.from_pandas(ledger.frame, preserve_index=True)
        stat = ledger.path.stat()
        meta = {"sha256": ledger.sha256, "name": ledger.name, "encoding": ledger.encoding,
                "rows": len(ledger.frame), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                "hashed_ns": hashed_ns}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: json.dumps(meta).encode()})
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        pq.write_table(table, temporary, compression="lz4", use_dictionary=False)  # plain pages read fastest
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # an odd entry where the file belongs: make room
        os.replace(temporary, target)
        temporary = None
        for old in [*cache_dir.glob(f"{ledger.name}-*.parquet"), *cache_dir.glob(f"{ledger.name}-*.pickle")]:
            if old != target:
                shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink(missing_ok=True)
    except Exception:  # a read-only or full disk costs speed, not correctness
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def _stale_temporaries(cache_dir: Path) -> list[Path]:
    """Temporary files of writers that are gone (for tidying; a live writer's file is left alone)."""
    found = []
    for candidate in cache_dir.glob("*.tmp"):
        pid = candidate.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(candidate)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
