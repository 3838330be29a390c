"""What an import produces, shared by validation (:mod:`matching.catalogue.ingest`) and the store.

:class:`ValidatedBatch` holds the valid records per entity; :class:`Issue` is one problem, named by file, row,
column and value; :class:`ImportReport` gathers the issues and the created / updated / unchanged / rejected
counts per entity (:class:`EntityCounts`) that the store fills in when it writes the batch.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from matching.catalogue.schema import COLUMNS, Entity
from matching.common.spreadsheet import csv_text

__all__ = ["EntityCounts", "ImportReport", "Issue", "ValidatedBatch", "cap_issues"]

# An import report stays small whatever the file: at most ISSUES_PER_KIND issues of one kind (file, column,
# severity, message with its numbers and quoted values left out), at most MAX_ISSUES in all, each text clipped
# to MAX_VALUE_CHARS (values) or MAX_TEXT_CHARS (file, column, message); the rest are counted, one summary
# line per kind (at most MAX_SUMMARIES, then one line for all others)
ISSUES_PER_KIND = 20
MAX_ISSUES = 500
MAX_SUMMARIES = 100
MAX_VALUE_CHARS = 80
MAX_TEXT_CHARS = 200

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


def _clip_or_none(value: str | None, limit: int) -> str | None:
    return None if value is None else _clip(value, limit)


_VARIABLE = re.compile(r"'[^']*'|\d[\d,.]*")


def _kind(issue: Issue) -> tuple[str, str, str, str]:
    return (issue.source, issue.column or "", issue.severity, _VARIABLE.sub("#", issue.message))


def cap_issues(issues: list[Issue]) -> tuple[list[Issue], int]:
    """The issues worth listing, clipped, followed by one summary issue per kind of those left out; and how
    many were left out. Errors are kept before warnings when the total cap bites."""
    per_kind: Counter[tuple[str, str, str, str]] = Counter()
    kept: list[Issue] = []
    left_out: Counter[tuple[str, str, str, str]] = Counter()
    first: dict[tuple[str, str, str, str], Issue] = {}
    ranked = [i for i in issues if i.severity == "error"] + [i for i in issues if i.severity != "error"]
    for issue in ranked:
        key = _kind(issue)
        if per_kind[key] < ISSUES_PER_KIND and len(kept) < MAX_ISSUES:
            per_kind[key] += 1
            kept.append(
                replace(
                    issue,
                    source=_clip(issue.source, MAX_TEXT_CHARS),
                    column=_clip_or_none(issue.column, MAX_TEXT_CHARS),
                    value=_clip_or_none(issue.value, MAX_VALUE_CHARS),
                    message=_clip(issue.message, MAX_TEXT_CHARS),
                )
            )
        else:
            left_out[key] += 1
            first.setdefault(key, issue)
    summaries: list[Issue] = []
    for number, (key, count) in enumerate(left_out.most_common()):
        if number == MAX_SUMMARIES:
            rest = sum(c for _, c in left_out.most_common()[MAX_SUMMARIES:])
            errors = any(k[2] == "error" for k, _ in left_out.most_common()[MAX_SUMMARIES:])
            message = f"and {rest:,} more problems of other kinds"
            summaries.append(
                Issue("(all files)", None, None, None, message, "error" if errors else "warning")
            )
            break
        like = first[key]
        where = f" in column '{_clip(like.column, MAX_VALUE_CHARS)}'" if like.column else ""
        message = f"and {count:,} more '{_clip(like.message, MAX_VALUE_CHARS)}'{where}"
        column = _clip_or_none(like.column, MAX_TEXT_CHARS)
        summaries.append(
            Issue(_clip(like.source, MAX_TEXT_CHARS), None, column, None, message, like.severity)
        )
    return kept + summaries, sum(left_out.values())


@dataclass
class EntityCounts:
    """What an import did (or would do, in a dry run) to one entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """The problems found, and the counts per entity. ``committed`` says whether the store was changed.

    ``issues`` is capped on construction (:func:`cap_issues`): the first issues of each kind, clipped, then
    one summary line per kind left out; ``error_count`` and ``warning_count`` count them all, ``omitted``
    says how many are not listed.
    """

    issues: list[Issue] = field(default_factory=list)
    counts: dict[Entity, EntityCounts] = field(default_factory=lambda: {e: EntityCounts() for e in Entity})
    dry_run: bool = False
    committed: bool = False
    error_count: int = field(init=False, default=0)
    warning_count: int = field(init=False, default=0)
    omitted: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.error_count = sum(1 for i in self.issues if i.severity == "error")
        self.warning_count = len(self.issues) - self.error_count
        self.issues, self.omitted = cap_issues(self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.error_count == 0

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
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "omitted": self.omitted,
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
