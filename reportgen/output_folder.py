"""The output folder shared by builds: one lock, staging folders held by their builds, atomic swaps."""

# Builds of any periods may run at once on one output folder.  Each build writes into its own
# staging folder, which it holds with flock(2) on the folder for as long as it runs: the kernel lets
# go when the process ends, however it ends, so a staging folder nobody holds was left by a build
# that died.  Changes to the folder itself (recovery, creating a staging folder, recording and
# swapping a period in) happen under flock(2) on the output folder, a few milliseconds each; a build
# that finds the lock taken says so and waits.

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reportgen.errors import InputError, Problem

STAGING_PREFIX = ".staging-"
PREVIOUS_PREFIX = ".previous-"


def ensure_folder(out_root: Path, create: bool = False) -> None:
    """Refuse an output path that is a file (or lies under one); create the folder when asked."""
    if out_root.exists() and not out_root.is_dir():
        raise InputError(Problem("is a file", file=str(out_root), column="--out",
                                 expected="a folder for the output (or a path that does not exist yet)"))
    if create:
        try:
            out_root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InputError(Problem("a part of the path is a file", file=str(out_root), column="--out",
                                     expected="a folder for the output")) from None
        except PermissionError as exc:
            raise InputError(Problem(f"cannot create the output folder: {exc.strerror}", file=str(out_root),
                                     column="--out")) from None


def _open_folder(folder: Path) -> int:
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY)


@contextmanager
def locked(out_root: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the output folder's lock; if another build holds it, say so and wait for it."""
    fd = _open_folder(out_root)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting: another build is writing to {out_root}; this one continues when it is done")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _held(folder: Path) -> bool:
    """Whether a running build holds this staging folder."""
    try:
        fd = _open_folder(folder)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover(out_root: Path) -> None:
    """Undo what a build that died left: put back a period folder moved aside, drop its staging folder.

    Staging folders of running builds are left alone.  Call it with the output folder's lock held:
    swaps happen only under it, so a period folder moved aside then was left by a dead build.
    """
    if not out_root.is_dir():
        return
    for entry in sorted(out_root.iterdir()):
        if entry.name.startswith(PREVIOUS_PREFIX):
            period = entry.name[len(PREVIOUS_PREFIX):].rsplit("-", 1)[0]
            target = out_root / period
            if target.exists():
                _remove(entry)
            else:
                os.rename(entry, target)
        elif entry.name.startswith(STAGING_PREFIX) and not _held(entry):
            _remove(entry)


class Staging:
    """A build's own staging folder in the output folder (or a unit's period folder), held until `release()`."""

    def __init__(self, folder: Path, name: str, say: Callable[[str], None]):
        with locked(folder, say):  # so no recovery sees it between its creation and its lock
            recover(folder)
            try:
                self.path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=folder))
            except OSError as exc:
                raise InputError(Problem(f"cannot write in the output folder: {exc.strerror}",
                                         file=str(folder), column="--out")) from None
            self._fd: int | None = _open_folder(self.path)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def swap_in(staging: Path, target: Path) -> None:
    """Replace the period folder by the staging folder, the old one moved aside first (call under the lock)."""
    previous = target.parent / f"{PREVIOUS_PREFIX}{target.name}-{os.getpid()}"
    if target.exists() or target.is_symlink():
        os.rename(target, previous)
    try:
        os.rename(staging, target)
    except BaseException:
        if previous.exists() and not target.exists():
            os.rename(previous, target)
        raise
    if previous.exists() or previous.is_symlink():
        _remove(previous)
