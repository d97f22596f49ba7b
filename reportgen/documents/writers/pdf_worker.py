"""write_pdf in a helper process started early, so WeasyPrint loads and renders beside the build."""

# `prestart()` starts the helper: a fresh interpreter that imports WeasyPrint and warms it up while
# the caller reads ledgers and computes figures.  `submit()` hands it one page and returns a PdfJob
# at once; `PdfJob.result()` waits and gives the FontReport `write_pdf` would have given, or raises
# the exception it would have raised.  The helper writes the PDF itself.  Where the helper cannot
# start or dies, or `write_pdf` has been replaced, the job runs `write_pdf` in this process
# instead, so the outcome is the same either way.  Up to HELPERS helpers (one per core, at most two)
# serve the whole process, each a page at a time, so a build's documents render side by side; the
# second is forked from the first once WeasyPrint is imported, so the library loads once.  They end
# with the process (killed when idle, reaped, never left a zombie).

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from reportgen.documents.writers import pdf
from reportgen.documents.writers.pdf import FontReport, write_pdf
from reportgen.documents.writers.pdf_helper import receive, send

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])
_BOOT = (f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
         "from reportgen.documents.writers.pdf_helper import main; main()")


class PdfJob:
    """One page on its way to PDF; `result()` waits for it."""

    def __init__(self, html: str, path: Path, base_url: Path) -> None:
        self.args = (html, path, base_url)
        # The caller's folder and environment go along: relative paths and fc-match's PATH hold.
        self.request = (os.getcwd(), dict(os.environ), html, path, base_url)
        self._done = threading.Event()
        self._outcome: tuple = ("here",)
        self._final: tuple | None = None  # (report, None) or (None, exception) once result() ran

    @property
    def path(self) -> Path:
        """Where the PDF is written."""
        return Path(self.args[1])

    def settle(self, outcome: tuple) -> None:
        self._outcome = outcome
        self._done.set()

    def wait(self) -> None:
        """Wait until the helper is through with the page (written, failed or handed back)."""
        self._done.wait()

    def result(self) -> FontReport:
        """The FontReport of `write_pdf`, or the exception it raised, as if it ran here."""
        self._done.wait()
        if self._final is None:
            try:
                self._final = (self._resolve(), None)
            except Exception as exc:
                self._final = (None, exc)
        report, exc = self._final
        if exc is not None:
            raise exc
        return report

    def _resolve(self) -> FontReport:
        kind, *rest = self._outcome
        if kind == "ok":
            report, records = rest
            for record in records:  # WeasyPrint's log, to the caller's own handlers
                logger = logging.getLogger(record.name)
                if logger.isEnabledFor(record.levelno):
                    logger.handle(record)
            return report
        if kind == "error":
            exc, remote = rest
            exc.add_note(f"raised in the PDF helper process:\n{remote}")
            raise exc
        return pdf.write_pdf(*self.args)  # no helper, or its error did not travel: run it here


class _Helper:
    """One helper process and the thread that feeds it pages in order.

    The first helper is a fresh interpreter; the second is forked from it once WeasyPrint is
    imported, so the library is loaded once, not once per core (each warms up its own fonts).  The sibling is the first helper's
    child: it reports its pid as its first answer and dies with the first helper.
    """

    def __init__(self, proc: subprocess.Popen | None, requests, answers) -> None:
        self.pid = os.getpid()
        self.proc = proc  # None for the forked sibling, which is not this process's child
        self.helper_pid = proc.pid if proc is not None else None
        self.requests, self.answers = requests, answers
        self.jobs: queue.SimpleQueue[PdfJob | None] = queue.SimpleQueue()
        self.broken = False
        self.answered = 0  # pages the helper has answered
        self.in_flight = False  # a page sent and not yet answered
        self.queued = 0  # pages handed to this helper and not yet settled
        self.siblings: list[_Helper] = []  # those forked from this one, which die with it
        threading.Thread(target=self._feed, name="pdf-helper", daemon=True).start()

    @classmethod
    def start(cls, siblings: int) -> list[_Helper]:
        """The first helper and `siblings` more, forked from it once it has loaded WeasyPrint."""
        # The helper dies with the thread that starts it (see _die_with_parent): only the main one.
        main_thread = threading.current_thread() is threading.main_thread()
        pipes = [(os.pipe(), os.pipe()) for _ in range(siblings)]  # (requests, answers) each
        theirs = [fd for (take, _), (_, give) in pipes for fd in (take, give)]
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(os.getpid()), str(int(main_thread)),
                 ",".join(map(str, theirs))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True, pass_fds=theirs)
        except BaseException:
            for (a, b), (c, d) in pipes:
                for fd in (a, b, c, d):
                    os.close(fd)
            raise
        for fd in theirs:
            os.close(fd)
        first = cls(proc, proc.stdin, proc.stdout)
        first.siblings = [cls(None, os.fdopen(to_sibling, "wb"), os.fdopen(from_sibling, "rb"))
                          for (_, to_sibling), (from_sibling, _) in pipes]
        return [first, *first.siblings]

    def _feed(self) -> None:
        if self.proc is None:  # the sibling says who it is once it is forked
            try:
                self.helper_pid = receive(self.answers)
            except Exception:
                self.broken = True
        while (job := self.jobs.get()) is not None:
            if self.broken:
                self.queued -= 1
                job.settle(("here",))
                continue
            self.in_flight = True
            try:
                send(self.requests, job.request)
                self._await_answer()
                outcome = receive(self.answers)
                self.answered += 1
            except Exception:  # the helper died or the pipe broke: this page is rendered here
                self.broken = True
                outcome = ("here",)
            self.in_flight = False
            self.queued -= 1
            job.settle(outcome)

    def _await_answer(self) -> None:
        """Wait until the helper answers; kill it if it stops using CPU with the page unanswered.

        Rendering a page always uses CPU, so a helper whose CPU time stands still for STALL_SECONDS
        is stuck (a lock never released, say), not slow: it is killed, and the caller renders the
        page itself rather than wait for ever.  Where /proc is not there, it just waits.
        """
        used, still = _cpu_ticks(self.helper_pid), 0.0
        while not select.select([self.answers], [], [], STALL_CHECK_SECONDS)[0]:
            now = _cpu_ticks(self.helper_pid)
            still = still + STALL_CHECK_SECONDS if now is not None and now == used else 0.0
            used = now
            if still >= STALL_SECONDS:
                self._kill()
                raise EOFError(f"the PDF helper {self.helper_pid} stalled for {still:g} s and was stopped")

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
        elif self.helper_pid is not None:  # the sibling, once it has said who it is
            with contextlib.suppress(OSError):
                os.kill(self.helper_pid, signal.SIGKILL)

    def stop(self, kill: bool = False) -> None:
        """Tell the helper to stop: killed at once when it and its siblings are idle (they hold
        nothing) or when told to, else it ends after its page.  `reap()` then waits for it."""
        self.broken = True
        self.jobs.put(None)
        if kill or not any(h.in_flight for h in (self, *self.siblings)):
            self._kill()
        with contextlib.suppress(OSError):
            self.requests.close()

    def reap(self, kill: bool = False) -> None:
        """Wait until the helper has ended (stop() first), killing it after 10 s."""
        if self.proc is None:  # its answers pipe closes when it ends; its parent reaps it
            if not select.select([self.answers], [], [], None if kill else 10)[0]:
                self._kill()
            with contextlib.suppress(OSError):
                self.answers.close()
            return
        with contextlib.suppress(OSError):
            self.answers.close()
        try:
            self.proc.wait(timeout=None if kill else 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def close(self, kill: bool = False) -> None:
        self.stop(kill)
        self.reap(kill)


#: A helper with a page in hand whose CPU time stands still this long is stuck, and is stopped.
STALL_SECONDS = 30.0
STALL_CHECK_SECONDS = 5.0


def _cpu_ticks(pid: int | None) -> int | None:
    """User plus system CPU ticks the process has used, from /proc; None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError, TypeError):
        return None


_lock = threading.Lock()
#: Helpers a process keeps: one per core (at most two), so a build's documents render side by side.
HELPERS = max(1, min(2, os.cpu_count() or 1))
_helpers: list[_Helper] = []
_given_up = False  # a helper died before its first answer: this process renders here from now on
_inherited: list[_Helper] = []  # a forked child's copies of its parent's helpers, never to be reaped here


def _running(start: bool) -> list[_Helper]:
    """The running helpers (started up to HELPERS if `start`); empty where none can start."""
    global _given_up
    with _lock:
        for helper in list(_helpers):
            if helper.pid != os.getpid():  # a forked child does not share its parent's helpers
                _inherited.append(helper)
                _helpers.remove(helper)
            elif helper.broken:
                _given_up = _given_up or not helper.answered
                helper.close()
                _helpers.remove(helper)
        if start and not _given_up and not _helpers:
            try:
                _helpers.extend(_Helper.start(HELPERS - 1))
            except Exception:  # no interpreter to start, no pipes, no threads: render here
                _given_up = True
        return list(_helpers)


def prestart() -> None:
    """Start the helpers now, so WeasyPrint is loaded by the time a page is ready; cheap, idempotent."""
    _running(start=True)


def submit(html: str, path: Path, base_url: Path, caller_busy: bool = False) -> PdfJob:
    """Hand one page to the least busy helper (starting them if need be); `write_pdf`'s arguments.

    `caller_busy`: the caller has more work of its own to do (pages to render, charts to draw), which
    keeps one core busy, so the page waits for the first helper rather than take the last core; the
    other helpers stay free for the pages the caller hands on once it is done.
    """
    job = PdfJob(html, path, base_url)
    # write_pdf replaced here (a test's stand-in, say) is not what the helper would run.
    helpers = _running(start=True) if pdf.write_pdf is write_pdf else []
    if not helpers:
        job.settle(("here",))
    else:
        if caller_busy and len(helpers) > 1:
            helpers = helpers[:len(helpers) - 1]
        helper = min(helpers, key=lambda h: h.queued)
        helper.queued += 1
        helper.jobs.put(job)
    return job


def shutdown(kill: bool = False) -> None:
    """Stop the helpers and reap them; `kill` for ones in the middle of a page that is not wanted."""
    with _lock:
        helpers = [h for h in _helpers if h.pid == os.getpid()]
        _helpers.clear()
    for helper in helpers:  # all told first: the first helper waits for the sibling it forked
        helper.stop(kill)
    for helper in helpers:
        helper.reap(kill)


atexit.register(shutdown)
