"""What an import produces, shared by validation (:mod:`matching.catalogue.ingest`) and the store.

:class:`ValidatedBatch` holds the valid records per entity; :class:`Issue` is one problem, named by file, row,
column and value; :class:`ImportReport` gathers the issues and the created / updated / unchanged / rejected
counts per entity (:class:`EntityCounts`) that the store fills in when it writes the batch.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Literal

from matching.catalogue.schema import COLUMNS, Entity
from matching.common.spreadsheet import csv_text

__all__ = ["EntityCounts", "ImportReport", "Issue", "ValidatedBatch"]

Record = Any  # IKM | Product | Buyer


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an import: where it is and what is wrong, in plain words."""

    source: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.source + (f", row {self.row}" if self.row is not None else "")
        where += f", column '{self.column}'" if self.column else ""
        value = f" (value: {_clip(self.value)!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.message}{value}"


def _clip(value: str | None, limit: int = 60) -> str:
    text = value or ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class EntityCounts:
    """What an import did (or would do, in a dry run) to one entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """Every problem found, and the counts per entity. ``committed`` says whether the store was changed."""

    issues: list[Issue] = field(default_factory=list)
    counts: dict[Entity, EntityCounts] = field(default_factory=lambda: {e: EntityCounts() for e in Entity})
    dry_run: bool = False
    committed: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_csv(self) -> str:
        """The issues as CSV (severity, source, row, column, value, message) for a spreadsheet user."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["severity", "source", "row", "column", "value", "message"])
        for i in self.issues:
            cells = [i.source, i.column or "", i.value or "", i.message]
            source, column, value, message = (csv_text(c) for c in cells)
            writer.writerow([i.severity, source, i.row or "", column, value, message])
        return buffer.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "counts": {e.value: vars(c) for e, c in self.counts.items()},
            "issues": [
                {
                    "severity": i.severity,
                    "source": i.source,
                    "row": i.row,
                    "column": i.column,
                    "value": i.value,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }


@dataclass
class ValidatedBatch:
    """Valid records per entity, in file order, and how many rows of each entity were rejected."""

    records: dict[Entity, list[Record]] = field(default_factory=lambda: {e: [] for e in Entity})
    rejected_rows: dict[Entity, int] = field(default_factory=lambda: {e: 0 for e in Entity})

    def ids(self, entity: Entity) -> set[str]:
        id_field = COLUMNS[entity][0].name
        return {getattr(r, id_field) for r in self.records[entity]}
