"""Checked ledgers kept on disk in Arrow's file format under their content hash, so an unchanged file is not parsed again.

An entry is one uncompressed record batch, memory-mapped when read: its columns become pandas
columns without a copy, and a column no figure reads is never loaded from disk. (Parquet, the
first format here, had to decode every column into fresh memory: at a million people that took
longer than computing every figure.)

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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from reportgen import __version__
from reportgen.engine.cells import STR
from reportgen.engine.config import SourceSpec

FORMAT = 3  # bump when the Ledger dataclass or the checks applied to a ledger change
_META = b"reportgen.ledger"
_INDEX = "\0row"
RACY_NS = 2_000_000_000
SUFFIX = ".arrow"
_EARLIER_SUFFIXES = (".parquet", ".pickle")


def _entry(cache_dir: Path, name: str, spec: SourceSpec, file_sha256: str) -> Path:
    key = hashlib.sha256(
        f"{FORMAT}\n{__version__}\n{spec.model_dump_json()}\n{file_sha256}".encode()
    ).hexdigest()[:32]
    return cache_dir / f"{name}-{key}{SUFFIX}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _column(values: pa.ChunkedArray, kind: str):
    """One stored column as the pandas array a fresh read gives, sharing the mapped memory where it can."""
    if kind in ("str", "category"):
        return pd.array(values, dtype=STR)
    if kind == "bool":  # objects: True, False and None, as read
        return values.to_numpy(zero_copy_only=False).astype(object)
    if values.num_chunks == 1 and not values.null_count:
        return values.chunk(0).to_numpy()  # read-only, on the mapped file
    return values.to_numpy(zero_copy_only=False)


def _frame(table: pa.Table, spec: SourceSpec) -> pd.DataFrame:
    """The ledger's frame: the declared columns in order, indexed by the rows a spreadsheet shows."""
    meta = json.loads(table.schema.metadata[_META])
    if "index" in meta:
        index = pd.RangeIndex(*meta["index"])
    else:
        index = pd.Index(table.column(_INDEX).to_numpy(), dtype="int64")
    columns = {c: _column(table.column(c), col.type) for c, col in spec.columns.items()}
    frame = pd.DataFrame(columns, index=index, copy=False)
    for column, col in spec.columns.items():
        if col.type == "date" and frame[column].dtype != "datetime64[us]":
            frame[column] = frame[column].astype("datetime64[us]")
    return frame


def _known_sha256(cache_dir: Path, name: str, path: Path) -> str | None:
    """The hash recorded with the source's entry, if the file's size and mtime say it is unchanged.

    As git does, a file modified less than RACY_NS before it was hashed is hashed again: a change in
    the same clock tick would not show in its mtime.
    """
    stat = path.stat()
    for entry in cache_dir.glob(f"{name}-*{SUFFIX}"):
        meta = json.loads((_open(entry).schema.metadata or {}).get(_META, b"{}"))
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
        table = _open(entry).read_all()
        meta = json.loads((table.schema.metadata or {}).get(_META, b"{}"))
        if meta.get("sha256") != digest or meta.get("name") != name or meta.get("rows") != table.num_rows:
            return None
        if [c for c in table.column_names if c != _INDEX] != list(spec.columns):
            return None
        frame = _frame(table, spec)
    except Exception:  # any unreadable entry is a miss, never an error
        return None
    return Ledger(name, spec, path, digest, frame, meta.get("encoding"), meta.get("unique_held") is True)


def _open(entry: Path) -> ipc.RecordBatchFileReader:
    """The entry, mapped into memory; the mapping lives as long as any column read from it."""
    return ipc.open_file(pa.memory_map(str(entry)))


def _table(ledger) -> tuple[pa.Table, dict]:
    """The ledger's frame as one record batch (so that numbers map back without a copy) and how its
    index is kept: start and stop of a range, or a column of row numbers."""
    frame = ledger.frame
    arrays = {c: pa.array(frame[c], from_pandas=True) if frame[c].dtype != STR
              else frame[c].array.__arrow_array__() for c in frame.columns}
    index = frame.index
    meta = {}
    if isinstance(index, pd.RangeIndex) and index.step == 1:
        meta["index"] = [index.start, index.stop]
    else:
        arrays[_INDEX] = pa.array(np.asarray(index, dtype=np.int64))
    table = pa.table(arrays)
    if any(column.num_chunks > 1 for column in table.columns):
        table = table.combine_chunks()
    return table, meta


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
        table, meta = _table(ledger)
        stat = ledger.path.stat()
        meta |= {"sha256": ledger.sha256, "name": ledger.name, "encoding": ledger.encoding,
                 "rows": len(ledger.frame), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                 "hashed_ns": hashed_ns, "unique_held": ledger.unique_held}
        table = table.replace_schema_metadata({_META: json.dumps(meta).encode()})
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with ipc.new_file(str(temporary), table.schema) as writer:
            writer.write_table(table)
        del table
        pa.default_memory_pool().release_unused()  # the one-batch copy goes back now, not at exit
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # an odd entry where the file belongs: make room
        os.replace(temporary, target)
        temporary = None
        for old in [p for suffix in (SUFFIX, *_EARLIER_SUFFIXES) for p in cache_dir.glob(f"{ledger.name}-*{suffix}")]:
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
