"""The registry's small arithmetic language: parse with ast against a whitelist, evaluate, order."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping

from reportgen.errors import ConfigError, FigureError, Problem

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type, tuple[str, Callable[[float, float], bool]]] = {
    ast.Eq: ("==", lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))),
    ast.LtE: ("<=", lambda a, b: a <= b + 1e-9),
    ast.GtE: (">=", lambda a, b: a + 1e-9 >= b),
    ast.Lt: ("<", operator.lt),
    ast.Gt: (">", operator.gt),
}


def _parse(text: str, comparison: bool) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ConfigError(Problem("not an arithmetic expression", value=text)) from None
    if comparison:
        if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in _COMPARE):
            raise ConfigError(Problem("expected 'left == right' (or <=, >=, <, >)", value=text))
        for side in (tree.left, tree.comparators[0]):
            _whitelist(side, text)
    else:
        _whitelist(tree, text)
    return tree


def _whitelist(node: ast.AST, text: str) -> None:
    for child in ast.walk(node):
        allowed = (
            isinstance(child, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Load))
            or type(child) in _BINARY
            or isinstance(child, (ast.USub, ast.UAdd))
            or (isinstance(child, ast.Constant) and type(child.value) in (int, float))
        )
        if not allowed:
            raise ConfigError(
                Problem(f"only + - * / ( ), numbers and figure ids are allowed, not {type(child).__name__}",
                        value=text)
            )


def names(text: str, comparison: bool = False) -> set[str]:
    """The figure ids an expression (or a comparison, for checks) refers to."""
    return {n.id for n in ast.walk(_parse(text, comparison)) if isinstance(n, ast.Name)}


def evaluate(text: str, values: Mapping[str, float], figure: str = "") -> float:
    """Evaluate an arithmetic expression over figure values."""
    return _eval(_parse(text, False), values, figure or text)


def _eval(node: ast.expr, values: Mapping[str, float], where: str) -> float:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        value = values[node.id]
        if not isinstance(value, (int, float)):
            raise FigureError(Problem(f"{node.id} is not a number", column=where, value=value))
        return value
    if isinstance(node, ast.UnaryOp):
        inner = _eval(node.operand, values, where)
        return -inner if isinstance(node.op, ast.USub) else inner
    left, right = _eval(node.left, values, where), _eval(node.right, values, where)
    if isinstance(node.op, ast.Div) and right == 0:
        raise FigureError(Problem("division by zero", column=where, value=ast.unparse(node.right)))
    return _BINARY[type(node.op)](left, right)


def compare(text: str, values: Mapping[str, float]) -> tuple[bool, str, float, str, float]:
    """Evaluate a check: (holds, left text, left value, right text, right value)."""
    tree = _parse(text, True)
    left, right = tree.left, tree.comparators[0]
    left_value, right_value = _eval(left, values, text), _eval(right, values, text)
    _symbol, test = _COMPARE[type(tree.ops[0])]
    return test(left_value, right_value), ast.unparse(left), left_value, ast.unparse(right), right_value


def operator_symbol(text: str) -> str:
    return _COMPARE[type(_parse(text, True).ops[0])][0]


def dependency_order(formulas: Mapping[str, str]) -> list[str]:
    """Formula figure ids so that each comes after the formulas it uses; a cycle is an error."""
    cycle = find_cycle(formulas)
    if cycle:
        raise FigureError(Problem("formulas form a cycle", value=" → ".join(cycle)))
    order: list[str] = []
    seen: set[str] = set()

    def visit(fid: str) -> None:
        if fid in seen:
            return
        seen.add(fid)
        for dep in sorted(names(formulas[fid]) & set(formulas)):
            visit(dep)
        order.append(fid)

    for fid in formulas:
        visit(fid)
    return order


def find_cycle(formulas: Mapping[str, str]) -> list[str] | None:
    """A cycle among formulas as [a, b, …, a], or None."""
    graph = {}
    for fid, text in formulas.items():
        try:
            graph[fid] = sorted(names(text) & set(formulas))
        except ConfigError:
            graph[fid] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(fid: str) -> list[str] | None:
        state[fid] = 1
        stack.append(fid)
        for dep in graph[fid]:
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[fid] = 2
        return None

    for fid in graph:
        if fid not in state:
            found = visit(fid)
            if found:
                return found
    return None
