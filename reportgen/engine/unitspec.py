"""The units of figures.yaml: a county, its townships and their villages, and the county's documents."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from reportgen.engine.documentspec import DocumentSpec
from reportgen.engine.sourcespec import Frozen


class TownshipSpec(Frozen):
    villages: tuple[str, ...] = ()
    report: dict[str, str | int | dt.date] = Field(default_factory=dict)  # overrides of report:


class UnitsSpec(Frozen):
    """A county, its townships and their villages (reportgen.batch.units reads it)."""

    county: str
    column: str = "乡镇"             # the ledgers' column naming each row's township
    village_column: str = "村"
    townships: dict[str, TownshipSpec]
    documents: dict[str, DocumentSpec] = Field(default_factory=dict)  # the county's own documents
    not_additive: tuple[str, ...] = ()  # count/sum/nunique figures a county does not get by summing
