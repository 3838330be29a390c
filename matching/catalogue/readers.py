"""Reading import files into raw tables: CSV (UTF-8 with or without BOM, ``,`` ``;`` or tab delimited)
and XLSX (one sheet per entity, or one file per entity).

A :class:`RawTable` keeps cells as they were (strings from CSV; numbers, dates and strings from XLSX) with
the row numbers a spreadsheet user sees (header = row 1). Which entity a table holds is decided by an
explicit ``kind``, else by the sheet or file name (``produk``, ``pembeli``, ``ikm`` ...), else by its headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matching.catalogue.schema import COLUMNS, Entity
from matching.common.parsing import normalise_header
from matching.errors import ImportFileError

__all__ = ["RawTable", "detect_entity", "read_tables"]

MAX_FILE_BYTES = 200 * 1024 * 1024
csv.field_size_limit(16 * 1024 * 1024)

_NAME_HINTS: tuple[tuple[Entity, tuple[str, ...]], ...] = (
    (Entity.PRODUCTS, ("product", "produk", "barang")),
    (Entity.BUYERS, ("buyer", "pembeli", "importir", "importer")),
    (Entity.IKMS, ("ikm", "umkm", "ukm", "perusahaan", "produsen", "supplier", "pengrajin", "perajin")),
)


@dataclass
class RawTable:
    """Cells of one CSV file or one XLSX sheet, before validation."""

    source: str  # "ikms.csv" or "data.xlsx[Produk]"
    entity: Entity
    headers: list[str]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (spreadsheet row number, cells)
    notes: list[str] = field(default_factory=list)  # things worth telling the user (encoding fallbacks)


def _entity_from_name(name: str) -> Entity | None:
    key = normalise_header(name)
    for entity, hints in _NAME_HINTS:
        if any(hint in key for hint in hints):
            return entity
    return None


def detect_entity(headers: list[str], name: str = "") -> Entity | None:
    """Guess the entity of a table from its name, else from which entity's columns its headers match."""
    by_name = _entity_from_name(name)
    if by_name is not None:
        return by_name
    keys = {normalise_header(h) for h in headers}
    if "product_id" in keys or "id_produk" in keys or "kode_produk" in keys:
        return Entity.PRODUCTS
    if "buyer_id" in keys or "requirement" in keys or "kebutuhan" in keys:
        return Entity.BUYERS
    best: tuple[int, Entity | None] = (0, None)
    for entity, specs in COLUMNS.items():
        score = sum(1 for s in specs if s.name in keys or keys.intersection(s.aliases))
        if score > best[0]:
            best = (score, entity)
    return best[1] if best[0] >= 2 else None


def _decode(raw: bytes, source: str, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        notes.append(
            f"{source}: not UTF-8 (byte {exc.start}); read as Windows-1252. Save as 'CSV UTF-8' to be sure."
        )
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path, kind: Entity | None) -> list[RawTable]:
    notes: list[str] = []
    text = _decode(path.read_bytes(), path.name, notes)
    if not text.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportFileError(
            f"{path.name}: not a readable CSV file (line {reader.line_num}): {exc}"
        ) from exc
    return [_table(path.name, path.stem, records, kind, notes)]


def _xlsx_value(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _read_xlsx(path: Path, kind: Entity | None) -> list[RawTable]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise ImportFileError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    tables: list[RawTable] = []
    skipped: list[str] = []
    try:
        sheets = list(workbook.worksheets)
        for sheet in sheets:
            records = [[_xlsx_value(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            if not any(any(c not in (None, "") for c in r) for r in records):
                continue
            name_kind = kind or _entity_from_name(sheet.title)
            if name_kind is None and len(sheets) == 1:
                name_kind = _entity_from_name(path.stem)
            try:
                tables.append(_table(f"{path.name}[{sheet.title}]", sheet.title, records, name_kind, []))
            except ImportFileError:
                if len(sheets) == 1:
                    raise
                skipped.append(sheet.title)
    finally:
        workbook.close()
    if not tables:
        raise ImportFileError(f"{path.name}: no sheet holds IKMs, products or buyers")
    if skipped:
        tables[0].notes.append(f"{path.name}: sheet(s) {', '.join(skipped)} hold no known entity; skipped")
    return tables


def _table(
    source: str, name: str, records: Sequence[Sequence[object]], kind: Entity | None, notes: list[str]
) -> RawTable:
    rows = iter(enumerate(records, start=1))
    header_row = next(((n, r) for n, r in rows if any(str(c or "").strip() for c in r)), None)
    if header_row is None:
        raise ImportFileError(f"{source}: the file is empty")
    header_number, header = header_row
    headers = [str(h).strip() if h is not None else "" for h in header]
    while headers and not headers[-1]:
        headers.pop()
    entity = kind or detect_entity(headers, name)
    if entity is None:
        raise ImportFileError(
            f"{source}: cannot tell whether this holds IKMs, products or buyers from its name or headers "
            f"({', '.join(headers[:8]) or 'none'}); name the file ikms/products/buyers or pass --kind"
        )
    body = [(n, list(r)) for n, r in rows if n > header_number]
    return RawTable(source=source, entity=entity, headers=headers, rows=body, notes=notes)


def read_tables(path: Path, kind: Entity | None = None) -> list[RawTable]:
    """Read one CSV or XLSX file into raw tables (one per entity sheet)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MiB; split it")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return _read_csv(path, kind)
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, kind)
    if suffix == ".xls":
        raise ImportFileError(f"{path.name}: old Excel .xls is not supported; save it as .xlsx or CSV UTF-8")
    raise ImportFileError(f"{path.name}: unsupported file type '{suffix}'; use .csv or .xlsx")


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Expand directories into the CSV/XLSX files they hold (sorted), keep files as given."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".xlsm"} and p.is_file()
            )
        else:
            yield path
