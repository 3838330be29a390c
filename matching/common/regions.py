"""Indonesia's 38 provinces as data (``resources/provinces.tsv``): canonical names, aliases, suggestions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from matching.common.parsing import normalise_header

__all__ = ["Province", "ProvinceTable", "provinces"]


@dataclass(frozen=True, slots=True)
class Province:
    """One province with its Kemendagri code, island region and accepted aliases."""

    code: str
    name: str
    region: str
    aliases: tuple[str, ...]


class ProvinceTable:
    """Looks up provinces by canonical name or alias, case- and punctuation-insensitively."""

    def __init__(self, rows: list[Province]) -> None:
        self.provinces = rows
        self._by_key: dict[str, Province] = {}
        for province in rows:
            for form in (province.name, *province.aliases):
                self._by_key[normalise_header(form)] = province
        self._by_compact = {key.replace("_", ""): p for key, p in self._by_key.items()}
        self._keys = sorted(self._by_key)

    def __len__(self) -> int:
        return len(self.provinces)

    def lookup(self, text: str) -> Province | None:
        """The province that ``text`` names, or None."""
        key = normalise_header(text)
        for prefix in ("provinsi_", "propinsi_", "prov_", "province_of_"):
            if key.startswith(prefix):
                key = key[len(prefix) :]
        key = key.removesuffix("_province")
        return self._by_key.get(key) or self._by_compact.get(key.replace("_", ""))

    def suggest(self, text: str) -> str | None:
        """The canonical name closest to a misspelt ``text``, if any is close enough."""
        close = difflib.get_close_matches(normalise_header(text), self._keys, n=1, cutoff=0.6)
        return self._by_key[close[0]].name if close else None

    def names(self) -> list[str]:
        return [p.name for p in self.provinces]


@cache
def provinces() -> ProvinceTable:
    """The bundled province table (read once)."""
    text = resources.files("matching").joinpath("resources/provinces.tsv").read_text(encoding="utf-8")
    rows: list[Province] = []
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    for line in lines[1:]:
        code, name, region, aliases = (line.split("\t") + [""] * 4)[:4]
        rows.append(Province(code, name, region, tuple(a.strip() for a in aliases.split(";") if a.strip())))
    return ProvinceTable(rows)
