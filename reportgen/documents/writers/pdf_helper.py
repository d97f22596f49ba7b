"""The PDF helper process: pages in on stdin, write_pdf, answers out; see pdf_worker for the caller."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import struct
import sys
import traceback

from reportgen.documents.writers.pdf import FONTS_CONF, write_pdf

_HEADER = struct.Struct("!Q")
_WARM_UP = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>预热</title></head>'
    "<body>" + "".join(f'<p style="font-family: {f}">一<b>二</b></p>'
                       for f in ("仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"))
    + "</body></html>"
)


# --- framing: one pickled object after its length --------------------------------------------


def send(stream, obj) -> None:
    """Write `obj` to `stream`, pickled, after its length."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream):
    """The next object `send` wrote to `stream`; EOFError once the other side has closed it."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the PDF helper closed its pipe")
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the PDF helper closed its pipe mid-answer")
    return pickle.loads(data)


# --- the helper's side -----------------------------------------------------------------------


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable, message kept
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _load() -> None:
    """Import WeasyPrint and what write_pdf imports: Python modules and libraries, no font state yet,
    so that a sibling forked after this starts with none of fontconfig's or Pango's."""
    import weasyprint  # noqa: F401

    from reportgen.documents.writers.pdf_lines import set_lines  # noqa: F401


def _warm_up(requests) -> None:
    """Load fontconfig, then lay out a scrap of text in the official faces, unless a page is
    already waiting; errors are left for that page to meet.

    Layout only: it loads the faces, which every page needs.  Writing a PDF would subset five CJK
    fonts for nothing (seconds of CPU taken from the build beside it) and warms nothing a page reuses.
    """
    from weasyprint import HTML

    from reportgen.documents.writers.pdf import _load_fontconfig

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
        os._exit(0)


def _fork_siblings(fds: list[int], own: tuple) -> tuple[tuple, list[int]]:
    """Fork a sibling helper for each (requests, answers) pair of `fds`, WeasyPrint loaded.

    Returns the streams the calling process serves ((requests, answers): its own, or in a sibling
    the pair it was forked for) and, in the first helper, the pids of the siblings to wait for.
    """
    pairs = list(zip(fds[::2], fds[1::2], strict=True))
    children: list[int] = []
    for n, (take, give) in enumerate(pairs):
        try:
            pid = os.fork()
        except OSError:
            break  # the caller sees the pipe close and renders those pages itself
        if pid == 0:
            for stream in own:
                stream.close()
            for other in (fd for m, pair in enumerate(pairs) if m != n for fd in pair):
                os.close(other)
            _die_with_parent(os.getppid(), True)  # dies with the first helper, which dies with the caller
            answers = os.fdopen(give, "wb")
            send(answers, os.getpid())
            return (os.fdopen(take, "rb"), answers), []
        children.append(pid)
    for fd in fds:
        os.close(fd)
    return own, children


def main() -> None:
    """The helper: pages in on stdin, answers out on the original stdout, until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the caller, who then stops us
    _die_with_parent(int(sys.argv[1]), sys.argv[2] == "1")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    requests = sys.stdin.buffer
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    with contextlib.suppress(Exception):
        _load()
    sibling_fds = [int(fd) for fd in sys.argv[3].split(",") if fd] if len(sys.argv) > 3 else []
    (requests, answers), children = _fork_siblings(sibling_fds, (requests, answers))
    with contextlib.suppress(Exception):
        _warm_up(requests)
    try:
        while True:
            try:
                request = receive(requests)
            except EOFError:
                break
            send(answers, _answer(request))
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    # Every answer is out: skip tearing WeasyPrint down, which would keep the caller's exit waiting.
    for stream in (sys.stdout, sys.stderr, answers):
        with contextlib.suppress(Exception):
            stream.flush()
    for child in children:  # a sibling mid-page would die with this process: let it finish
        with contextlib.suppress(OSError):
            os.waitpid(child, 0)
    os._exit(0)
