"""Quarterly, half-year and annual variants: words that follow the period, flows that add up."""

from __future__ import annotations

import pandas as pd
import pytest

from reportgen import zhnum
from reportgen.batch.variants import DEFAULT_VARIANTS
from reportgen.build import render_document
from reportgen.engine.config import QuarterWindow
from reportgen.engine.figures import compute
from reportgen.engine.project import evaluate

H1_ONLY_WORDS = ("上半年工作回顾", "下半年工作安排", "1至7月", "截至7月底", "第三次会议")
MEETINGS = ("2023H1", "2023@2024-01-15")


@pytest.fixture(scope="module")
def variants(variant_builds):
    return variant_builds  # built once for the session (conftest), shared with tests/test_typeset.py


def _report_text(result) -> str:
    return {d.name: d for d in result.documents}["report"].text


def test_every_period_kind_builds_with_progress_and_a_clean_lint(variants):
    built, messages = variants
    assert set(DEFAULT_VARIANTS) == {"2023Q1", "2023Q2", "2023Q3", "2023Q4", "2023H1", "2023H2", "2023Q1-Q3",
                                     "2023", "2023@2024-01-15"}
    assert set(built) == set(DEFAULT_VARIANTS)
    for number, period in enumerate(DEFAULT_VARIANTS, start=1):
        assert any(m.startswith(f"[{number}/{len(DEFAULT_VARIANTS)}] {period}") for m in messages)
        assert (built[period].folder / "report.pdf").is_file()
        assert built[period].folder.name == period
        assert built[period].lint_hits == ()


@pytest.mark.parametrize("period", DEFAULT_VARIANTS)
def test_headings_and_period_words_fit_the_period(variants, period):
    result = variants[0][period]
    text = _report_text(result)
    words = result.timeframe.words()
    lines = text.splitlines()
    assert words["review_heading"] in lines and words["plan_heading"] in lines
    assert f"{words['months']}发放岗位补贴" in text
    assert f"{words['upto']}收益" in text
    assert f"{words['quarters']}共有" in text
    assert f"{words['opening']}，我乡" in text and f"{words['now']}，共搬迁入住" in text
    if period != "2023H1":
        for h1_word in H1_ONLY_WORDS:
            assert h1_word not in text, (period, h1_word)
    assert ("各位代表" in text) == (period in MEETINGS)  # else a written report
    assert ("成效有目共睹" in text) == words["judgement"]


def test_industry_subsidy_sentence_follows_the_data(variants):
    for result in variants[0].values():
        figures = result.results.figures
        text = _report_text(result)
        pending = figures["industry_subsidy_pending_count"].value
        assert (f"{figures['industry_subsidy_pending_quarters']}产业奖补正在申报" in text) == bool(pending)
        if figures["industry_subsidy_paid_count"].value:
            assert f"{figures['industry_subsidy_paid_quarters']}申报产业奖补" in text


def _additive_flows(registry):
    """Ledger counts and sums with a date: re-windowed to `period` they must add across quarters."""
    return {fid: spec.model_copy(update={"window": "period"}) for fid, spec in registry.figures.items()
            if spec.kind == "ledger" and spec.measure in ("count", "sum") and spec.date
            and spec.window not in ("as_of", "year_start", "all") and not spec.where}


def test_quarter_flows_add_up_to_half_year_and_three_quarters(repo_project):
    flows = _additive_flows(repo_project.registry)
    assert len(flows) >= 8
    registry = repo_project.registry.model_copy(update={"figures": flows})

    def values(period, as_of=None):
        return compute(registry, repo_project.ledgers, repo_project.timeframe(period, as_of)).values()

    q1, q2, q3 = values("2023Q1"), values("2023Q2"), values("2023Q3")
    h1, q1_q3 = values("2023H1", "2023-06-30"), values("2023Q1-Q3")
    for fid in flows:
        assert q1[fid] + q2[fid] == pytest.approx(h1[fid]), fid
        assert q1[fid] + q2[fid] + q3[fid] == pytest.approx(q1_q3[fid]), fid


def test_stock_figures_are_read_at_the_cutoff(repo_project):
    timeframe = repo_project.timeframe("2023Q1")
    figures = evaluate(repo_project, timeframe).figures
    spec = repo_project.registry.figures["population_people"]
    frame = repo_project.ledgers[spec.source].frame
    cutoff = pd.Timestamp(timeframe.cutoff)
    alive = (frame[spec.date] <= cutoff) & (frame[spec.end].isna() | (frame[spec.end] > cutoff))
    assert figures["population_people"].value == int(alive.sum())


def test_figures_shared_by_variants_are_identical(repo_project):
    q3 = evaluate(repo_project, repo_project.timeframe("2023Q3")).figures
    q1_q3 = evaluate(repo_project, repo_project.timeframe("2023Q1-Q3")).figures
    same_window = [fid for fid, spec in repo_project.registry.figures.items()
                   if spec.kind == "registry"
                   or spec.window in ("as_of", "year_start", "ytd", "month", "all")
                   or isinstance(spec.window, QuarterWindow)]
    assert len(same_window) > 35
    for fid in same_window:
        assert q3[fid].wording == q1_q3[fid].wording, fid


def test_h1_variant_equals_the_single_build(variants, h1_build):
    assert _report_text(variants[0]["2023H1"]) == _report_text(h1_build)


def test_brief_compares_with_the_same_period_a_year_earlier(repo_project):
    timeframe = repo_project.timeframe("2023H1")
    now = evaluate(repo_project, timeframe)
    before = compute(repo_project.registry, repo_project.ledgers, timeframe.previous_year(), earlier=True)
    document, _ = render_document(repo_project, now, "brief")
    rows = {row[0]: row for block in document.blocks if hasattr(block, "header") for row in block.rows}
    assert rows["纳入农村低保"][2] == zhnum.change(now.figures["dibao_households"].value,
                                                  before["dibao_households"].value, "count", "户")
    rate_now, rate_then = now.figures["employment_rate"].value, before["employment_rate"].value
    assert rows["脱贫劳动力就业率"][2] == zhnum.change(rate_now, rate_then, "rate")
    assert "个百分点" in rows["脱贫劳动力就业率"][2] or rows["脱贫劳动力就业率"][2] == "持平"


def test_month_on_month_figures_when_a_document_asks_for_them(tmp_path):
    from conftest import copy_project

    from reportgen.build import document_context
    from reportgen.engine.project import load_project

    root = copy_project(tmp_path)
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("    compare_with_previous_year: true\n",
                                     "    compare_with_previous_year: true\n    compare_with_previous_period: true\n"),
                        encoding="utf-8")
    project = load_project(root)
    timeframe = project.timeframe("2023Q3")
    context = document_context(project, timeframe, "brief")
    earlier = compute(project.registry, project.ledgers, timeframe.previous_period(), earlier=True)
    assert earlier.timeframe.period.name == "2023Q2"
    assert context["prev_period"].welfare_jobs_total.value == earlier["welfare_jobs_total"].value
    assert "prev_period" not in document_context(project, timeframe, "report")
