"""The template sandbox's limits: render time, output size, repetition, number size and printable text."""

# Templates are edited by office staff, so a template may be wrong in any way, but not costly: every
# operation that can grow a text, a list or a number is checked *before* it runs (a huge string is
# one C call that no time limit can interrupt), and the render as a whole is bounded in time and in
# the characters it writes.  A limit that is hit raises TemplateError; the caller adds the template
# file and line from the traceback.

from __future__ import annotations

import ctypes
import functools
import math
import re
import threading

from jinja2.compiler import CodeGenerator
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

from reportgen.errors import Problem, TemplateError

MAX_SECONDS = 5.0          # a work report renders in well under a tenth of a second
MAX_OUTPUT = 1_000_000     # characters a render may write (a work report is some 10 000)
MAX_DIGITS = 30            # digits of a number a product or a power may make
MAX_WIDTH = 1_000          # a field width in '%' formatting


class RenderTimeout(BaseException):
    """Raised in the rendering thread when the time limit has passed; BaseException so that no
    `except Exception` in the template machinery swallows it."""


def _too_large(what: str, size: int, limit: int = MAX_OUTPUT) -> TemplateError:
    return TemplateError(Problem(f"too large for a template: {what} would make about {size:,} characters",
                                 expected=f"at most {limit:,}"))


def size_of(value, depth: int = 0) -> int:
    """Characters a value prints as, counted without printing it (lists to three levels)."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple)) and depth < 3:
        return 2 + sum(size_of(item, depth + 1) + 2 for item in value)
    return 1


def _digits(number) -> float:
    return abs(number).bit_length() * math.log10(2) if isinstance(number, int) else 0.0


def check_power(base, exponent) -> None:
    """`9 ** 9 ** 9` is refused: the result would have more than MAX_DIGITS digits."""
    numbers = (int, float)
    if not (isinstance(base, numbers) and isinstance(exponent, numbers)) or abs(base) <= 1 or exponent <= 0:
        return
    digits = exponent * math.log10(abs(base))
    if digits > MAX_DIGITS:
        raise TemplateError(Problem(f"too large for a template: {base} ** {exponent} would have about "
                                    f"{digits:,.0f} digits", expected=f"at most {MAX_DIGITS}"))


def check_product(left, right) -> None:
    """`'a' * 10**9`, `[s] * 50000` and repeated squaring of an integer are refused."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
            size = size_of(seq) * max(times, 0)
            if size > MAX_OUTPUT:
                raise _too_large("a repetition", size)
    if isinstance(left, int) and isinstance(right, int) and _digits(left) + _digits(right) > MAX_DIGITS:
        raise TemplateError(Problem("too large for a template: a product of more than "
                                    f"{MAX_DIGITS} digits", value=f"{_digits(left) + _digits(right):.0f} digits"))


def check_sum(left, right) -> None:
    if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
        size = size_of(left) + size_of(right)
        if size > MAX_OUTPUT:
            raise _too_large("a concatenation", size)


_WIDE_FIELD = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?")


def check_format(text: str) -> None:
    """`'%0999999999d' % 1` is refused: no field in '%' formatting is wider than MAX_WIDTH."""
    for match in _WIDE_FIELD.finditer(text):
        widths = re.findall(r"\*|\d+", match.group(0).split(")")[-1])
        if any(w == "*" or int(w) > MAX_WIDTH for w in widths):
            raise TemplateError(Problem("too large for a template: a '%' field wider than "
                                        f"{MAX_WIDTH}", value=match.group(0)))


def _check_replace(text, old, new, count=-1) -> None:
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    size = len(text) + found * len(new)
    if size > MAX_OUTPUT:
        raise _too_large("a replacement", size)


def _check_width(width) -> None:
    if isinstance(width, int) and width > MAX_OUTPUT:
        raise _too_large("a padding", width)


def _check_join(items, separator="") -> None:
    size = sum(size_of(item) for item in items) + len(items) * len(separator)
    if size > MAX_OUTPUT:
        raise _too_large("a join", size)


def check_str_call(method, args: tuple) -> tuple:
    """Calls of str methods that make long texts, checked before they run; returns the arguments
    (a join's iterable is made a list first, so it is counted and used once)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, (str, bytes)):
        return args
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _check_width(args[0])
    elif name == "expandtabs" and args and isinstance(args[0], int):
        _check_width(args[0] * owner.count("\t" if isinstance(owner, str) else b"\t"))
    elif name == "replace" and len(args) >= 2:
        _check_replace(owner, *args[:3])
    elif name == "join" and args:
        items = list(args[0])
        _check_join(items, owner)
        args = (items, *args[1:])
    return args


def _bounded(name: str, check):
    """A default filter that runs `check` on its arguments first."""
    original = DEFAULT_FILTERS[name]

    @functools.wraps(original)
    def bounded(*args, **kwargs):
        check(*args, **kwargs)
        return original(*args, **kwargs)

    return bounded


def _check_indent(text, width=4, *_args, **_kwargs) -> None:
    pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    size = len(str(text)) + (str(text).count("\n") + 1) * pad
    if size > MAX_OUTPUT:
        raise _too_large("an indent", size)


def _check_wordwrap(_env, text, width=79, break_long_words=True, wrapstring=None, *_args, **_kwargs) -> None:
    text = str(text)
    lines = len(text) // max(int(width), 1) + text.count("\n") + 1
    size = len(text) + lines * len(wrapstring or "\n")
    if size > MAX_OUTPUT:
        raise _too_large("a word wrap", size)


def _check_join_filter(_ctx, value, d="", attribute=None) -> None:
    if isinstance(value, (list, tuple)):
        _check_join(value, str(d))


def _check_replace_filter(_ctx, text, old, new, count=None) -> None:
    _check_replace(str(text), str(old), str(new), count)


def _check_format_filter(value, *_args, **_kwargs) -> None:
    check_format(str(value))


BOUNDED_FILTERS = {
    "center": _bounded("center", lambda _value, width=80: _check_width(width)),
    "indent": _bounded("indent", _check_indent),
    "wordwrap": _bounded("wordwrap", _check_wordwrap),
    "join": _bounded("join", _check_join_filter),
    "replace": _bounded("replace", _check_replace_filter),
    "format": _bounded("format", _check_format_filter),
}


def lipsum(n=5, html=True, min=20, max=100):  # noqa: A002 - Jinja's own argument names
    """Jinja's `lipsum`, refusing more text than a render may write."""
    size = int(n) * int(max) * 12
    if size > MAX_OUTPUT:
        raise _too_large(f"lipsum({n})", size)
    return generate_lorem_ipsum(n, html, min, max)


def printable(value):
    """Every `{{ … }}` passes here: a printed text may hold no control character."""
    if isinstance(value, str):
        bad = first_control_character(value)
        if bad is not None:
            raise TemplateError(Problem(f"the text printed here holds the control character U+{ord(bad):04X}",
                                        value=value[:40], expected="printable text"))
    return value


# Control characters (Cc) but tab and line ends, the line and paragraph separators that would
# shift line numbers, and a BOM inside the text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def first_control_character(text: str) -> str | None:
    """The first character a document cannot hold or that would shift line numbers, or None."""
    found = _CONTROL.search(text)
    return found.group(0) if found else None


class BoundedCodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to a call that checks the joined length first."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every growth bounded, str.format and str.format_map refused."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, escape=None, **options):
        """`escape`, if given, makes what every `{{ … }}` prints, after the control-character check."""
        def finalize(value):
            value = printable(value)
            return value if escape is None else escape(value)

        super().__init__(finalize=finalize, **options)
        self.filters.update(BOUNDED_FILTERS)
        self.globals["lipsum"] = lipsum

    def wrap_str_format(self, value):
        return None  # no sandboxed str.format: the attribute itself is refused below

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            check_power(left, right)
        elif operator == "*":
            check_product(left, right)
        elif operator == "+":
            check_sum(left, right)
        elif operator == "%" and isinstance(left, str):
            check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        args = check_str_call(__obj, args)
        return super().call(__context, __obj, *args, **kwargs)

    @staticmethod
    def bounded_concat(values) -> str:
        parts = [str(v) for v in values]
        size = sum(map(len, parts))
        if size > MAX_OUTPUT:
            raise _too_large("a '~' concatenation", size)
        return "".join(parts)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if isinstance(obj, str) and attr in ("format", "format_map"):
            return False
        return super().is_safe_attribute(obj, attr, value)


class _Deadline:
    """Raises RenderTimeout in this thread once `seconds` have passed, unless left before."""

    def __init__(self, seconds: float):
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        self._armed = True
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread),
                                                           ctypes.py_object(RenderTimeout))

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> bool:
        with self._lock:
            self._armed = False
        self._timer.cancel()
        # A timeout set just as the render ended is dropped here, so it never lands after this.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), None)
        return False


def render_bounded(template, context: dict) -> str:
    """Render with the time and output limits; raise RenderTimeout or TemplateError (from template code)."""
    with _Deadline(MAX_SECONDS):
        parts, size = [], 0
        stream = template.generate(context)
        for chunk in stream:
            size += len(chunk)
            if size > MAX_OUTPUT:  # raised inside the template, so its traceback names the line
                stream.throw(TemplateError(Problem(f"the rendered text is longer than {MAX_OUTPUT:,} characters",
                                                   expected="a shorter text (a loop that runs too long?)")))
            parts.append(chunk)
        return "".join(parts)
