"""The PDF helpers: the second is forked from the first, pages come back as if rendered here, a
helper that dies costs no page, and shutting down ends both without killing either."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from reportgen.documents.writers import pdf_worker
from reportgen.documents.writers.pdf import write_pdf

PAGE = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{n}</title></head>'
        '<body><p class="p">第{n}页：共有劳动力42人、就业率100%。</p></body></html>')


def _text(path: Path) -> str:
    """The page's text without the spaces pdftotext sets between 汉字 and digits."""
    return "".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout.split())


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def helpers():
    pdf_worker.shutdown()
    pdf_worker.prestart()
    running = pdf_worker._running(start=False)
    yield running
    pdf_worker.shutdown()


@pytest.mark.skipif(pdf_worker.HELPERS < 2, reason="one core: one helper")
def test_the_second_helper_is_forked_from_the_first_and_both_render(helpers, tmp_path):
    first, second = helpers
    jobs = [pdf_worker.submit(PAGE.format(n=n), tmp_path / f"{n}.pdf", REPO / "templates") for n in range(4)]
    for job in jobs:
        job.result()
    assert first.answered and second.answered  # both took pages
    assert _parent_of(second.helper_pid) == first.proc.pid
    write_pdf(PAGE.format(n=0), tmp_path / "here.pdf", REPO / "templates")
    assert _text(tmp_path / "0.pdf") == _text(tmp_path / "here.pdf")
    for n in range(4):
        assert f"第{n}页" in _text(tmp_path / f"{n}.pdf")


@pytest.mark.skipif(pdf_worker.HELPERS < 2, reason="one core: one helper")
def test_a_sibling_that_dies_costs_no_page_and_the_first_serves_on(helpers, tmp_path):
    first, second = helpers
    pdf_worker.submit(PAGE.format(n=0), tmp_path / "warm.pdf", REPO / "templates").result()
    while second.helper_pid is None:  # it says who it is once forked
        pdf_worker.submit(PAGE.format(n=0), tmp_path / "warm.pdf", REPO / "templates").result()
    os.kill(second.helper_pid, signal.SIGKILL)
    jobs = [pdf_worker.submit(PAGE.format(n=n), tmp_path / f"{n}.pdf", REPO / "templates") for n in range(3)]
    for n, job in enumerate(jobs):
        job.result()
        assert f"第{n}页" in _text(tmp_path / f"{n}.pdf")
    assert second.broken and first.proc.poll() is None


@pytest.mark.skipif(pdf_worker.HELPERS < 2, reason="one core: one helper")
def test_shutting_down_lets_both_helpers_finish_their_pages_and_leaves_no_process(helpers, tmp_path):
    first, second = helpers
    pdf_worker.submit(PAGE.format(n=0), tmp_path / "warm.pdf", REPO / "templates").result()
    jobs = [pdf_worker.submit(PAGE.format(n=n), tmp_path / f"{n}.pdf", REPO / "templates") for n in range(2)]
    while not (first.in_flight or second.in_flight or jobs[0].path.exists()):  # a page on its way
        pass
    pdf_worker.shutdown()  # not a kill: the pages under way are finished first
    for n, job in enumerate(jobs):
        job.result()
        assert f"第{n}页" in _text(tmp_path / f"{n}.pdf")
    assert first.proc.poll() is not None
    assert second.helper_pid is None or not Path(f"/proc/{second.helper_pid}").exists()


@pytest.mark.skipif(pdf_worker.HELPERS < 2, reason="one core: one helper")
def test_pages_handed_on_while_the_caller_is_busy_leave_the_last_helper_free(helpers, tmp_path):
    first, second = helpers
    busy = [pdf_worker.submit(PAGE.format(n=n), tmp_path / f"{n}.pdf", REPO / "templates", caller_busy=True)
            for n in range(2)]
    last = pdf_worker.submit(PAGE.format(n=2), tmp_path / "2.pdf", REPO / "templates")
    for job in (*busy, last):
        job.result()
    assert (first.answered, second.answered) == (2, 1)


@pytest.mark.skipif(pdf_worker.HELPERS < 2 or not Path("/proc/self/stat").exists(),
                    reason="one core: one helper; no /proc to watch")
def test_a_helper_stuck_with_a_page_is_stopped_and_the_page_rendered_here(helpers, tmp_path, monkeypatch):
    first, second = helpers
    monkeypatch.setattr(pdf_worker, "STALL_SECONDS", 1.0)
    monkeypatch.setattr(pdf_worker, "STALL_CHECK_SECONDS", 0.2)
    pdf_worker.submit(PAGE.format(n=0), tmp_path / "warm.pdf", REPO / "templates").result()
    while second.helper_pid is None:
        pdf_worker.submit(PAGE.format(n=0), tmp_path / "warm.pdf", REPO / "templates").result()
    os.kill(second.helper_pid, signal.SIGSTOP)  # stuck: no CPU, no answer
    jobs = [pdf_worker.submit(PAGE.format(n=n), tmp_path / f"{n}.pdf", REPO / "templates") for n in range(2)]
    for n, job in enumerate(jobs):
        job.result()
        assert f"第{n}页" in _text(tmp_path / f"{n}.pdf")
    assert second.broken and first.proc.poll() is None
