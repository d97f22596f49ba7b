"""The HTML pages in a real browser: axe-core in headless Chromium finds nothing, and the page prints."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium")
MM = 72 / 25.4

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (make test installs it)"),
    pytest.mark.skipif(not AXE.is_file(), reason="axe-core not installed (make test installs it)"),
]

# axe.run on the whole page, its violations written into the DOM that --dump-dom prints.
_RUN_AXE = """<script src="%s"></script><script>
axe.run(document).then(function (result) {
  var out = document.createElement("pre"); out.id = "axe-result";
  out.textContent = JSON.stringify(result.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(function (n) { return n.html.slice(0, 160); })};
  }));
  document.body.appendChild(out);
}, function (error) {
  var out = document.createElement("pre"); out.id = "axe-result"; out.textContent = "ERROR " + error;
  document.body.appendChild(out);
});
</script>"""


def _chromium(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *args],
                          capture_output=True, text=True, timeout=180, env=env)


def axe_violations(page: Path, tmp_path: Path) -> list[dict]:
    """Load `page` in headless Chromium with axe-core injected and return axe's violations."""
    html = page.read_text(encoding="utf-8")
    assert html.count("</body>") == 1
    audited = tmp_path / f"axe-{page.name}"
    audited.write_text(html.replace("</body>", _RUN_AXE % AXE.as_uri() + "</body>"), encoding="utf-8")
    done = _chromium("--allow-file-access-from-files", "--virtual-time-budget=30000", "--dump-dom",
                     audited.as_uri())
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert found, f"axe did not report (exit {done.returncode}): {done.stderr[-500:]}"
    text = found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    assert not text.startswith("ERROR"), text
    return json.loads(text)


@pytest.mark.parametrize("name", ["brief", "report"])
def test_axe_finds_no_violations(h1_build, tmp_path, name):
    violations = axe_violations(h1_build.folder / f"{name}.html", tmp_path)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_axe_harness_reports_what_is_wrong(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                    '<img src="data:image/svg+xml;base64,PHN2Zy8+"></body></html>', encoding="utf-8")
    found = {v["id"] for v in axe_violations(page, tmp_path)}
    assert {"html-has-lang", "image-alt", "document-title"} <= found


def test_brief_html_has_captions_scoped_headers_and_alt_text(h1_build):
    html = (h1_build.folder / "brief.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert html.count("<table") == html.count("<caption>") >= 2
    assert 'scope="col"' in html and 'scope="row"' in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 3
    for img in images:
        alt = re.search(r'alt="([^"]+)"', img)
        assert alt and len(alt.group(1)) > 20, img[:80]
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body):
            assert row.startswith('<th scope="row">'), row[:60]


@pytest.mark.parametrize("name", ["brief", "report"])
def test_page_prints_from_chromium_with_the_print_css(h1_build, tmp_path, name):
    pdf = tmp_path / f"{name}.pdf"
    env = {**os.environ, "FONTCONFIG_FILE": str(REPO / "templates" / "fonts.conf")}
    done = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                     (h1_build.folder / f"{name}.html").as_uri(), env=env)
    assert pdf.is_file(), done.stderr[-500:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Page size:\s+59[45]\.\d+ x 84[12]\.\d+ pts", info, re.M), info
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for page in range(1, pages + 1):
        assert f"—{page}—" in re.sub(r"\s+", "", text)  # the @page margin boxes: page numbers
    xml = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    lefts = [float(x) for x in re.findall(r'<word xMin="([\d.]+)"', xml)]
    # The 28 mm left margin of GB/T 9704 (the brief's tables set their text a cell padding in).
    assert 28 * MM - 1 <= min(lefts) <= 28 * MM + 4
