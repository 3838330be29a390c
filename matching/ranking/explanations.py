"""Why an IKM matches a buyer, in Indonesian and English, with the numbers.

An :class:`Explanation` lists the matched product(s), the matched attributes (material, product type) with
their Indonesian and English labels, every constraint met, unmet or unknown with its numbers, in words
("kapasitas 400/bulan, kurang dari 800 yang diminta" / "capacity 400/month, less than the 800 requested"),
and the score breakdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from matching.ranking.features import Check
from matching.ranking.searcher import Match
from matching.retrieval.lexicon import Lexicon

__all__ = ["WEAK_MATCH_COSINE", "Explanation", "explain", "weak_match"]

# A search is a weak match (see :func:`weak_match`) when its best product's cosine with the query stays under
# this. Measured with e5-small on the demo catalogue (20 queries): about woven crafts the best cosine is
# 0.83-0.90; unrelated queries ("laptop gaming murah", "spare part motor", "cat tembok") reach 0.77-0.84 but
# share no word with any product, which the rule catches first.
WEAK_MATCH_COSINE = 0.82


def _rp(value: object) -> str:
    return f"Rp{int(value):,}".replace(",", ".") if isinstance(value, int | float) else str(value)


def _num(value: object) -> str:
    return f"{int(value):,}".replace(",", ".") if isinstance(value, int | float) else str(value)


def _check_text(check: Check) -> tuple[str, str]:
    """(Indonesian, English) sentence for one constraint check: words, no comparison signs."""
    w, a = check.wanted, check.actual
    met = check.status == "met"
    if check.name == "capacity":
        if a is None:
            return (
                f"kapasitas belum diketahui; diminta {_num(w)}/bulan",
                f"capacity unknown; {_num(w)}/month requested",
            )
        return (
            f"kapasitas {_num(a)}/bulan, {'cukup untuk' if met else 'kurang dari'} {_num(w)} yang diminta",
            f"capacity {_num(a)}/month, {'enough for' if met else 'less than'} the {_num(w)} requested",
        )
    if check.name == "moq":
        return (
            f"minimal order {_num(a)}, {'terpenuhi oleh' if met else 'lebih dari'} jumlah {_num(w)}",
            f"minimum order {_num(a)}, {'met by' if met else 'more than'} the quantity {_num(w)}",
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
        return (f"harga belum diketahui; maks {_rp(w)}", f"price unknown; max {_rp(w)}")
    if check.name == "lead_time" and a is None:
        return (
            f"lama produksi belum diketahui; tenggat {_num(w)} hari",
            f"lead time unknown; deadline {_num(w)} days",
        )
    if check.name == "price":
        return (
            f"harga mulai {_rp(a)}, {'dalam' if met else 'di atas'} batas {_rp(w)}",
            f"price from {_rp(a)}, {'within' if met else 'above'} the {_rp(w)} limit",
        )
    if check.name == "lead_time":
        return (
            f"lama produksi {_num(a)} hari, {'dalam' if met else 'melewati'} tenggat {_num(w)} hari",
            f"lead time {_num(a)} days, {'within' if met else 'past'} the {_num(w)}-day deadline",
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
        """Capacity and certificates not failing (the ranker's ``feasible``); other checks may fail."""
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


def weak_match(results: Sequence[Explanation]) -> bool:
    """True when the results hardly answer the query, so a page should say so rather than rank them as
    if they did. The rule: the query names no material and no product type the lexicon knows, AND either no
    product shares a word with it (no BM25 hit among the results) or the best product's cosine with it is
    under :data:`WEAK_MATCH_COSINE`. No results at all is not a weak match (there is nothing to doubt).
    """
    if not results:
        return False
    features = [r.features for r in results]
    if any(f.get("materials_stated", 0.0) or f.get("types_stated", 0.0) for f in features):
        return False
    no_word = max(f.get("bm25_max", 0.0) for f in features) <= 0.0
    best_cosine = max(f.get("dense_max", 0.0) for f in features)
    return no_word or best_cosine < WEAK_MATCH_COSINE


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
