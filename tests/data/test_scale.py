"""The scaled catalogue of real text (``matching.data.scale``): importable as it is, every row distinct, every
text taken from the bundled and judged sets' own texts."""

from __future__ import annotations

import csv
from pathlib import Path

from matching import Engine, Settings
from matching.catalogue.schema import Entity
from matching.data.scale import SOURCES, _rows, write_scaled_catalogue


def test_a_scaled_catalogue_imports_whole_and_is_made_of_real_text(tmp_path: Path) -> None:
    ikms, *parts = write_scaled_catalogue(tmp_path / "scaled", 7_000, progress=False, rows_per_file=3_000)
    assert [p.name for p in parts] == ["products.csv", "products-2.csv", "products-3.csv"]
    rows = []
    for part in parts:
        with part.open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    assert len(rows) == 7_000 and len({r["product_id"] for r in rows}) == 7_000
    real_names = {
        row["name"] for source in SOURCES for row in _rows(source / "products.csv", Entity.PRODUCTS)
    }
    assert {r["name"] for r in rows} <= real_names  # names are real listings' names
    assert len({(r["name"], r["description"]) for r in rows}) > 6_950  # recombined: hardly two alike
    assert all(r["price_idr"] == "" or r["price_idr"].isdigit() for r in rows)
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing"))
    try:
        report = engine.import_files([ikms, *parts])
        assert report.committed and not report.errors
        assert engine.store.counts()["products"] == 7_000
        assert engine.store.counts()["ikms"] == 1_400
    finally:
        engine.close()
    again = write_scaled_catalogue(tmp_path / "again", 7_000, progress=False, rows_per_file=3_000)
    assert [p.read_bytes() for p in again[1:]] == [p.read_bytes() for p in parts]  # same seed, same catalogue
