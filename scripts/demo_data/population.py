"""The population ledger: 脱贫户 and the three monitored categories, one row per household member."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .common import (
    H1_CUTOFF,
    VILLAGES,
    Identities,
    age_on,
    birth_for_age,
    day_between,
    partition,
    pick_village,
)

POOR = "脱贫户"
UNSTABLE = "脱贫不稳定户"
MARGINAL = "边缘易致贫户"
SUDDEN = "突发严重困难户"
GENERAL = "一般户"  # households outside the population ledger (relocation only)
MONITORED = (UNSTABLE, MARGINAL, SUDDEN)
RELATIONS = ("户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父", "之母")
HEADER = ["人员编号", "户编号", "村", "姓名", "身份证号", "联系电话", "与户主关系", "类别", "纳入日期",
          "风险消除日期", "退出日期", "是否劳动力", "是否就业", "2023年医保已缴"]

LABOUR_AT_H1 = 400          # 劳动力 in the ledger at the H1 cut-off …
EMPLOYED_AT_H1 = 349        # … of whom in work: 87.25 %
RELOCATED_LABOUR = 15       # of those 400, living in relocation sites (the rest of the 42 are 一般户)


@dataclass
class Person:
    name: str
    id_number: str
    birth: dt.date
    male: bool
    relation: str
    pid: str = ""
    exit: dt.date | None = None
    labour: bool = False
    employed: bool = False
    insured_2023: bool = True

    def age(self, day: dt.date = H1_CUTOFF) -> int:
        return age_on(self.birth, day)


@dataclass
class Household:
    village: str
    category: str
    entered: dt.date
    phone: str
    members: list[Person] = field(default_factory=list)
    hid: str = ""
    eliminated: dt.date | None = None
    relocated: bool = False

    @property
    def head(self) -> Person:
        return self.members[0]

    def members_on(self, day: dt.date) -> list[Person]:
        if self.entered > day:
            return []
        return [p for p in self.members if p.exit is None or p.exit > day]

    def active_on(self, day: dt.date) -> bool:
        return bool(self.members_on(day))


@dataclass
class Population:
    households: list[Household]

    def people(self) -> list[tuple[Household, Person]]:
        return [(h, p) for h in self.households for p in h.members]

    def active_people(self, day: dt.date) -> list[tuple[Household, Person]]:
        return [(h, p) for h in self.households for p in h.members_on(day)]

    def by_pid(self) -> dict[str, tuple[Household, Person]]:
        return {p.pid: (h, p) for h, p in self.people()}


def family(rng: random.Random, size: int, elderly: bool = False) -> list[tuple[str, int, bool]]:
    """(relation to the head, age at the H1 cut-off, male) of each member, the head first."""
    if size == 1:
        return [("户主", rng.randint(72 if elderly else 48, 88), rng.random() < 0.55)]
    head_age = rng.randint(30, 70)
    members = [("户主", head_age, True), ("配偶", min(90, max(22, head_age + rng.randint(-5, 3))), False)]
    if rng.random() < 0.1:  # a widowed head: the second member is a child
        members.pop()
    son_age = None
    while len(members) < size:
        male = rng.random() < 0.52
        if head_age < 50:
            if rng.random() < 0.12 and not any(r in ("之父", "之母") for r, _, _ in members):
                parent_male = rng.random() < 0.4
                members.append(("之父" if parent_male else "之母",
                                min(92, head_age + rng.randint(24, 30)), parent_male))
            else:
                members.append(("之子" if male else "之女", _child_age(rng, head_age - 21), male))
        elif son_age is None:
            son_age = max(20, head_age - rng.randint(24, 30))
            members.append(("之子", son_age, True))
        elif not any(r == "之儿媳" for r, _, _ in members):
            members.append(("之儿媳", max(20, son_age + rng.randint(-4, 2)), False))
        else:
            members.append(("之孙子" if male else "之孙女", _child_age(rng, son_age - 19), male))
    return members


def _child_age(rng: random.Random, oldest: int) -> int:
    """A child's age, at most `oldest` (and 22); mostly of school age, as in the poor households."""
    ages = range(0, max(0, min(oldest, 22)) + 1)
    weights = [1 if a < 3 else 1.4 if a < 6 else 1.8 if a < 12 else 2.4 if a < 15 else 3.4 if a < 18 else 1.4
               for a in ages]
    return rng.choices(ages, weights=weights)[0]


def make_household(rng: random.Random, ids: Identities, category: str, size: int, entered: dt.date,
                   elderly: bool = False, relocated: bool = False) -> Household:
    """A household of synthetic people; ids (户编号, 人员编号) are given later, in ledger order."""
    household = Household(pick_village(rng), category, entered, ids.phone(), relocated=relocated)
    surname = None
    for relation, age, male in family(rng, size, elderly):
        if relation == "户主":
            name = ids.name()
            surname = name[0]
        else:
            kin = relation in ("之子", "之女", "之孙子", "之孙女", "之父")
            name = ids.name(surname if kin else None)
        birth = birth_for_age(rng, age)
        household.members.append(Person(name, ids.id_number(birth, male), birth, male, relation))
    return household


def _eliminate(rng: random.Random, households: list[Household], plan: list[tuple[int, dt.date, dt.date]]):
    """Risk eliminated for `count` households between the two days, for each (count, first, last)."""
    pool = list(households)
    rng.shuffle(pool)
    for count, first, last in plan:
        for household in pool[:count]:
            household.eliminated = day_between(rng, max(first, household.entered + dt.timedelta(180)), last)
        pool = pool[count:]


def build_population(rng: random.Random, ids: Identities) -> Population:
    """The households, sized so that the H1 cut-off (2023-07-31) gives the seed's figures exactly."""
    d = dt.date

    def group(category, people, count, first, last, low=1, high=7, **kw):
        return [make_household(rng, ids, category, size, day_between(rng, first, last), **kw)
                for size in partition(rng, people, count, low, high)]

    # 脱贫户 at the cut-off: 182 households, 579 people (15 of them, 64 people, relocated)
    poor_relocated = group(POOR, 64, 15, d(2014, 4, 1), d(2016, 12, 31), 2, 7, relocated=True)
    poor = group(POOR, 514, 166, d(2014, 4, 1), d(2016, 12, 31))
    leaves_2023 = make_household(rng, ids, POOR, 1, d(2015, 3, 18), elderly=True)
    leaves_2023.head.exit = d(2023, 10, 17)
    left_2022 = make_household(rng, ids, POOR, 1, d(2014, 9, 23), elderly=True)
    left_2022.head.exit = d(2022, 8, 9)
    # 脱贫不稳定户: 19 households, 79 people at the cut-off; 1 newly monitored in 2023
    unstable = (group(UNSTABLE, 12, 3, d(2020, 4, 1), d(2022, 5, 31), 2, 6, relocated=True)
                + group(UNSTABLE, 64, 15, d(2020, 4, 1), d(2022, 5, 31), 2, 7))
    _eliminate(rng, unstable, [(10, d(2021, 1, 1), d(2022, 12, 20)), (1, d(2023, 1, 1), d(2023, 3, 31)),
                               (2, d(2023, 4, 1), d(2023, 7, 28)), (2, d(2023, 11, 1), d(2023, 12, 22))])
    unstable.append(make_household(rng, ids, UNSTABLE, 3, d(2023, 5, 16)))
    # 边缘易致贫户: 8 households, 19 people at the cut-off; 1 more in September 2023
    marginal = (group(MARGINAL, 4, 1, d(2020, 6, 1), d(2022, 5, 31), 4, 4, relocated=True)
                + group(MARGINAL, 15, 7, d(2020, 6, 1), d(2022, 5, 31), 1, 4))
    _eliminate(rng, marginal, [(5, d(2021, 1, 1), d(2022, 12, 20)), (1, d(2023, 4, 1), d(2023, 6, 30))])
    marginal.append(make_household(rng, ids, MARGINAL, 2, d(2023, 9, 12)))
    # 突发严重困难户: 13 households, 38 people at the cut-off, none out of risk; 2 out in December
    sudden = group(SUDDEN, 33, 11, d(2021, 3, 1), d(2022, 11, 30), 1, 6)
    _eliminate(rng, sudden, [(2, d(2023, 12, 4), d(2023, 12, 22))])
    sudden += [make_household(rng, ids, SUDDEN, size, day)
               for size, day in ((3, d(2023, 2, 14)), (2, d(2023, 6, 20)), (4, d(2023, 11, 8)))]

    households = poor_relocated + poor + [leaves_2023, left_2022] + unstable + marginal + sudden
    _ensure_school_children(rng, ids, [h for h in households if h.entered <= d(2023, 3, 1)])
    _add_departed_parents(rng, ids, poor)
    _mark_deaths_after_cutoff(rng, poor)
    _number(households)
    return Population(households)


# children (age on 1 September 2022) the education grants need, with room to choose from
SCHOOL_CHILDREN = {(3, 5): 20, (6, 11): 66, (12, 14): 25, (15, 17): 20, (18, 20): 9}


def _ensure_school_children(rng: random.Random, ids: Identities, households: list[Household]) -> None:
    """Where a school age runs short, make some toddlers or grown-up children of the head that age."""
    sept = dt.date(2022, 9, 1)
    for (low, high), wanted in SCHOOL_CHILDREN.items():
        have = sum(low <= age_on(p.birth, sept) <= high for h in households for p in h.members)
        spare = [p for h in households if not any(m.relation == "之儿媳" for m in h.members)
                 for p in h.members if p.relation in ("之子", "之女")
                 and not 3 <= age_on(p.birth, sept) <= 20 and h.head.age(sept) - high >= 22]
        for person in rng.sample(spare, max(0, wanted - have)):
            person.birth = birth_for_age(rng, rng.randint(low, high), sept)
            person.id_number = ids.id_number(person.birth, person.male)


def _add_departed_parents(rng: random.Random, ids: Identities, households: list[Household]) -> None:
    """Elderly parents who died before the cut-off: rows in the ledger, no longer counted."""
    young_heads = [h for h in households if h.head.age() <= 62]
    exits = ([day_between(rng, dt.date(2022, 1, 10), dt.date(2022, 12, 20)) for _ in range(6)]
             + [day_between(rng, dt.date(2023, 1, 5), dt.date(2023, 3, 30)) for _ in range(2)]
             + [day_between(rng, dt.date(2023, 4, 3), dt.date(2023, 6, 28))])
    for household, exit_day in zip(rng.sample(young_heads, len(exits)), exits, strict=True):
        male = rng.random() < 0.4
        birth = birth_for_age(rng, min(95, household.head.age() + rng.randint(24, 30)))
        name = ids.name(household.head.name[0] if male else None)
        parent = Person(name, ids.id_number(birth, male), birth, male, "之父" if male else "之母",
                        exit=exit_day, insured_2023=exit_day.year > 2022)
        household.members.insert(1, parent)


def _mark_deaths_after_cutoff(rng: random.Random, households: list[Household]) -> None:
    """Four elderly members (not heads) who die in August–December 2023, so counted at the H1 cut-off."""
    elderly = [p for h in households for p in h.members[1:] if p.exit is None and p.age() >= 66]
    for person in rng.sample(elderly, 4):
        person.exit = day_between(rng, dt.date(2023, 8, 7), dt.date(2023, 12, 15))


def _number(households: list[Household]) -> None:
    """户编号 in ledger order (by village, then date entered); 人员编号 = 户编号-NN."""
    households.sort(key=lambda h: (VILLAGES.index(h.village), h.entered))
    for n, household in enumerate(households, start=1):
        household.hid = f"H{n:04d}"
        for k, person in enumerate(household.members, start=1):
            person.pid = f"{household.hid}-{k:02d}"


def assign_work(rng: random.Random, population: Population, students: set[str]) -> None:
    """是否劳动力 / 是否就业: exactly 400 labour and 349 employed among those counted at the cut-off."""
    counted = {p.pid for _, p in population.active_people(H1_CUTOFF)}
    able = [(h, p) for h, p in population.people()
            if 18 <= p.age() <= 64 and p.pid not in students and p.exit is None]
    relocated = [p for h, p in able if h.relocated and p.pid in counted]
    others = [p for h, p in able if not h.relocated and p.pid in counted]
    later = [p for h, p in able if p.pid not in counted]
    for person in rng.sample(relocated, RELOCATED_LABOUR):
        person.labour = person.employed = True  # relocation sites report 100 % employment
    labour = rng.sample(others, LABOUR_AT_H1 - RELOCATED_LABOUR)
    for person in labour:
        person.labour = True
    for person in rng.sample(labour, EMPLOYED_AT_H1 - RELOCATED_LABOUR):
        person.employed = True
    for person in later:
        person.labour = rng.random() < 0.8
        person.employed = person.labour and rng.random() < 0.85


def population_rows(population: Population) -> list[list]:
    return [[p.pid, h.hid, h.village, p.name, p.id_number, h.phone, p.relation, h.category, h.entered,
             h.eliminated, p.exit, p.labour, p.employed, p.insured_2023]
            for h, p in population.people()]
