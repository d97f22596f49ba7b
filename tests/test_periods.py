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


WORD_KEYS = ("review_heading", "plan_heading", "opening", "since", "upto", "months", "quarters", "now",
             "compared", "versus", "this_year", "last_year", "within")


@pytest.mark.parametrize(
    "text, cutoff, expected",
    [
        # single quarters: the quarter's own flows, never year-to-date; 环比
        ("2023Q1", None, ("一季度工作回顾", "二季度工作安排", "一季度", "一季度", "一季度", "1至3月", "一季度",
                          "目前", "较去年同期", "环比", "今年", "去年", "年内")),
        ("2023Q3", "2023-09-15", ("三季度工作回顾", "四季度工作安排", "三季度", "三季度", "三季度", "7至9月",
                                  "", "目前", "较去年同期", "环比", "今年", "去年", "年内")),
        ("2023Q4", None, ("四季度工作回顾", "2024年工作安排", "四季度", "四季度", "四季度", "10至12月", "四季度",
                          "目前", "较去年同期", "环比", "今年", "去年", "明年")),
        # the first half, as the seed words it; 前三季度 alike
        ("2023H1", "2023-07-31", ("上半年工作回顾", "下半年工作安排", "2023年以来", "今年以来", "截至7月底",
                                  "1至7月", "一二季度", "目前", "较去年同期", "同比", "今年", "去年", "年内")),
        ("2023Q1-Q3", None, ("前三季度工作回顾", "四季度工作安排", "2023年以来", "今年以来", "截至9月底", "1至9月",
                             "一至三季度", "目前", "较去年同期", "同比", "今年", "去年", "年内")),
        ("2023H2", None, ("下半年工作回顾", "2024年工作安排", "下半年", "下半年", "下半年", "7至12月", "三四季度",
                          "目前", "较去年同期", "同比", "今年", "去年", "明年")),
        # the full year: 一年来, 全年, 截至年底, 较上年
        ("2023", None, ("2023年工作回顾", "2024年工作安排", "一年来", "一年来", "全年", "全年", "全年", "截至年底",
                        "较上年", "同比", "今年", "去年", "明年")),
        # delivered after the year: 今年 is no longer 2023, so years are named
        ("2023@2024-01-15", None, ("2023年工作回顾", "2024年工作安排", "2023年", "2023年", "全年", "全年", "全年",
                                   "截至2023年底", "较上年", "同比", "2023年", "2022年", "年内")),
        ("2023H1@2024-03-01", "2023-07-31", ("2023年上半年工作回顾", "2023年下半年工作安排", "2023年上半年",
                                             "2023年上半年", "截至2023年7月底", "2023年1至7月", "2023年一二季度",
                                             "截至2023年7月底", "较上年同期", "同比", "2023年", "2022年",
                                             "2023年内")),
        ("2023Q2@2024-02-01", None, ("2023年二季度工作回顾", "2023年三季度工作安排", "2023年二季度",
                                     "2023年二季度", "2023年二季度", "2023年4至6月", "2023年二季度",
                                     "截至2023年6月底", "较上年同期", "环比", "2023年", "2022年", "2023年内")),
        ("2023H2@2024-01-20", None, ("2023年下半年工作回顾", "2024年工作安排", "2023年下半年", "2023年下半年",
                                     "2023年下半年", "2023年7至12月", "2023年三四季度", "截至2023年12月底",
                                     "较上年同期", "同比", "2023年", "2022年", "年内")),
    ],
)
def test_words_follow_the_period_and_the_delivery(text, cutoff, expected):
    words = resolve(text, cutoff).words()
    assert tuple(words[key] for key in WORD_KEYS) == expected


def test_a_meeting_date_is_the_delivery_of_a_plain_period():
    frame = resolve("2023", None, None, {"2023": D("2024-01-15")})
    assert frame.delivered_after_year and frame.words()["now"] == "截至2023年底"
    assert frame.name == "2023"
    assert not resolve("2023").delivered_after_year


def test_summary_judgement_only_for_halves_and_the_year():
    judged = {text: resolve(text).words()["judgement"] for text in
              ("2023Q1", "2023Q2", "2023H1", "2023H2", "2023Q1-Q3", "2023")}
    assert judged == {"2023Q1": False, "2023Q2": False, "2023H1": True, "2023H2": True,
                      "2023Q1-Q3": False, "2023": True}


@pytest.mark.parametrize("text, message", [("2023@2024-13-01", "malformed delivery date"),
                                           ("2023@2023-06-30", "delivered before its cut-off")])
def test_bad_deliveries_are_refused(text, message):
    with pytest.raises(PeriodError, match=message):
        resolve(text)


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
