"""Declared invariants of figures.yaml evaluated over a FigureSet: each result shows both sides."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.engine import formula
from reportgen.engine.config import Registry
from reportgen.engine.figures import FigureSet
from reportgen.errors import CheckFailed, Problem


@dataclass(frozen=True)
class CheckResult:
    """One invariant, evaluated: whether it holds and the value of each side."""

    id: str
    label: str
    assertion: str
    holds: bool
    left: str
    left_value: float
    right: str
    right_value: float

    def __str__(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        op = formula.operator_symbol(self.assertion)
        return (f"check {self.id} ({self.label}) {verdict}: "
                f"{self.left} = {self.left_value:g} {op} {self.right} = {self.right_value:g}")

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def run_checks(registry: Registry, figures: FigureSet) -> tuple[CheckResult, ...]:
    """Evaluate every declared check; never stops at the first failure."""
    values = figures.values()
    results = []
    for cid, check in registry.checks.items():
        holds, left, lv, right, rv = formula.compare(check.assertion, values)
        results.append(CheckResult(cid, check.label, check.assertion, holds, left, lv, right, rv))
    return tuple(results)


def require_all(results: tuple[CheckResult, ...], registry: Registry) -> None:
    """Raise CheckFailed naming every failed check with both sides and its line in figures.yaml."""
    failed = [r for r in results if not r.holds]
    if failed:
        raise CheckFailed([
            Problem(str(r), file=str(registry.path), line=registry.line("checks", r.id))
            for r in failed
        ])
