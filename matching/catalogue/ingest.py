"""Validating raw tables into typed records, with a report of every problem (types in
:mod:`matching.catalogue.report`).

Flow: :func:`matching.catalogue.readers.read_tables` -> :func:`validate_tables` -> :class:`ValidatedBatch`
(valid records) plus :class:`Issue` s -> the store writes the batch all-or-nothing (or only the valid rows
when asked) and fills the created / updated / unchanged counts of the :class:`ImportReport`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from pydantic import ValidationError

from matching.catalogue.readers import RawTable
from matching.catalogue.report import Issue, ValidatedBatch
from matching.catalogue.schema import COLUMNS, IKM, RECORD_TYPES, ColumnKind, ColumnSpec, Entity
from matching.common.parsing import (
    CellError,
    normalise_header,
    parse_email,
    parse_list,
    parse_whole_number,
)
from matching.common.regions import provinces

__all__ = ["validate_tables"]

MAX_CELL_CHARS = 20_000


# C0 control characters but tab, line feed and carriage return, and DEL: no export format can hold them
# (openpyxl refuses them, PDFs and calendars garble them); vertical tab and form feed are line breaks to a
# word processor, so they become spaces, the rest are dropped
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_free(text: str) -> str:
    return _CONTROL.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


def _control_names(text: str) -> str:
    return ", ".join(sorted({f"U+{ord(c):04X}" for c in _CONTROL.findall(text)}))


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_cell(spec: ColumnSpec, raw: object) -> object:
    kind = spec.kind
    if kind in (ColumnKind.INT, ColumnKind.MONEY):
        return parse_whole_number(raw)
    if kind is ColumnKind.STARS:
        stars = parse_whole_number(raw)
        if stars > 5:
            raise CellError("OVOP stars must be a whole number from 0 to 5")
        return stars
    if kind is ColumnKind.LIST:
        return parse_list(_text(raw))
    if kind is ColumnKind.EMAIL:
        return parse_email(_text(raw))
    if kind is ColumnKind.PROVINCE:
        return _province(_text(raw))
    if kind is ColumnKind.PROVINCES:
        return [_province(item) for item in parse_list(_text(raw))]
    return _text(raw)


def _province(text: str) -> str:
    table = provinces()
    found = table.lookup(text)
    if found is not None:
        return found.name
    hint = table.suggest(text)
    raise CellError(
        f"unknown province '{text}'"
        + (f"; did you mean '{hint}'?" if hint else "; use one of the 38 provinces")
    )


def _map_headers(table: RawTable, issues: list[Issue]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Column index per canonical field and per extra header; None when a required column is missing."""
    specs = COLUMNS[table.entity]
    lookup: dict[str, str] = {}
    for spec in specs:
        for form in (spec.name, *spec.aliases):
            lookup.setdefault(form, spec.name)
    fields: dict[str, int] = {}
    extras: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = normalise_header(header)
        if not key:
            continue
        name = lookup.get(key)
        if name is None:
            extras.setdefault(key, index)
        elif name in fields:
            issues.append(
                Issue(
                    table.source,
                    1,
                    header,
                    None,
                    f"two columns mean '{name}' (column {fields[name] + 1} and {index + 1}); keep one",
                )
            )
        else:
            fields[name] = index
    missing = [s for s in specs if s.required and s.name not in fields]
    for spec in missing:
        accepted = ", ".join((spec.name, *spec.aliases[:4]))
        issues.append(
            Issue(
                table.source,
                1,
                spec.name,
                None,
                f"required column '{spec.name}' is missing (accepted headers: {accepted})",
            )
        )
    if missing or any(i.row == 1 and i.source == table.source for i in issues):
        return None
    return fields, extras


def validate_tables(
    tables: Iterable[RawTable],
    known_ikm_ids: set[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[ValidatedBatch, list[Issue]]:
    """Validate every row of every table; return the valid records and all issues.

    ``known_ikm_ids`` are IKM ids already in the store: products may refer to them or to IKMs in this import.
    ``progress`` is called with the number of rows just handled.
    """
    tables = list(tables)
    batch = ValidatedBatch()
    issues: list[Issue] = []
    for table in tables:
        issues.extend(Issue(table.source, None, None, None, note, "warning") for note in table.notes)
    first_seen: dict[tuple[Entity, str], str] = {}
    valid_ikm_ids: set[str] = set()
    order = {Entity.IKMS: 0, Entity.PRODUCTS: 1, Entity.BUYERS: 2}
    for table in sorted(tables, key=lambda t: order[t.entity]):
        mapping = _map_headers(table, issues)
        if mapping is None:
            if progress:
                progress(len(table.rows))
            continue
        fields, extras = mapping
        id_field = COLUMNS[table.entity][0].name
        record_type = RECORD_TYPES[table.entity]
        specs = {s.name: s for s in COLUMNS[table.entity]}
        for row_number, cells in table.rows:
            if progress:
                progress(1)
            if all(_text(c) == "" for c in cells if c is not None):
                continue
            row_issues: list[Issue] = []
            values: dict[str, object] = {}
            for name, index in fields.items():
                raw = cells[index] if index < len(cells) else None
                header = table.headers[index]
                shown = None if raw is None else _text(raw)
                if shown is not None and _CONTROL.search(shown):
                    if name == id_field or (table.entity is Entity.PRODUCTS and name == "ikm_id"):
                        message = f"control character ({_control_names(shown)}) in an id; remove it"
                        row_issues.append(Issue(table.source, row_number, header, shown, message))
                        continue
                    message = f"control character(s) {_control_names(shown)} removed"
                    issues.append(Issue(table.source, row_number, header, shown, message, "warning"))
                    raw = shown = _control_free(shown)
                if raw is None or _text(raw) == "":
                    if specs[name].required:
                        row_issues.append(
                            Issue(
                                table.source, row_number, header, shown, f"required field '{name}' is empty"
                            )
                        )
                    continue
                if len(shown or "") > MAX_CELL_CHARS:
                    row_issues.append(
                        Issue(
                            table.source,
                            row_number,
                            header,
                            shown,
                            f"cell too long ({len(shown or '')} characters; at most {MAX_CELL_CHARS})",
                        )
                    )
                    continue
                try:
                    values[name] = _parse_cell(specs[name], raw)
                except CellError as exc:
                    row_issues.append(Issue(table.source, row_number, header, shown, str(exc)))
            values["attributes"] = {
                key: _control_free(_text(cells[i]))[:MAX_CELL_CHARS]
                for key, i in extras.items()
                if i < len(cells) and cells[i] is not None and _text(cells[i]) != ""
            }
            record_id = values.get(id_field)
            if isinstance(record_id, str):
                key = (table.entity, record_id)
                where = f"{table.source} row {row_number}"
                if key in first_seen:
                    row_issues.append(
                        Issue(
                            table.source,
                            row_number,
                            table.headers[fields[id_field]],
                            record_id,
                            f"duplicate {id_field}; first seen at {first_seen[key]}",
                        )
                    )
                else:
                    first_seen[key] = where
            if table.entity is Entity.PRODUCTS and isinstance(values.get("ikm_id"), str):
                ikm_id = str(values["ikm_id"])
                imported = (Entity.IKMS, ikm_id) in first_seen
                header = table.headers[fields["ikm_id"]]
                if not imported and ikm_id not in known_ikm_ids:
                    row_issues.append(
                        Issue(
                            table.source,
                            row_number,
                            header,
                            ikm_id,
                            "ikm_id matches no IKM in this import or in the database",
                        )
                    )
                elif ikm_id not in valid_ikm_ids and ikm_id not in known_ikm_ids:
                    row_issues.append(
                        Issue(
                            table.source,
                            row_number,
                            header,
                            ikm_id,
                            f"its IKM ({first_seen[(Entity.IKMS, ikm_id)]}) was rejected",
                        )
                    )
            if not row_issues:
                try:
                    record = record_type.model_validate(values)
                    batch.records[table.entity].append(record)
                    if isinstance(record, IKM):
                        valid_ikm_ids.add(record.ikm_id)
                except ValidationError as exc:
                    for err in exc.errors():
                        loc = str(err["loc"][0]) if err["loc"] else None
                        column = table.headers[fields[loc]] if loc in fields else loc
                        value = _text(values.get(loc, "")) if loc else None
                        row_issues.append(Issue(table.source, row_number, column, value, err["msg"]))
            if row_issues:
                issues.extend(row_issues)
                batch.rejected_rows[table.entity] += 1
    return batch, issues
