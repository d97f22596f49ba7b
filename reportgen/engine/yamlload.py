"""YAML text into plain Python values plus the line of every key, refusing duplicate keys."""

from __future__ import annotations

import datetime as dt

import yaml

from reportgen.errors import ConfigError, Problem


def _construct(node: yaml.Node, path: tuple, lines: dict, problems: list, file: str):
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, path, {}, problems, file)
            if isinstance(key, (dt.date, int, float)):
                key = str(key)  # period names like 2023 or dates as keys stay text
            if key in result:
                problems.append(
                    Problem(
                        "duplicate key; each id may be defined once",
                        file=file,
                        line=key_node.start_mark.line + 1,
                        column=".".join(map(str, (*path, key))),
                    )
                )
                continue
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*path, key), lines, problems, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, (*path, i), lines, problems, file) for i, item in enumerate(node.value)
        ]
    return _scalar(node)


_SCALAR_LOADER = yaml.SafeLoader("")
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 7 times faster, same nodes


def _scalar(node: yaml.ScalarNode):
    return _SCALAR_LOADER.construct_object(node, deep=True)


def load_yaml(text: str, file: str) -> tuple[dict, dict]:
    """Parse YAML text; return (data, lines) where lines maps key paths to 1-based line numbers."""
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            Problem(
                f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                file=file,
                line=mark.line + 1 if mark else None,
            )
        ) from None
    if node is None:
        raise ConfigError(Problem("the file is empty", file=file, expected="a mapping of sections"))
    lines: dict = {}
    problems: list[Problem] = []
    data = _construct(node, (), lines, problems, file)
    if problems:
        raise ConfigError(problems)
    if not isinstance(data, dict):
        raise ConfigError(Problem("the top level must be a mapping", file=file, line=1))
    return data, lines


def line_of(lines: dict, path: tuple) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
