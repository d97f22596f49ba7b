"""The relocation ledger (易地扶贫搬迁): one row per person living in a relocation site."""

from __future__ import annotations

import datetime as dt
import random

from .common import Identities, day_between, partition
from .population import GENERAL, Household, Population, make_household

HEADER = ["人员编号", "户编号", "姓名", "安置点", "村", "户类别", "入住日期", "是否劳动力", "是否就业"]
# sites and the day the first households moved in; the programme finished in 2020
SITES = {"龙下圩镇安置点": dt.date(2017, 12, 16), "雅溪村集中安置点": dt.date(2018, 11, 20),
         "县城城南安置区": dt.date(2019, 12, 18)}
GENERAL_HOUSEHOLDS = (35, 144, 27)  # 一般户 moved together with the poor: households, people, labour


def relocation_rows(rng: random.Random, ids: Identities, population: Population) -> list[list]:
    """The relocated 脱贫户 and monitored households of the population ledger, plus 一般户."""
    households = [h for h in population.households if h.relocated]
    count, people, labour = GENERAL_HOUSEHOLDS
    general = [make_household(rng, ids, GENERAL, size, dt.date(2017, 12, 16))
               for size in partition(rng, people, count, 1, 8)]
    for n, household in enumerate(general, start=5001):
        household.hid = f"H{n:04d}"
        for k, person in enumerate(household.members, start=1):
            person.pid = f"{household.hid}-{k:02d}"
    able = [p for h in general for p in h.members if 18 <= p.age() <= 64]
    for person in rng.sample(able, labour):
        person.labour = person.employed = True
    moves: list[tuple[str, dt.date, Household]] = []
    for household in households + general:
        site = rng.choice(list(SITES))
        late = rng.random() < 0.1  # a few moved in on their own, later
        first = SITES[site] + dt.timedelta(300 if late else 0)
        moves.append((site, day_between(rng, first, first + dt.timedelta(40)), household))
    moves.sort(key=lambda m: (list(SITES).index(m[0]), m[1], m[2].hid))
    return [[p.pid, h.hid, p.name, site, h.village, h.category, moved, p.labour, p.employed]
            for site, moved, h in moves for p in h.members]
