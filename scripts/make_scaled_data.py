"""Write scaled synthetic projects built from the demo ledgers: a county of 9 townships, and provinces.

    python scripts/make_scaled_data.py                      # build/scaled/county and build/scaled/people-1000000
    python scripts/make_scaled_data.py --county             # only the county
    python scripts/make_scaled_data.py --people 10000       # only a province of 10,000 people

Each project is a folder with figures.yaml, data/ and templates/, ready for
`pipeline.py --root <folder> figures`. Every person is synthetic: ID numbers use region 999999 and
phone numbers start with 100, as in the demo.

county/    the 9 townships of 全南县, each its own run of the demo generator (龙下乡 with the demo's
           seed, so its figures are the demo's), in county-wide ledgers with a 乡镇 column; villages
           of the other townships are renamed after their township; keys are prefixed with the
           township's code so they are unique county-wide.
people-N/  the demo's ledgers copied until the population holds N people and the 低保 ledger
           5×N payments (--payments to change), every copy with its own keys, all ledgers in CSV.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_demo_data  # noqa: E402
from demo_data.common import VILLAGES, _text, write_csv, write_xlsx  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "build" / "scaled"
# 全南县's six towns and three townships; 龙下乡 is the demo's own township.
TOWNSHIPS = ("龙下乡", "城厢镇", "大吉山镇", "陂头镇", "金龙镇", "南迳镇", "龙源坝镇", "中寨乡", "社迳乡")
VILLAGE_ENDINGS = ("中心村", "东村", "西村", "南村", "北村", "新村")
VILLAGE_LIST = "[" + ", ".join(VILLAGES) + "]"
PAYMENTS_PER_PERSON = 5


def villages_of(township: str) -> tuple[str, ...]:
    """The demo's villages for 龙下乡; invented, distinct ones for the other townships."""
    if township == "龙下乡":
        return VILLAGES
    stem = township[:-1]
    return tuple(f"{stem}{ending}" for ending in VILLAGE_ENDINGS)


ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
IDS_PER_DAY = 499
FIRST_BIRTH = np.datetime64("1900-01-01")  # before any demo person's birth: no clash with their IDs


def synthetic_ids(numbers: np.ndarray, originals: pa.Array) -> pa.Array:
    """ID numbers of region 999999 that differ for every number (a row's place in the ledger), with
    the original's sex (the parity of digit 17) and a valid check digit. Births from 1900 on: the
    copies are told apart, nothing reads an age from them."""
    male = pc.cast(pc.utf8_slice_codeunits(originals, 16, 17), pa.int64()).to_numpy(zero_copy_only=False) % 2 == 1
    births = (FIRST_BIRTH + numbers // IDS_PER_DAY).astype("datetime64[D]")
    serials = 2 * (numbers % IDS_PER_DAY) + np.where(male, 1, 2)
    bodies = np.char.add(np.char.add("999999", np.char.replace(births.astype(str), "-", "")),
                         np.char.zfill(serials.astype(str), 3))
    digits = np.frombuffer(bodies.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - ord("0")
    checks = ID_CHECK[(digits.astype(np.int64) @ ID_WEIGHTS) % 11]
    return pa.array(np.char.add(bodies, checks))


def key_columns(header: list[str]) -> list[int]:
    """Columns holding identifiers (人员编号, 户编号, 发放编号 …): made unique per copy or township."""
    return [i for i, name in enumerate(header) if name.endswith("编号")]


def columns_of(header: list[str], rows: list[list]) -> list[pa.Array]:
    return [pa.array([_text(r[i]) for r in rows], pa.string()) for i in range(len(header))]


def write_table(path: Path, header: list[str], columns: list[pa.Array]) -> None:
    """UTF-8 CSV with "\\n" line ends, quoting only cells that need it; built by Arrow, not row by row."""
    quoted = []
    for column in columns:
        needs = pc.match_substring_regex(column, '[",\\n\\r]')
        if pc.any(needs).as_py():
            escaped = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
            column = pc.if_else(needs, escaped, column)
        quoted.append(column)
    lines = pc.binary_join_element_wise(*quoted, ",")
    with path.open("wb") as handle:
        handle.write((",".join(header) + "\n").encode("utf-8"))
        step = 1 << 20
        for start in range(0, len(lines), step):
            chunk = lines.slice(start, step).to_pylist()
            handle.write(("\n".join(chunk) + "\n").encode("utf-8"))


def registry_text(csv_only: bool, villages: tuple[str, ...] | None = None,
                  townships: tuple[str, ...] | None = None) -> str:
    """The demo's figures.yaml with the ledgers as written here."""
    text = (REPO / "figures.yaml").read_text(encoding="utf-8")
    if csv_only:
        text = re.sub(r"^(\s+)file: (\w+)\.xlsx\n\s+sheet: .*\n", r"\1file: \2.csv\n", text, flags=re.M)
    if villages is not None:
        text = text.replace(VILLAGE_LIST, "[" + ", ".join(villages) + "]")
    if townships is not None:
        column = "乡镇: {type: category, values: [" + ", ".join(townships) + "]}"
        text = re.sub(r"^(\s+)columns:\n", lambda m: f"{m.group(0)}{m.group(1)}  {column}\n", text, flags=re.M)
    return text


def copy_templates(root: Path) -> None:
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", root / "templates", dirs_exist_ok=True)


def write_province(out: Path, people: int, payments: int) -> Path:
    """The demo's ledgers copied until `people` people and `payments` 低保 payments."""
    root = out / f"people-{people}"
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    ledgers = make_demo_data.build()
    base_people = len(ledgers["population.xlsx"][1])
    copies = math.ceil(people / base_people)
    for file, (header, rows) in ledgers.items():
        wanted = payments if file == "dibao_payments.csv" else people if file == "population.xlsx" else None
        times = math.ceil(wanted / len(rows)) if wanted else copies
        count = wanted or times * len(rows)
        copy_no = pa.array(np.char.add("-", (np.arange(count) // len(rows)).astype(str)))
        pick = pa.array(np.arange(count) % len(rows))
        columns = [c.take(pick) for c in columns_of(header, rows)]
        for i in key_columns(header):
            columns[i] = pc.binary_join_element_wise(columns[i], copy_no, "")
        if "身份证号" in header:  # a person is registered once: every copy gets its own ID numbers
            i = header.index("身份证号")
            copies_after_first = np.arange(count) >= len(rows)
            fresh = synthetic_ids(np.arange(count), columns[i])
            columns[i] = pc.if_else(pa.array(copies_after_first), fresh, columns[i])
        write_table(data / file.replace(".xlsx", ".csv"), header, columns)
        print(f"{root.name}/data/{file.replace('.xlsx', '.csv')}: {count} rows")
    (root / "figures.yaml").write_text(registry_text(csv_only=True), encoding="utf-8")
    copy_templates(root)
    return root


def write_county(out: Path) -> Path:
    """9 townships of synthetic people in county-wide ledgers with a 乡镇 column."""
    root = out / "county"
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], list[list]]] = {}
    for number, township in enumerate(TOWNSHIPS, start=1):
        ledgers = make_demo_data.build(make_demo_data.SEED + number - 1)
        renamed = dict(zip(VILLAGES, villages_of(township), strict=True))
        for file, (header, rows) in ledgers.items():
            keys = set(key_columns(header))
            county_rows = tables.setdefault(file, (["乡镇", *header], []))[1]
            for row in rows:
                cells = [f"Q{number:02d}-{v}" if i in keys else _renamed(v, renamed) for i, v in enumerate(row)]
                county_rows.append([township, *cells])
    for file, (header, rows) in tables.items():
        if "身份证号" in header:  # townships' generators hand out the same numbers: one per person
            i = header.index("身份证号")
            others = [n for n, r in enumerate(rows) if r[0] != TOWNSHIPS[0] and r[i]]
            fresh = synthetic_ids(np.array(others), pa.array([rows[n][i] for n in others])).to_pylist()
            for n, number in zip(others, fresh, strict=True):
                rows[n][i] = number
        if file.endswith(".xlsx"):
            write_xlsx(data / file, make_demo_data.SHEETS[file], header, rows)
        else:
            write_csv(data / file, header, rows)
        print(f"county/data/{file}: {len(rows)} rows")
    villages = tuple(v for t in TOWNSHIPS for v in villages_of(t))
    (root / "figures.yaml").write_text(registry_text(False, villages, TOWNSHIPS), encoding="utf-8")
    copy_templates(root)
    return root


def _renamed(value, villages: dict[str, str]):
    """A village cell renamed; free text (项目名称, 安置点) stays as the demo wrote it."""
    return villages.get(value, value) if isinstance(value, str) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into (default: build/scaled/)")
    parser.add_argument("--county", action="store_true", help="write the county of 9 townships")
    parser.add_argument("--people", type=int, action="append", metavar="N",
                        help="write a province of N people (repeatable)")
    parser.add_argument("--payments", type=int, default=None,
                        help=f"低保 payments of a province (default: {PAYMENTS_PER_PERSON} per person)")
    args = parser.parse_args(argv)
    if not args.county and not args.people:
        args.county, args.people = True, [1_000_000]
    if args.county:
        write_county(args.out)
    for people in args.people or ():
        write_province(args.out, people, args.payments or PAYMENTS_PER_PERSON * people)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
