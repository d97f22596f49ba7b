"""Ledgers of help to people: warnings, education grants, chronic-disease certifications, 低保, disability."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .common import (
    H1_CUTOFF,
    Identities,
    age_on,
    birth_for_age,
    day_between,
    month_starts,
    numbered,
    pick_village,
)
from .population import MONITORED, POOR, SUDDEN, Household, Person, Population

d = dt.date

# ---- 三线预警 warnings -----------------------------------------------------------------------

WARNINGS_HEADER = ["预警编号", "推送日期", "村", "户主姓名", "渠道", "核实日期", "核实结果"]
CHANNELS = ("三线预警平台", "医保部门大病户", "民政部门拟纳入低保")
# warnings checked and not taken into monitoring: (pushed from, to, how many). With the 3 that led to
# monitoring in 2023 H1, 18 were pushed in 2023 up to the cut-off.
WARNINGS_NOT_TAKEN = [(d(2022, 1, 4), d(2022, 12, 16), 22), (d(2023, 1, 3), d(2023, 3, 24), 6),
                      (d(2023, 4, 3), d(2023, 6, 30), 7), (d(2023, 7, 3), d(2023, 7, 20), 2),
                      (d(2023, 8, 1), d(2023, 12, 15), 8)]


def warning_rows(rng: random.Random, ids: Identities, population: Population) -> list[list]:
    warnings = []
    for household in population.households:
        if household.category in MONITORED and household.entered >= d(2022, 2, 15):
            pushed = day_between(rng, household.entered - dt.timedelta(40), household.entered - dt.timedelta(14))
            checked = day_between(rng, pushed + dt.timedelta(3), household.entered - dt.timedelta(2))
            channel = CHANNELS[0] if household.category != SUDDEN else rng.choice(CHANNELS[1:])
            warnings.append([pushed, household.village, household.head.name, channel, checked, "纳入监测"])
    for first, last, count in WARNINGS_NOT_TAKEN:
        for _ in range(count):
            pushed = day_between(rng, first, last)
            channel = rng.choices(CHANNELS, weights=(5, 3, 2))[0]
            heads = [h for h in population.households if h.active_on(pushed)]
            if channel == CHANNELS[2] or (channel == CHANNELS[1] and rng.random() < 0.5):
                village, name = pick_village(rng), ids.name()  # a household outside the ledger
            else:
                household = rng.choice(heads)
                village, name = household.village, household.head.name
            checked = day_between(rng, pushed + dt.timedelta(3), pushed + dt.timedelta(8))
            warnings.append([pushed, village, name, channel, checked, "不纳入"])
    return numbered("YJ", warnings, 0)


# ---- education grants ----------------------------------------------------------------------

EDUCATION_HEADER = ["发放编号", "学生编号", "学生姓名", "村", "户编号", "资助项目", "发放日期", "金额"]
GRANTS = {
    "学前": (("学前教育幼儿资助", 500),),
    "小学": (("义务教育家庭经济困难学生生活补助", 500),),
    "初中": (("义务教育家庭经济困难学生生活补助", 625),),
    "高中": (("普通高中国家助学金", 1000),),
    "中职": (("中职国家助学金", 1000), ("雨露计划职业教育补助", 1500)),
    "高职": (("雨露计划职业教育补助", 1500),),
}
PAY_DAYS = {  # (month, day) of the spring and of the autumn payment
    "雨露计划职业教育补助": ((3, 28), (10, 12)),
    "义务教育家庭经济困难学生生活补助": ((4, 20), (10, 25)),
    "普通高中国家助学金": ((4, 25), (11, 8)),
    "中职国家助学金": ((5, 10), (11, 15)),
    "学前教育幼儿资助": ((5, 18), (11, 22)),
}
# Spring 2023 (school year 2022–23): 111 students, 78 000 元; the 4 中职 students get two grants.
SPRING_2023 = {"学前": 14, "小学": 55, "初中": 20, "高中": 12, "中职": 4, "高职": 6}
SEMESTERS = ((2022, 2021, 0), (2022, 2022, 1), (2023, 2022, 0), (2023, 2023, 1))  # year, school year, half


def school_level(age: int, vocational: bool) -> str | None:
    """The level a child of this age on 1 September is at; None when out of school or at university."""
    for low, high, level in ((3, 5, "学前"), (6, 11, "小学"), (12, 14, "初中")):
        if low <= age <= high:
            return level
    if 15 <= age <= 17:
        return "中职" if vocational else "高中"
    return "高职" if 18 <= age <= 20 and vocational else None


@dataclass
class Student:
    number: str
    household: Household
    person: Person
    vocational: bool
    paid_from: dt.date = d(2022, 1, 1)


def choose_students(rng: random.Random, population: Population) -> list[Student]:
    """The children whose families receive grants, exactly SPRING_2023 of them in spring 2023."""
    spring = d(2023, 3, 1)
    in_spring = {p.pid for h, p in population.active_people(spring) if p.exit is None or p.exit > d(2023, 6, 30)}
    chosen: dict[str, bool] = {}  # pid -> vocational

    def by_age(low: int, high: int) -> list[str]:
        return sorted(p.pid for _, p in population.people()
                      if p.pid in in_spring and low <= age_on(p.birth, d(2022, 9, 1)) <= high)

    for level, (low, high) in (("学前", (3, 5)), ("小学", (6, 11)), ("初中", (12, 14))):
        chosen.update(dict.fromkeys(rng.sample(by_age(low, high), SPRING_2023[level]), False))
    upper = rng.sample(by_age(15, 17), SPRING_2023["高中"] + SPRING_2023["中职"])
    chosen.update({pid: i < SPRING_2023["中职"] for i, pid in enumerate(upper)})
    chosen.update(dict.fromkeys(rng.sample(by_age(18, 20), SPRING_2023["高职"]), True))
    students = []
    for household, person in population.people():
        age = age_on(person.birth, d(2022, 9, 1))
        if person.pid in chosen:
            vocational, paid_from = chosen[person.pid], d(2022, 1, 1)
        elif person.pid not in in_spring and age <= 20:  # households that joined after the spring grants
            vocational, paid_from = rng.random() < 0.25, d(2023, 8, 1)
        elif age <= 2 or 18 <= age <= 20:  # not at a funded level in 2022–23: too young, or graduated
            vocational, paid_from = False, d(2022, 1, 1)
        else:
            continue
        if person.pid in chosen or rng.random() < 0.7:
            students.append(Student("", household, person, vocational, paid_from))
    for n, student in enumerate(students, start=1):
        student.number = f"XS{n:04d}"
    return students


def education_rows(students: list[Student]) -> list[list]:
    payments = []
    for year, school_year, half in SEMESTERS:
        for s in students:
            level = school_level(age_on(s.person.birth, d(school_year, 9, 1)), s.vocational)
            for programme, amount in GRANTS.get(level, ()):
                day = d(year, *PAY_DAYS[programme][half])
                if day >= s.paid_from and s.person in s.household.members_on(day):
                    payments.append([s.number, s.person.name, s.household.village, s.household.hid,
                                     programme, day, amount])
    payments.sort(key=lambda p: (p[5], p[0]))
    return [[f"JY{p[5].year}-{n:04d}", *p] for n, p in enumerate(payments, start=1)]


def school_pids(students: list[Student]) -> set[str]:
    """People at school in 2022–23 or 2023–24: not counted as labour."""
    return {s.person.pid for s in students for sy in (2022, 2023)
            if school_level(age_on(s.person.birth, d(sy, 9, 1)), s.vocational)}


# ---- chronic-disease certifications ---------------------------------------------------------

CHRONIC_HEADER = ["认定编号", "人员编号", "姓名", "村", "病种", "认定日期"]
DISEASES = {"高血压": 30, "糖尿病": 18, "慢性阻塞性肺疾病": 8, "冠心病": 8, "脑卒中后遗症": 7,
            "类风湿性关节炎": 5, "慢性肾脏病": 4, "精神分裂症": 4, "帕金森病": 3, "慢性病毒性肝炎": 3}
# certifications per stretch of time: 34 from January to the H1 cut-off, 14 of them in Q1
CHRONIC_BATCHES = [(d(2022, 1, 4), d(2022, 12, 23), 38), (d(2023, 1, 4), d(2023, 3, 31), 14),
                   (d(2023, 4, 3), d(2023, 7, 31), 20), (d(2023, 8, 1), d(2023, 12, 22), 13)]


def chronic_rows(rng: random.Random, population: Population) -> list[list]:
    certified: set[str] = set()
    records = []
    for first, last, count in CHRONIC_BATCHES:
        for _ in range(count):
            day = day_between(rng, first, last)
            pool = [(h, p) for h, p in population.active_people(day) if p.age(day) >= 40 and p.pid not in certified]
            household, person = rng.choice(pool)
            certified.add(person.pid)
            disease = rng.choices(list(DISEASES), weights=list(DISEASES.values()))[0]
            records.append([person.pid, person.name, household.village, disease, day])
    return numbered("MB", records, 4)


# ---- 农村低保 monthly payments ----------------------------------------------------------------

DIBAO_HEADER = ["发放编号", "户编号", "户主姓名", "村", "发放月份", "保障人数", "发放金额"]
DIBAO_JULY = (127, 231, 133_800)  # households, people covered, 元 paid for July 2023
RATE_SCALE = list(range(540, 650, 10))  # 元 a covered person a month in 2023
RATE_RISE_2023 = 50  # the standard was raised (提标) from January 2023


def dibao_rows(rng: random.Random, population: Population) -> list[list]:
    july = d(2023, 7, 31)
    on_july = [h for h in population.households if h.active_on(july)]
    monitored = [h for h in on_july if h.category in MONITORED]
    poor = [h for h in on_july if h.category == POOR]
    enrolled = sorted(rng.sample(monitored, 28) + rng.sample(poor, DIBAO_JULY[0] - 28), key=lambda h: h.hid)
    covered = {h.hid: 1 for h in enrolled}
    for _ in range(DIBAO_JULY[1] - len(enrolled)):
        room = [h.hid for h in enrolled if covered[h.hid] < min(4, len(h.members_on(july)))]
        covered[rng.choice(room)] += 1
    months: dict[str, tuple[dt.date, dt.date]] = {}
    for household in enrolled:
        first = d(2022, 1, 1) if rng.random() < 0.85 else day_between(rng, d(2022, 2, 1), d(2023, 7, 1))
        last = day_between(rng, d(2023, 9, 1), d(2023, 12, 1)) if rng.random() < 0.04 else d(2023, 12, 1)
        months[household.hid] = (first, last)
    others = [h for h in population.households if h.hid not in covered]
    leavers = rng.sample([h for h in others if h.active_on(d(2022, 1, 1))], 6)
    for household in leavers:  # left before July 2023
        months[household.hid] = (d(2022, 1, 1), day_between(rng, d(2022, 4, 1), d(2023, 5, 1)))
        covered[household.hid] = min(2, len(household.members_on(d(2022, 1, 1))))
    others = [h for h in others if h not in leavers]
    joiners = [h for h in others if h.entered > july] + rng.sample([h for h in others if h.active_on(july)], 2)
    for household in joiners:  # enrolled after July
        months[household.hid] = (day_between(rng, d(2023, 8, 1), d(2023, 11, 1)), d(2023, 12, 1))
        covered[household.hid] = min(2, len(household.members))
    rates = {hid: rng.choice(RATE_SCALE) for hid in covered}
    _fit_july(rates, covered, [h.hid for h in enrolled], DIBAO_JULY[2])
    rows = []
    for month in month_starts(d(2022, 1, 1), d(2023, 12, 1)):
        n = 0
        for household in population.households:
            if household.hid not in months:
                continue
            first, last = months[household.hid]
            month_end = (month + dt.timedelta(32)).replace(day=1) - dt.timedelta(1)
            if not (first.replace(day=1) <= month <= last and household.entered < month
                    and household.active_on(month_end)):
                continue
            rate = rates[household.hid] - (RATE_RISE_2023 if month.year == 2022 else 0)
            n += 1
            rows.append([f"DB{month:%Y%m}-{n:03d}", household.hid, household.head.name, household.village,
                         month, covered[household.hid], covered[household.hid] * rate])
    return rows


def _fit_july(rates: dict[str, int], covered: dict[str, int], enrolled: list[str], target: int) -> None:
    """Move single rates along the scale until the July payout is exactly the target."""
    while (diff := target - sum(covered[h] * rates[h] for h in enrolled)) != 0:
        gap, hid, rate = min((abs(diff - covered[h] * (r - rates[h])), h, r) for h in enrolled for r in RATE_SCALE)
        if gap >= abs(diff):
            raise ValueError("cannot reach the July 低保 payout")
        rates[hid] = rate


# ---- disabled people ----------------------------------------------------------------------------

DISABILITY_HEADER = ["残疾人编号", "姓名", "身份证号", "村", "残疾等级", "补贴类型", "月补贴金额", "登记日期", "注销日期"]
MONTHLY_ALLOWANCE = {"生活补贴": 100, "护理补贴": 100, "两项补贴": 200, "无": 0}
AT_H1 = {"生活补贴": 45, "护理补贴": 26, "两项补贴": 30, "无": 91}  # 192 people, 13 100 元 a month
SEVERE = ("一级", "二级")  # 护理补贴 is for the severely disabled; the others are 三级, 四级


def disability_rows(rng: random.Random, ids: Identities, population: Population) -> list[list]:
    counted = [t for t, n in AT_H1.items() for _ in range(n)]
    rng.shuffle(counted)
    # (allowance, registered from, to, deregistered from, to) of every record
    plan = [(t, d(2008, 1, 1), d(2022, 12, 30), None, None) for t in counted[5:]]
    plan += [(t, d(2023, 1, 4), d(2023, 3, 30), None, None) for t in counted[:2]]
    plan += [(t, d(2023, 4, 3), d(2023, 7, 28), None, None) for t in counted[2:5]]
    plan += [(rng.choice(list(AT_H1)), d(2008, 1, 1), d(2021, 6, 30), d(2022, 1, 4), d(2022, 12, 23))
             for _ in range(6)]
    plan += [(rng.choice(list(AT_H1)), d(2008, 1, 1), d(2021, 6, 30), d(2023, 1, 4), d(2023, 7, 14))
             for _ in range(2)]
    plan += [(rng.choice(list(AT_H1)), d(2023, 8, 1), d(2023, 12, 20), None, None) for _ in range(3)]
    rng.shuffle(plan)
    dying_after_h1 = 4
    members = [(h, p) for h, p in population.active_people(H1_CUTOFF)
               if p.exit is None and not p.labour and p.age() >= 6]
    from_ledger = rng.sample(members, 60)  # disabled people who are also in the population ledger
    records = []
    for allowance, first, last, gone_first, gone_last in plan:
        if from_ledger and gone_first is None:
            household, person = from_ledger.pop()
            name, id_number, birth, village = person.name, person.id_number, person.birth, household.village
        else:
            male = rng.random() < 0.55
            birth = birth_for_age(rng, rng.choice(range(8, 90)))
            name, id_number, village = ids.name(), ids.id_number(birth, male), pick_village(rng)
            if gone_first is None and last < H1_CUTOFF and dying_after_h1 and rng.random() < 0.1:
                gone_first, gone_last, dying_after_h1 = d(2023, 8, 7), d(2023, 12, 15), dying_after_h1 - 1
        registered = day_between(rng, max(first, birth + dt.timedelta(400)), last)
        deregistered = day_between(rng, gone_first, gone_last) if gone_first else None
        grade = rng.choice(SEVERE) if allowance in ("护理补贴", "两项补贴") else rng.choice(("三级", "四级"))
        records.append([name, id_number, village, grade, allowance, MONTHLY_ALLOWANCE[allowance],
                        registered, deregistered])
    records.sort(key=lambda r: (r[6], r[1]))
    return [[f"CJ{n:04d}", *r] for n, r in enumerate(records, start=1)]
