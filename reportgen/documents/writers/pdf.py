"""HTML (from reportgen.documents.writers.html) out to PDF with WeasyPrint, fonts mapped by templates/fonts.conf.

The stylesheet names the Windows fonts of the official-document format (仿宋_GB2312, 楷体_GB2312,
黑体, 方正小标宋简体, 宋体); templates/fonts.conf aliases them to free fonts, and WeasyPrint
embeds the subset it uses.  `write_pdf` returns a FontReport saying which real font stood in
for each requested family and what WeasyPrint warned about; it prints nothing.  The stand-ins
come from fontconfig in this process (libfontconfig through cffi, asked exactly as fc-match
asks it), or from fc-match itself where the library cannot be loaded.

WeasyPrint is imported inside `write_pdf`, after FONTCONFIG_FILE is set, so importing this
module stays cheap.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from reportgen import resources

#: The fontconfig file that maps the Windows font names to the free stand-ins.
FONTS_CONF = resources.default_templates() / "fonts.conf"

#: The Windows font names of GB/T 9704 that templates/fonts.conf maps, in report order.
OFFICIAL_FAMILIES = ("仿宋_GB2312", "仿宋", "楷体_GB2312", "楷体", "黑体", "方正小标宋简体", "宋体")

_GENERIC = {
    "serif",
    "sans-serif",
    "monospace",
    "cursive",
    "fantasy",
    "system-ui",
    "math",
    "emoji",
    "fangsong",
    "inherit",
    "initial",
    "unset",
    "revert",
}
_FONT_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)", re.IGNORECASE)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>|\sstyle=\"([^\"]*)\"", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class FontSubstitution:
    """One family named by the stylesheet and the font fontconfig chose for it."""

    requested: str  # e.g. 仿宋_GB2312
    family: str  # e.g. FandolFang
    style: str  # e.g. Regular, Bold
    file: str  # path of the font file

    def __str__(self) -> str:
        style = "" if self.style in ("Regular", "Book", "") else f" {self.style}"
        return f"{self.requested} → {self.family}{style}"


@dataclass(frozen=True)
class FontReport:
    """What `write_pdf` did with fonts, and what WeasyPrint warned about while rendering.

    `substitutions`: the requested families (official faces first) with their stand-ins;
    `embedded`: the families of the fonts embedded in the PDF (fallbacks included);
    `warnings`: WeasyPrint's logged warnings and errors, in order.
    """

    substitutions: tuple[FontSubstitution, ...] = ()
    embedded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def family_for(self, requested: str) -> str | None:
        """The real family that stands in for `requested`, or None if it was not requested."""
        for sub in self.substitutions:
            if sub.requested == requested:
                return sub.family
        return None

    def lines(self) -> list[str]:
        """Human-readable lines such as '仿宋_GB2312 → FandolFang', for the caller to print."""
        return [str(sub) for sub in self.substitutions]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the build
            message = str(record.msg)
        self.messages.append(f"{record.levelname.lower()}: {message}")


def requested_families(html: str) -> tuple[str, ...]:
    """The font families named in the page's CSS, generics left out.

    The official-document faces come first in a fixed order (body, 楷体, 黑体, title, page
    numbers), then any others in order of first appearance.
    """
    css = "\n".join(block or unescape(attr) for block, attr in _STYLE.findall(html))
    seen: dict[str, None] = {}
    for match in _FONT_FAMILY.finditer(css):
        for name in match.group(1).split(","):
            name = name.strip().strip("'\"").strip()
            if name and name.lower() not in _GENERIC and "!" not in name:
                seen.setdefault(name, None)
    known = [name for name in OFFICIAL_FAMILIES if name in seen]
    return tuple(known + [name for name in seen if name not in OFFICIAL_FAMILIES])


def _fc_escape(name: str) -> str:
    return re.sub(r"([\\\-:,])", r"\\\1", name)


_FC_FORMAT = "%{family[0]}\t%{style[0]}\t%{file}"
_FC_CDEF = """
typedef struct _FcConfig FcConfig;
typedef struct _FcPattern FcPattern;
typedef unsigned char FcChar8;
typedef int FcBool;
typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId,
               FcResultOutOfMemory } FcResult;
FcConfig *FcInitLoadConfigAndFonts(void);
void FcConfigDestroy(FcConfig *config);
FcPattern *FcNameParse(const FcChar8 *name);
FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
void FcDefaultSubstitute(FcPattern *pattern);
FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
FcChar8 *FcPatternFormat(FcPattern *pat, const FcChar8 *format);
void FcPatternDestroy(FcPattern *p);
void FcStrFree(FcChar8 *s);
"""
_fontconfig: list = []  # [(ffi, lib)] once loaded, [None] if it cannot be


def _load_fontconfig():
    """libfontconfig through cffi (which WeasyPrint needs anyway), or None where it won't load."""
    if not _fontconfig:
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(_FC_CDEF)
            _fontconfig.append((ffi, ffi.dlopen("libfontconfig.so.1")))
        except Exception:  # no cffi or no such library: fc-match it is
            _fontconfig.append(None)
    return _fontconfig[0]


def _fc_match_here(patterns: list[str]) -> list[str | None]:
    """What `fc-match --format=… PATTERN` prints, computed in this process the way fc-match does.

    A fresh configuration (FONTCONFIG_FILE as now set) for each call, like a new fc-match; None
    for a pattern this cannot answer, which then goes to fc-match itself.
    """
    loaded = _load_fontconfig()
    if loaded is None:
        return [None] * len(patterns)
    ffi, lib = loaded
    config = lib.FcInitLoadConfigAndFonts()
    if config == ffi.NULL:
        return [None] * len(patterns)
    out: list[str | None] = []
    try:
        for pattern in patterns:
            pat = lib.FcNameParse(pattern.encode())
            if pat == ffi.NULL:
                out.append(None)
                continue
            lib.FcConfigSubstitute(config, pat, lib.FcMatchPattern)
            lib.FcDefaultSubstitute(pat)
            match = lib.FcFontMatch(config, pat, ffi.new("FcResult *"))
            lib.FcPatternDestroy(pat)
            if match == ffi.NULL:
                out.append(None)
                continue
            text = lib.FcPatternFormat(match, _FC_FORMAT.encode())
            lib.FcPatternDestroy(match)
            if text == ffi.NULL:
                out.append(None)
                continue
            out.append(ffi.string(text).decode("utf-8", "replace"))
            lib.FcStrFree(text)
    finally:
        lib.FcConfigDestroy(config)
    return out


def _match_fonts(
    families: tuple[str, ...], lang: str, env: dict[str, str]
) -> tuple[tuple[FontSubstitution, ...], list[str]]:
    """Ask fontconfig which font it gives each family: in process when `env` is this process's
    own environment (no fc-match to start), else, or where that fails, with fc-match."""
    subs: list[FontSubstitution] = []
    problems: list[str] = []
    fc_lang = lang.lower()
    patterns = [f"{_fc_escape(family)}:lang={fc_lang}" for family in families]
    here = _fc_match_here(patterns) if env == os.environ else [None] * len(patterns)
    for family, pattern, answer in zip(families, patterns, here, strict=True):
        fields = answer.split("\t") if answer is not None else []
        if len(fields) == 3:
            subs.append(FontSubstitution(family, *fields))
            continue
        try:
            proc = subprocess.run(
                ["fc-match", f"--format={_FC_FORMAT}", pattern],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            problems.append(f"font report: cannot run fc-match: {exc}")
            break
        fields = proc.stdout.split("\t")
        if proc.returncode != 0 or len(fields) != 3:
            problems.append(f"font report: fc-match {pattern!r} failed: {proc.stderr.strip()}")
            continue
        subs.append(FontSubstitution(family, *fields))
    return tuple(subs), problems


def _base_url(base: Path) -> str:
    """A file URL; a directory gets its trailing slash, so "a.png" resolves inside it."""
    base = Path(base).resolve()
    return base.as_uri() + "/" if base.is_dir() else base.as_uri()


def write_pdf(html: str, path: Path, base_url: Path) -> FontReport:
    """Render `html` with WeasyPrint and write the PDF to `path`; return the FontReport.

    `base_url` (a directory, or a file beside which the page lives) resolves relative URLs in
    the page (images, stylesheets).  The PDF's title is the
    page's <title> and its language the <html lang> (zh-CN from render_html).
    """
    # Before WeasyPrint loads: every FontConfiguration it makes reads this file.
    os.environ["FONTCONFIG_FILE"] = str(FONTS_CONF)
    from weasyprint import HTML  # heavy; kept out of module import

    from reportgen.documents.writers.pdf_lines import set_lines

    html = set_lines(html)

    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    old_level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        document = HTML(string=html, base_url=_base_url(base_url)).render()
        pdf = document.write_pdf()
        embedded = tuple(sorted({font.family for font in document.fonts.values()}))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    Path(path).write_bytes(pdf)

    lang = document.metadata.lang or "zh-CN"
    subs, problems = _match_fonts(requested_families(html), lang, dict(os.environ))
    return FontReport(subs, embedded, tuple(handler.messages + problems))
