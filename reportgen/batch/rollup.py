"""Roll-up checks: a county's additive figures equal the sum of its townships'; rates are recomputed.

Which figures add up follows from how each is measured: counts, sums and distinct counts (of
households, people, posts: each belongs to one township) add; a share or a mean is recomputed from
the townships' numerators and denominators; a formula is evaluated again over the summed figures it
uses. Lists, quarter spans and registry values are not rolled up. `units.not_additive` in
figures.yaml takes a count or sum out of the sum rule (say, one a township and the county count in
different ways).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from reportgen.engine import formula
from reportgen.engine.checks import CheckResult
from reportgen.engine.config import Registry
from reportgen.engine.figures import FigureSet
from reportgen.errors import CheckFailed, Problem

ADDITIVE_MEASURES = ("count", "sum", "nunique")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def additive_figures(registry: Registry) -> list[str]:
    """Ledger figures of the registry whose county value is the sum of the townships' values."""
    excluded = set(registry.units.not_additive) if registry.units else set()
    return [fid for fid, spec in registry.figures.items()
            if spec.kind == "ledger" and spec.measure in ADDITIVE_MEASURES and fid not in excluded]


def rollup_checks(registry: Registry, county: FigureSet,
                  townships: Mapping[str, Mapping[str, float]]) -> tuple[CheckResult, ...]:
    """Every roll-up rule evaluated: the county's figures against its townships' figure values."""
    results = []
    sums: dict[str, float] = {}
    for fid in additive_figures(registry):
        total = sum(values[fid] for values in townships.values())
        sums[fid] = total
        value = county[fid].value
        results.append(CheckResult(f"rollup.{fid}", f"{county[fid].label}：全县等于各乡镇之和",
                                   f"{fid} == sum_of_townships", _close(value, total),
                                   fid, value, "各乡镇之和", total))
    for fid, spec in registry.figures.items():
        fig = county[fid]
        if spec.kind == "ledger" and spec.measure in ("ratio", "mean"):
            rows = {t: _rows_of(values, fid) for t, values in townships.items()}
            if None in rows.values():
                continue
            denominator = sum(rows.values())
            numerator = sum(values[fid] * rows[t] for t, values in townships.items())
            expected = numerator / denominator if denominator else 0.0
            results.append(CheckResult(f"rollup.{fid}", f"{fig.label}：由各乡镇分子分母重新计算",
                                       f"{fid} == numerators / denominators", _close(fig.value, expected),
                                       fid, fig.value, "各乡镇分子之和 / 分母之和", expected))
        elif spec.kind == "formula":
            used = formula.names(spec.formula)
            if not used <= set(sums) | _registry_ids(registry):
                continue
            inputs = {**{k: county[k].value for k in used}, **{k: sums[k] for k in used if k in sums}}
            expected = formula.evaluate(spec.formula, inputs, f"figures.{fid}")
            results.append(CheckResult(f"rollup.{fid}", f"{fig.label}：由各乡镇之和按公式重新计算",
                                       f"{fid} == formula_over_township_sums", _close(fig.value, expected),
                                       fid, fig.value, spec.formula, expected))
    return tuple(results)


ROWS_SUFFIX = ".rows"  # a township's figure values carry each share's and mean's denominator under this


def township_values(figures: FigureSet) -> dict[str, float]:
    """What a roll-up needs of a township: each figure's value, and for shares and means the rows."""
    values: dict = {}
    for fid, fig in figures.figures.items():
        if isinstance(fig.value, tuple):
            continue
        values[fid] = fig.value
        if fig.provenance.measure in ("ratio", "mean"):
            values[fid + ROWS_SUFFIX] = fig.provenance.rows
    return values


def _rows_of(values: Mapping[str, float], fid: str):
    return values.get(fid + ROWS_SUFFIX)


def _registry_ids(registry: Registry) -> set[str]:
    return {fid for fid, spec in registry.figures.items() if spec.kind == "registry"}


def require_rollup(results: tuple[CheckResult, ...], registry: Registry) -> None:
    """Raise CheckFailed naming every roll-up that does not hold, with both sides."""
    failed = [r for r in results if not r.holds]
    if failed:
        raise CheckFailed([Problem(str(r), file=str(registry.path), line=registry.line("units"))
                           for r in failed])
