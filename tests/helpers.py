"""Helpers shared by the test modules: CSV writing, canonical import rows, store snapshots, running the CLI.

Imported as ``tests.helpers``; ``conftest.py`` holds only fixtures.
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from matching import Engine


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


IKM_HEADER = [
    "ikm_id",
    "name",
    "province",
    "regency",
    "village",
    "ovop_stars",
    "capacity_per_month",
    "min_order_qty",
    "lead_time_days",
    "certifications",
    "export_markets",
    "description",
    "contact_name",
    "contact_phone",
    "contact_email",
]
IKM_ROWS = [
    [
        "I0001",
        "KUB Ketak Lestari",
        "Nusa Tenggara Barat",
        "Lombok Barat",
        "Nyurbaya",
        "4",
        "1200",
        "50",
        "21",
        "SVLK;SNI",
        "Jepang;Belanda",
        "Anyaman ketak halus",
        "Ibu Sri",
        "081234567890",
        "ketak@example.com",
    ],
    [
        "I0002",
        "UD Pandan Rajapolah",
        "Jawa Barat",
        "Tasikmalaya",
        "Rajapolah",
        "2",
        "3000",
        "100",
        "14",
        "",
        "Australia",
        "Tas dan tikar pandan",
        "Pak Dedi",
        "",
        "",
    ],
    [
        "I0003",
        "CV Rotan Tegalwangi",
        "Jawa Barat",
        "Cirebon",
        "Tegalwangi",
        "",
        "800",
        "",
        "30",
        "SVLK",
        "",
        "Kursi dan keranjang rotan",
        "",
        "",
        "rotan@example.co.id",
    ],
]
PRODUCT_HEADER = ["product_id", "ikm_id", "name", "description", "material", "category", "price_idr"]
PRODUCT_ROWS = [
    ["P001", "I0001", "Tas ketak bulat", "diameter 20 cm, warna natural", "ketak", "tas", "250000"],
    ["P002", "I0002", "Tikar pandan", "ukuran 2x3 m", "pandan", "tikar", "150000"],
    ["P003", "I0003", "Keranjang rotan", "laundry basket", "rotan", "keranjang", "175000"],
]
BUYER_HEADER = [
    "buyer_id",
    "company",
    "country",
    "requirement",
    "quantity",
    "max_unit_price_idr",
    "required_certifications",
    "preferred_provinces",
    "deadline_days",
    "contact_email",
]
BUYER_ROWS = [
    [
        "B001",
        "Sakura Zakka",
        "Japan",
        "Ketak bags 500 pcs/month",
        "500",
        "300000",
        "",
        "Nusa Tenggara Barat",
        "60",
        "buy@example.jp",
    ],
    [
        "B002",
        "Hotel Nusantara",
        "Indonesia",
        "Butuh keranjang rotan 2.000 buah",
        "2000",
        "",
        "SVLK",
        "Jawa Barat;Jawa Tengah",
        "",
        "",
    ],
]


def snapshot(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every record in the store, as plain data, for record-for-record comparisons."""
    return {
        "ikms": [r.model_dump() for r in engine.store.ikms()],
        "products": [r.model_dump() for r in engine.store.products()],
        "buyers": [r.model_dump() for r in engine.store.buyers()],
    }


def run_cli(
    *args: str, home: Path, fast: bool = False, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``matching`` command (or ``python -m matching``) with ``home`` as its data home.

    ``fast`` picks the hashing encoder and the hand-set ranker weights, for tests that rank but need not
    load the real model.
    """
    script = Path(sys.executable).with_name("matching")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "matching"]
    env = {**os.environ, "MATCHING_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    if fast:
        env |= {"MATCHING_ENCODER": "hashing", "MATCHING_RANKER": "weights"}
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=timeout)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite file consistently (its write-ahead log included)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def copy_home(source: Path, target: Path) -> Path:
    """A copy of the closed data home ``source`` at ``target`` (links, such as a model folder, stay links)."""
    shutil.copytree(source, target, symlinks=True)
    return target
