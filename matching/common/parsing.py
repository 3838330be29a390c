"""Parsing of spreadsheet cells as people type them: headers, numbers, lists and e-mail addresses.

Parsers take the raw cell text and return a value or raise :class:`CellError` with a plain message; the
importer adds file, row, column and value to it.

Numbers follow Indonesian and English habits: ``"2.000"`` and ``"2,000"`` are two thousand (a single
separator followed by exactly three digits groups thousands), ``"1,5"`` is one and a half, ``"1.234.567,89"``
uses the last separator as the decimal mark, ``"Rp 150.000"`` drops the currency, and ``"1,5 juta"``,
``"2 rb"``, ``"2k"`` scale by the word.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CellError",
    "normalise_header",
    "parse_email",
    "parse_list",
    "parse_number",
    "parse_whole_number",
]


class CellError(ValueError):
    """A cell could not be parsed; the message says why in plain words."""


def normalise_header(header: object) -> str:
    """Fold a column header to ``snake_case`` ASCII: case, accents, spaces, dashes and dots ignored."""
    text = unicodedata.normalize("NFKD", str(header or ""))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


_MULTIPLIERS: dict[str, int] = {
    "k": 1_000,
    "rb": 1_000,
    "ribu": 1_000,
    "thousand": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "mio": 1_000_000,
    "million": 1_000_000,
    "miliar": 1_000_000_000,
    "milyar": 1_000_000_000,
    "billion": 1_000_000_000,
}
# Words that may surround a number in a quantity or price cell and carry no value of their own.
_NOISE = re.compile(
    r"\b(?:rp|idr|pcs|pc|buah|units?|lembar|set|pasang|biji|hari|days?|per|bulan|months?)\b\.?|/|[.,]-$"
)
_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<body>\d[\d.,\s]*)\s*(?P<word>[a-z]+)?$")


def _plain_number(body: str) -> float:
    body = re.sub(r"\s+", "", body)
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, frac = body.rpartition(decimal)
        if frac == "" or not re.fullmatch(rf"\d{{1,3}}(\{thousands}\d{{3}})*", whole):
            raise CellError("the digit groups do not form a number")
        return float(whole.replace(thousands, "") + "." + frac)
    sep = "." if dots else "," if commas else ""
    if not sep:
        return float(body)
    parts = body.split(sep)
    if any(part == "" for part in parts):
        raise CellError("a separator stands without digits beside it")
    if len(parts) > 2:
        if parts[0] and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))
        raise CellError("the digit groups do not form a number")
    whole, frac = parts
    if len(frac) == 3 and whole != "0":
        return float(whole + frac)
    return float(whole + "." + frac)


def parse_number(raw: object) -> float:
    """Parse a number as Indonesians and English speakers write it; see the module docstring."""
    if isinstance(raw, bool):
        raise CellError("expected a number, not a yes/no value")
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).strip().lower()
    if not text:
        raise CellError("the cell is empty")
    text = re.sub(r"^(?:rp|idr)?\.?\s*(?=\d)", "", text) if text[:1] in "ri" else text
    text = re.sub(r"\s+", " ", _NOISE.sub(" ", text)).strip()
    match = _NUMBER.match(text)
    if not match:
        raise CellError("not a number")
    word = match.group("word")
    if word is not None and word not in _MULTIPLIERS:
        raise CellError(f"unknown unit word '{word}'")
    value = _plain_number(match.group("body").strip())
    if word is not None:
        value *= _MULTIPLIERS[word]
    return -value if match.group("sign") == "-" else value


MAX_WHOLE = 10**15  # a thousand trillion: above any real quantity or rupiah price; fits every SQL BIGINT


def parse_whole_number(raw: object) -> int:
    """Parse a non-negative whole number (quantities, days, rupiah), at most :data:`MAX_WHOLE`."""
    value = parse_number(raw)
    if value < 0:
        raise CellError("must not be negative")
    if value > MAX_WHOLE:
        raise CellError(f"too large (at most {MAX_WHOLE:,})")
    rounded = round(value)
    if abs(value - rounded) > 1e-9:
        raise CellError("must be a whole number")
    return int(rounded)


def parse_list(raw: object) -> list[str]:
    """Split a list cell on ``;`` or ``,`` (or new lines); blanks dropped, order and case kept.

    When the cell holds a ``;`` anywhere, only ``;`` and new lines separate, so commas can live inside
    an item ("Jepang; Belanda, Amsterdam").
    """
    text = str(raw if raw is not None else "").strip()
    if not text:
        return []
    pattern = r"[;\n]" if ";" in text else r"[,\n]"
    items = [item.strip() for item in re.split(pattern, text)]
    seen: set[str] = set()
    unique: list[str] = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def parse_email(raw: object) -> str:
    """Check the shape of an e-mail address (no network look-up) and return it stripped."""
    text = str(raw).strip()
    local = text.split("@", 1)[0]
    if not _EMAIL.match(text) or local.startswith(".") or local.endswith(".") or ".." in text:
        raise CellError("not a valid e-mail address")
    return text
