"""Jinja2 templates into report markup, in a sandbox that sees only figures, registry values and words."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
from collections.abc import Mapping
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SecurityError
from jinja2.utils import _PassArg

from reportgen import zhnum
from reportgen.documents import literal, sandbox
from reportgen.engine.figures import Figure, FigureSet
from reportgen.errors import Problem, TemplateError

BOM = "\ufeff"


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


class ConfinedLoader(jinja2.BaseLoader):
    """Loads templates from one folder only: a path or a link that leads out of it is refused, and a
    template must be a UTF-8 text file (a leading BOM is dropped) without control characters."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get_source(self, environment, template):
        pieces = split_template_path(template)  # '..' and absolute paths are not found
        path = self.folder.joinpath(*pieces)
        shown = "/".join((self.folder.name, *pieces))
        if not path.exists() and not path.is_symlink():
            raise jinja2.TemplateNotFound(template)
        real = confined(self.folder, path, shown)
        if real.is_dir():
            raise TemplateError(Problem(f"{shown} is a folder", expected="a template file"))
        try:
            if real.stat().st_size > sandbox.MAX_OUTPUT:
                raise TemplateError(Problem(f"{shown} is larger than {sandbox.MAX_OUTPUT:,} bytes",
                                            value=real.stat().st_size, expected="a template of a report's size"))
            data = real.read_bytes()
        except OSError as exc:
            raise TemplateError(Problem(f"cannot read {shown}: {exc.strerror}")) from None
        source = decode(data, shown)
        return source, str(path), lambda: _unchanged(path, real, data)


def _unchanged(path: Path, real: Path, data: bytes) -> bool:
    """Whether the template compiled from `data` still stands: the path leads to the same file and
    it holds the same bytes (a template is small; a timestamp can stay put through an edit)."""
    try:
        return path.resolve() == real and real.read_bytes() == data
    except OSError:
        return False


def confined(folder: Path, path: Path, shown: str) -> Path:
    """The real path of a file in templates/; a link that leads out of the folder is refused."""
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise TemplateError(Problem(f"{shown} is a link that leads outside templates/", value=str(real),
                                    expected="a file inside templates/"))
    return real


def decode(data: bytes, shown: str) -> str:
    """A template's text: UTF-8 with an optional BOM, no control characters; else the line that is not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = "UTF-8 text (save the template as UTF-8)"
        try:
            data.decode("gb18030")
            hint += "; it reads as GBK"
        except UnicodeDecodeError:
            pass
        raise TemplateError(Problem("not UTF-8", file=shown, line=line, value=data[exc.start:exc.start + 4],
                                    expected=hint)) from None
    text = text.removeprefix(BOM)
    bad = sandbox.first_control_character(text)
    if bad is not None:
        before = text[:text.index(bad)]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise TemplateError(Problem(f"column {column}: the control character U+{ord(bad):04X}", file=shown,
                                    line=line, expected="printable text (delete the invisible character)"))
    return text


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


def _text_filter(name: str, original):
    """A filter of Jinja's that escapes for HTML under autoescape, made to work on plain text, so that
    what it gives is escaped for the markup when printed like any other value."""
    by_context = _PassArg.from_obj(original) is _PassArg.eval_context

    @functools.wraps(original)
    def plain(*args, **kwargs):
        if by_context:
            eval_ctx = copy.copy(args[0])
            eval_ctx.autoescape = False
            args = (eval_ctx, *args[1:])
        made = original(*args, **kwargs)
        return str(made) if name in _TEXT_AS_MARKUP else made

    return plain


_TEXT_AS_MARKUP = ("striptags", "tojson")  # a Markup of text, not of the template's markup


def _markup_filters(filters: Mapping) -> dict:
    """`e`/`escape` escape for the markup; `safe` keeps marking text as markup; the rest work on text."""
    plain = {name: _text_filter(name, f) for name, f in filters.items()
             if _PassArg.from_obj(f) is _PassArg.eval_context or name in _TEXT_AS_MARKUP}
    escaping = {name: (lambda value: literal.literal(str(value))) for name in ("e", "escape", "forceescape")}
    return {**plain, **escaping}


def _globals() -> dict:
    return {"hu_ren": lambda h, p: zhnum.hu_ren(_number(h), _number(p))}


def environment(templates_dir: Path) -> jinja2.Environment:
    """The sandboxed environment: StrictUndefined, loader confined to templates/, and every printed
    value escaped for the markup (documents.literal), so ledger and registry text reaches the
    document as typed; a macro's output, a `{% set %}` block and `|safe` are the template's markup.

    One per folder and process, so a template is compiled once, not for every document and period
    (Jinja compiles it again once the file has changed: `ConfinedLoader`'s stamp)."""
    return _environment(Path(templates_dir).absolute())


@functools.lru_cache(maxsize=64)
def _environment(templates_dir: Path) -> jinja2.Environment:
    env = sandbox.Sandbox(
        escape=literal.literal,
        loader=ConfinedLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(_filters())
    env.filters.update(_markup_filters(env.filters))
    env.globals.update(_globals())
    return env


def date_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def registry_words(values: Mapping | None) -> dict | None:
    """Registry values as a template prints them: dates in Chinese (2023年8月4日)."""
    if values is None:
        return None
    return {k: (date_words(v) if isinstance(v, dt.date) else v) for k, v in values.items()}


def _location(exc: BaseException, templates_dir: Path, default: str) -> tuple[str, int | None]:
    """The innermost template frame of the traceback: (templates/<file>, line); an included file
    when the error is there, else the file rendered."""
    shown, line = default, getattr(exc, "lineno", None)
    prefix = str(templates_dir) + os.sep
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")  # a frame Jinja did not rewrite
        filename = tb.tb_frame.f_code.co_filename
        if template is not None and template.filename and template.filename.startswith(prefix):
            filename, number = template.filename, template.get_corresponding_lineno(tb.tb_lineno)
        else:
            number = tb.tb_lineno
        if filename.startswith(prefix):
            shown, line = "/".join((templates_dir.name, *Path(filename[len(prefix):]).parts)), number
        tb = tb.tb_next
    return shown, line


def _message(exc: BaseException) -> tuple[str, object]:
    """What went wrong in a render, in the template writer's terms, and the value concerned."""
    if isinstance(exc, jinja2.TemplateNotFound):  # {% include '../figures.yaml' %}
        return "included template not found inside templates/", exc.name
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {exc.message}", None
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}", None
    if isinstance(exc, jinja2.TemplateError):
        return f"template error: {exc}", None
    if isinstance(exc, sandbox.RenderTimeout):
        return (f"the template ran longer than {sandbox.MAX_SECONDS:g} s and was stopped "
                "(a loop that runs too long?)"), None
    if isinstance(exc, RecursionError):
        return "recursion too deep (a macro that calls itself without end?)", None
    if isinstance(exc, OverflowError):  # the sandbox's limit on range(), or a float too large
        return f"not allowed in a template: {exc}", None
    if isinstance(exc, ArithmeticError):
        return f"arithmetic error: {exc}", None
    if isinstance(exc, MemoryError):
        return "the template needs more memory than there is", None
    return f"cannot compute ({type(exc).__name__}): {exc}", None


_TEMPLATE_FAULTS = (jinja2.TemplateError, SecurityError, sandbox.RenderTimeout, ArithmeticError, TypeError,
                    ValueError, MemoryError)


def render(templates_dir: Path, name: str, figures: FigureSet, report: Mapping,
           period_words: Mapping[str, str], extra: Mapping | None = None) -> str:
    """Render one template; any failure becomes a TemplateError naming the template file and line."""
    env = environment(templates_dir)
    default = "/".join((templates_dir.name, name))
    context = {"f": FigureNamespace(figures.figures), "report": registry_words(report),
               "period": dict(period_words), **(extra or {})}
    try:
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(Problem("template not found", file=default, value=str(exc))) from None
        return sandbox.render_bounded(template, context)
    except (TemplateError, zhnum.WordingError) as exc:
        shown, line = _location(exc, templates_dir, default)
        raise TemplateError([p if p.file else Problem(p.message, file=shown, line=line, value=p.value,
                                                      expected=p.expected)
                             for p in exc.problems]) from None
    except jinja2.TemplateSyntaxError as exc:  # the file and line are the parser's, an included file's too
        shown = "/".join((templates_dir.name, *Path(exc.name or name).parts))
        raise TemplateError(Problem(f"template syntax: {exc.message}", file=shown, line=exc.lineno)) from None
    except (*_TEMPLATE_FAULTS, RecursionError) as exc:
        shown, line = _location(exc, templates_dir, default)
        message, value = _message(exc)
        raise TemplateError(Problem(message, file=shown, line=line, value=value)) from None
