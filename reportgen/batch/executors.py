"""Where jobs run: a pool of local processes (default) or a Dask distributed cluster.

Both take a Bundle and jobs, and yield each job's JobOutput as it finishes, in any order. Neither
writes a file: the client does.
"""

from __future__ import annotations

import concurrent.futures as futures
import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator

from reportgen.batch.work import Bundle, JobOutput, run_job

_bundle: Bundle | None = None  # a local worker's bundle, handed over when the pool forks


def _install(bundle: Bundle) -> None:
    global _bundle
    _bundle = bundle
    from reportgen.documents.writers.pdf import FONTS_CONF

    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    import weasyprint  # noqa: F401  loaded while the client plans

    # What the worker holds for good (ledgers, libraries) is never scanned for cycles again; the
    # cycles a job leaves (WeasyPrint makes many) are collected once after it, not all along.
    gc.freeze()
    gc.disable()


def _run_here(job) -> JobOutput:
    try:
        return run_job(_bundle, job)
    finally:
        gc.collect()


class LocalExecutor:
    """Jobs on this machine's cores, in forked processes that inherit the validated ledgers."""

    def __init__(self, bundle: Bundle, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("fork")
        self.pool = futures.ProcessPoolExecutor(self.workers, mp_context=context, initializer=_install,
                                                initargs=(bundle,))

    def run(self, jobs: Iterable) -> Iterator[JobOutput]:
        pending = {self.pool.submit(_run_here, job): job for job in jobs}
        for future in futures.as_completed(pending):
            yield _outcome(future, pending[future])

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Jobs on a Dask distributed cluster: the bundle goes to every worker once, documents come back."""

    def __init__(self, bundle: Bundle, scheduler) -> None:
        from distributed import Client

        self.own_client = isinstance(scheduler, str)
        self.client = Client(scheduler) if self.own_client else scheduler
        self.bundle = self.client.scatter(bundle, broadcast=True, hash=False)

    def run(self, jobs: Iterable) -> Iterator[JobOutput]:
        from distributed import as_completed

        pending = {self.client.submit(run_job, self.bundle, job, pure=False): job for job in jobs}
        for future in as_completed(pending):
            yield _outcome(future, pending[future])

    def close(self) -> None:
        if self.own_client:
            self.client.close()


def _outcome(future, job) -> JobOutput:
    """The job's output; a worker that died or a result that did not travel is that job's failure."""
    try:
        return future.result()
    except Exception as exc:
        from reportgen.errors import EXIT_INTERNAL

        return JobOutput(job.unit, job.timeframe.period.name,
                         error=f"the worker failed ({type(exc).__name__}): {exc}", exit_code=EXIT_INTERNAL)


def executor_for(bundle: Bundle, scheduler=None, workers: int | None = None):
    """A Dask executor when a scheduler (address or Client) is given, else the local pool."""
    return DaskExecutor(bundle, scheduler) if scheduler is not None else LocalExecutor(bundle, workers)
