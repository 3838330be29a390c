"""Build the PRDECT-ID judged sets (``prdect-id``, ``prdect-en``) from the public PRDECT-ID dataset.

    python -m matching.data.build_prdect --source "PRDECT-ID Dataset.csv" --out matching/data/prdect

The raw file is ``Dataset/PRDECT-ID Dataset.csv`` of github.com/rhiosutoyo/PRDECT-ID-Indonesian-Product-
Reviews-Dataset (MIT licence, commit 5d4941b): 5,400 Tokopedia reviews of 1,323 listings in 29 seller
categories. Each distinct listing (category, name, seller city, price) becomes one IKM with one product:
the product's name is the listing's name, its category the seller's category, its price the listing's price;
the IKM sits in the seller's city and province. Reviews are customers' words and stay out of the catalogue.

The buyers are written by hand in ``queries-id.csv`` / ``queries-en.csv`` (beside the output): a requirement,
the seller category it targets and regular expressions naming the kind of item asked for. The grades follow
from those columns alone (no ranking system is run):

- **2**: the listing is in the target category and its name matches ``item_patterns`` and not
  ``exclude_patterns``;
- **1**: the listing is in the target category but is another item;
- **0**: every other listing (left out of the qrels).

Standard library only; the same source gives the same files byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Listing", "Query", "build", "grade", "main", "read_listings", "read_queries"]

LANGUAGES = ("id", "en")
IKM_PREFIX, PRODUCT_PREFIX = "TK", "TP"

# the sellers' cities (as Tokopedia writes them, "Kab." / "Kota" dropped) -> province
CITY_PROVINCE: dict[str, str] = {
    "Jakarta Barat": "DKI Jakarta",
    "Jakarta Pusat": "DKI Jakarta",
    "Jakarta Selatan": "DKI Jakarta",
    "Jakarta Timur": "DKI Jakarta",
    "Jakarta Utara": "DKI Jakarta",
    "Tangerang": "Banten",
    "Tangerang Selatan": "Banten",
    "Serang": "Banten",
    "Bandung": "Jawa Barat",
    "Bandung Barat": "Jawa Barat",
    "Bekasi": "Jawa Barat",
    "Bogor": "Jawa Barat",
    "Cianjur": "Jawa Barat",
    "Cimahi": "Jawa Barat",
    "Depok": "Jawa Barat",
    "Garut": "Jawa Barat",
    "Sukabumi": "Jawa Barat",
    "Tasikmalaya": "Jawa Barat",
    "Batang": "Jawa Tengah",
    "Klaten": "Jawa Tengah",
    "Pekalongan": "Jawa Tengah",
    "Pemalang": "Jawa Tengah",
    "Semarang": "Jawa Tengah",
    "Sukoharjo": "Jawa Tengah",
    "Surakarta": "Jawa Tengah",
    "Tegal": "Jawa Tengah",
    "Sleman": "DI Yogyakarta",
    "Kediri": "Jawa Timur",
    "Malang": "Jawa Timur",
    "Mojokerto": "Jawa Timur",
    "Sidoarjo": "Jawa Timur",
    "Surabaya": "Jawa Timur",
    "Tulungagung": "Jawa Timur",
    "Denpasar": "Bali",
    "Medan": "Sumatera Utara",
    "Palembang": "Sumatera Selatan",
    "Bandar Lampung": "Lampung",
    "Batam": "Kepulauan Riau",
    "Palangkaraya": "Kalimantan Tengah",
    "Makassar": "Sulawesi Selatan",
}


@dataclass(frozen=True)
class Listing:
    """One distinct shop listing: the seller's category, the listing's name, the seller's city and price."""

    category: str
    name: str
    location: str
    price: int


@dataclass(frozen=True)
class Query:
    """A hand-written buyer requirement and the rule that grades listings for it."""

    buyer_id: str
    requirement: str
    target_category: str
    item_patterns: str
    exclude_patterns: str = ""

    def grade(self, listing: Listing) -> int:
        return grade(self, listing)


def _clean(text: str) -> str:
    """NFC, the raw file's replacement characters and odd spaces as plain spaces, runs of spaces as one."""
    text = unicodedata.normalize("NFC", text).replace("\ufffd", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _city(location: str) -> tuple[str, str]:
    """(regency as the import format writes it, bare city name) of a Tokopedia seller location."""
    location = _clean(location)
    bare = re.sub(r"^(kab\.?|kabupaten|kota)\s+", "", location, flags=re.IGNORECASE).strip()
    if re.match(r"^(kab\.?|kabupaten)\s", location, flags=re.IGNORECASE):
        return f"Kabupaten {bare}", bare
    if bare.startswith("Jakarta"):
        return f"Kota {bare}", bare
    return f"Kota {bare}", bare


def read_listings(lines: Iterable[str]) -> list[Listing]:
    """The distinct listings of the raw PRDECT-ID CSV, in order of first appearance."""
    seen: dict[tuple[str, str, str, int], Listing] = {}
    for row in csv.DictReader(lines):
        listing = Listing(
            category=_clean(row["Category"]),
            name=_clean(row["Product Name"]),
            location=_clean(row["Location"]),
            price=int(float(row["Price"])),
        )
        key = (listing.category, listing.name, listing.location, listing.price)
        seen.setdefault(key, listing)
    return list(seen.values())


def read_queries(path: Path) -> list[Query]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Query(
                buyer_id=row["buyer_id"].strip(),
                requirement=row["requirement"].strip(),
                target_category=row["target_category"].strip(),
                item_patterns=row["item_patterns"].strip(),
                exclude_patterns=(row.get("exclude_patterns") or "").strip(),
            )
            for row in csv.DictReader(handle)
        ]


def grade(query: Query, listing: Listing) -> int:
    """2 = target category and the item asked for; 1 = target category, another item; 0 = otherwise."""
    if listing.category != query.target_category:
        return 0
    name = listing.name.lower()
    if re.search(query.item_patterns, name) and not (
        query.exclude_patterns and re.search(query.exclude_patterns, name)
    ):
        return 2
    return 1


def _csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def build(listings: list[Listing], queries: dict[str, list[Query]]) -> dict[str, str]:
    """File name -> text of every built file: the catalogue, and per language the buyers and qrels."""
    ikm_rows, product_rows, ikm_ids = [], [], []
    for n, listing in enumerate(listings, start=1):
        regency, city = _city(listing.location)
        province = CITY_PROVINCE.get(city)
        if province is None:
            raise ValueError(f"no province for the seller city {listing.location!r}; add it to CITY_PROVINCE")
        ikm_id, product_id = f"{IKM_PREFIX}{n:04d}", f"{PRODUCT_PREFIX}{n:04d}"
        ikm_ids.append(ikm_id)
        ikm_rows.append([ikm_id, f"Toko {ikm_id}", province, regency])
        product_rows.append([product_id, ikm_id, listing.name, listing.category, listing.price])
    files = {
        "ikms.csv": _csv(["ikm_id", "name", "province", "regency"], ikm_rows),
        "products.csv": _csv(["product_id", "ikm_id", "name", "category", "price_idr"], product_rows),
    }
    for language, language_queries in queries.items():
        buyers = [
            [q.buyer_id, f"Pembeli {q.buyer_id}", "Indonesia", q.requirement, language]
            for q in language_queries
        ]
        files[f"buyers-{language}.csv"] = _csv(
            ["buyer_id", "company", "country", "requirement", "language"], buyers
        )
        qrels = []
        for query in language_queries:
            for ikm_id, listing in zip(ikm_ids, listings, strict=True):
                if (value := grade(query, listing)) > 0:
                    qrels.append(f"{query.buyer_id} 0 {ikm_id} {value}\n")
        files[f"qrels-{language}.txt"] = "".join(qrels)
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, required=True, help="the raw 'PRDECT-ID Dataset.csv'")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "prdect", help="folder of the queries and output"
    )
    parser.add_argument("--queries", type=Path, help="folder of queries-<lang>.csv (default: --out)")
    args = parser.parse_args(argv)
    with args.source.open(encoding="utf-8", newline="") as handle:
        listings = read_listings(handle)
    queries_dir = args.queries or args.out
    queries = {
        lang: read_queries(queries_dir / f"queries-{lang}.csv")
        for lang in LANGUAGES
        if (queries_dir / f"queries-{lang}.csv").exists()
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in build(listings, queries).items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"{len(listings)} listings, " + ", ".join(f"{len(q)} {lang} buyers" for lang, q in queries.items()))


if __name__ == "__main__":
    main()
