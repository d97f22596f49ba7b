"""Ledgers of income and work: industry subsidies, public-welfare jobs, transport subsidies, loans."""

from __future__ import annotations

import datetime as dt
import random

from .common import (
    H1_CUTOFF,
    Identities,
    birth_for_age,
    day_between,
    fit_to_total,
    month_starts,
    numbered,
    pick_village,
    quarter_days,
)
from .population import Household, Person, Population

d = dt.date


# ---- 产业奖补 industry subsidies -------------------------------------------------------------

INDUSTRY_HEADER = ["申报编号", "户编号", "户主姓名", "村", "产业类型", "申报日期", "金额", "状态", "兑现日期"]
INDUSTRIES = {"脐橙种植": 5, "油茶种植": 4, "蔬菜种植": 4, "中药材种植": 2, "中蜂养殖": 2, "家禽养殖": 3, "生猪养殖": 2,
              "稻渔综合种养": 1}  # kinds of farming and how common they are
SUBSIDY_AMOUNTS = [300, 400, 500, 600, 800, 1000, 1200]
# applications a quarter (one household applies twice each quarter) and when they were paid out;
# Q4 2023 is still being processed when the ledger ends
INDUSTRY_QUARTERS = {
    (2022, 1): (11, (d(2022, 5, 9), d(2022, 5, 20))), (2022, 2): (14, (d(2022, 8, 8), d(2022, 8, 19))),
    (2022, 3): (9, (d(2022, 11, 7), d(2022, 11, 18))), (2022, 4): (10, (d(2023, 2, 13), d(2023, 2, 24))),
    (2023, 1): (12, (d(2023, 5, 8), d(2023, 5, 19))), (2023, 2): (15, (d(2023, 8, 14), d(2023, 8, 25))),
    (2023, 3): (10, (d(2023, 11, 13), d(2023, 11, 24))), (2023, 4): (8, None),
}
Q1_2023_AMOUNT = 7_700


def industry_subsidy_rows(rng: random.Random, population: Population) -> list[list]:
    records = []
    for (year, quarter), (count, paid) in INDUSTRY_QUARTERS.items():
        first, last = quarter_days(year, quarter)
        last = min(last, d(2023, 12, 22))
        households = rng.sample([h for h in population.households if h.active_on(first)], count - 1)
        households.append(households[0])  # the same household, for a second kind of farming
        amounts = [rng.choice(SUBSIDY_AMOUNTS) for _ in households]
        if (year, quarter) == (2023, 1):
            amounts = fit_to_total(amounts, Q1_2023_AMOUNT, SUBSIDY_AMOUNTS)
        kinds = rng.choices(list(INDUSTRIES), weights=list(INDUSTRIES.values()), k=count)
        if kinds[-1] == kinds[0]:  # the household applying twice does so for two kinds of farming
            kinds[-1] = next(k for k in INDUSTRIES if k != kinds[0])
        for household, amount, kind in zip(households, amounts, kinds, strict=True):
            paid_on = day_between(rng, *paid) if paid else None
            records.append([household.hid, household.head.name, household.village, kind,
                            day_between(rng, first, last), amount, "已兑现" if paid_on else "申报中", paid_on])
    return numbered("CY", records, 4)


# ---- 公益性岗位 public-welfare jobs ------------------------------------------------------------

WELFARE_JOBS_HEADER = ["岗位编号", "姓名", "身份证号", "村", "岗位类型", "上岗日期", "离岗日期", "是否脱贫户或三类人员"]
WELFARE_PAYMENTS_HEADER = ["发放编号", "岗位编号", "村", "发放月份", "金额"]
FULL_POSTS = ("保洁员", "护林员", "护路员", "河道巡查员", "水管员")   # 300 元 a month
LIGHT_POSTS = ("治安巡逻员", "农家书屋管理员")                      # 200 元 a month
FULL_RATE, LIGHT_RATE = 300, 200
SUBSIDY_JAN_JUL_2023 = 210_000
POVERTY_HOLDERS_AT_H1 = 72


def _month(year: int, month: int) -> dt.date:
    return d(year, month, 1)


def welfare_job_rows(rng: random.Random, ids: Identities, population: Population) -> tuple[list, list]:
    """Post holders (106 at the end of 2022, 6 new by the H1 cut-off) and their monthly pay."""
    early = [_month(y, m) for y in range(2018, 2022) for m in range(1, 13)]
    holders = [{"start": rng.choice(early), "end": None} for _ in range(96)]
    holders += [{"start": _month(2022, rng.randint(2, 12)), "end": None} for _ in range(10)]
    for holder, poor in zip(holders, [True] * 68 + [False] * 38, strict=True):
        holder["poor"] = poor
    rng.shuffle(holders)
    for holder, end in zip(holders, (d(2023, 9, 30), d(2023, 10, 31), *[d(2023, 12, 31)] * 3), strict=False):
        holder["end"] = end  # left after the cut-off; three yearly contracts end with 2023
    new_h1 = [_month(2023, m) for m in (3, 4, 4, 5, 6, 7)]
    holders += [{"start": s, "end": None, "poor": i < 4} for i, s in enumerate(rng.sample(new_h1, 6))]
    holders += [{"start": _month(2023, m), "end": None, "poor": m < 11} for m in (9, 10, 11)]
    holders += [{"start": rng.choice(early[:36]), "end": end, "poor": False}
                for end in (d(2022, 3, 31), d(2022, 6, 30), d(2022, 8, 31), d(2022, 11, 30))]
    _choose_light_posts(rng, holders)
    used: set[str] = set()
    for holder in holders:
        if holder["poor"]:
            household, person = _poverty_holder(rng, population, holder["start"], used)
            holder.update(name=person.name, id=person.id_number, village=household.village, pid=person.pid)
        else:
            birth = birth_for_age(rng, rng.randint(28, 62))
            holder.update(name=ids.name(), id=ids.id_number(birth, rng.random() < 0.6), village=pick_village(rng))
        holder["post"] = rng.choice(LIGHT_POSTS if holder["rate"] == LIGHT_RATE else FULL_POSTS)
    holders.sort(key=lambda h: (h["start"], h["id"]))
    jobs, payments = [], []
    for n, h in enumerate(holders, start=1):
        h["no"] = f"GY{n:04d}"
        jobs.append([h["no"], h["name"], h["id"], h["village"], h["post"], h["start"], h["end"], h["poor"]])
    for month in month_starts(d(2022, 1, 1), d(2023, 12, 1)):
        paid = [h for h in holders if h["start"] <= month and (h["end"] is None or month <= h["end"])]
        payments += [[f"GZ{month:%Y%m}-{n:03d}", h["no"], h["village"], month, h["rate"]]
                     for n, h in enumerate(paid, start=1)]
    return jobs, payments


def _choose_light_posts(rng: random.Random, holders: list[dict]) -> None:
    """Give 200-元 posts to just enough holders that January–July 2023 pay adds up to 210 000 元."""
    months = month_starts(d(2023, 1, 1), d(2023, 7, 1))
    for h in holders:
        h["months"] = sum(h["start"] <= m and (h["end"] is None or m <= h["end"]) for m in months)
        h["rate"] = FULL_RATE
    short = FULL_RATE * sum(h["months"] for h in holders) - SUBSIDY_JAN_JUL_2023
    if short % (FULL_RATE - LIGHT_RATE):
        raise ValueError("the pay target is not reachable with these rates")
    light_months = short // (FULL_RATE - LIGHT_RATE)
    order = rng.sample(holders, len(holders))
    for h in sorted(order, key=lambda h: -h["months"]):
        if 0 < h["months"] <= light_months:
            h["rate"], light_months = LIGHT_RATE, light_months - h["months"]
    if light_months:
        raise ValueError("the pay target is not reachable with these start dates")
    for h in holders:
        if h["months"] == 0:  # not paid in January–July 2023: rate free
            h["rate"] = rng.choice((FULL_RATE, FULL_RATE, LIGHT_RATE))


def _poverty_holder(rng: random.Random, population: Population, start: dt.date,
                    used: set[str]) -> tuple[Household, Person]:
    pool = [(h, p) for h, p in population.active_people(start)
            if p.employed and p.exit is None and p.pid not in used and not h.relocated]
    household, person = rng.choice(pool)
    used.add(person.pid)
    return household, person


def welfare_holder_pids(jobs: list[list], population: Population) -> set[str]:
    by_id = {p.id_number: p.pid for _, p in population.people()}
    return {by_id[row[2]] for row in jobs if row[2] in by_id}


# ---- 一次性交通补贴 transport subsidies -------------------------------------------------------

TRANSPORT_HEADER = ["申请编号", "户编号", "人员编号", "姓名", "村", "务工地", "申请日期", "金额"]
OUT_OF_PROVINCE = ("广东省深圳市", "广东省东莞市", "广东省广州市", "广东省佛山市", "广东省惠州市", "浙江省宁波市", "福建省厦门市")
IN_PROVINCE = ("江西省赣州市章贡区", "江西省赣州市南康区", "江西省南昌市", "江西省吉安市")
FARE_OUT, FARE_IN = 500, 300
H1_2023 = (109, 138, 60_600)  # households, people, 元 applied for in Q1 and Q2 2023


def transport_rows(rng: random.Random, population: Population, local_jobs: set[str]) -> list[list]:
    def workers(day: dt.date, exclude: set[str]) -> dict[str, list[tuple[Household, Person]]]:
        by_household: dict[str, list] = {}
        for h, p in population.active_people(day):
            if p.employed and p.exit is None and p.pid not in local_jobs | exclude:
                by_household.setdefault(h.hid, []).append((h, p))
        return by_household

    households, people, amount = H1_2023
    out_count = (amount - FARE_IN * people) // (FARE_OUT - FARE_IN)
    pool = workers(d(2023, 1, 1), set())
    pairs = rng.sample(sorted(k for k, v in pool.items() if len(v) >= 2), people - households)
    singles = rng.sample(sorted(k for k in pool if k not in pairs), households - len(pairs))
    applicants = [w for k in pairs for w in rng.sample(pool[k], 2)] + [rng.choice(pool[k]) for k in singles]
    out = set(rng.sample(range(people), out_count))
    records = []
    in_q1 = set(rng.sample(pairs + singles, 80))
    day_of = {k: day_between(rng, d(2023, 2, 6), d(2023, 3, 31)) if k in in_q1
              else day_between(rng, d(2023, 4, 3), d(2023, 6, 30)) for k in pairs + singles}
    for i, (h, p) in enumerate(applicants):
        place = rng.choice(OUT_OF_PROVINCE) if i in out else rng.choice(IN_PROVINCE)
        records.append([h.hid, p.pid, p.name, h.village, place, day_of[h.hid], FARE_OUT if i in out else FARE_IN])
    taken = {p.pid for _, p in applicants}
    later = [w for ws in workers(d(2023, 8, 1), taken).values() for w in ws]
    earlier = [w for ws in workers(d(2022, 1, 1), set()).values() for w in ws]
    spring_2022 = [(d(2022, 2, 7), d(2022, 6, 30)) if rng.random() < 0.85 else (d(2022, 7, 1), d(2022, 12, 20))
                   for _ in range(126)]  # most leave for work after the Spring Festival
    for (h, p), (first, last) in ([*zip(rng.sample(earlier, 126), spring_2022, strict=True)]
                                  + [(w, (d(2023, 8, 1), d(2023, 12, 15))) for w in rng.sample(later, 17)]):
        far = rng.random() < 0.7
        place = rng.choice(OUT_OF_PROVINCE if far else IN_PROVINCE)
        records.append([h.hid, p.pid, p.name, h.village, place, day_between(rng, first, last),
                        FARE_OUT if far else FARE_IN])
    return numbered("JT", records, 5)


# ---- 产业振兴信贷通 loans ----------------------------------------------------------------------

LOANS_HEADER = ["贷款编号", "户编号", "户主姓名", "村", "放款日期", "金额"]
LOAN_AMOUNTS = [20_000, 30_000, 50_000, 80_000, 100_000]
LOANS_2023_TO_H1 = (25, 1_250_000)  # households, 元 lent from January to the cut-off


def loan_rows(rng: random.Random, population: Population) -> list[list]:
    def borrowers(day: dt.date, count: int, exclude: set[str]) -> list[Household]:
        pool = [h for h in population.households
                if h.active_on(day) and h.head.exit is None and h.head.age(day) <= 65 and h.hid not in exclude]
        return rng.sample(pool, count)

    households, total = LOANS_2023_TO_H1
    h1 = borrowers(d(2023, 1, 1), households, set())
    loans = [(h, day_between(rng, d(2023, 1, 9), d(2023, 5, 31) if i == 0 else d(2023, 7, 28)))
             for i, h in enumerate(h1)]
    loans.append((h1[0], day_between(rng, d(2023, 6, 1), d(2023, 7, 28))))  # a second loan, same household
    amounts = fit_to_total([rng.choice(LOAN_AMOUNTS + [50_000] * 3) for _ in loans], total, LOAN_AMOUNTS)
    records = [[h.hid, h.head.name, h.village, day, amount] for (h, day), amount in zip(loans, amounts, strict=True)]
    for h in borrowers(d(2022, 1, 1), 28, set()):
        records.append([h.hid, h.head.name, h.village, day_between(rng, d(2022, 1, 10), d(2022, 12, 20)),
                        rng.choice(LOAN_AMOUNTS + [50_000] * 3)])
    for h in borrowers(H1_CUTOFF, 9, {h.hid for h in h1}):
        records.append([h.hid, h.head.name, h.village, day_between(rng, d(2023, 8, 1), d(2023, 12, 20)),
                        rng.choice(LOAN_AMOUNTS + [50_000] * 3)])
    return numbered("DK", records, 3)
