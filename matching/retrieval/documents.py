"""The catalogue as the ranker sees it: products with their IKM, understood through the craft lexicon.

Built from the store's records in one pass (:meth:`Catalogue.build`). For every product it keeps the text
that is embedded and indexed (:func:`product_text`) and the lexicon concepts it names (material and product
type; the ``material`` / ``category`` columns first, the name and description as fallback). For every IKM it
keeps the numbers the constraints need (capacity, MOQ, lead time, certificates, province, stars, exports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from matching.catalogue.schema import IKM, Product
from matching.retrieval.lexicon import Lexicon, lexicon

__all__ = ["Catalogue", "IkmProfile", "ProductProfile", "product_text"]


def product_text(product: Product) -> str:
    """The text of a product that is embedded and indexed: name, description, material, category."""
    parts = [product.name]
    if product.description:
        parts.append(product.description)
    if product.material:
        parts.append(f"bahan {product.material.replace('_', ' ')}")
    if product.category:
        parts.append(f"kategori {product.category.replace('_', ' ')}")
    return ". ".join(parts)


@dataclass(frozen=True, slots=True)
class ProductProfile:
    product_id: str
    ikm_id: str
    name: str
    text: str
    materials: frozenset[str]
    products: frozenset[str]
    price_idr: int | None


@dataclass(slots=True)
class IkmProfile:
    ikm: IKM
    certifications: frozenset[str]
    product_ids: list[str] = field(default_factory=list)

    @property
    def ikm_id(self) -> str:
        return self.ikm.ikm_id


Memo = dict[tuple[str, str], frozenset[str]]  # (text, kind) -> the concepts found in it


def _concepts(lex: Lexicon, text: str, kind: str, memo: tuple[Memo, Memo] | None = None) -> frozenset[str]:
    """The concepts of ``kind`` in ``text``; with ``memo`` (the last build's answers, this build's) looked up
    first and kept for the next build."""
    if memo is None:
        return frozenset(m.concept for m in lex.find(text, kinds={kind}))
    last, now = memo
    key = (text, kind)
    found = now.get(key)
    if found is None:
        found = last.get(key)
    if found is None:
        found = frozenset(m.concept for m in lex.find(text, kinds={kind}))
    now[key] = found
    return found


def _product_types(
    lex: Lexicon, product: Product, text: str, memo: tuple[Memo, Memo] | None = None
) -> frozenset[str]:
    """What a product is. The name is the most specific ("Bamboo Dining Chair" in the category "Mebel" is a
    chair); a category that agrees with one of the name's types picks it ("Tas Keranjang" in "Keranjang");
    without a type in the name, the category, then the whole text."""
    named = _concepts(lex, product.name, "product", memo)
    category = _concepts(lex, (product.category or "").replace("_", " "), "product", memo)
    return (named & category) or named or category or _concepts(lex, text, "product", memo)


@dataclass
class Catalogue:
    """Products and IKMs prepared for ranking."""

    products: dict[str, ProductProfile]
    ikms: dict[str, IkmProfile]

    @classmethod
    def build(
        cls,
        ikms: Sequence[IKM],
        products: Iterable[Product],
        *,
        lex: Lexicon | None = None,
        progress: Callable[[int], None] | None = None,
        memo: Memo | None = None,
    ) -> Catalogue:
        """The catalogue of ``products`` whose IKM is among ``ikms``. ``memo`` keeps the concepts found in
        each text: a service passes the same dict to every rebuild, so one after a small change looks up the
        unchanged products instead of reading them again (the lexicon must stay the same)."""
        lex = lex or lexicon()
        pair: tuple[Memo, Memo] | None = (memo, {}) if memo is not None else None
        profiles = {
            i.ikm_id: IkmProfile(i, frozenset(lex.normalise_certifications(list(i.certifications))))
            for i in ikms
        }
        catalogue: dict[str, ProductProfile] = {}
        for product in products:
            if product.ikm_id not in profiles:
                continue
            text = product_text(product)
            materials = _concepts(lex, product.material or "", "material", pair) or _concepts(
                lex, text, "material", pair
            )
            kinds = _product_types(lex, product, text, pair)
            catalogue[product.product_id] = ProductProfile(
                product.product_id, product.ikm_id, product.name, text, materials, kinds, product.price_idr
            )
            profiles[product.ikm_id].product_ids.append(product.product_id)
            if progress:
                progress(1)
        if memo is not None and pair is not None:  # keep exactly this catalogue's texts for the next build
            memo.clear()
            memo.update(pair[1])
        return cls(catalogue, profiles)

    def texts(self) -> tuple[list[str], list[str]]:
        """Product ids and their texts, in a stable order (by id)."""
        ids = sorted(self.products)
        return ids, [self.products[i].text for i in ids]
