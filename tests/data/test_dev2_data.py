"""The second evaluation set (dev2): reproducible, labelled by its written rule, meeting its guarantees."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV2 = ROOT / "matching" / "data" / "dev2"
FILES = ("ikms.csv", "products.csv", "buyers.csv", "qrels.txt", "latent.jsonl", "ikm_latent.jsonl")

# the labelling rule of matching/data/dev2/README.md, restated here independently of the generator
FAMILIES = (
    {"lidi", "lontar", "mendong", "pandan", "purun"},
    {"bambu", "eceng_gondok", "ketak", "rotan"},
    {"tenun"},
)
RELATED = (
    {"dompet", "tas"},
    {"keranjang", "kotak"},
    {"kain", "sarung", "syal"},
    {"furnitur_lain", "kursi", "meja"},
    {"nampan", "tatakan"},
)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_grade(buyer: dict, ikm: dict) -> int:
    pairs = {(m, c) for m, c in ikm["product_types"]}
    wanted, category = set(buyer["materials"]), buyer["category"]
    exact = any((m, category) in pairs for m in wanted)
    enough = buyer["quantity"] is None or ikm["capacity_per_month"] >= buyer["quantity"]
    feasible = enough and set(buyer["required_certifications"]) <= set(ikm["certifications"])
    if exact and feasible:
        preferred = buyer["preferred_provinces"]
        return 3 if not preferred or ikm["province"] in preferred else 2
    sisters = set().union(*(f for f in FAMILIES if f & wanted)) - wanted
    related = set().union(*(g for g in RELATED if category in g)) - {category}
    sister_match = any((s, category) in pairs for s in sisters)
    related_match = any((m, c) in pairs for m in wanted for c in related)
    return 1 if exact or sister_match or related_match else 0


def read_qrels() -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (DEV2 / "qrels.txt").read_text(encoding="utf-8").splitlines():
        buyer, _, ikm, grade = line.split()
        qrels[buyer][ikm] = int(grade)
    return qrels


@pytest.fixture(scope="module")
def buyers() -> list[dict]:
    return read_jsonl(DEV2 / "latent.jsonl")


@pytest.fixture(scope="module")
def ikms() -> list[dict]:
    return read_jsonl(DEV2 / "ikm_latent.jsonl")


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_dev2.py"), "--seed", "7", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEV2 / name).read_bytes(), name


def test_qrels_follow_the_labelling_rule(buyers: list[dict], ikms: list[dict]) -> None:
    qrels = read_qrels()
    for buyer in buyers:
        expected = {i["ikm_id"]: g for i in ikms if (g := expected_grade(buyer, i))}
        assert qrels.get(buyer["buyer_id"], {}) == expected, buyer["buyer_id"]


def test_every_buyer_has_the_promised_judgements(buyers: list[dict]) -> None:
    qrels = read_qrels()
    assert {b["buyer_id"] for b in buyers} == set(qrels)
    for buyer_id, grades in qrels.items():
        values = list(grades.values())
        assert values.count(3) >= 1, buyer_id
        assert sum(g >= 2 for g in values) >= 3, buyer_id
        assert values.count(1) >= 3, buyer_id


def test_provinces_are_canonical(buyers: list[dict], ikms: list[dict]) -> None:
    lines = (ROOT / "matching" / "resources" / "provinces.tsv").read_text(encoding="utf-8").splitlines()
    canonical = {line.split("\t")[1] for line in lines if line and not line.startswith(("#", "kemendagri"))}
    assert len(canonical) == 38
    assert {i["province"] for i in ikms} <= canonical
    assert {p for b in buyers for p in b["preferred_provinces"] or []} <= canonical
    with (DEV2 / "ikms.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["province"] for row in csv.DictReader(handle)} <= canonical


def test_both_languages_about_half_each(buyers: list[dict]) -> None:
    languages = [b["language"] for b in buyers]
    assert set(languages) == {"en", "id"}
    assert 0.4 <= languages.count("en") / len(languages) <= 0.6
