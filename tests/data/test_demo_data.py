"""The bundled demo catalogue and dev set: big and varied enough, importable, and reproducible."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matching import Engine, Entity, demo_data_dir
from matching.learning.metrics import read_qrels

ROOT = Path(__file__).resolve().parents[2]
DATA = demo_data_dir().parent


def test_demo_imports_cleanly_with_the_promised_size(engine: Engine) -> None:
    report = engine.import_demo()
    assert report.ok and not report.warnings
    assert report.counts[Entity.IKMS].created >= 400
    assert report.counts[Entity.PRODUCTS].created >= 1500
    assert report.counts[Entity.BUYERS].created >= 120
    stats = engine.stats()
    assert len(stats["buyers_by_country"]) >= 10
    regencies = {(i.province, i.regency) for i in engine.store.ikms()}
    assert len(regencies) >= 12
    again = engine.import_demo()
    assert again.counts[Entity.IKMS].unchanged == report.counts[Entity.IKMS].created


def test_requirements_and_descriptions_in_both_languages(engine: Engine) -> None:
    engine.import_demo()
    languages = [b.attributes.get("language") for b in engine.store.buyers()]
    assert languages.count("en") >= 30 and languages.count("id") >= 30
    non_woven = {p.material for p in engine.store.products()} & {"kayu", "gerabah", "batik", "kulit", "logam"}
    assert non_woven, "distractor products that are not woven"


def test_every_buyer_has_graded_judgements() -> None:
    qrels = read_qrels(DATA / "dev" / "qrels.txt")
    buyers = (DATA / "demo" / "buyers.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = {line.split(",", 1)[0] for line in buyers if line}
    assert ids <= set(qrels)
    for grades in qrels.values():
        assert set(grades.values()) <= {0, 1, 2, 3}
        assert sum(g >= 2 for g in grades.values()) >= 3


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_demo_data.py"),
            "--seed",
            "42",
            "--out-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name in ("demo/ikms.csv", "demo/products.csv", "demo/buyers.csv", "dev/qrels.txt"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
