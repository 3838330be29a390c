"""Reading import files into raw tables: CSV (UTF-8 with or without BOM, ``,`` ``;`` or tab delimited)
and XLSX (one sheet per entity, or one file per entity).

A :class:`RawTable` keeps cells as they were (strings from CSV; numbers, dates and strings from XLSX) with
the row numbers a spreadsheet user sees (header = row 1). Which entity a table holds is decided by an
explicit ``kind``, else by the sheet or file name (``produk``, ``pembeli``, ``ikm`` ...), else by its headers.

Limits (README "Import files"): a file over one raises :class:`ImportTooLarge` naming the limit and the value.
XLSX rows are streamed (openpyxl read-only, the sheet's declared dimension ignored) and counted as read;
the zip's members are checked for their unzipped size and compression ratio before openpyxl opens it.
A file that is not what its name says (UTF-16 text, an image, a zip named .csv, a CSV named .xlsx) is named
for what it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matching.catalogue.schema import COLUMNS, Entity
from matching.common.parsing import normalise_header
from matching.errors import ImportFileError, ImportTooLarge

__all__ = ["RawTable", "detect_entity", "read_tables"]

MAX_FILE_BYTES = 200 * 1024 * 1024  # any import file
MAX_ROWS = 500_000  # data rows per CSV file or XLSX sheet
MAX_COLUMNS = 200  # columns per row
MAX_CELL_CHARS = 32_767  # characters in one cell, Excel's own limit (over 20,000 is a row issue: ingest)
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # an XLSX's members unzipped, in all
MAX_ZIP_RATIO = 100  # unzipped / zipped size of one XLSX member (of more than 1 MiB unzipped)
csv.field_size_limit(MAX_CELL_CHARS)

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
        return [_table(path.name, path.stem, _checked(path.name, reader), kind, notes)]
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportTooLarge(
                f"{path.name}: line {reader.line_num} has a cell longer than {MAX_CELL_CHARS:,} characters "
                f"(the limit per cell)"
            ) from exc
        raise ImportFileError(
            f"{path.name}: not a readable CSV file (line {reader.line_num}): {exc}"
        ) from exc


def _checked(source: str, rows: Iterator[Sequence[object]]) -> Iterator[Sequence[object]]:
    """The rows as they come, refusing the file at the first one over the row, column or cell limit."""
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:  # the header and MAX_ROWS data rows
            raise ImportTooLarge(
                f"{source}: more than {MAX_ROWS:,} rows (the limit per file or sheet); split the file"
            )
        if len(row) > MAX_COLUMNS:
            used = len(row) - next((i for i, c in enumerate(reversed(row)) if c not in (None, "")), len(row))
            if used > MAX_COLUMNS:
                raise ImportTooLarge(f"{source}: row {number} has {used:,} columns (at most {MAX_COLUMNS:,})")
            row = row[:used]
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise ImportTooLarge(
                    f"{source}: row {number}, column {column} holds {len(cell):,} characters "
                    f"(at most {MAX_CELL_CHARS:,} per cell)"
                )
        yield row


def _xlsx_value(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _check_zip(path: Path) -> None:
    """Refuse an XLSX whose members would unzip to too much, judged from the zip's directory alone."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name}: not a readable XLSX workbook (a broken zip file)") from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise ImportTooLarge(
            f"{path.name}: unzips to {total / 2**20:,.0f} MiB (at most {MAX_UNZIPPED_BYTES // 2**20} MiB); "
            f"split the workbook"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 2**20 and ratio > MAX_ZIP_RATIO:
            raise ImportTooLarge(
                f"{path.name}: part {member.filename} unzips {ratio:,.0f} times its size "
                f"(at most {MAX_ZIP_RATIO} times); this is not an ordinary workbook"
            )


def _read_xlsx(path: Path, kind: Entity | None) -> list[RawTable]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise ImportFileError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    tables: list[RawTable] = []
    skipped: list[str] = []
    try:
        sheets = list(workbook.worksheets)
        for sheet in sheets:
            sheet.reset_dimensions()  # the real rows, not the declared size
            source = f"{path.name}[{sheet.title}]"
            rows = ([_xlsx_value(v) for v in row] for row in sheet.iter_rows(values_only=True))
            name_kind = kind or _entity_from_name(sheet.title)
            if name_kind is None and len(sheets) == 1:
                name_kind = _entity_from_name(path.stem)
            try:
                table = _table(source, sheet.title, _checked(source, rows), name_kind, [])
            except _EmptyTable:
                continue
            except ImportTooLarge:
                raise
            except ImportFileError:
                if len(sheets) == 1:
                    raise
                skipped.append(sheet.title)
                continue
            tables.append(table)
    finally:
        workbook.close()
    if not tables:
        raise ImportFileError(f"{path.name}: no sheet holds IKMs, products or buyers")
    if skipped:
        tables[0].notes.append(f"{path.name}: sheet(s) {', '.join(skipped)} hold no known entity; skipped")
    return tables


class _EmptyTable(ImportFileError):
    """A file or sheet without a single filled cell (an empty sheet beside others is skipped silently)."""


def _table(
    source: str, name: str, records: Iterable[Sequence[object]], kind: Entity | None, notes: list[str]
) -> RawTable:
    rows = iter(enumerate(records, start=1))
    header_row = next(((n, r) for n, r in rows if any(str(c or "").strip() for c in r)), None)
    if header_row is None:
        raise _EmptyTable(f"{source}: the file is empty")
    header_number, header = header_row
    headers = [str(h).strip() if h is not None else "" for h in header]
    while headers and not headers[-1]:
        headers.pop()
    entity = kind or detect_entity(headers, name)
    if entity is None:
        raise ImportFileError(
            f"{source}: cannot tell whether this holds IKMs, products or buyers from its name or headers "
            f"({', '.join(h[:40] for h in headers[:8]) or 'none'}); "
            "name the file ikms/products/buyers or pass --kind"
        )
    body = [(n, list(r)) for n, r in rows if n > header_number]
    return RawTable(source=source, entity=entity, headers=headers, rows=body, notes=notes)


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip file (an XLSX workbook or another zip)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other Office) file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def _sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is, when it is not plain 8-bit text (UTF-8, Windows-1252)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    nuls = head.count(0)
    if nuls:
        # UTF-16 without a byte order mark: ASCII text with a NUL beside every letter
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if nuls > len(head) // 4 and max(odd, even) > 0.9 * nuls:
            return "utf-16"
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\x0c\x1a")
    try:
        head.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError as exc:
        utf8 = exc.start > len(head) - 4  # only a character cut at the end of the sample
    if controls > len(head) * (0.3 if utf8 else 0.1):
        return "binary"
    return None


def _check_text(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(4096)
    what = _sniff(head)
    if what is None:
        return
    if what == "utf-16":
        raise ImportFileError(
            f"{path.name}: this file is UTF-16 text; save it as 'CSV UTF-8' and import that"
        )
    if what.startswith("a zip file"):
        raise ImportFileError(
            f"{path.name}: this is not a text file but a zip file (an XLSX workbook named .csv?); "
            f"name it .xlsx, or save it as 'CSV UTF-8'"
        )
    if what == "binary":
        raise ImportFileError(
            f"{path.name}: this is not a text file (it holds binary data); use a CSV or XLSX"
        )
    raise ImportFileError(f"{path.name}: this is not a text file (looks like {what}); use a CSV or XLSX")


def _check_workbook(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(4096)
    what = _sniff(head)
    if what is not None and what.startswith("a zip file"):
        return
    if what is None or what == "utf-16":
        encoding = "UTF-16 " if what == "utf-16" else ""
        raise ImportFileError(
            f"{path.name}: this is not an XLSX workbook but {encoding}text (a CSV file named .xlsx?); "
            f"name it .csv, or open it in a spreadsheet and save as .xlsx"
        )
    if what.startswith("an old Excel"):
        raise ImportFileError(f"{path.name}: this is an old Excel .xls file; save it as .xlsx or CSV UTF-8")
    raise ImportFileError(f"{path.name}: this is not an XLSX workbook (looks like {what})")


def read_tables(path: Path, kind: Entity | None = None) -> list[RawTable]:
    """Read one CSV or XLSX file into raw tables (one per entity sheet)."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MiB; split it")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        _check_text(path)
        return _read_csv(path, kind)
    if suffix in {".xlsx", ".xlsm"}:
        _check_workbook(path)
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
