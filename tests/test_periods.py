"""Periods: parsing, cut-offs, windows, and the Chinese words each period brings."""

from __future__ import annotations

import datetime as dt

import pytest

from reportgen.engine.periods import parse_period, quarter_span_words, resolve
from reportgen.errors import PeriodError

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "text, start, end",
    [("2023Q1", "2023-01-01", "2023-03-31"), ("2023Q4", "2023-10-01", "2023-12-31"),
     ("2023H1", "2023-01-01", "2023-06-30"), ("2023H2", "2023-07-01", "2023-12-31"),
     ("2023Q1-Q3", "2023-01-01", "2023-09-30"), ("2023", "2023-01-01", "2023-12-31")],
)
def test_period_bounds(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (D(start), D(end))


@pytest.mark.parametrize(
    "text, cutoff, review, plan, months, as_of, quarters",
    [
        ("2023Q1", None, "一季度工作回顾", "二季度工作安排", "1至3月", "截至3月底", "一季度"),
        ("2023H1", "2023-07-31", "上半年工作回顾", "下半年工作安排", "1至7月", "截至7月底", "一二季度"),
        ("2023Q1-Q3", None, "前三季度工作回顾", "四季度工作安排", "1至9月", "截至9月底", "一至三季度"),
        ("2023", None, "全年工作回顾", "2024年工作安排", "1至12月", "截至12月底", "全年"),
        ("2023Q3", "2023-09-15", "三季度工作回顾", "四季度工作安排", "1至9月", "截至9月15日", "一二季度"),
        ("2023H2", None, "下半年工作回顾", "2024年工作安排", "1至12月", "截至12月底", "全年"),
    ],
)
def test_words_follow_the_period(text, cutoff, review, plan, months, as_of, quarters):
    words = resolve(text, cutoff).words()
    assert (words["review_heading"], words["plan_heading"], words["months"], words["as_of"],
            words["quarters"]) == (review, plan, months, as_of, quarters)


def test_registry_cutoff_is_used_unless_as_of_overrides():
    cutoffs = {"2023H1": D("2023-07-31")}
    assert resolve("2023H1", None, cutoffs).cutoff == D("2023-07-31")
    assert resolve("2023H1", "2023-06-30", cutoffs).cutoff == D("2023-06-30")
    assert resolve("2023Q1", None, cutoffs).cutoff == D("2023-03-31")


def test_quarter_spans():
    assert [quarter_span_words(q) for q in ([1], [1, 2], [1, 2, 3], [2, 3])] == [
        "一季度", "一二季度", "一至三季度", "二三季度"]


@pytest.mark.parametrize("text", ["2023Q5", "2023H3", "23Q1", "2023Q3-Q1", "Q1", "", "2023-Q1", "2023q1 extra"])
def test_malformed_periods_are_refused_with_examples(text):
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert "2023Q1-Q3" in str(err.value)


@pytest.mark.parametrize("period, as_of, message",
                         [("2023Q3", "2023-06-30", "before 2023Q3 starts"),
                          ("2023H1", "2024-01-31", "must fall in 2023"),
                          ("2023H1", "2023-02-30", "malformed date")])
def test_bad_cutoffs_are_refused(period, as_of, message):
    with pytest.raises(PeriodError, match=message):
        resolve(period, as_of)


@pytest.mark.parametrize("period, previous, cutoff",
                         [("2023Q1", "2022Q4", "2022-12-31"), ("2023Q3", "2023Q2", "2023-06-30"),
                          ("2023H1", "2022H2", "2022-12-31"), ("2023H2", "2023H1", "2023-06-30"),
                          ("2023Q1-Q3", "2022Q2-Q4", "2022-12-31"), ("2023", "2022", "2022-12-31")])
def test_previous_period_for_month_on_month(period, previous, cutoff):
    earlier = resolve(period, None, {"2023H1": D("2023-07-31")}).previous_period()
    assert (earlier.period.name, earlier.cutoff) == (previous, D(cutoff))
    assert earlier.period == parse_period(previous)


def test_previous_period_across_a_year_end_is_refused():
    with pytest.raises(PeriodError, match="across a year end"):
        resolve("2023Q2-Q3").previous_period()


def test_previous_year_keeps_the_cutoff_day():
    earlier = resolve("2023H1", "2023-07-31").previous_year()
    assert (earlier.period.name, earlier.cutoff) == ("2022H1", D("2022-07-31"))
