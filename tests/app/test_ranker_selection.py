"""`matching train --loso`: every registered judged set, held out in turn, and a card that lists them all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matching.app.ranker_selection import next_ranker_name
from matching.cli import app
from matching.common.bundled import bundled_data_dir
from matching.learning import judged_sets
from matching.learning.metrics import read_qrels

WIDE = {"COLUMNS": "200", "NO_COLOR": "1", "MATCHING_ENCODER": "hashing", "MATCHING_RANKER": "weights"}


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _slice(source: str, qrels_file: str, out: Path, ikms: slice, buyers: slice) -> judged_sets.JudgedSet:
    """A small judged set cut from a bundled one: some IKMs with their products, some buyers, their qrels."""
    root = bundled_data_dir()
    out.mkdir(parents=True)
    header, rows = _rows(root / source / "ikms.csv")
    kept = rows[ikms]
    _write(out / "ikms.csv", header, kept)
    ids = {r["ikm_id"] for r in kept}
    header, rows = _rows(root / source / "products.csv")
    owner = "ikm_id" if "ikm_id" in header else "kode_ikm"  # dev2 writes its products file in Indonesian
    _write(out / "products.csv", header, [r for r in rows if r[owner] in ids])
    header, rows = _rows(root / source / "buyers.csv")
    chosen = rows[buyers]
    _write(out / "buyers.csv", header, chosen)
    qrels = read_qrels(root / qrels_file)
    lines = [
        f"{b['buyer_id']} 0 {i} {g}\n"
        for b in chosen
        for i, g in sorted(qrels.get(b["buyer_id"], {}).items())
        if i in ids
    ]
    (out / "qrels.txt").write_text("".join(lines), encoding="utf-8")
    # absolute paths: the registry joins them to the bundled data folder, which leaves an absolute one as is
    return judged_sets.JudgedSet(str(out), str(out / "qrels.txt"))


def test_train_loso_holds_out_every_registered_set_and_its_card_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = {
        "small-a": _slice("demo", "dev/qrels.txt", tmp_path / "a", slice(0, 150), slice(0, 20)),
        "small-b": _slice("demo", "dev/qrels.txt", tmp_path / "b", slice(150, 300), slice(20, 40)),
        "small-c": _slice("dev2", "dev2/qrels.txt", tmp_path / "c", slice(0, 120), slice(0, 20)),
    }
    monkeypatch.setattr(judged_sets, "JUDGED_SETS", sets)  # a registry of three new sets: no code change
    monkeypatch.setattr("matching.app.ranker_selection.JUDGED_SETS", sets)
    monkeypatch.delenv("MATCHING_MODELS_DIR", raising=False)
    home = tmp_path / "home"
    expected = next_ranker_name(home / "models")  # the next version after the bundled ones
    assert expected.startswith("ranker-v") and expected != "ranker-v1"
    result = CliRunner().invoke(app, ["train", "--loso", "--home", str(home)], env=WIDE)
    assert result.exit_code == 0, result.output
    folder = home / "models" / expected
    config = json.loads((folder / "config.json").read_text())
    metrics = json.loads((folder / "metrics.json").read_text())
    card = (folder / "README.md").read_text()
    assert list(config["judged_sets"]) == list(sets)
    for name in sets:
        assert f"### {name} held out" in card
        for candidate, per_set in metrics["held_out"].items():
            assert name not in per_set[name]["trained_on"], candidate
            assert set(per_set[name]["trained_on"]) == set(sets) - {name}
    assert "`weights`" in card and "| ceiling |" in card
    selected, summary = metrics["selected"], metrics["summary"]
    assert summary[selected]["mean"] >= max(row["mean"] for row in summary.values()) - 0.0005
    assert config["rows"] == sum(s["rows"] for s in config["judged_sets"].values())
    assert "Held-out nDCG@10" in result.output and "chosen:" in result.output
    # the saved artifact loads and ranks through the registry
    from matching.ranking.model_registry import resolve_ranker

    _, version = resolve_ranker(str(folder), home / "models")
    assert version == expected

    wrong = CliRunner().invoke(app, ["train", "--loso", "--set", "nope", "--home", str(home)], env=WIDE)
    assert wrong.exit_code != 0 and "no judged set nope" in wrong.output
