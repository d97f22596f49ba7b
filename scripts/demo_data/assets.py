"""Ledgers of collective assets: village solar stations and their income, dividends, projects."""

from __future__ import annotations

import datetime as dt
import random

from .common import VILLAGES, largest_remainder, month_starts

d = dt.date

# ---- village rooftop solar stations ---------------------------------------------------------

STATIONS_HEADER = ["电站编号", "村", "装机容量", "并网日期"]
INCOME_HEADER = ["电站编号", "村", "月份", "收益"]
STATIONS = [("GF01", "龙下村", 60, d(2017, 6, 28)), ("GF02", "山石村", 60, d(2017, 6, 28)),
            ("GF03", "雅溪村", 60, d(2018, 5, 30)), ("GF04", "桃江村", 50, d(2018, 5, 30)),
            ("GF05", "坪山村", 60, d(2019, 6, 26))]  # 290 千瓦 in 5 villages
SUNSHINE = {1: .62, 2: .58, 3: .72, 4: .85, 5: .98, 6: 1.05, 7: 1.32, 8: 1.28, 9: 1.12, 10: .98, 11: .8, 12: .7}
INCOME_JAN_JUL_2023 = 19_600


def solar_rows(rng: random.Random) -> tuple[list[list], list[list]]:
    """The stations, and each station's income every month, 19 600 元 from January to July 2023."""
    cells = [(code, village, month, capacity * SUNSHINE[month.month] * rng.uniform(0.88, 1.12))
             for month in month_starts(d(2022, 1, 1), d(2023, 12, 1))
             for code, village, capacity, _ in STATIONS]
    to_h1 = [i for i, c in enumerate(cells) if d(2023, 1, 1) <= c[2] <= d(2023, 7, 1)]
    fitted = largest_remainder([cells[i][3] for i in to_h1], INCOME_JAN_JUL_2023)
    scale = INCOME_JAN_JUL_2023 / sum(cells[i][3] for i in to_h1)
    income = [round(c[3] * scale) for c in cells]
    for i, amount in zip(to_h1, fitted, strict=True):
        income[i] = amount
    stations = [list(s) for s in STATIONS]
    return stations, [[code, village, month, amount] for (code, village, month, _), amount in zip(cells, income, strict=True)]


# ---- dividends to village collectives -----------------------------------------------------

DIVIDENDS_HEADER = ["分红编号", "村", "企业", "分红日期", "金额"]
COMPANIES = {"宏杰新能源": 15_000, "枫溪生态农业": 20_000}  # 元 a village a payment
PAY_DAYS = [("宏杰新能源", (1, 18)), ("枫溪生态农业", (3, 22)),
            ("宏杰新能源", (7, 12)), ("枫溪生态农业", (12, 14))]
DIVIDENDS_JAN_JUL_2023 = 304_600  # "30余万元"


def dividend_rows(rng: random.Random) -> list[list]:
    payments = [(village, company, d(year, month, day), COMPANIES[company] * rng.uniform(0.8, 1.2))
                for year in (2022, 2023) for company, (month, day) in PAY_DAYS for village in VILLAGES]
    to_h1 = [i for i, p in enumerate(payments) if d(2023, 1, 1) <= p[2] <= d(2023, 7, 31)]
    hundreds = largest_remainder([payments[i][3] for i in to_h1], DIVIDENDS_JAN_JUL_2023 // 100)
    amounts = [round(p[3] * (0.9 if p[2].year == 2022 else 1.0), -2) for p in payments]
    for i, h in zip(to_h1, hundreds, strict=True):
        amounts[i] = h * 100
    rows, counters = [], {2022: 0, 2023: 0}
    for (village, company, day, _), amount in zip(payments, amounts, strict=True):
        counters[day.year] += 1
        rows.append([f"FH{day.year}-{counters[day.year]:03d}", village, company, day, int(amount)])
    return rows


# ---- projects ------------------------------------------------------------------------------------

PROJECTS_HEADER = ["项目编号", "项目名称", "类型", "村", "状态", "开工日期", "完工日期", "投资金额"]
# status as the ledger stands at the end of 2023; 完工日期 is completion, or for industry the start of production
PROJECTS = [
    ("龙下村村组道路硬化补短板项目", "补短板", "龙下村", "完工", d(2022, 3, 7), d(2022, 6, 28), 785_000),
    ("山石村排水沟渠补短板项目", "补短板", "山石村", "完工", d(2022, 7, 18), d(2022, 11, 15), 532_800),
    ("雅溪村山塘整治项目", "水利", "雅溪村", "完工", d(2022, 5, 9), d(2022, 10, 20), 468_000),
    ("县道X877改建工程", "道路", "龙下村", "在建", d(2022, 9, 19), None, 46_800_000),
    ("溪石斑养殖", "产业", "雅溪村", "投产", d(2021, 9, 10), d(2022, 5, 18), 3_200_000),
    ("竹制品制造", "产业", "龙下村", "投产", d(2021, 11, 1), d(2022, 9, 26), 15_000_000),
    ("工厂化鳗鲡鱼养殖", "产业", "桃江村", "投产", d(2022, 4, 12), d(2023, 3, 16), 8_600_000),
    ("紫苏等中药材大棚种植", "产业", "坪山村", "投产", d(2022, 10, 20), d(2023, 5, 30), 2_400_000),
    ("百万蛋鸡养殖基地", "产业", "山石村", "投产", d(2023, 3, 8), d(2023, 11, 20), 20_000_000),
    ("陈皮黄精茶加工", "产业", "上湾村", "洽谈", None, None, 6_000_000),
    ("澳洲龙虾养殖", "产业", "桃江村", "洽谈", None, None, 3_000_000),
    ("坪山村集中供水工程提升改造", "水利", "坪山村", "完工", d(2022, 11, 14), d(2023, 3, 24), 644_400),
    ("桃江村产业路及排水沟补短板项目", "补短板", "桃江村", "完工", d(2022, 11, 10), d(2023, 6, 16), 900_700),
    ("山石村灌溉渠道修复项目", "水利", "山石村", "完工", d(2023, 7, 10), d(2023, 9, 20), 386_900),
    ("上湾村村组道路硬化补短板项目", "补短板", "上湾村", "完工", d(2023, 8, 15), d(2023, 11, 28), 612_500),
]


def project_rows() -> list[list]:
    return [[f"XM{n:03d}", *project] for n, project in enumerate(PROJECTS, start=1)]

