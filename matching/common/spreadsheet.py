"""Text that a spreadsheet must show, never run: CSV cells and XLSX values that read as formulas.

By OWASP's CSV-injection guidance, a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel, LibreOffice and Google Sheets, so a company named ``=HYPERLINK(...)`` would
run in an organiser's master grid. Every CSV the engine writes passes its text cells through
:func:`csv_text` (a leading ``'`` makes such a cell plain text; numbers the engine formats are left alone),
and the engine's own readers take the mark off again with :func:`from_csv_text`. XLSX sheets are made
text-only with :func:`text_only`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "csv_text", "from_csv_text", "text_only"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: prefixed with ``'`` when it would be a formula
    (and when it begins with ``'`` itself, so that :func:`from_csv_text` gives every value back exactly)."""
    return "'" + value if value.startswith((*FORMULA_STARTS, "'")) else value


def from_csv_text(value: str) -> str:
    """The text :func:`csv_text` was given: the ``'`` it put in front taken off."""
    return value[1:] if value.startswith("'") else value


def text_only(rows: Iterable[Iterable[Any]]) -> None:
    """Make every cell of openpyxl ``rows`` (``sheet.iter_rows()``) that openpyxl took for a formula a
    plain string: it keeps its text and is shown, never calculated."""
    for row in rows:
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
