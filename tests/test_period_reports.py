"""Every period reads as its own report: year totals, comparisons, dated registry values, the lint."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import copy_project

from reportgen import zhnum
from reportgen.batch.variants import DEFAULT_VARIANTS
from reportgen.build import render_document
from reportgen.cli import main
from reportgen.documents import comparisons, lint
from reportgen.engine.config import load_registry
from reportgen.engine.figures import compute
from reportgen.engine.project import evaluate, load_project
from reportgen.errors import ConfigError

COMPARED = ("chronic_certifications", "welfare_job_subsidy_ytd", "employment_rate", "loans_amount")


@pytest.mark.parametrize("period", ["2023", "2023@2024-01-15"])
def test_the_full_year_states_the_years_dibao_total_and_names_december(repo_project, period, period_report):
    ledger = repo_project.ledgers["dibao_payments"].frame
    in_year = ledger[ledger["发放月份"].dt.year == 2023]
    december = in_year[in_year["发放月份"].dt.month == 12]
    text = period_report(period)[1]
    total, monthly = zhnum.wan(float(in_year["发放金额"].sum())), zhnum.wan(float(december["发放金额"].sum()))
    assert re.search(f"全年发放低保金{re.escape(total)}(，同比[^，]+)?，其中12月发放{re.escape(monthly)}。", text)
    assert "月发放金额" not in text.replace("12月发放金额", "")


@pytest.mark.parametrize("period", ["2023Q3", "2023H2", "2023Q4"])
def test_a_later_quarter_or_half_states_its_own_flows_never_year_to_date(repo_project, period, period_report):
    results, text = period_report(period)
    frame = repo_project.timeframe(period)
    payments = repo_project.ledgers["welfare_job_payments"].frame
    months = payments["发放月份"].dt.date
    own = payments[(months >= frame.period.start) & (months <= frame.cutoff)]
    subsidy = results.figures["welfare_job_subsidy_ytd"]
    assert subsidy.value == pytest.approx(float(own["金额"].sum()))
    words = frame.words()
    assert f"{words['months']}发放岗位补贴{subsidy}" in text
    assert not words["months"].startswith("1至")
    for ytd in ("今年以来", "2023年以来", "1至", "一二季度", "一至三季度"):
        assert ytd not in text, ytd


@pytest.mark.parametrize("period", DEFAULT_VARIANTS)
def test_comparisons_are_worded_from_the_two_periods(repo_project, period, period_report):
    results, text = period_report(period)
    frame = results.figures.timeframe
    earlier = compute(repo_project.registry, repo_project.ledgers, comparisons.earlier_timeframe(frame),
                      earlier=True)
    word = "环比" if frame.period.kind == "quarter" else "同比"
    assert word == frame.words()["versus"]
    for fid in COMPARED:
        figure = results.figures[fid]
        kind, unit = comparisons.change_kind(figure)
        assert f"{figure}，{word}{zhnum.change(figure.value, earlier[fid].value, kind, unit)}" in text, fid


def test_comparisons_rise_fall_stay_level_and_rates_take_percentage_points(repo_project, period_report):
    stated = " ".join(period_report(period)[1] for period in DEFAULT_VARIANTS)
    for rise_or_fall in ("同比增加", "同比减少", "环比增加", "环比减少", "个百分点"):
        assert rise_or_fall in stated, rise_or_fall
    figures = period_report("2023Q3")[0].figures
    for fid in COMPARED:  # the same value on both sides reads 持平, whatever its unit
        assert comparisons.phrase("环比", figures[fid], figures[fid].value) == "环比持平"
    rate = figures["employment_rate"]
    lower = period_report("2023Q4")[0].figures["employment_rate"].value
    assert rate.value != lower
    worded = comparisons.phrase("同比", rate, lower)
    assert worded.endswith("个百分点") and worded.startswith("同比提高" if rate.value > lower else "同比降低")


def test_a_comparison_is_left_out_when_the_ledgers_do_not_reach_the_earlier_period(tmp_path):
    root = copy_project(tmp_path)
    path = root / "data" / "chronic_certifications.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([lines[0]] + [line for line in lines[1:] if ",2022-" not in line]), encoding="utf-8")
    registry = root / "figures.yaml"  # the ledger now records from 2023 on, and says so if it declares its days
    text = registry.read_text(encoding="utf-8")
    block = text.index("  chronic_certifications:\n    file:")
    head, tail = text[:block], text[block:]
    registry.write_text(head + tail.replace("dates: {from: 2022-01-01,", "dates: {from: 2023-01-01,", 1),
                        encoding="utf-8")
    project = load_project(root, cache=False)
    results = evaluate(project, project.timeframe("2023H1"))
    text = render_document(project, results, "report")[0].plain_text()
    assert f"新办理慢性病认定{results.figures['chronic_certifications']}。" in text
    assert "同比增加" in text  # the other ledgers still reach 2022


def test_the_lint_catches_a_planted_phrase_in_a_full_year_report(tmp_path, capsys):
    root = copy_project(tmp_path)
    template = root / "templates" / "report.md.j2"
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace("{{ period.since }}，共收到", "今年以来，共收到", 1), encoding="utf-8")
    assert main(["--root", str(root), "build", "--period", "2023"]) == 3
    err = capsys.readouterr().err
    assert "今年以来" in err and "今年以来，共收到省办系统" in err  # the sentence is quoted
    assert not (root / "output" / "2023").exists()
    assert main(["--root", str(root), "build", "--period", "2023", "--force"]) == 3
    assert "今年以来，共收到省办系统" in capsys.readouterr().err
    assert (root / "output" / "2023" / "report.pdf").is_file()
    assert main(["--root", str(root), "build", "--period", "2023H1", "--documents", "report"]) == 0


def test_the_lint_table_is_data_an_office_extends(tmp_path, repo_project, period_report):
    root = copy_project(tmp_path)
    table = root / "templates" / lint.RULES_FILE
    table.write_text(table.read_text(encoding="utf-8")
                     + "  - kinds: [quarter]\n    phrases: [有目共睹, 各项工作]\n    why: 本乡自定\n", encoding="utf-8")
    rules = lint.load_rules(root / "templates")
    frame = repo_project.timeframe("2023Q2")
    hits = lint.lint_text(period_report("2023Q2")[1], frame, rules, "report")
    assert hits and {h.phrase for h in hits} == {"各项工作"} and all("各项工作" in h.sentence for h in hits)
    table.write_text("rules:\n  - kinds: [month]\n    phrases: [今年]\n    why: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"period_lint.yaml:2 .*unknown period kind.*month"):
        lint.load_rules(root / "templates")


def test_registry_values_are_taken_by_date_and_warn_when_old(repo_project, period_report):
    dated = {fid: spec for fid, spec in repo_project.registry.figures.items() if spec.values is not None}
    assert {"home_teaching_people", "clinics_standardised", "housing_monitored_households"} <= set(dated)
    for period in DEFAULT_VARIANTS:
        figures = period_report(period)[0].figures
        frame = figures.timeframe
        for fid, spec in dated.items():
            if spec.time_quantity != "stock":
                continue
            latest = [v for v in spec.values if v.date <= frame.cutoff][-1]
            assert figures[fid].value == latest.value and figures[fid].provenance.note == latest.source
            warned = any(w.startswith(f"figures.{fid} ") for w in figures.warnings)
            assert warned == (latest.date < frame.period.start), (period, fid)


def test_the_distribution_plan_is_said_made_only_once_its_event_is_dated(repo_project, period_report):
    event = repo_project.registry.figures["solar_distribution_plan"].values[0]
    for period in DEFAULT_VARIANTS:
        frame = repo_project.timeframe(period)
        made = event.date <= frame.cutoff
        assert ("制定了2023年分配方案进行分配" in period_report(period)[1]) == made, period
    assert repo_project.timeframe("2023Q1").cutoff < event.date < repo_project.timeframe("2023H1").cutoff


def test_a_figure_says_whether_it_is_a_stock_a_flow_or_monthly(tmp_path):
    root = copy_project(tmp_path)
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    block = text.index("  chronic_certifications:\n    label:")
    line = text[:block].count("\n") + 1
    registry.write_text(text[:block] + text[block:].replace("    quantity: flow", "    quantity: stock", 1),
                        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a stock figure takes another window") as err:
        load_registry(registry)
    assert any(p.line and p.line > line and "chronic_certifications" in p.column for p in err.value.problems)
    spec = load_registry(copy_project(tmp_path / "fresh") / "figures.yaml").figures
    assert {spec[f].time_quantity for f in ("dibao_monthly_amount", "dibao_amount", "labour")} == {
        "monthly", "flow", "stock"}
    assert pd.Series([s.quantity for s in spec.values()]).notna().all()  # every figure declares it


def test_a_meeting_keyed_by_its_delivery_day_must_agree_with_its_date(tmp_path):
    root = copy_project(tmp_path)
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    assert "  2023@2024-01-15:\n" in text
    registry.write_text(text.replace("    date: 2024-01-15\n", "    date: 2024-01-16\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"meetings\.2023@2024-01-15\.date: the meeting's date differs"):
        load_registry(registry)


def test_words_of_a_report_given_within_the_year_are_caught_when_it_is_given_later(repo_project, period_report):
    rules = lint.load_rules(repo_project.root / "templates")
    written = period_report("2023")[1]  # delivered at its cut-off: 去年 is 2022
    assert not lint.lint_text(written, repo_project.timeframe("2023"), rules, "report")
    later = repo_project.timeframe("2023@2024-01-15")
    hits = lint.lint_text(written, later, rules, "report")
    assert {h.phrase for h in hits} >= {"去年", "明年"}
    assert any(h.sentence.startswith("在去年") for h in hits)
    assert not lint.lint_text(period_report("2023@2024-01-15")[1], later, rules, "report")


def test_a_project_without_the_lint_table_builds_and_says_so(tmp_path):
    from reportgen.build import build

    root = copy_project(tmp_path)
    (root / "templates" / lint.RULES_FILE).unlink()
    project = load_project(root)
    result = build(project, project.timeframe("2023Q2"), root / "output", ("brief",), formats=("html",),
                   record=False)
    assert any(lint.RULES_FILE in w and "not checked" in w for w in result.warnings)
    assert (root / "output" / "2023Q2" / "brief.html").is_file()
