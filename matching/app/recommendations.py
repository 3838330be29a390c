"""Recommended partners of a signed-in participant at one event, with the reasons to meet ("why meet").

A buyer sees the event's IKMs ranked for its requirement (or for what it types in the search box, its
structured needs kept), each with the engine's explanation. An IKM sees the event's buyers ranked by how
well the IKM fits each buyer's requirement (the same explanation, from the buyer's side); its search box
keeps the buyers whose company, country or requirement hold every word typed.

A partner carries its public profile only: name, province or country, what it makes or needs. Contact
details are never part of a :class:`Partner`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matching.catalogue.schema import Buyer, Entity
from matching.ranking.explanations import Explanation, explain
from matching.retrieval.lexicon import lexicon

if TYPE_CHECKING:
    from matching.app.engine import Engine

__all__ = ["Partner", "recommend_partners"]


@dataclass(frozen=True)
class Partner:
    """One recommended partner: its public profile and why it fits."""

    participant_id: str
    kind: str  # buyer | ikm: the partner's side
    name: str
    place: str  # an IKM's province, a buyer's country
    about: str  # what a buyer needs, or an IKM's description
    products: list[str] = field(default_factory=list)  # an IKM's best-fitting products
    score: float = 0.0
    explanation: Explanation | None = None

    def reasons(self, lang: str) -> list[str]:
        """What matched and each requirement checked, in ``lang`` (``id`` or ``en``)."""
        if self.explanation is None:
            return []
        key = "en" if lang == "en" else "id"
        e = self.explanation
        what = [m[key] for m in e.materials] + [t[key] for t in e.product_types]
        return ([", ".join(what)] if what else []) + [c[key] for c in e.constraints]

    def met(self) -> list[bool | None]:
        """Per reason of :meth:`reasons`: met, unmet, or None (a match, or unknown)."""
        if self.explanation is None:
            return []
        e = self.explanation
        head: list[bool | None] = [None] if (e.materials or e.product_types) else []
        status = {"met": True, "unmet": False}
        return head + [status.get(c["status"]) for c in e.constraints]


def _words(text: str) -> list[str]:
    return [w for w in text.casefold().split() if w]


def _buyer_partner(buyer: Buyer, explanation: Explanation | None) -> Partner:
    return Partner(
        buyer.buyer_id,
        "buyer",
        buyer.company,
        buyer.country or "",
        buyer.requirement,
        score=explanation.score if explanation is not None else 0.0,
        explanation=explanation,
    )


def recommend_partners(
    engine: Engine, event_id: str, kind: str, participant_id: str, *, query: str = "", k: int = 30
) -> list[Partner]:
    """The best ``k`` partners of the other side of the event for ``participant_id`` (a ``kind``)."""
    participation = engine.participation
    store = engine.store
    searcher = engine.searcher(wait=False)
    if kind == "buyer":
        buyer = store.get(Entity.BUYERS, participant_id)
        ikms = sorted(participation.members(event_id, "ikm"))
        if query.strip():
            needs = engine.needs(
                query.strip(),
                quantity=buyer.quantity,
                certifications=buyer.required_certifications,
                provinces=buyer.preferred_provinces,
                max_unit_price_idr=buyer.max_unit_price_idr,
                deadline_days=buyer.deadline_days,
            )
        else:
            needs = engine.buyer_needs(buyer)
        if not ikms or not searcher.catalogue.products:
            return []
        vector = engine.query_vectors([needs.text])[0]
        matches = searcher.score(needs, ikms, k=k, query_vector=vector)
        found = []
        for m in matches:
            e = explain(m, lexicon())
            ikm = m.evidence.ikm.ikm
            found.append(
                Partner(
                    e.ikm_id,
                    "ikm",
                    e.ikm_name,
                    e.province,
                    ikm.description or "",
                    [p["name"] for p in e.products],
                    e.score,
                    e,
                )
            )
        return found
    store.get(Entity.IKMS, participant_id)  # NotFoundError for an unknown IKM
    members = participation.members(event_id, "buyer")
    buyers = [b for b in store.buyers() if b.buyer_id in members]
    wanted = _words(query)
    if wanted:
        buyers = [
            b
            for b in buyers
            if all(w in f"{b.company} {b.country or ''} {b.requirement}".casefold() for w in wanted)
        ]
    if not buyers:
        return []
    if not searcher.catalogue.products:
        return [_buyer_partner(b, None) for b in buyers[:k]]
    queries = engine.encode_buyers(buyers)
    partners = []
    for row, buyer in enumerate(buyers):
        scored = searcher.score(queries.needs[row], [participant_id], k=1, query_vector=queries.vectors[row])
        partners.append(_buyer_partner(buyer, explain(scored[0], lexicon()) if scored else None))
    partners.sort(key=lambda p: (-p.score, p.participant_id))
    return partners[:k]
