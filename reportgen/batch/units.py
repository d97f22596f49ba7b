"""The units of figures.yaml (a county, its townships, their villages) and a Project narrowed to one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from reportgen.engine.config import Registry
from reportgen.engine.project import Project
from reportgen.engine.townshipfolders import CountyLedger
from reportgen.errors import ConfigError, InputError, Problem

COUNTY, TOWNSHIP = "county", "township"


@dataclass(frozen=True)
class Unit:
    """One unit a build is for. `folder` is its path under output/<period>/ ("" for a lone township)."""

    name: str
    level: str  # county or township
    folder: str


def declared_units(registry: Registry) -> list[Unit]:
    """Every township, then the county; a registry without `units:` is one township, built as today."""
    spec = registry.units
    if spec is None:
        return [Unit(str(registry.report.get("township", "")), TOWNSHIP, "")]
    return [Unit(name, TOWNSHIP, name) for name in spec.townships] + [Unit(spec.county, COUNTY, spec.county)]


def select_units(registry: Registry, wanted: str | None) -> list[Unit]:
    """The units `--unit NAME|all` names: all of them for `all` (or nothing given), else the one."""
    units = declared_units(registry)
    if wanted in (None, "all"):
        return units
    for unit in units:
        if unit.name == wanted:
            return [unit]
    raise InputError(Problem("unknown unit", column="--unit", value=wanted,
                             expected=f"all or one of {', '.join(u.name for u in units)}"))


def check_units(project: Project) -> None:
    """Every ledger of a county names each row's township in the declared column, and only those."""
    spec = project.registry.units
    if spec is None:
        return
    problems = []
    file = str(project.registry.path)
    for name, source in project.registry.sources.items():
        column = source.columns.get(spec.column)
        if column is None or column.type != "category" or set(column.values or ()) != set(spec.townships):
            problems.append(Problem(f"a county's ledger needs a category column {spec.column!r} whose values "
                                    "are the townships", file=file, line=project.registry.line("sources", name),
                                    column=f"sources.{name}.columns.{spec.column}",
                                    expected=f"{{type: category, values: [{', '.join(spec.townships)}]}}"))
    for doc in spec.documents.values():
        if not (project.root / "templates" / doc.template).is_file():
            problems.append(Problem("template file not found in templates/", file=file,
                                    line=project.registry.line("units", "documents"), value=doc.template))
    if problems:
        raise ConfigError(problems)


def _narrow_sources(registry: Registry, township: str, villages: tuple[str, ...]) -> dict:
    spec = registry.units
    sources = {}
    for name, source in registry.sources.items():
        columns = dict(source.columns)
        columns[spec.column] = columns[spec.column].model_copy(update={"values": (township,)})
        village = columns.get(spec.village_column)
        if villages and village is not None and village.type == "category":
            columns[spec.village_column] = village.model_copy(update={"values": villages})
        sources[name] = source.model_copy(update={"columns": columns})
    return sources


def project_for(project: Project, unit: Unit) -> Project:
    """The project as one unit sees it: a township's rows, villages and report words, or the county's
    documents over every row. A registry without units is its own one township."""
    spec = project.registry.units
    registry = project.registry
    if spec is None:
        return project
    if unit.level == COUNTY:
        report = {**registry.report, "township": spec.county, "county": spec.county}
        narrowed = registry.model_copy(update={"documents": dict(spec.documents), "report": report})
        return Project(project.root, narrowed, project.ledgers)
    township = spec.townships[unit.name]
    sources = _narrow_sources(registry, unit.name, township.villages)
    report = {**registry.report, "township": unit.name, **township.report}
    ledgers = {}
    for name, ledger in project.ledgers.items():
        if isinstance(ledger, CountyLedger):  # kept one folder per township: its own file
            ledgers[name] = ledger.township(unit.name, sources[name])
            sources[name] = ledgers[name].spec
            continue
        frame = ledger.frame[ledger.frame[spec.column] == unit.name]
        ledgers[name] = dataclasses.replace(ledger, spec=sources[name], frame=frame)
    narrowed = registry.model_copy(update={"sources": sources, "report": report})
    return Project(project.root, narrowed, ledgers, project.today)
