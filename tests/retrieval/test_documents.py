"""What a product is: the product types the catalogue reads from its name, category and text."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching import Engine, Settings
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


def test_a_rebuild_with_the_memo_gives_the_same_catalogue_and_keeps_only_current_texts(
    tmp_path: Path,
) -> None:
    engine = Engine(Settings(home=tmp_path, encoder="hashing"))
    engine.import_demo()
    ikms, products = engine.store.ikms(), engine.store.products()
    engine.close()
    memo: dict[tuple[str, str], frozenset[str]] = {}
    first = Catalogue.build(ikms, products, memo=memo)
    assert first == Catalogue.build(ikms, products)  # the memo changes nothing found
    changed = products[0].model_copy(update={"name": "Tikar mendong motif zebra"})
    second = Catalogue.build(ikms, [changed, *products[1:]], memo=memo)
    assert second == Catalogue.build(ikms, [changed, *products[1:]])
    assert second.products[changed.product_id].products == frozenset({"tikar"})
    assert (products[0].name, "product") not in memo  # the old name is forgotten, the new one kept
    assert (changed.name, "product") in memo
