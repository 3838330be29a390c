from __future__ import annotations

import pytest

from matching.common.regions import provinces


def test_all_38_provinces_with_unique_codes() -> None:
    table = provinces()
    assert len(table) == 38
    assert len({p.code for p in table.provinces}) == 38
    assert len(set(table.names())) == 38


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jawa Barat", "Jawa Barat"),
        ("jawa  barat", "Jawa Barat"),
        ("Jabar", "Jawa Barat"),
        ("West Java", "Jawa Barat"),
        ("Provinsi Jawa Barat", "Jawa Barat"),
        ("NTB", "Nusa Tenggara Barat"),
        ("Yogyakarta", "DI Yogyakarta"),
        ("D.I. Yogyakarta", "DI Yogyakarta"),
        ("Kalsel", "Kalimantan Selatan"),
        ("Papua", "Papua"),
    ],
)
def test_lookup_by_name_and_alias(text: str, name: str) -> None:
    found = provinces().lookup(text)
    assert found is not None and found.name == name


def test_misspellings_get_a_suggestion_and_nonsense_none() -> None:
    table = provinces()
    assert table.lookup("Jawa Barrat") is None
    assert table.suggest("Jawa Barrat") == "Jawa Barat"
    assert table.suggest("Sulawesi Selatn") == "Sulawesi Selatan"
    assert table.suggest("qwerty") is None
