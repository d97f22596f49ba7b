"""Write a synthetic county (figures.yaml, county-wide ledgers with a 乡镇 column, templates), deterministically.

With `--layout folders` the same rows go one folder per township instead: data/<township>/<file>,
each file without the 乡镇 column; figures.yaml is the same either way.

Each township is the demo township 龙下乡 copied: 龙下乡 itself unchanged, every other one with its
own keys (编号 columns prefixed), its own village names, and one household in eight (and one
welfare post in eight) left out, chosen by a hash, so that the townships' figures differ.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zlib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reportgen.engine.project import load_project  # noqa: E402

# The nine townships of 全南县; 龙下乡 first, so a county of N keeps the demo township.
TOWNSHIPS = ("龙下乡", "城厢镇", "大吉山镇", "陂头镇", "金龙镇", "南迳镇", "龙源坝镇", "中寨乡", "社迳乡")
SPEAKERS = ("王某", "李某", "张某", "刘某", "陈某", "杨某", "黄某", "赵某")
VILLAGE_HEADS = "东西南北上下大新"
VILLAGE_TAILS = ("坑村", "岭村", "坪村", "田村", "塘村", "岗村")
COLUMN = "乡镇"
COUNTY_FIGURES = ["population_households", "population_people", "monitored_households", "monitored_people",
                  "dibao_households", "dibao_people", "labour", "labour_employed"]


def _villages(index: int, demo: tuple[str, ...]) -> tuple[str, ...]:
    if index == 0:
        return demo
    return tuple(VILLAGE_HEADS[index - 1] + tail for tail in VILLAGE_TAILS[: len(demo)])


def _left_out(index: int, key: str) -> bool:
    return index > 0 and zlib.crc32(f"{index}:{key}".encode()) % 8 == 0


def _cell(value, column_type: str) -> str:
    if value is None or (not isinstance(value, str) and value != value):  # None, NaN, NaT
        return ""
    if column_type == "date":
        return value.strftime("%Y-%m-%d")
    if column_type == "bool":
        return "是" if value else "否"
    if column_type in ("int", "number") and float(value).is_integer():
        return str(int(value))
    return str(value)


def _rows(ledger, index: int, township: str, renames: dict[str, str]) -> list[list[str]]:
    spec = ledger.spec
    frame = ledger.frame
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = dict(zip(frame.columns, record, strict=True))
        if any(_left_out(index, str(cells[c])) for c in ("户编号", "岗位编号") if c in cells):
            continue
        out = [township]
        for column, column_spec in spec.columns.items():
            text = _cell(cells[column], column_spec.type)
            if index > 0 and column.endswith("编号") and text:
                text = f"T{index + 1:02d}{text}"
            if index > 0 and column == "身份证号" and text:  # a person lives in one township
                text = f"9999{index + 1:02d}{text[6:]}"  # region 9999xx does not exist either
            if column == "村" or column_spec.type == "str":  # categories other than 村 stay as declared
                for old, new in renames.items():
                    text = text.replace(old, new)
            out.append(text)
        rows.append(out)
    return rows


def _given_ledgers(ledgers: Path, config: dict, target: Path) -> tuple[tuple[str, ...], dict]:
    """County-wide ledgers written elsewhere (same file stems as data/, CSV or XLSX, a 乡镇 column):
    copied in, and the townships and their villages read from the population ledger."""
    import pandas as pd

    for declared in config["sources"].values():
        stem = Path(declared["file"]).stem
        found = [p for p in (ledgers / f"{stem}.csv", ledgers / f"{stem}.xlsx") if p.is_file()]
        if not found:
            raise SystemExit(f"{ledgers}: no {stem}.csv or {stem}.xlsx")
        shutil.copy2(found[0], target / "data" / found[0].name)
        declared["file"] = found[0].name
        if found[0].suffix == ".csv":
            declared.pop("sheet", None)
    population = config["sources"]["population"]
    path = target / "data" / population["file"]
    frame = (pd.read_csv(path, dtype=str, usecols=[COLUMN, "村"]) if path.suffix == ".csv" else
             pd.read_excel(path, sheet_name=population.get("sheet", 0), dtype=str, usecols=[COLUMN, "村"]))
    names = tuple(dict.fromkeys(frame[COLUMN]))
    return names, {t: tuple(dict.fromkeys(frame.loc[frame[COLUMN] == t, "村"])) for t in names}


def write_county(target: Path, townships: int = 9, ledgers: Path | None = None, layout: str = "county") -> Path:
    """A county project of the first `townships` townships under `target`; returns `target`.

    With `ledgers`, the county-wide ledgers found there are used instead of copies of the demo's.
    `layout` is "county" (county-wide ledgers with a 乡镇 column) or "folders" (one folder per township).
    """
    if not 1 <= townships <= len(TOWNSHIPS):
        raise SystemExit(f"--townships: between 1 and {len(TOWNSHIPS)}")
    if layout not in ("county", "folders") or (layout == "folders" and ledgers is not None):
        raise SystemExit("--layout: county, or folders (with ledgers written from the demo's, not --ledgers)")
    config = yaml.safe_load((REPO / "figures.yaml").read_text(encoding="utf-8"))
    county = config["report"]["county"]
    if ledgers is not None and (target / "data").resolve() in (ledgers.resolve(), *ledgers.resolve().parents):
        raise SystemExit("--ledgers: a folder outside the county's data/, which is written anew")
    if (target / "data").exists():
        shutil.rmtree(target / "data")  # ledgers of an earlier layout would be refused beside the new ones
    (target / "data").mkdir(parents=True)
    if ledgers is None:
        demo = load_project(REPO, cache=False)
        names = TOWNSHIPS[:townships]
        demo_villages = demo.registry.sources["population"].columns["村"].values
        villages = {t: _villages(i, demo_villages) for i, t in enumerate(names)}
    else:
        names, villages = _given_ledgers(ledgers, config, target)
    everywhere = [v for t in names for v in villages[t]]
    for source, declared in config["sources"].items():
        columns = {COLUMN: {"type": "category", "values": list(names)}}
        for column, spec in declared["columns"].items():
            if column == "村":
                spec = {**spec, "values": everywhere}
            columns[column] = spec
        declared["columns"] = columns
        if ledgers is not None:
            continue
        ledger = demo.ledgers[source]
        file = Path(declared["file"]).with_suffix(".csv").name
        declared.update(file=file, encoding="utf-8")
        declared.pop("sheet", None)
        lines = [",".join([COLUMN, *ledger.spec.columns])]
        for index, township in enumerate(names):
            renames = dict(zip(demo_villages, villages[township], strict=True))
            rows = _rows(ledger, index, township, renames)
            if layout == "folders":  # the township's own file, without the 乡镇 column
                own = [",".join(ledger.spec.columns)] + [",".join(_quote(c) for c in row[1:]) for row in rows]
                (target / "data" / township).mkdir(exist_ok=True)
                (target / "data" / township / file).write_text("\n".join(own) + "\n", encoding="utf-8")
            lines += [",".join(_quote(c) for c in row) for row in rows]
        if layout == "county":
            (target / "data" / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    townships_spec = {}
    for index, township in enumerate(names):
        entry = {"villages": list(villages[township])}
        if index > 0:
            head = "镇长" if township.endswith("镇") else "乡长"
            entry["report"] = {"speaker_title": f"{township}党委委员、副{head}",
                               "speaker": SPEAKERS[(index - 1) % len(SPEAKERS)]}
        townships_spec[township] = entry
    config["units"] = {
        "county": county, "column": COLUMN, "village_column": "村", "townships": townships_spec,
        "documents": {"county": {"template": "county.md.j2",
                                 "breakdown": {"by": COLUMN, "figures": COUNTY_FIGURES}}},
    }
    made_from = f"the ledgers in {ledgers}" if ledgers else "the demo ledgers of 龙下乡"
    header = (f"# A county of {len(names)} townships written by scripts/make_county_data.py from the demo "
              f"registry and {made_from}.\n")
    (target / "figures.yaml").write_text(
        header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    if (target / "templates").exists():
        shutil.rmtree(target / "templates")
    shutil.copytree(REPO / "templates", target / "templates")
    return target


def _quote(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(ch in cell for ch in ',"\n') else cell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "county")
    parser.add_argument("--townships", type=int, default=9)
    parser.add_argument("--ledgers", type=Path, default=None,
                        help="county-wide ledgers to use (file names as in data/, CSV or XLSX, a 乡镇 column)")
    parser.add_argument("--layout", choices=("county", "folders"), default="county",
                        help="county-wide ledgers with a 乡镇 column, or one folder per township without one")
    args = parser.parse_args()
    print(write_county(args.out, args.townships, args.ledgers, args.layout))


if __name__ == "__main__":
    main()
