"""What agendas say about participants, made from the catalogue: :class:`~matching.events.agendas.Profile`.

An IKM's line is its main product types and materials in the reader's language (the craft lexicon's labels:
"sarung, dompet (tenun)" / "sarongs, wallets (handwoven textile)") followed by its first product names as
written; an IKM without products shows the start of its description. A buyer's line is its requirement as
written, preceded, in the other language, by the product types and materials it names. Contacts (name,
phone/WhatsApp, e-mail) are kept for the organiser copies of the agendas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from functools import lru_cache

from matching.catalogue.schema import IKM, Buyer, Product
from matching.events.agendas import Profile
from matching.retrieval.lexicon import Lexicon

__all__ = ["buyer_profile", "ikm_profile", "participant_profiles"]

LANGS = ("id", "en")
_MAX_TEXT = 160  # an agenda line holds about this much; the PDF cuts it to its width


def _short(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=50_000)
def _mentions(lexicon: Lexicon, text: str) -> tuple[tuple[str, str], ...]:
    """(kind, concept) of the product types and materials ``text`` names (cached: products repeat words)."""
    return tuple((m.kind, m.concept) for m in lexicon.find(text, kinds=("product", "material")))


def _concepts(lexicon: Lexicon, texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Product types and materials ``texts`` name, the most mentioned first."""
    counts: dict[str, Counter[str]] = {"product": Counter(), "material": Counter()}
    for text in texts:
        for kind, concept in _mentions(lexicon, text):
            counts[kind][concept] += 1
    return [c for c, _ in counts["product"].most_common(3)], [c for c, _ in counts["material"].most_common(2)]


def _summary(lexicon: Lexicon, types: list[str], materials: list[str], lang: str) -> str:
    words = ", ".join(dict.fromkeys(lexicon.label(c, lang) for c in types))
    stuff = ", ".join(dict.fromkeys(lexicon.label(c, lang) for c in materials))
    if words and stuff:
        return f"{words} ({stuff})"
    return words or stuff


def ikm_profile(ikm: IKM, products: list[Product], lexicon: Lexicon) -> Profile:
    """An IKM's top products in each language, and its contact details."""
    # the material and category columns name the concepts in a few words that repeat across the catalogue
    texts = [" ".join(filter(None, (p.material, p.category))) or p.name for p in products]
    types, materials = _concepts(lexicon, texts)
    names = "; ".join(p.name for p in products[:2])
    offer = {}
    for lang in LANGS:
        summary = _summary(lexicon, types, materials, lang)
        line = f"{summary}: {names}" if summary and names else summary or names
        offer[lang] = _short(line or (ikm.description or ""))
    contacts = [
        ikm.contact_name,
        f"WA/HP {ikm.contact_phone}" if ikm.contact_phone else None,
        ikm.contact_email,
    ]
    return Profile("ikm", offer, tuple(c for c in contacts if c))


def buyer_profile(buyer: Buyer, lexicon: Lexicon) -> Profile:
    """A buyer's requirement (as written; in the other language led by what it names), and its e-mail."""
    written_in = buyer.attributes.get("language", "")
    types, materials = _concepts(lexicon, [buyer.requirement])
    offer = {}
    for lang in LANGS:
        summary = _summary(lexicon, types, materials, lang)
        same = written_in == lang or not summary
        offer[lang] = _short(buyer.requirement if same else f"{summary} - {buyer.requirement}")
    return Profile("buyer", offer, tuple(c for c in (buyer.contact_email,) if c))


def participant_profiles(
    ids: Collection[str],
    ikms: Iterable[IKM],
    products: Iterable[Product],
    buyers: Iterable[Buyer],
    lexicon: Lexicon,
) -> dict[str, Profile]:
    """The profiles of ``ids`` among the given catalogue records."""
    wanted = set(ids)
    by_ikm: dict[str, list[Product]] = {}
    for p in products:
        if p.ikm_id in wanted:
            by_ikm.setdefault(p.ikm_id, []).append(p)
    found = {i.ikm_id: ikm_profile(i, by_ikm.get(i.ikm_id, []), lexicon) for i in ikms if i.ikm_id in wanted}
    found |= {b.buyer_id: buyer_profile(b, lexicon) for b in buyers if b.buyer_id in wanted}
    return found
