"""Why an IKM matches a buyer, in Indonesian and English, with the numbers.

An :class:`Explanation` lists the matched product(s), the matched attributes (material, product type) with
their Indonesian and English labels, every constraint met or unmet with its numbers
("kapasitas 400/bulan < 800 diminta" / "capacity 400/month < 800 requested"), and the score breakdown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from matching.ranking.features import Check
from matching.ranking.searcher import Match
from matching.retrieval.lexicon import Lexicon

__all__ = ["Explanation", "explain"]


def _rp(value: object) -> str:
    return f"Rp{int(value):,}".replace(",", ".") if isinstance(value, int | float) else str(value)


def _num(value: object) -> str:
    return f"{int(value):,}".replace(",", ".") if isinstance(value, int | float) else str(value)


def _check_text(check: Check) -> tuple[str, str]:
    """(Indonesian, English) sentence for one constraint check."""
    w, a = check.wanted, check.actual
    met = check.status == "met"
    if check.name == "capacity":
        if a is None:
            return (
                f"kapasitas tidak diketahui; diminta {_num(w)}/bulan",
                f"capacity unknown; {_num(w)}/month requested",
            )
        sign = ">=" if met else "<"
        return (
            f"kapasitas {_num(a)}/bulan {sign} {_num(w)} diminta",
            f"capacity {_num(a)}/month {sign} {_num(w)} requested",
        )
    if check.name == "moq":
        sign = "<=" if met else ">"
        return (
            f"minimal order {_num(a)} {sign} jumlah {_num(w)}",
            f"minimum order {_num(a)} {sign} quantity {_num(w)}",
        )
    if check.name == "certifications":
        wanted = ", ".join(map(str, w)) if isinstance(w, list) else str(w)
        if met:
            return (f"memiliki sertifikat {wanted}", f"holds {wanted}")
        missing = ", ".join(map(str, a)) if isinstance(a, list) else str(a)
        return (f"belum memiliki sertifikat {missing}", f"lacks {missing}")
    if check.name == "province":
        wanted = ", ".join(map(str, w)) if isinstance(w, list) else str(w)
        if met:
            return (f"berlokasi di {a}, sesuai pilihan", f"located in {a}, as preferred")
        return (f"berlokasi di {a}, bukan {wanted}", f"located in {a}, not in {wanted}")
    if check.name == "price" and a is None:
        return (f"harga tidak diketahui; maks {_rp(w)}", f"price unknown; max {_rp(w)}")
    if check.name == "lead_time" and a is None:
        return (
            f"lama produksi tidak diketahui; tenggat {_num(w)} hari",
            f"lead time unknown; deadline {_num(w)} days",
        )
    if check.name == "price":
        sign = "<=" if met else ">"
        return (f"harga mulai {_rp(a)} {sign} maks {_rp(w)}", f"price from {_rp(a)} {sign} max {_rp(w)}")
    if check.name == "lead_time":
        sign = "<=" if met else ">"
        return (
            f"lama produksi {_num(a)} hari {sign} tenggat {_num(w)} hari",
            f"lead time {_num(a)} days {sign} deadline {_num(w)} days",
        )
    return (f"{check.name}: {check.status}", f"{check.name}: {check.status}")


@dataclass
class Explanation:
    """Everything a person needs to judge one match."""

    ikm_id: str
    ikm_name: str
    province: str
    score: float
    products: list[dict[str, Any]]
    materials: list[dict[str, str]]
    product_types: list[dict[str, str]]
    constraints: list[dict[str, Any]] = field(default_factory=list)
    score_breakdown: dict[str, float] = field(default_factory=dict)
    features: dict[str, float] = field(default_factory=dict)  # the ranker's inputs, by name

    @property
    def feasible(self) -> bool:
        """Capacity and certificates not failing (the ranker's ``feasible``; others may fail or be unknown)."""
        return all(
            c["status"] != "unmet" for c in self.constraints if c["name"] in {"capacity", "certifications"}
        )

    @property
    def meets_requirements(self) -> bool:
        """Every stated requirement is known to hold (False when none is stated: nothing to vouch for)."""
        return bool(self.constraints) and all(c["status"] == "met" for c in self.constraints)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self, lang: str = "en") -> str:
        """One line: what matched, then each constraint."""
        key = "en" if lang == "en" else "id"
        what = [m[key] for m in self.materials] + [t[key] for t in self.product_types]
        parts = [", ".join(what)] if what else []
        parts += [c[key] for c in self.constraints]
        return "; ".join(parts)


def explain(match: Match, lex: Lexicon) -> Explanation:
    """Turn a :class:`~matching.ranking.searcher.Match` into an :class:`Explanation`."""
    ev = match.evidence
    ikm = ev.ikm.ikm
    constraints = []
    for check in ev.checks:
        indonesian, english = _check_text(check)
        constraints.append(
            {
                "name": check.name,
                "status": check.status,
                "wanted": check.wanted,
                "actual": check.actual,
                "id": indonesian,
                "en": english,
            }
        )
    return Explanation(
        ikm_id=ikm.ikm_id,
        ikm_name=ikm.name,
        province=ikm.province,
        score=match.score,
        products=[
            {"product_id": p.product_id, "name": p.name, "price_idr": p.price_idr} for p in ev.best_products
        ],
        materials=[
            {"concept": c, "id": lex.label(c, "id"), "en": lex.label(c, "en")} for c in ev.matched_materials
        ],
        product_types=[
            {"concept": c, "id": lex.label(c, "id"), "en": lex.label(c, "en")} for c in ev.matched_types
        ],
        constraints=constraints,
        score_breakdown=dict(sorted(match.contributions.items(), key=lambda kv: -abs(kv[1]))),
        features=dict(match.features),
    )
