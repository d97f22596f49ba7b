"""One exception root for the project; each error says where (file, line or row, column) and what."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INPUT = 2       # the user's input (registry, ledgers, templates, period) is wrong
EXIT_CHECK = 3       # the build ran but figures or documents disagree
EXIT_UNCHECKED = 4   # check: nothing disagrees, but a document states no figure it could check
EXIT_INTERNAL = 70   # a bug in reportgen (EX_SOFTWARE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None       # line in a text file (YAML, template, CSV physical line)
    row: int | None = None        # row as a spreadsheet shows it: header is row 1
    column: str | None = None     # column name, or a dotted key path in figures.yaml
    value: object = None
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" {self.column}" if where else self.column
        text = self.message
        if self.expected is not None:
            text += f": expected {self.expected}"
        if self.value is not None:
            text += f"; got {self.value!r}"
        return f"{where}: {text}" if where else text


class ReportgenError(Exception):
    """Root of every error reportgen raises on purpose."""

    exit_code = EXIT_INTERNAL

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputError(ReportgenError):
    """The registry, a ledger, a template or an argument is wrong; the user can fix it."""

    exit_code = EXIT_INPUT


class ConfigError(InputError):
    """figures.yaml does not validate."""


class SourceError(InputError):
    """A ledger cannot be read or breaks its declared columns."""


class TemplateError(InputError):
    """A template names something unknown or tries to leave its sandbox."""


class PeriodError(InputError):
    """A period string or cut-off date is malformed or outside the ledgers."""


class FigureError(InputError):
    """A figure cannot be computed (formula cycle, division by zero, unknown name)."""


class WordingError(ReportgenError):
    """A value cannot be worded in Chinese (NaN, infinity, wrong type)."""

    exit_code = EXIT_INPUT


class CheckFailed(ReportgenError):
    """A declared invariant does not hold for the computed figures."""

    exit_code = EXIT_CHECK
