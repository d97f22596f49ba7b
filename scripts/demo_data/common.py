"""Shared pieces: villages, synthetic identities, dates, exact totals and the ledger writers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

VILLAGES = ("龙下村", "山石村", "雅溪村", "桃江村", "坪山村", "上湾村")
VILLAGE_WEIGHTS = (24, 18, 17, 16, 14, 11)  # the seat 龙下村 is the largest

FIRST_DAY = dt.date(2022, 1, 1)
LAST_DAY = dt.date(2023, 12, 31)
H1_CUTOFF = dt.date(2023, 7, 31)  # the cut-off of the half-year report the data is built around

# Region code 999999 belongs to no real region, so no generated ID number can be a real one.
FAKE_REGION = "999999"
# Numbers starting with 100 are not issued as mobile numbers in China.
FAKE_PHONE_PREFIX = "100"
SURNAMES = (
    "钟", "黄", "陈", "李", "刘", "张", "曾", "谢", "廖", "赖", "罗", "何", "邱", "温",
    "朱", "叶", "林", "吴", "王", "杨", "郭", "彭", "胡", "徐", "肖", "蔡", "邓", "凌",
    "卢", "古", "袁", "潘", "蓝", "严", "魏", "江", "丘", "孙", "宋", "唐",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class Identities:
    """Hands out synthetic, obviously fake and unique names, ID numbers and phone numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._per_surname: dict[str, int] = {}
        self._id_serials: dict[dt.date, int] = {}
        self._phones: set[str] = set()

    def name(self, surname: str | None = None) -> str:
        """张某01, 张某02 … per surname; another surname once one runs out of numbers."""
        surname = surname or self.rng.choice(SURNAMES)
        while self._per_surname.get(surname, 0) >= 99:
            surname = self.rng.choice(SURNAMES)
        self._per_surname[surname] = self._per_surname.get(surname, 0) + 1
        return f"{surname}某{self._per_surname[surname]:02d}"

    def id_number(self, birth: dt.date, male: bool) -> str:
        """18 characters: 999999, the birth date, a serial whose last digit gives the sex, a check digit."""
        serial = self._id_serials.get(birth, 0) + 1
        while serial % 2 != (1 if male else 0):
            serial += 1
        self._id_serials[birth] = serial
        body = f"{FAKE_REGION}{birth:%Y%m%d}{serial:03d}"
        check = _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
        return body + check

    def phone(self) -> str:
        while True:
            number = FAKE_PHONE_PREFIX + f"{self.rng.randrange(10**8):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number


def rng_for(seed: int, ledger: str) -> random.Random:
    """One generator per ledger, so that changing one ledger's code leaves the others as they were."""
    return random.Random(f"{seed}:{ledger}")


def pick_village(rng: random.Random) -> str:
    return rng.choices(VILLAGES, weights=VILLAGE_WEIGHTS)[0]


# ---- dates -----------------------------------------------------------------------------------

def day_between(rng: random.Random, first: dt.date, last: dt.date, weekday: bool = True) -> dt.date:
    """A random day in [first, last]; a working day (Mon–Fri) unless weekday is False."""
    days = [first + dt.timedelta(n) for n in range((last - first).days + 1)]
    if weekday:
        days = [d for d in days if d.weekday() < 5] or days
    return rng.choice(days)


def birth_for_age(rng: random.Random, age: int, on: dt.date = H1_CUTOFF) -> dt.date:
    """A birth date that makes someone `age` years old on the day `on`."""
    latest = on.replace(year=on.year - age)
    return latest - dt.timedelta(rng.randrange(365))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from first's month to last's month."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(32)).replace(day=1)
    return months


def quarter_days(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * quarter - 2, 1)
    last = (dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1))
    return first, last - dt.timedelta(1)


# ---- exact totals ----------------------------------------------------------------------------

def partition(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """`parts` whole numbers in [low, high] that add up to `total` (household sizes and the like)."""
    if not low * parts <= total <= high * parts:
        raise ValueError(f"cannot split {total} into {parts} parts of {low}..{high}")
    sizes = [low] * parts
    for _ in range(total - low * parts):
        room = [i for i, s in enumerate(sizes) if s < high]
        sizes[rng.choice(room)] += 1
    return sizes


def fit_to_total(values: list[int], target: int, menu: list[int]) -> list[int]:
    """Change as few values as it takes, each to an amount on the menu, so that they add up to target."""
    values = list(values)
    while (diff := target - sum(values)) != 0:
        gap, index, amount = min(
            (abs(diff - (m - v)), i, m) for i, v in enumerate(values) for m in menu
        )
        if gap >= abs(diff):
            raise ValueError(f"cannot reach {target} with amounts {menu}")
        values[index] = amount
    return values


def largest_remainder(weights: list[float], total: int) -> list[int]:
    """Whole numbers proportional to weights that add up to total exactly."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    whole = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (whole[i] - raw[i], i))
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole


# ---- writers ---------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """UTF-8 without BOM, "\\n" line ends, ISO dates, 是/否 for yes/no, empty cells for None."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_text(v) for v in row] for row in rows)


_FIXED_TIME = dt.datetime(2024, 1, 1)


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list]) -> None:
    """One sheet with a bold, frozen header; dates as real date cells; byte-identical on every run."""
    book = openpyxl.Workbook()
    table = book.active
    table.title = sheet
    table.append(header)
    for cell in table[1]:
        cell.font = Font(bold=True)
    for row in rows:
        table.append([("是" if v else "否") if isinstance(v, bool) else v for v in row])
    for column in table.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(header, start=1):
        longest = max([len(name) * 2] + [len(_text(r[index - 1])) for r in rows])
        table.column_dimensions[openpyxl.utils.get_column_letter(index)].width = longest + 2
    table.freeze_panes = "A2"
    book.properties.creator = "reportgen scripts/make_demo_data.py"
    book.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    _write_zip_reproducibly(buffer.getvalue(), path)


def _write_zip_reproducibly(data: bytes, path: Path) -> None:
    """openpyxl stamps the save time into the file and the zip; replace both with a fixed time."""
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)


def numbered(prefix: str, records: list[list], date_at: int) -> list[list]:
    """Sort records by their date and number them per year: prefix2023-001 …"""
    records.sort(key=lambda r: (r[date_at], str(r[0])))
    counters: dict[int, int] = {}
    rows = []
    for record in records:
        year = record[date_at].year
        counters[year] = counters.get(year, 0) + 1
        rows.append([f"{prefix}{year}-{counters[year]:03d}", *record])
    return rows
