"""A large catalogue made of real text: the demo's, dev2's and PRDECT-ID's products and IKMs, recombined.

``python -m matching.data.scale OUT --products 1000000 [--seed 0]`` writes ``OUT/ikms.csv`` and
``OUT/products.csv`` (``products-2.csv`` ... past 250,000 rows) in the import format. Each product takes a
real product's name, material, category and price (jittered by up to 20%), and a description made of its
own description (a title-only listing: another's title) followed by a sentence from each of two other real
products of the same material; each IKM takes a real IKM's province, regency and description and has about
five products. Nothing is invented word by word, so the texts embed as real product text does (the scale
benchmarks measure real e5 vectors, not random ones), and hardly two are alike (99.3% distinct at 100k).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from matching.catalogue.schema import COLUMNS, Entity
from matching.common.parsing import parse_whole_number

__all__ = ["SOURCES", "write_scaled_catalogue"]

DATA = Path(__file__).parent
SOURCES = (DATA / "demo", DATA / "dev2", DATA / "prdect")
PRODUCTS_PER_IKM = 5
ROWS_PER_FILE = 250_000  # ~100 MB of products a file


def _rows(path: Path, entity: Entity) -> list[dict[str, str]]:
    """The rows of a source file, its headers read through the import's own aliases (dev2's are Indonesian:
    ``nama_produk``, ``harga`` ...)."""
    names = {alias: spec.name for spec in COLUMNS[entity] for alias in (spec.name, *spec.aliases)}
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {names.get(k.strip().lower(), k): v for k, v in row.items()} for row in csv.DictReader(handle)
        ]


def _price(text: str, rng: random.Random) -> str:
    """A source price ("Rp 1.500.000", "391000", read as the import reads it) jittered by up to 20%, in whole
    hundreds of rupiah."""
    if not text.strip():
        return ""
    return str(max(1000, int(round(parse_whole_number(text) * rng.uniform(0.8, 1.2), -2))))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text or "") if s.strip()]


def _join(first: str, second: str) -> str:
    first, second = first.strip(), second.strip()
    if not (first and second):
        return first or second
    return first + (" " if first[-1] in ".!?" else ". ") + second


def _products(sources: tuple[Path, ...], n: int, rng: random.Random, ikms: int) -> Iterator[list[str]]:
    pool = [row for source in sources for row in _rows(source / "products.csv", Entity.PRODUCTS)]
    by_material: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in pool:
        by_material[(row.get("material") or row.get("category") or "").lower()].append(row)
    for i in range(n):
        base = pool[i % len(pool)] if i < len(pool) else rng.choice(pool)
        key = (base.get("material") or base.get("category") or "").lower()
        kind = by_material[key]
        extra = [
            rng.choice(_sentences(p.get("description") or p["name"]) or [""]) for p in rng.choices(kind, k=2)
        ]
        own = (base.get("description") or "").strip()
        if not own:  # a listing with a title only (PRDECT-ID): another listing's title of its kind instead
            own = rng.choice(kind)["name"]
        description = _join(_join(own, extra[0]), extra[1])
        price = _price(base.get("price_idr") or "", rng)
        yield [
            f"SP{i:07d}",
            f"SI{(i // PRODUCTS_PER_IKM) % ikms:06d}",
            base["name"],
            description,
            base.get("material") or "",
            base.get("category") or "",
            price,
        ]


def _ikms(sources: tuple[Path, ...], n: int, rng: random.Random) -> Iterator[list[str]]:
    pool = [row for source in sources for row in _rows(source / "ikms.csv", Entity.IKMS)]
    names = [row["name"] for row in pool]
    for i in range(n):
        base = pool[i % len(pool)]
        yield [
            f"SI{i:06d}",
            f"{rng.choice(names)} {i}",
            base["province"],
            base["regency"],
            base.get("village") or "",
            base.get("ovop_stars") or "",
            base.get("capacity_per_month") or "",
            base.get("min_order_qty") or "",
            base.get("lead_time_days") or "",
            base.get("certifications") or "",
            base.get("export_markets") or "",
            base.get("description") or "",
            "",
            "",
            "",
        ]


def write_scaled_catalogue(
    out: Path, products: int, *, seed: int = 0, progress: bool = True, rows_per_file: int = ROWS_PER_FILE
) -> list[Path]:
    """Write ``ikms.csv`` and ``products.csv`` of ``products`` products under ``out``, the products split into
    files of at most ``rows_per_file`` rows (``products-2.csv`` ...: an import file may not pass 200 MiB); the
    paths, IKMs first."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ikms = max(1, -(-products // PRODUCTS_PER_IKM))
    written: list[Path] = []
    for entity, rows, total in (
        (Entity.IKMS, _ikms(SOURCES, ikms, rng), ikms),
        (Entity.PRODUCTS, _products(SOURCES, products, rng, ikms), products),
    ):
        header = [spec.name for spec in COLUMNS[entity]]
        bar = tqdm(total=total, desc=f"{entity.value}.csv", unit=" rows", disable=not progress)
        for part in range(max(1, -(-total // rows_per_file))):
            path = out / (f"{entity.value}.csv" if part == 0 else f"{entity.value}-{part + 1}.csv")
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                for row in itertools.islice(rows, rows_per_file):
                    writer.writerow(row[: len(header)])
                    bar.update()
            written.append(path)
        bar.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for path in write_scaled_catalogue(args.out, args.products, seed=args.seed):
        print(path)


if __name__ == "__main__":
    main()
