"""write_pdf in a helper process started early, so WeasyPrint loads and renders beside the build."""

# `prestart()` starts the helper: a fresh interpreter that imports WeasyPrint and warms it up while
# the caller reads ledgers and computes figures.  `submit()` hands it one page and returns a PdfJob
# at once; `PdfJob.result()` waits and gives the FontReport `write_pdf` would have given, or raises
# the exception it would have raised.  The helper writes the PDF itself.  Where the helper cannot
# start or dies, or `write_pdf` has been replaced, the job runs `write_pdf` in this process
# instead, so the outcome is the same either way.  Up to HELPERS helpers (one per core, at most two)
# serve the whole process, each a page at a time, so a build's documents render side by side; they
# end with it (killed when idle, reaped, never left a zombie).

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path

from reportgen.documents.writers import pdf
from reportgen.documents.writers.pdf import FONTS_CONF, FontReport, write_pdf

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])
_BOOT = (f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
         "from reportgen.documents.writers.pdf_worker import main; main()")
_HEADER = struct.Struct("!Q")
_WARM_UP = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>预热</title></head>'
    "<body>" + "".join(f'<p style="font-family: {f}">一<b>二</b></p>'
                       for f in ("仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"))
    + "</body></html>"
)


# --- framing: one pickled object after its length --------------------------------------------


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the PDF helper closed its pipe")
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the PDF helper closed its pipe mid-answer")
    return pickle.loads(data)


# --- the caller's side -----------------------------------------------------------------------


class PdfJob:
    """One page on its way to PDF; `result()` waits for it."""

    def __init__(self, html: str, path: Path, base_url: Path) -> None:
        self.args = (html, path, base_url)
        # The caller's folder and environment go along: relative paths and fc-match's PATH hold.
        self.request = (os.getcwd(), dict(os.environ), html, path, base_url)
        self._done = threading.Event()
        self._outcome: tuple = ("here",)
        self._final: tuple | None = None  # (report, None) or (None, exception) once result() ran

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
    """The helper process and the thread that feeds it pages in order."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        # The helper dies with the thread that starts it (see _die_with_parent): only the main one.
        main_thread = threading.current_thread() is threading.main_thread()
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT, str(self.pid), str(int(main_thread))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.jobs: queue.SimpleQueue[PdfJob | None] = queue.SimpleQueue()
        self.broken = False
        self.answered = 0  # pages the helper has answered
        self.in_flight = False  # a page sent and not yet answered
        self.queued = 0  # pages handed to this helper and not yet settled
        threading.Thread(target=self._feed, name="pdf-helper", daemon=True).start()

    def _feed(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.broken:
                self.queued -= 1
                job.settle(("here",))
                continue
            self.in_flight = True
            try:
                _send(self.proc.stdin, job.request)
                outcome = _receive(self.proc.stdout)
                self.answered += 1
            except Exception:  # the helper died or the pipe broke: this page is rendered here
                self.broken = True
                outcome = ("here",)
            self.in_flight = False
            self.queued -= 1
            job.settle(outcome)

    def close(self, kill: bool = False) -> None:
        """Stop the helper: at once when idle (it holds nothing) or told to, else after its page."""
        self.broken = True
        self.jobs.put(None)
        if kill or not self.in_flight:
            self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self.proc.wait(timeout=None if kill else 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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
        while start and not _given_up and len(_helpers) < HELPERS:
            try:
                _helpers.append(_Helper())
            except Exception:  # no interpreter to start, no pipes, no threads: render here
                _given_up = True
        return list(_helpers)


def prestart() -> None:
    """Start the helpers now, so WeasyPrint is loaded by the time a page is ready; cheap, idempotent."""
    _running(start=True)


def submit(html: str, path: Path, base_url: Path) -> PdfJob:
    """Hand one page to the least busy helper (starting them if need be); `write_pdf`'s arguments."""
    job = PdfJob(html, path, base_url)
    # write_pdf replaced here (a test's stand-in, say) is not what the helper would run.
    helpers = _running(start=True) if pdf.write_pdf is write_pdf else []
    if not helpers:
        job.settle(("here",))
    else:
        helper = min(helpers, key=lambda h: h.queued)
        helper.queued += 1
        helper.jobs.put(job)
    return job


def shutdown(kill: bool = False) -> None:
    """Stop the helpers and reap them; `kill` for ones in the middle of a page that is not wanted."""
    with _lock:
        helpers = [h for h in _helpers if h.pid == os.getpid()]
        _helpers.clear()
    for helper in helpers:
        helper.close(kill)


atexit.register(shutdown)


# --- the helper's side -----------------------------------------------------------------------


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable, message kept
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _warm_up(requests) -> None:
    """Load WeasyPrint and fontconfig, then lay out a scrap of text in the official faces, unless
    a page is already waiting; errors are left for that page to meet.

    Layout only: it loads the faces, which every page needs.  Writing a PDF would subset five CJK
    fonts for nothing (seconds of CPU taken from the build beside it) and warms nothing a page reuses.
    """
    from weasyprint import HTML

    from reportgen.documents.writers.pdf import _load_fontconfig
    from reportgen.documents.writers.pdf_lines import set_lines  # noqa: F401  what write_pdf imports

    _load_fontconfig()
    if not select.select([requests], [], [], 0)[0]:
        HTML(string=_WARM_UP).render()


def _answer(request: tuple) -> tuple:
    cwd, environ, *args = request
    try:
        os.chdir(cwd)
    except OSError:
        return ("here",)  # the caller's folder is gone from here: the caller renders it
    if environ != os.environ:
        os.environ.clear()
        os.environ.update(environ)
    keep = _Keep()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(keep)
    try:
        report = write_pdf(*args)
    except Exception as exc:
        remote = traceback.format_exc()
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            return ("here",)  # the caller reruns it to raise the genuine exception
        return ("error", exc, remote)
    finally:
        logger.removeHandler(keep)
    return ("ok", report, keep.records)


def _die_with_parent(parent: int, main_thread: bool) -> None:
    """Killed with the caller (Linux), so no page lands in a staging folder nobody will swap in."""
    if main_thread and sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the caller died before that took hold
        sys.exit(0)


def main() -> None:
    """The helper: pages in on stdin, answers out on the original stdout, until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the caller, who then stops us
    _die_with_parent(int(sys.argv[1]), sys.argv[2] == "1")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    requests = sys.stdin.buffer
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    with contextlib.suppress(Exception):
        _warm_up(requests)
    try:
        while True:
            try:
                request = _receive(requests)
            except EOFError:
                break
            _send(answers, _answer(request))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    # Every answer is out: skip tearing WeasyPrint down, which would keep the caller's exit waiting.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)

