"""What a product is: the product types the catalogue reads from its name, category and text."""

from __future__ import annotations

import pytest

from matching.catalogue.schema import IKM, Product
from matching.retrieval.documents import Catalogue


def _types(name: str, category: str | None, description: str | None = None) -> set[str]:
    ikm = IKM(ikm_id="I1", name="UD Contoh", province="Bali", regency="Gianyar")
    product = Product(product_id="P1", ikm_id="I1", name=name, category=category, description=description)
    return set(Catalogue.build([ikm], [product]).products["P1"].products)


@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [
        ("Bamboo Dining Chair", "Mebel", {"kursi"}),  # a broad shop category: the name says what it is
        ("Meja Kopi Mini", "Furniture", {"meja"}),
        ("Tempat Tisu anyaman daun pandan", "Home decor", {"tempat_tisu"}),
        ("Tas Keranjang Pandan", "keranjang", {"keranjang"}),  # the category picks one of the name's two
        ("Bali Sunset", "tas", {"tas"}),  # nothing in the name: the category
        ("Bali Sunset", "", set()),
    ],
)
def test_the_name_says_what_a_product_is_and_the_category_breaks_ties(
    name: str, category: str, expected: set[str]
) -> None:
    assert _types(name, category) == expected


def test_without_name_or_category_the_description_counts() -> None:
    assert _types("Seri Lombok 01", None, "keranjang anyaman ketak untuk hampers") == {"keranjang"}
