"""The catalogue as the ranker sees it: products with their IKM, understood through the craft lexicon.

Built from the store's records in one pass (:meth:`Catalogue.build`). For every product it keeps the text
that is embedded and indexed (:func:`product_text`) and the lexicon concepts it names (material and product
type; the ``material`` / ``category`` columns first, the name and description as fallback). For every IKM it
keeps the numbers the constraints need (capacity, MOQ, lead time, certificates, province, stars, exports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _concepts(lex: Lexicon, text: str, kind: str) -> frozenset[str]:
    return frozenset(m.concept for m in lex.find(text, kinds={kind}))


def _product_types(lex: Lexicon, product: Product, text: str) -> frozenset[str]:
    """What a product is. The name is the most specific ("Bamboo Dining Chair" in the category "Mebel" is a
    chair); a category that agrees with one of the name's types picks it ("Tas Keranjang" in "Keranjang");
    without a type in the name, the category, then the whole text."""
    named = _concepts(lex, product.name, "product")
    category = _concepts(lex, (product.category or "").replace("_", " "), "product")
    return (named & category) or named or category or _concepts(lex, text, "product")


@dataclass
class Catalogue:
    """Products and IKMs prepared for ranking."""

    products: dict[str, ProductProfile]
    ikms: dict[str, IkmProfile]

    @classmethod
    def build(
        cls,
        ikms: Sequence[IKM],
        products: Sequence[Product],
        *,
        lex: Lexicon | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Catalogue:
        lex = lex or lexicon()
        profiles = {
            i.ikm_id: IkmProfile(i, frozenset(lex.normalise_certifications(list(i.certifications))))
            for i in ikms
        }
        catalogue: dict[str, ProductProfile] = {}
        for product in products:
            if product.ikm_id not in profiles:
                continue
            text = product_text(product)
            materials = _concepts(lex, product.material or "", "material") or _concepts(lex, text, "material")
            kinds = _product_types(lex, product, text)
            catalogue[product.product_id] = ProductProfile(
                product.product_id, product.ikm_id, product.name, text, materials, kinds, product.price_idr
            )
            profiles[product.ikm_id].product_ids.append(product.product_id)
            if progress:
                progress(1)
        return cls(catalogue, profiles)

    def texts(self) -> tuple[list[str], list[str]]:
        """Product ids and their texts, in a stable order (by id)."""
        ids = sorted(self.products)
        return ids, [self.products[i].text for i in ids]
