"""Charts a template asks for (`![图题](chart:NAME)`), drawn with matplotlib from registry figures.

Each chart is declared here by the registry figures it shows: a monthly trend computes those
figures at every month end from January to the cut-off; a per-village chart takes the document's
breakdown.  Every point is labelled with the figure's own wording (127户, 13.38万元) and the value
axes carry no numbers of their own, so every number a reader sees is one listed in figures.json.
Text is set in the document's 仿宋; one 300-dpi PNG goes into the DOCX, the HTML and the PDF,
each time with the same alt text.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass

from reportgen.documents.model import Chart, ChartPoint, Document
from reportgen.engine.figures import Figure, compute_figures
from reportgen.engine.periods import Timeframe
from reportgen.errors import TemplateError

WIDTH_MM = 150  # inside the 156 mm text block
HEIGHT_MM = 80
BODY_FAMILY = "仿宋_GB2312"
COLOURS = ("#1f4e79", "#c0504d", "#7f7f7f")


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows: `kind` "monthly" (bars for the first figure, lines for the others, each
    on its own scale) or "villages" (grouped bars per village); `figures` are registry ids."""

    kind: str
    figures: tuple[str, ...]
    title: str


CHARTS: Mapping[str, ChartSpec] = {
    "dibao_trend": ChartSpec("monthly", ("dibao_households", "dibao_monthly_amount"),
                             "农村低保户数和月发放金额"),
    "employment_trend": ChartSpec("monthly", ("labour", "labour_employed"),
                                  "脱贫户及“三类人员”劳动力和就业人数"),
    "villages": ChartSpec("villages", ("population_households", "dibao_households", "labour_employed"),
                          "分村脱贫户及“三类人员”、低保户和就业人数"),
}


def month_ends(timeframe: Timeframe) -> list[dt.date]:
    """The last day of every month from January to the cut-off's month (the cut-off itself last)."""
    cutoff = timeframe.cutoff
    ends = [dt.date(cutoff.year, m, calendar.monthrange(cutoff.year, m)[1]) for m in range(1, cutoff.month)]
    return [*ends, cutoff]


def _points(spec: ChartSpec, project, timeframe: Timeframe, breakdown) -> list[ChartPoint]:
    points: list[ChartPoint] = []
    if spec.kind == "monthly":
        for end in month_ends(timeframe):
            figures = compute_figures(project.registry, project.ledgers, Timeframe(timeframe.period, end),
                                      spec.figures)
            for fid in spec.figures:
                points.append(_point(figures[fid], f"{end.month}月", end))
    elif spec.kind == "villages":
        if not breakdown:
            raise TemplateError("a per-village chart needs the document's breakdown (figures.yaml documents)")
        for village, row in breakdown.items():
            for fid in spec.figures:
                points.append(_point(row[fid], village, timeframe.cutoff))
    return points


def _point(figure: Figure, category: str, cutoff: dt.date) -> ChartPoint:
    return ChartPoint(figure.id, category, cutoff.isoformat(), figure.value, str(figure),
                      figure.provenance.as_dict())


def alt_text(spec: ChartSpec, labels: Mapping[str, str], points: list[ChartPoint]) -> str:
    """What the chart shows, in words: each series with every category's figure."""
    parts = []
    for fid in spec.figures:
        values = "、".join(f"{p.category}{p.wording}" for p in points if p.series == fid)
        parts.append(f"{labels[fid]}：{values}")
    return f"{spec.title}。" + "；".join(parts) + "。"


def _font():
    from matplotlib.font_manager import FontProperties

    from reportgen.documents.writers.pdf_lines import _font_file

    return FontProperties(fname=_font_file(BODY_FAMILY)[0], size=10)


def draw(spec: ChartSpec, labels: Mapping[str, str], points: list[ChartPoint]):
    """The matplotlib Figure for a chart: every number on it is a point's wording or category."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    font = _font()
    categories = list(dict.fromkeys(p.category for p in points))
    crowded = spec.kind == "monthly" and len(categories) > 7  # a year's months: smaller labels
    label_font = _small(font) if crowded else font
    fig = MplFigure(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4))
    ax = fig.add_subplot()
    series = {fid: [p for p in points if p.series == fid] for fid in spec.figures}
    xs = range(len(categories))
    handles = []
    if spec.kind == "monthly":
        first, *rest = spec.figures
        handles.append(ax.bar(xs, [p.value for p in series[first]], color=COLOURS[0], width=0.55,
                              label=labels[first]))
        ax.set_ylim(0, (max(p.value for p in series[first]) or 1) * 1.7)  # bars in the lower 60 %
        _label(ax, xs, series[first], label_font, COLOURS[0], 2)
        for n, fid in enumerate(rest, start=1):
            twin = ax.twinx()
            values = [p.value for p in series[fid]]
            (line,) = twin.plot(xs, values, color=COLOURS[n], marker="o", markersize=3, label=labels[fid])
            handles.append(line)
            # Each line in a band of its own above the bars: its lowest point at 72 %, highest at 82 %.
            low, high = min(values), max(values)
            span = (high - low) or abs(high) or 1
            bottom = low - 7.2 * span / (1 - 0.1 * n) if n > 1 else low - 7.2 * span
            twin.set_ylim(bottom, bottom + 10 * span)
            _label(twin, xs, series[fid], label_font, COLOURS[n], 4, stagger=crowded)
            _bare(twin)
    else:
        width = 0.8 / len(spec.figures)
        for n, fid in enumerate(spec.figures):
            offsets = [x + (n - (len(spec.figures) - 1) / 2) * width for x in xs]
            handles.append(ax.bar(offsets, [p.value for p in series[fid]], width=width, color=COLOURS[n],
                                  label=labels[fid]))
            _label(ax, offsets, series[fid], _small(font), COLOURS[n], 1, rotation=90)
        ax.set_ylim(0, (max(p.value for p in points) or 1) * 1.3)
    ax.set_xticks(list(xs), categories, fontproperties=font)
    ax.tick_params(axis="x", length=0)
    _bare(ax)
    fig.legend(handles=handles, prop=font, loc="lower center", ncols=min(len(handles), 2), frameon=False)
    fig.tight_layout(pad=0.3, rect=(0, 0.09 * ((len(handles) + 1) // 2), 1, 1))
    return fig


def _label(ax, xs, points: list[ChartPoint], font, colour: str, gap: float, rotation: int = 0,
           stagger: bool = False) -> None:
    """Each point's wording just above it (every other one higher when `stagger`): the only
    numbers the chart shows."""
    for n, (x, p) in enumerate(zip(xs, points, strict=True)):
        lift = gap + (9 if stagger and n % 2 else 0)
        ax.annotate(p.wording, (x, p.value), textcoords="offset points", xytext=(0, lift), ha="center",
                    va="bottom", fontproperties=font, color=colour, rotation=rotation)


def _small(font):
    small = font.copy()
    small.set_size(8)
    return small


def _bare(ax) -> None:
    """No value axis: the labels on the bars and points say every number."""
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def render(fig) -> bytes:
    """The figure as a 300-dpi RGB PNG, reproducible (no timestamp or software in it).

    One image for the DOCX, the web page and the PDF: a PNG at the printed size prints as sharp as
    the DOCX's, and WeasyPrint draws it in a fraction of the time it takes to draw the same chart
    as SVG with its glyphs as outlines (about 0.1 s a chart).  The chart is opaque, so no alpha
    channel, which the PDF would carry as a second image.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    fig.set_dpi(300)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    png = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(png, format="png", dpi=(300, 300),
                                                                    compress_level=3)
    return png.getvalue()


def draw_charts(project, timeframe: Timeframe, document: Document, breakdown=None) -> Document:
    """The document with each chart it asks for drawn; an unknown chart name is a TemplateError."""
    blocks = []
    for block in document.blocks:
        if isinstance(block, Chart):
            spec = CHARTS.get(block.name)
            if spec is None:
                raise TemplateError(f"unknown chart {block.name!r}; expected one of {', '.join(CHARTS)}")
            labels = {fid: project.registry.figures[fid].label for fid in spec.figures}
            points = _points(spec, project, timeframe, breakdown)
            fig = draw(spec, labels, points)
            block = dataclasses.replace(block, alt=alt_text(spec, labels, points), png=render(fig),
                                        points=tuple(points))
        blocks.append(block)
    return dataclasses.replace(document, blocks=tuple(blocks))


def charts_listing(documents: Mapping[str, Document]) -> dict:
    """figures.json's "charts": per document and chart, its caption, alt text and every number drawn."""
    out: dict = {}
    for name, document in documents.items():
        for block in document.blocks:
            if isinstance(block, Chart):
                out.setdefault(name, {})[block.name] = {
                    "caption": block.caption,
                    "alt": block.alt,
                    "points": [dataclasses.asdict(p) for p in block.points],
                }
    return out
