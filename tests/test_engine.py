"""The figure engine on a small ledger made here: every measure, every window, formulas, checks."""

from __future__ import annotations

import csv
import datetime as dt
import textwrap
from pathlib import Path

import pytest

from reportgen.engine import formula
from reportgen.engine.config import load_registry
from reportgen.engine.project import evaluate, load_project
from reportgen.errors import CheckFailed, ConfigError, FigureError

D = dt.date.fromisoformat
# (id, household, village, category, start, end, amount)
ROWS = [
    ("P1", "H1", "甲村", "低保", "2022-05-01", "", 100.0),
    ("P2", "H1", "甲村", "低保", "2022-05-01", "2023-02-10", 50.5),
    ("P3", "H2", "乙村", "特困", "2023-01-15", "", 200.0),
    ("P4", "H3", "乙村", "低保", "2023-02-28", "", 75.25),
    ("P5", "H3", "乙村", "低保", "2023-04-02", "", 10.0),
    ("P6", "H4", "甲村", "特困", "2023-07-31", "", 1.0),
    ("P7", "H5", "甲村", "低保", "2023-08-01", "", 9.0),
]
CUTOFF = D("2023-07-31")

REGISTRY = """
report: {township: 测试乡}
periods: {default: 2023H1, cutoffs: {2023H1: 2023-07-31}}
sources:
  people:
    file: people.csv
    key: 编号
    columns:
      编号: {type: str}
      户编号: {type: str}
      村: {type: category, values: [甲村, 乙村]}
      类别: {type: category, values: [低保, 特困]}
      开始日期: {type: date}
      结束日期: {type: date, required: false}
      金额: {type: number, min: 0}
figures:
  {figures}
checks:
  {checks}
"""


def _figure(window, measure="count", column=None, **extra) -> dict:
    spec = {"label": "测试", "unit": "人", "source": "people", "measure": measure, "window": window,
            "date": "开始日期", "end": "结束日期"}
    if column:
        spec["column"] = column
    spec.update(extra)
    return spec


def _write_project(tmp_path: Path, figures: dict, checks: dict | None = None, rows=ROWS) -> Path:
    import yaml

    (tmp_path / "data").mkdir(exist_ok=True)
    with open(tmp_path / "data" / "people.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "户编号", "村", "类别", "开始日期", "结束日期", "金额"])
        writer.writerows(rows)
    text = REGISTRY.replace("{figures}", textwrap.indent(yaml.safe_dump(figures, allow_unicode=True), "  ").strip())
    text = text.replace("{checks}", textwrap.indent(yaml.safe_dump(checks or {}, allow_unicode=True), "  ").strip())
    (tmp_path / "figures.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _rows_in(start: dt.date | None, end: dt.date, as_of: bool):
    for row in ROWS:
        begin = D(row[4])
        finish = D(row[5]) if row[5] else None
        if begin > end or (start and begin < start):
            continue
        if as_of and finish and finish <= end:
            continue
        yield row


def _compute(tmp_path, figures, checks=None, period="2023H1", as_of=None):
    project = load_project(_write_project(tmp_path, figures, checks))
    return evaluate(project, project.timeframe(period, as_of), strict=False)


WINDOWS = {
    "as_of": (None, CUTOFF, True),
    "year_start": (None, D("2022-12-31"), True),
    "ytd": (D("2023-01-01"), CUTOFF, False),
    "period": (D("2023-01-01"), D("2023-06-30"), False),
    "period_ytd": (D("2023-01-01"), D("2023-06-30"), False),
    "month": (D("2023-07-01"), CUTOFF, False),
}


@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_every_window_selects_the_rows_it_promises(tmp_path, window):
    results = _compute(tmp_path, {"n": _figure(window)})
    assert results.figures["n"].value == len(list(_rows_in(*WINDOWS[window])))


def test_quarter_window_and_all(tmp_path):
    results = _compute(tmp_path, {"q2": _figure({"quarters": [2]}), "q12": _figure({"quarters": [1, 2]}),
                                  "every": _figure("all")})
    assert results.figures["q2"].value == len(list(_rows_in(D("2023-04-01"), D("2023-06-30"), False)))
    assert results.figures["q12"].value == len(list(_rows_in(D("2023-01-01"), D("2023-06-30"), False)))
    assert results.figures["every"].value == len(ROWS)


def test_every_measure(tmp_path):
    figures = {
        "count": _figure("as_of"),
        "households": _figure("as_of", "nunique", "户编号"),
        "total": _figure("as_of", "sum", "金额", unit="元"),
        "average": _figure("as_of", "mean", "金额", unit="元"),
        "share": _figure("as_of", "ratio", unit="%", numerator={"类别": "特困"}),
        "villages": _figure("as_of", "list", "村", unit=""),
    }
    results = _compute(tmp_path, figures)
    rows = list(_rows_in(None, CUTOFF, True))
    value = {k: results.figures[k].value for k in figures}
    assert value["count"] == len(rows)
    assert value["households"] == len({r[1] for r in rows})
    assert value["total"] == pytest.approx(sum(r[6] for r in rows))
    assert value["average"] == pytest.approx(sum(r[6] for r in rows) / len(rows))
    assert value["share"] == pytest.approx(sum(r[3] == "特困" for r in rows) / len(rows))
    assert value["villages"] == tuple(dict.fromkeys(r[2] for r in rows))


def test_filters_lists_ranges_and_empty(tmp_path):
    figures = {
        "dibao": _figure("all", where={"类别": "低保"}),
        "both": _figure("all", where={"类别": ["低保", "特困"], "村": {"not": ["乙村"]}}),
        "ended": _figure("all", where={"结束日期": {"empty": False}}),
        "open_or_late": _figure("all", where={"结束日期": {"after": "cutoff", "empty": True}}),
        "big": _figure("all", where={"金额": {"min": 50, "max": 100}}),
        "since_year": _figure("all", where={"开始日期": {"min": "year_start", "before": "cutoff"}}),
    }
    v = {k: f.value for k, f in _compute(tmp_path, figures).figures.figures.items()}
    assert v["dibao"] == sum(r[3] == "低保" for r in ROWS)
    assert v["both"] == sum(r[2] != "乙村" for r in ROWS)
    assert v["ended"] == sum(bool(r[5]) for r in ROWS)
    assert v["open_or_late"] == sum(not r[5] or D(r[5]) > CUTOFF for r in ROWS)
    assert v["big"] == sum(50 <= r[6] <= 100 for r in ROWS)
    assert v["since_year"] == sum(D("2023-01-01") <= D(r[4]) < CUTOFF for r in ROWS)


def test_formulas_evaluate_in_dependency_order_and_carry_provenance(tmp_path):
    figures = {
        "double": {"label": "二倍", "unit": "人", "formula": "half * 4"},
        "half": {"label": "一半", "unit": "人", "formula": "count / 2"},
        "count": _figure("as_of"),
        "water": {"label": "供水工程", "unit": "个", "value": 21, "note": "县水利局台账"},
    }
    results = _compute(tmp_path, figures)
    count = len(list(_rows_in(None, CUTOFF, True)))
    assert results.figures["double"].value == count * 2
    assert results.figures["double"].provenance.formula == "half * 4"
    assert results.figures["water"].provenance.note == "县水利局台账"
    prov = results.figures["count"].provenance
    assert (prov.file, prov.rows, prov.window, prov.window_end) == ("data/people.csv", count, "as_of", "2023-07-31")
    assert len(prov.data_sha256) == 64


def test_formula_cycle_is_an_error_naming_it(tmp_path):
    figures = {"a": {"label": "a", "unit": "人", "formula": "b + 1"},
               "b": {"label": "b", "unit": "人", "formula": "c * 2"},
               "c": {"label": "c", "unit": "人", "formula": "a - 1"}}
    with pytest.raises(ConfigError) as err:
        load_registry(_write_project(tmp_path, figures) / "figures.yaml")
    assert "cycle" in str(err.value) and "a → b → c → a" in str(err.value)
    with pytest.raises(FigureError, match="cycle"):
        formula.dependency_order({"x": "y", "y": "x"})


@pytest.mark.parametrize("text", ["__import__('os')", "a.b", "a[0]", "f(a)", "a if b else c", "'s'", "a ** 2"])
def test_formula_language_refuses_anything_but_arithmetic(text):
    with pytest.raises(ConfigError):
        formula.names(text)


def test_checks_report_both_sides(tmp_path):
    figures = {"count": _figure("as_of"), "dibao": _figure("as_of", where={"类别": "低保"}),
               "tekun": _figure("as_of", where={"类别": "特困"})}
    good = {"parts": {"label": "分类之和", "assert": "count == dibao + tekun"}}
    bad = {"wrong": {"label": "故意错误", "assert": "count == dibao"}}
    results = _compute(tmp_path, figures, {**good, **bad})
    by_id = {c.id: c for c in results.checks}
    assert by_id["parts"].holds and not by_id["wrong"].holds
    rows = list(_rows_in(None, CUTOFF, True))
    assert by_id["wrong"].left_value == len(rows)
    assert by_id["wrong"].right_value == sum(r[3] == "低保" for r in rows)
    project = load_project(tmp_path)
    with pytest.raises(CheckFailed) as err:
        evaluate(project, project.timeframe())
    text = str(err.value)
    assert "wrong" in text and f"count = {len(rows)}" in text and "figures.yaml:" in text


def test_ratio_over_no_rows_is_an_error(tmp_path):
    figures = {"share": _figure("as_of", "ratio", unit="%", where={"村": "甲村", "类别": "特困", "金额": {"min": 1e9}})}
    with pytest.raises(FigureError, match="ratio over no rows"):
        _compute(tmp_path, figures)


def test_config_errors_name_line_key_and_value(tmp_path):
    figures = {"x": _figure("as_of", "summ"), "y": _figure("weekly"), "z": _figure("as_of", "sum", "不存在")}
    with pytest.raises(ConfigError) as err:
        load_registry(_write_project(tmp_path, figures) / "figures.yaml")
    text = str(err.value)
    assert "figures.x.measure" in text and "'summ'" in text
    assert "figures.y.window" in text and "'weekly'" in text
    assert "figures.z.column" in text and "'不存在'" in text
    assert all(p.line for p in err.value.problems)


def test_quarters_measure_names_the_quarters_rows_fall_in(tmp_path):
    figures = {"when": _figure("ytd", "quarters", unit="")}
    results = _compute(tmp_path, figures)
    rows = list(_rows_in(D("2023-01-01"), CUTOFF, False))
    quarters = sorted({(D(r[4]).month - 1) // 3 + 1 for r in rows})
    fig = results.figures["when"]
    assert fig.value == tuple(str(q) for q in quarters)
    from reportgen.engine.periods import quarter_span_words

    assert fig.wording == quarter_span_words(quarters)
