"""A rich progress bar for a batch: done, failed and remaining jobs, and the last one finished."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


class BatchProgress:
    """`with BatchProgress(total) as bar: bar.advance(label, ok)`; `show` takes over from rich."""

    def __init__(self, total: int, show=None) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.show = show
        self.progress = None
        if show is None:
            console = Console(file=sys.stderr)
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[counts]}"),
                                     TimeElapsedColumn(), console=console)
            self.task = self.progress.add_task("batch", total=total, counts=self._counts())

    def _counts(self) -> str:
        return f"done {self.done}  failed {self.failed}  remaining {self.total - self.done - self.failed}"

    def __enter__(self) -> BatchProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def advance(self, label: str, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, description=label, counts=self._counts())
        else:
            self.show(f"{label}: {'done' if ok else 'FAILED'} ({self._counts()})")

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
