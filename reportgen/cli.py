"""Command line: parse arguments, call the library, print, return an exit code. No logic of its own."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from reportgen.errors import EXIT_CHECK, EXIT_INTERNAL, EXIT_OK, EXIT_UNCHECKED, ReportgenError
from reportgen.privacy import scrub


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Work reports from ledgers and a figure registry.",
                                     epilog="exit codes: 0 success; 2 bad input; 3 a check or a document disagrees; "
                                            "4 check: a document states no figure it could check; 70 internal error")
    parser.add_argument("--root", type=Path, default=Path("."), help="project folder holding figures.yaml and data/")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True)

    def timeframe_args(p):
        p.add_argument("--period", help="2023Q1 … 2023Q4, 2023H1, 2023H2, 2023Q1-Q3 or 2023 (default: figures.yaml)")
        p.add_argument("--as-of", dest="as_of", help="data cut-off YYYY-MM-DD (default: the period's)")

    p = sub.add_parser("figures", help="print every figure with its value, wording and source")
    timeframe_args(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")

    p = sub.add_parser("build", help="build the documents of one period into output/<period>/")
    timeframe_args(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: output/ under --root)")
    p.add_argument("--documents", nargs="+", default=None, metavar="NAME",
                   help="documents to build (default: every document in figures.yaml)")
    p.add_argument("--force", action="store_true",
                   help="write the files even when the period-word lint finds something (exit code 3)")
    p.add_argument("--unit", default=None, metavar="NAME|all",
                   help="a township or the county of figures.yaml's units, or all of them (default: all)")

    p = sub.add_parser("variants", help="build several periods in one run, loading the ledgers once")
    p.add_argument("--periods", nargs="+", default=None,
                   help="periods to build, PERIOD or PERIOD@DELIVERY-DATE (default: every kind of 2023)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: output/ under --root)")
    p.add_argument("--force", action="store_true",
                   help="write the files even when the period-word lint finds something (exit code 3)")

    p = sub.add_parser("batch", help="build units × periods in parallel, locally or on a Dask cluster")
    p.add_argument("--units", default="all", help="all, or unit names separated by commas")
    p.add_argument("--periods", nargs="+", default=None, help="periods separated by commas "
                   "(default: 2023Q1,2023H1,2023Q1-Q3,2023)")
    p.add_argument("--as-of", dest="as_of", help="data cut-off YYYY-MM-DD (default: each period's)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="run on this Dask distributed scheduler instead of the local cores")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: output/ under --root)")

    p = sub.add_parser("check", help="read documents back and compare their figures with the registry",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit codes: 0 every figure checked agrees; 3 a figure disagrees, is garbled or stale, or "
                              "the document's own\narithmetic fails; 4 nothing disagrees but a document states no "
                              "figure that could be checked;\n2 a file cannot be read or is too large; 70 an "
                              "internal error")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help=".docx, .pdf, .html, .txt, .md, .xlsx or .csv")
    timeframe_args(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--ledger", type=Path, default=None,
                   help="build ledger that dates built files (default: output/ledger.sqlite under --root)")
    p.add_argument("--unit", default=None, metavar="NAME",
                   help="the unit the documents are of; the county's are compared with its townships too")

    p = sub.add_parser("explain", help="print a figure's definition, provenance and first rows used")
    p.add_argument("figure")
    timeframe_args(p)
    p.add_argument("--rows", type=int, default=5)
    return parser


def _figures(args) -> int:
    from reportgen.audit import listing
    from reportgen.engine.project import evaluate, load_project

    project = load_project(args.root)
    results = evaluate(project, project.timeframe(args.period, args.as_of), strict=False)
    render = {"table": listing.figures_table, "json": listing.figures_json, "csv": listing.figures_csv}
    sys.stdout.write(render[args.format](results))
    for warning in results.figures.warnings:
        sys.stderr.write(scrub(f"warning: {warning}") + "\n")
    if results.failed:
        sys.stderr.write(listing.failed_checks_text(results.failed))
        return EXIT_CHECK
    return EXIT_OK


def _explain(args) -> int:
    from reportgen.audit import listing
    from reportgen.engine.project import evaluate, load_project
    from reportgen.errors import InputError, Problem

    project = load_project(args.root)
    if args.figure not in project.registry.figures:
        raise InputError(Problem("unknown figure", value=args.figure,
                                 expected="a figure id from figures.yaml (see `pipeline.py figures`)"))
    results = evaluate(project, project.timeframe(args.period, args.as_of), strict=False)
    sys.stdout.write(listing.explain(project, results, args.figure, args.rows))
    return EXIT_OK


def _build(args) -> int:
    from reportgen.documents.writers.pdf_worker import prestart

    if args.unit is None:
        prestart()  # WeasyPrint loads in a second process while this one computes the figures
    from reportgen.build import build
    from reportgen.engine.project import load_project

    project = load_project(args.root)
    if args.unit is not None or project.registry.units is not None:
        from reportgen.batch.units import select_units

        return _run_batch(args, project, select_units(project.registry, args.unit),
                          [args.period or project.registry.periods.default], args.documents)
    out = args.out or args.root / "output"
    documents = tuple(args.documents) if args.documents else None
    result = build(project, project.timeframe(args.period, args.as_of), out, documents,
                   progress=lambda msg: sys.stderr.write(msg + "\n"), force=args.force)
    _report_build(result)
    return EXIT_CHECK if result.lint_hits else EXIT_OK


def _report_build(result, fonts_shown: set | None = None) -> None:
    for line in result.font_substitutions:
        if fonts_shown is None or line not in fonts_shown:
            sys.stderr.write(f"font: {line}\n")
        if fonts_shown is not None:
            fonts_shown.add(line)
    for warning in result.warnings:
        sys.stderr.write(scrub(f"warning: {warning}") + "\n")
    for hit in result.lint_hits:
        sys.stderr.write(scrub(f"period word: {result.timeframe.name} {hit}") + "\n")
    for doc in result.documents:
        for name in doc.files.values():
            sys.stdout.write(f"{result.folder / name}\n")
    sys.stdout.write(f"{result.folder / 'figures.json'}\n")


def _variants(args) -> int:
    from reportgen.batch.variants import DEFAULT_VARIANTS, build_variants
    from reportgen.engine.project import load_project

    project = load_project(args.root)
    periods = tuple(args.periods or DEFAULT_VARIANTS)
    results = build_variants(project, periods, args.out or args.root / "output",
                             progress=lambda msg: sys.stderr.write(msg + "\n"), force=args.force)
    for result in results:
        _report_build(result)
    return EXIT_CHECK if any(r.lint_hits for r in results) else EXIT_OK


def _batch(args) -> int:
    from reportgen.batch.plan import parse_list
    from reportgen.batch.units import select_units
    from reportgen.batch.variants import DEFAULT_VARIANTS
    from reportgen.engine.project import load_project

    project = load_project(args.root)
    names = parse_list(args.units)
    units = [u for name in (names or ["all"]) for u in select_units(project.registry, name)]
    return _run_batch(args, project, list(dict.fromkeys(units)), parse_list(args.periods) or list(DEFAULT_VARIANTS))


def _run_batch(args, project, units, periods, documents=None) -> int:
    from reportgen.batch.run import run_batch

    result = run_batch(project, units, periods, args.out or args.root / "output",
                       scheduler=getattr(args, "scheduler", None), workers=getattr(args, "workers", None),
                       as_of=args.as_of, documents=tuple(documents) if documents else None)
    fonts_shown: set = set()
    for built in result.built:
        _report_build(built, fonts_shown)
    for label, message, _code in result.failed:
        sys.stderr.write(scrub(f"error: {label}: {message}") + "\n")
    return result.exit_code


def _check(args) -> int:
    from reportgen.audit.consistency import check_documents, format_text, to_json
    from reportgen.engine.project import evaluate, load_project

    project = whole = load_project(args.root)
    unit = None
    if args.unit is not None:
        from reportgen.batch.units import project_for, select_units

        unit = select_units(project.registry, args.unit)[0]
        project = project_for(project, unit)
    results = evaluate(project, project.timeframe(args.period, args.as_of), strict=False)
    ledger = args.ledger or args.root / "output" / "ledger.sqlite"
    report = check_documents(project, results, args.files, ledger)
    if unit is not None and unit.level == "county":
        from reportgen.batch.countycheck import with_township_findings

        for name in project.registry.documents:
            report = with_township_findings(report, whole, results.figures.timeframe, name)
    sys.stdout.write(to_json(report) if args.format == "json" else format_text(report))
    if not report.ok:
        return EXIT_CHECK
    return EXIT_UNCHECKED if report.unchecked else EXIT_OK


COMMANDS = {"figures": _figures, "explain": _explain, "build": _build, "variants": _variants,
            "check": _check, "batch": _batch}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A command is one short run that keeps what it loads until it exits: the cyclic garbage
    # collector would only walk pandas' and WeasyPrint's objects again and again (a tenth of the
    # build's time). Memory stays bounded: reference counting still frees everything acyclic.
    # Called from Python with arguments (a test, a notebook), the process goes on afterwards: the
    # collector is then left as it was found.
    collecting = gc.isenabled()
    gc.disable()
    try:
        code = COMMANDS[args.command](args)
        gc.freeze()  # and no collection over all of it at exit either
        return code
    except ReportgenError as exc:
        sys.stderr.write(scrub(f"error: {exc}") + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so plainly, with the type, and a distinct code
        sys.stderr.write(scrub(f"internal error ({type(exc).__name__}): {exc}") + "\n")
        if args.debug:
            raise
        return EXIT_INTERNAL
    finally:
        if argv is not None and collecting:
            gc.unfreeze()
            gc.enable()
