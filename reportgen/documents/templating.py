"""Jinja2 templates into report markup, in a sandbox that sees only figures, registry values and words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from reportgen import zhnum
from reportgen.engine.figures import Figure, FigureSet
from reportgen.errors import Problem, TemplateError


class FigureNamespace:
    """`f.<id>` in a template; an unknown id is an error that names it, never an empty string."""

    def __init__(self, figures: Mapping[str, Figure]):
        self._figures = figures

    def __getattr__(self, name: str) -> Figure:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._figures[name]
        except KeyError:
            raise TemplateError(Problem("unknown figure", value=name,
                                        expected="a figure id defined in figures.yaml")) from None

    def __getitem__(self, name) -> Figure:
        if not isinstance(name, str) or name.startswith("_"):  # f['_figures'], f[0]
            raise TemplateError(Problem("unknown figure", value=name,
                                        expected="a figure id defined in figures.yaml"))
        return self.__getattr__(name)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing str.format and str.format_map (the `format` filter remains)."""

    def wrap_str_format(self, value):
        return None  # no sandboxed str.format: the attribute itself is refused below

    intercepted_binops = frozenset(["*", "**"])
    MAX_REPEAT = 100_000

    def call_binop(self, context, operator, left, right):
        """Refuse `'a' * 10**9` and huge powers, which would exhaust memory or time."""
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise SecurityError(f"exponent {right} is too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) \
                        and len(seq) * times > self.MAX_REPEAT:
                    raise SecurityError("a repeated sequence longer than 100000 items")
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if isinstance(obj, str) and attr in ("format", "format_map"):
            return False
        return super().is_safe_attribute(obj, attr, value)


def _number(value):
    return value.value if isinstance(value, Figure) else value


def _unit(value, default=""):
    return value.unit if isinstance(value, Figure) else default


def _filters() -> dict:
    return {
        "wan": lambda v: zhnum.wan(_number(v)),
        "yu_wan": lambda v: zhnum.yu_wan(_number(v)),
        "yuan": lambda v: zhnum.yuan(_number(v)),
        "percent": lambda v: zhnum.percent(_number(v)),
        "count": lambda v, unit=None: zhnum.count(_number(v), unit or _unit(v)),
        "num": lambda v: zhnum.plain(_number(v), ""),
        "join_zh": lambda items: zhnum.join_zh(list(_number(items))),
        "join_dun": lambda items: "、".join(_number(items)),  # a list closed by 等 takes 、 throughout
        "ordinal": lambda n, style="item": zhnum.ordinal(n, style),
        "numeral": lambda n: zhnum.chinese_numeral(int(_number(n))),
        "change": lambda cur, prev, kind="count": zhnum.change(_number(cur), _number(prev), kind, _unit(cur)),
    }


def _globals() -> dict:
    return {"hu_ren": lambda h, p: zhnum.hu_ren(_number(h), _number(p))}


def environment(templates_dir: Path) -> jinja2.Environment:
    """The sandboxed environment: StrictUndefined, loader confined to templates/, no autoescape."""
    env = _Sandbox(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_filters())
    env.globals.update(_globals())
    return env


def _template_line(exc: BaseException, filename: str) -> int | None:
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def date_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def registry_words(values: Mapping | None) -> dict | None:
    """Registry values as a template prints them: dates in Chinese (2023年8月4日)."""
    if values is None:
        return None
    return {k: (date_words(v) if isinstance(v, dt.date) else v) for k, v in values.items()}


def render(templates_dir: Path, name: str, figures: FigureSet, report: Mapping,
           period_words: Mapping[str, str], extra: Mapping | None = None) -> str:
    """Render one template; any failure becomes a TemplateError naming the template file and line."""
    env = environment(templates_dir)
    shown = Path(templates_dir.name) / name
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(Problem("template not found", file=str(shown), value=str(exc))) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(Problem(f"template syntax: {exc.message}",
                                    file=str(Path(templates_dir.name) / (exc.name or name)),
                                    line=exc.lineno)) from None
    context = {"f": FigureNamespace(figures.figures), "report": registry_words(report),
               "period": dict(period_words), **(extra or {})}
    try:
        return template.render(context)
    except TemplateError as exc:
        line = _template_line(exc, template.filename)
        raise TemplateError([Problem(p.message, file=str(shown), line=line, value=p.value, expected=p.expected)
                             for p in exc.problems]) from None
    except SecurityError as exc:
        raise TemplateError(Problem(f"not allowed in a template: {exc}", file=str(shown),
                                    line=_template_line(exc, template.filename))) from None
    except jinja2.TemplateNotFound as exc:  # {% include '../figures.yaml' %}: the loader stays in templates/
        raise TemplateError(Problem("included template not found inside templates/", file=str(shown),
                                    line=_template_line(exc, template.filename), value=exc.name)) from None
    except OverflowError as exc:  # the sandbox's limit on range()
        raise TemplateError(Problem(f"not allowed in a template: {exc}", file=str(shown),
                                    line=_template_line(exc, template.filename))) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(Problem(f"undefined: {exc.message}", file=str(shown),
                                    line=_template_line(exc, template.filename))) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(Problem(f"template error: {exc}", file=str(shown),
                                    line=_template_line(exc, template.filename))) from None
    except zhnum.WordingError as exc:
        raise TemplateError([Problem(p.message, file=str(shown), line=_template_line(exc, template.filename),
                                     value=p.value) for p in exc.problems]) from None
