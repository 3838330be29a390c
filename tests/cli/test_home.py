"""The data home: read-only commands need an existing store, ``init`` creates one privately, an empty
catalogue searches to an empty result with a notice, backup and restore."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.helpers import run_cli

READERS = [
    ["stats"],
    ["search", "rattan chair"],
    ["keys", "list"],
    ["models", "list"],
    ["event", "plan", "matching/data/demo/event.yaml", "--out", "plan-out"],
    ["serve", "--port", "18765"],
    ["backup", "backup-out"],
]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a))
def test_a_mistyped_home_is_an_error_and_nothing_is_created(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "typo"
    result = run_cli(*args, home=typo, fast=True, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(typo) in result.stderr and "matching init" in result.stderr
    assert "Traceback" not in result.stderr
    assert not typo.exists()


def test_init_creates_a_private_home_then_reads_work(tmp_path: Path) -> None:
    home = tmp_path / "new"
    assert run_cli("init", home=home, fast=True).returncode == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.glob("matching.sqlite*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    stats = run_cli("stats", "--json", home=home, fast=True)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["ikms"] == 0


def test_an_empty_catalogue_searches_to_nothing_with_a_notice(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli("init", home=home, fast=True).returncode == 0
    result = run_cli("search", "rattan chair", "--json", home=home, fast=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["data"] == [] and "catalogue is empty" in data["notice"]
    assert "catalogue is empty" in result.stderr and "ValueError" not in result.stderr


def test_ingest_creates_the_home_privately(tmp_path: Path, canonical_files: list[Path]) -> None:
    home = tmp_path / "home"
    assert run_cli("ingest", *map(str, canonical_files), home=home, fast=True).returncode == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in home.glob("matching.sqlite*")}
    assert modes and set(modes.values()) == {0o600}, modes


def test_backup_then_restore_through_the_cli(tmp_path: Path, canonical_files: list[Path]) -> None:
    home, copy = tmp_path / "home", tmp_path / "copy"
    assert run_cli("ingest", *map(str, canonical_files), home=home, fast=True).returncode == 0
    before = run_cli("stats", "--json", home=home, fast=True).stdout
    archive = tmp_path / "home.tar.gz"
    made = run_cli("backup", str(archive), home=home, fast=True)
    assert made.returncode == 0, made.stderr
    assert "3 IKMs, 3 products, 2 buyers" in made.stdout
    assert run_cli("restore", str(archive), home=copy, fast=True).returncode == 0
    assert run_cli("stats", "--json", home=copy, fast=True).stdout == before
    again = run_cli("restore", str(archive), home=copy, fast=True)
    assert again.returncode == 2 and "--force" in again.stderr and str(copy) in again.stderr
    assert run_cli("restore", str(archive), "--force", home=copy, fast=True).returncode == 0
    missing = run_cli("backup", str(tmp_path / "x"), home=tmp_path / "typo", fast=True)
    assert missing.returncode == 2 and not (tmp_path / "typo").exists() and not (tmp_path / "x").exists()
