from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import IKM_HEADER, IKM_ROWS, run_cli, write_csv


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, home=home, timeout=300)


def test_help_everywhere(tmp_path: Path) -> None:
    for args in ([], ["ingest"], ["template"], ["stats"], ["demo"]):
        result = run(*args, "--help", home=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_ingest_ok_then_stats(tmp_path: Path, canonical_files: list[Path]) -> None:
    result = run("ingest", *map(str, canonical_files), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    stats = run("stats", "--json", home=tmp_path / "home")
    data = json.loads(stats.stdout)
    assert (data["ikms"], data["products"], data["buyers"]) == (3, 3, 2)
    assert data["ikms_by_province"] == {"Jawa Barat": 2, "Nusa Tenggara Barat": 1}


def test_validation_failure_exits_1_with_row_column_value(tmp_path: Path) -> None:
    row = list(IKM_ROWS[0])
    row[2] = "Jawa Barrat"
    bad = write_csv(tmp_path / "ikms.csv", [IKM_HEADER, row])
    report = tmp_path / "problems.csv"
    result = run("ingest", str(bad), "--report", str(report), home=tmp_path / "home")
    assert result.returncode == 1
    assert "row 2" in result.stderr and "province" in result.stderr and "Jawa Barrat" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Jawa Barrat" in report.read_text(encoding="utf-8")
    stats = json.loads(run("stats", "--json", home=tmp_path / "home").stdout)
    assert stats["ikms"] == 0


def test_dry_run_json(tmp_path: Path, canonical_files: list[Path]) -> None:
    result = run("ingest", *map(str, canonical_files), "--dry-run", "--json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["ikms"]["created"] == 3 and data["committed"] is False


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "missing.csv"],
        ["template", "--format", "pdf"],
        ["no-such-command"],
        ["ingest", "--kind", "x"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, home=tmp_path / "home")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_unreadable_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    odd = tmp_path / "ikms.xlsx"
    odd.write_text("not a workbook")
    result = run("ingest", str(odd), home=tmp_path / "home")
    assert result.returncode == 1
    assert "not an XLSX workbook but text" in result.stderr and "Traceback" not in result.stderr


def test_template_round_trips_through_ingest(tmp_path: Path) -> None:
    out = tmp_path / "tpl"
    assert run("template", "--out", str(out), home=tmp_path / "home").returncode == 0
    assert {p.name for p in out.iterdir()} == {
        "ikms.csv",
        "products.csv",
        "buyers.csv",
        "matching-template.xlsx",
    }
    csv_files = [str(out / f"{name}.csv") for name in ("ikms", "products", "buyers")]
    first = run("ingest", *csv_files, "--json", home=tmp_path / "home")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["counts"]["ikms"]["created"] == 1
    second = run("ingest", str(out / "matching-template.xlsx"), "--json", home=tmp_path / "home")
    assert second.returncode == 0, second.stderr
    counts = json.loads(second.stdout)["counts"]
    assert all(counts[e]["unchanged"] == 1 for e in ("ikms", "products", "buyers"))


def test_rank_writes_trec_csv_and_json_and_evaluate_prints_all_systems(tmp_path: Path) -> None:
    from matching import demo_data_dir

    home = tmp_path / "home"
    demo = demo_data_dir()
    demo_run = run_cli("demo", "--matches", "0", "--event-out", str(tmp_path / "event"), home=home, fast=True)
    assert demo_run.returncode == 0, demo_run.stderr
    assert (tmp_path / "event" / "meetings.csv").exists() and (tmp_path / "event" / "agendas-en.pdf").exists()
    assert "0 violations" in demo_run.stdout
    buyers = str(demo / "buyers.csv")
    run_file = tmp_path / "run.txt"
    result = run_cli(
        "rank",
        "--buyers",
        buyers,
        "--top",
        "5",
        "--format",
        "trec",
        "--out",
        str(run_file),
        "--tag",
        "t1",
        home=home,
        fast=True,
    )
    assert result.returncode == 0, result.stderr
    lines = run_file.read_text().splitlines()
    first = lines[0].split()
    assert len(lines) == 133 * 5 and len(first) == 6
    assert first[0] == "B001" and first[1] == "Q0" and first[3] == "1" and first[5] == "t1"
    csv_file = tmp_path / "run.csv"
    assert (
        run_cli(
            "rank", "--buyers", buyers, "--format", "csv", "--out", str(csv_file), home=home, fast=True
        ).returncode
        == 0
    )
    assert csv_file.read_text().splitlines()[0] == "buyer_id,rank,ikm_id,ikm_name,score,reason"
    evaluation = run_cli(
        "evaluate",
        "--buyers",
        buyers,
        "--qrels",
        str(demo.parent / "dev" / "qrels.txt"),
        "--json",
        home=home,
        fast=True,
    )
    assert evaluation.returncode == 0, evaluation.stderr
    rows = json.loads(evaluation.stdout)["rows"]
    assert {(r["system"], r["split"]) for r in rows} == {
        (s, split) for s in ("bm25", "dense", "engine") for split in ("all", "en", "id")
    }
    search = run_cli(
        "search", "keranjang rotan 800 pcs per bulan", "--cert", "SVLK", "--json", home=home, fast=True
    )
    assert search.returncode == 0, search.stderr
    found = json.loads(search.stdout)["data"]
    assert found and found[0]["constraints"]


# -- plain database errors (issue 14) --------------------------------------------------------------------

NO_SQL_NO_CONTACTS = (
    "Traceback",
    "INSERT",
    "SELECT",
    "[SQL",
    "parameters",
    "ketak@example.com",
    "081234567890",
)


def test_a_read_only_database_is_a_plain_message(
    tmp_path: Path, canonical_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert run("ingest", str(canonical_files[0]), home=home).returncode == 0
    database = (home / "matching.sqlite").resolve()
    monkeypatch.setenv("MATCHING_DATABASE_URL", f"sqlite:///file:{database}?mode=ro&uri=true")
    monkeypatch.chdir(tmp_path)
    result = run("ingest", *map(str, canonical_files), home=home)
    assert result.returncode == 1
    assert "read-only" in result.stderr and str(database) in result.stderr.replace("\n", "")
    for word in NO_SQL_NO_CONTACTS:
        assert word not in result.stderr + result.stdout
    stats = run("stats", home=home)  # reading a read-only store works: the URI names an existing file
    assert stats.returncode == 0, stats.stderr
    assert not (tmp_path / "file:").exists()  # the URI was taken for a folder to create


def test_two_ingests_of_one_file_at_once_are_plain(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rows = [[f"I{i:05d}", f"KUB {i}", "Jawa Barat", "Bandung"] + [""] * 8 + ["Ibu Sri", "081234567890",
            "ketak@example.com"] for i in range(5_000)]  # fmt: skip
    source = write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])
    assert run("init", home=home).returncode == 0  # the home and its schema exist before the race
    script = Path(sys.executable).with_name("matching")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "matching"]
    env = {**os.environ, "MATCHING_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    both = [
        subprocess.Popen([*command, "ingest", str(source)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=300) for p in both]
    assert all(p.returncode in (0, 1) for p in both), outputs
    assert any(p.returncode == 0 for p in both), outputs
    for stdout, stderr in outputs:
        for word in NO_SQL_NO_CONTACTS:
            assert word not in stdout + stderr
    stats = json.loads(run("stats", "--json", home=home).stdout)
    assert stats["ikms"] == 5_000
