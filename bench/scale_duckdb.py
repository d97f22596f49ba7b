"""DuckDB doing what `figures` does, for bench/scale.py: load, type, validate, compute; prints figures as JSON.

    python bench/scale_duckdb.py PROJECT DATABASE [--cold | --save | --cached]

--cold (the default): every CSV of PROJECT is read as text, trimmed, checked against figures.yaml
and typed, in memory; --save does the same into the file DATABASE and stops; --cached takes the
typed tables from DATABASE. Then every figure of the registry is computed (ledger figures in SQL,
formulas in Python) and printed as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from reportgen.engine import formula, periods  # noqa: E402
from reportgen.engine.config import load_registry  # noqa: E402

TYPES = {"str": "VARCHAR", "category": "VARCHAR", "int": "DOUBLE", "number": "DOUBLE", "date": "DATE",
         "bool": "BOOLEAN"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def load(con, name: str, spec, data_dir: Path) -> None:
    """Read one CSV as text, check it, and keep it typed as table `name`; raise on any bad cell."""
    path = str(data_dir / spec.file).replace("'", "''")
    con.execute(f"CREATE TEMP TABLE raw AS SELECT * FROM read_csv('{path}', all_varchar=true, header=true)")
    checks, typed = [], []
    for column, col in spec.columns.items():
        text = f"NULLIF(trim({q(column)}), '')"
        if col.required:
            checks.append(f"{text} IS NULL")
        if col.type == "category":
            checks.append(f"{text} NOT IN ({', '.join(literal(v) for v in col.values)})")
        if col.type == "bool":
            checks.append(f"{text} NOT IN ('是', '否')")
            typed.append(f"CASE {text} WHEN '是' THEN TRUE WHEN '否' THEN FALSE END AS {q(column)}")
        elif col.type == "date":
            checks.append(f"{text} IS NOT NULL AND TRY_CAST({text} AS DATE) IS NULL")
            for limit, op in ((col.min, "<"), (col.max, ">")):
                if isinstance(limit, dt.date):
                    checks.append(f"TRY_CAST({text} AS DATE) {op} {literal(limit)}")
            typed.append(f"CAST({text} AS DATE) AS {q(column)}")
        elif col.type in ("int", "number"):
            checks.append(f"{text} IS NOT NULL AND TRY_CAST({text} AS DOUBLE) IS NULL")
            if col.type == "int":
                checks.append(f"TRY_CAST({text} AS DOUBLE) % 1 <> 0")
            for limit, op in ((col.min, "<"), (col.max, ">")):
                if limit is not None:
                    checks.append(f"TRY_CAST({text} AS DOUBLE) {op} {limit!r}")
            typed.append(f"CAST({text} AS DOUBLE) AS {q(column)}")
        else:
            typed.append(f"{text} AS {q(column)}")
    counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in checks)
    bad = con.execute(f"SELECT {counts} FROM raw").fetchone() if checks else ()
    if any(bad):
        raise SystemExit(f"{spec.file}: {sum(bad)} bad cells")
    if spec.key:
        key = f"NULLIF(trim({q(spec.key)}), '')"
        dupes = con.execute(f"SELECT count({key}) - count(DISTINCT {key}) FROM raw").fetchone()[0]
        if dupes:
            raise SystemExit(f"{spec.file}: {dupes} duplicate keys")
    con.execute(f"CREATE TABLE {q(name)} AS SELECT {', '.join(typed)} FROM raw")
    con.execute("DROP TABLE raw")
    declared_rules(con, name, spec)


WINDOW = {"day": "{d}", "month": "date_trunc('month', {d})", "quarter": "date_trunc('quarter', {d})",
          "half": "year({d}) * 2 + (month({d}) > 6)::INT", "year": "year({d})"}


def declared_rules(con, name: str, spec) -> None:
    """The rules figures.yaml declares beyond column types: unique per window, the days recorded."""
    for rule in spec.unique:
        keys = [q(c) for c in rule.columns]
        if rule.date is not None:
            keys.append(WINDOW[rule.per].format(d=q(rule.date)))
        present = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        repeated = con.execute(f"SELECT count(*) - count(DISTINCT ({', '.join(keys)})) FROM {q(name)} "
                               f"WHERE {present}").fetchone()[0]
        if repeated:
            raise SystemExit(f"{spec.file}: {repeated} rows break unique {list(rule.columns)}")
    bounds = spec.dates
    for column, col in spec.columns.items() if bounds is not None else ():
        if col.type != "date":
            continue
        outside = [f"{q(column)} < {literal(bounds.first)}"] if bounds.first else []
        outside += [f"{q(column)} > {literal(bounds.until)}"] if bounds.until else []
        if outside and con.execute(f"SELECT count(*) FROM {q(name)} WHERE {' OR '.join(outside)}").fetchone()[0]:
            raise SystemExit(f"{spec.file}: {column} outside the declared days")


def condition(column: str, cond, column_type: str, frame: periods.Timeframe) -> str:
    words = {"cutoff": frame.cutoff, "year_start": frame.year_start, "period_start": frame.period.start,
             "month_start": frame.cutoff.replace(day=1)}

    def lit(v):
        if column_type == "bool" and v in ("是", "否"):
            return literal(v == "是")
        return literal(words.get(v, v) if isinstance(v, str) else v)

    c = q(column)
    if isinstance(cond, list):
        return f"{c} IN ({', '.join(lit(v) for v in cond)})"
    if not isinstance(cond, dict):
        return f"{c} = {lit(cond)}"
    if set(cond) == {"empty"}:
        return f"{c} IS NULL" if cond["empty"] else f"{c} IS NOT NULL"
    parts = [f"{c} IS NOT NULL"]
    for key, op in (("min", ">="), ("max", "<="), ("after", ">"), ("before", "<")):
        if key in cond:
            parts.append(f"{c} {op} {lit(cond[key])}")
    if "not" in cond:
        parts.append(f"{c} NOT IN ({', '.join(lit(v) for v in cond['not'])})")
    test = " AND ".join(parts)
    return f"(({test}) OR {c} IS NULL)" if cond.get("empty") is True else f"({test})"


def figure(con, spec, registry, frame: periods.Timeframe):
    source = registry.sources[spec.source]
    types = {c: s.type for c, s in source.columns.items()}
    where = []
    start, end, as_of = frame.window(spec.window)
    if spec.date is not None and spec.window != "all":
        if end is not None:
            where.append(f"{q(spec.date)} <= {literal(end)}")
        if start is not None:
            where.append(f"{q(spec.date)} >= {literal(start)}")
        if as_of and spec.end is not None:
            where.append(f"({q(spec.end)} IS NULL OR {q(spec.end)} > {literal(end)})")
    where += [condition(c, v, types[c], frame) for c, v in spec.where.items()]
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    table = q(spec.source)
    if spec.measure == "count":
        return con.execute(f"SELECT count(*) FROM {table}{clause}").fetchone()[0]
    if spec.measure == "nunique":
        return con.execute(f"SELECT count(DISTINCT {q(spec.column)}) FROM {table}{clause}").fetchone()[0]
    if spec.measure in ("sum", "mean"):
        value = con.execute(f"SELECT {spec.measure.replace('mean', 'avg')}({q(spec.column)}) FROM {table}{clause}").fetchone()[0]
        return round(float(value or 0), 6)
    if spec.measure == "ratio":
        hits = " AND ".join(condition(c, v, types[c], frame) for c, v in spec.numerator.items()) or "TRUE"
        return con.execute(f"SELECT count(*) FILTER (WHERE {hits}) / count(*) FROM {table}{clause}").fetchone()[0]
    if spec.measure == "quarters":
        rows = con.execute(f"SELECT DISTINCT quarter({q(spec.date)}) AS k FROM {table}{clause} ORDER BY k").fetchall()
        return [str(r[0]) for r in rows if r[0] is not None]
    order = f" ORDER BY {q(spec.order_by)}, rowid" if spec.order_by else " ORDER BY rowid"
    rows = con.execute(f"SELECT {q(spec.column)} FROM {table}{clause}{order}").fetchall()
    return list(dict.fromkeys(str(r[0]) for r in rows if r[0] is not None))


def registry_value(spec, frame: periods.Timeframe):
    """As figures.yaml says: an undated value holds always; of dated values a stock takes the latest
    on or before the cut-off, a flow adds those in its window (the year to the cut-off by default)."""
    if spec.values is None:
        return spec.value
    if spec.time_quantity == "flow":
        start, end, _ = frame.window(spec.window or "ytd")
        return sum(v.value for v in spec.values if (start is None or v.date >= start) and v.date <= end)
    return [v.value for v in spec.values if v.date <= frame.cutoff][-1]


def main() -> int:
    root, database, mode = Path(sys.argv[1]), sys.argv[2], (sys.argv[3:] or ["--cold"])[0]
    registry = load_registry(root / "figures.yaml")
    con = duckdb.connect(database if mode != "--cold" else ":memory:")
    if mode in ("--cold", "--save"):
        for name, spec in registry.sources.items():
            load(con, name, spec, registry.data_dir)
    if mode == "--save":
        con.execute("CHECKPOINT")
        return 0
    frame = periods.resolve(registry.periods.default, None, registry.periods.cutoffs)
    values = {}
    for fid, spec in registry.figures.items():
        if spec.kind == "ledger":
            values[fid] = figure(con, spec, registry, frame)
        elif spec.kind == "registry":
            values[fid] = registry_value(spec, frame)
    formulas = {fid: spec.formula for fid, spec in registry.figures.items() if spec.kind == "formula"}
    for fid in formula.dependency_order(formulas):
        values[fid] = round(formula.evaluate(formulas[fid], values, fid), 6)
    json.dump(values, sys.stdout, ensure_ascii=False, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
