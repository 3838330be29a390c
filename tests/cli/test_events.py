"""`matching event plan | check | reschedule` on the demo event, as organisers run them."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from matching import demo_data_dir
from tests.helpers import run_cli

EVENT = demo_data_dir() / "event.yaml"


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, home=home, fast=True)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-event")
    home, out = root / "home", root / "plan"
    demo = demo_data_dir()
    ingest = run(
        "ingest", str(demo / "ikms.csv"), str(demo / "products.csv"), str(demo / "buyers.csv"), home=home
    )
    assert ingest.returncode == 0, ingest.stderr
    result = run("event", "plan", str(EVENT), "--out", str(out), "--time-limit", "3", home=home)
    assert result.returncode == 0, result.stderr
    assert "meetings scheduled" in result.stdout
    return home, out


def test_check_passes_the_plan_and_lists_every_violation_of_a_broken_one(
    planned: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = planned
    ok = run("event", "check", str(EVENT), str(out / "meetings.csv"), home=home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 violation(s)" in ok.stdout
    meetings = rows(out / "meetings.csv")
    first, second = meetings[0], next(m for m in meetings if m["buyer_id"] != meetings[0]["buyer_id"])
    second |= {"slot_start": first["slot_start"], "slot_end": first["slot_end"], "table": first["table"]}
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(meetings[0]))
        writer.writeheader()
        writer.writerows(meetings)
    result = run("event", "check", str(EVENT), str(broken), home=home)
    assert result.returncode == 1
    assert "table_clash" in result.stdout and first["table"] in result.stdout


def test_reschedule_keeps_unaffected_meetings_and_reports_the_diff(
    planned: tuple[Path, Path], tmp_path: Path
) -> None:
    home, out = planned
    before = rows(out / "meetings.csv")
    buyer = before[0]["buyer_id"]
    ikm = next(m["ikm_id"] for m in before if m["buyer_id"] != buyer)
    changes = tmp_path / "changes.yaml"
    changes.write_text(f"plan: {out / 'meetings.csv'}\nno_shows: [{buyer}, {ikm}]\n", encoding="utf-8")
    new_out = tmp_path / "after"
    result = run(
        "event", "reschedule", str(EVENT), "--changes", str(changes), "--out", str(new_out), home=home
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept in place" in result.stdout
    after = {(m["buyer_id"], m["ikm_id"]): m for m in rows(new_out / "meetings.csv")}
    for m in before:
        if {buyer, ikm} & {m["buyer_id"], m["ikm_id"]}:
            assert (m["buyer_id"], m["ikm_id"]) not in after
        else:
            kept = after[(m["buyer_id"], m["ikm_id"])]
            assert (kept["slot_start"], kept["table"]) == (m["slot_start"], m["table"])
    diff = rows(new_out / "changes.csv")
    cancelled = {(d["buyer_id"], d["ikm_id"]) for d in diff if d["change"] == "cancelled"}
    assert cancelled == {
        (m["buyer_id"], m["ikm_id"]) for m in before if {buyer, ikm} & {m["buyer_id"], m["ikm_id"]}
    }
    assert all("no-show" in d["reason"] for d in diff if d["change"] == "cancelled")
    summary = json.loads((new_out / "changes.json").read_text())
    assert summary["cancelled"] == len(cancelled) and summary["violations"] == 0
    other = next(iter(sorted(summary["per_participant"])))
    notice = (new_out / "notices" / f"{other}-id.txt").read_text()
    assert "Perubahan jadwal" in notice and "Agenda untuk" in notice
    check = run(
        "event", "check", str(EVENT), str(new_out / "meetings.csv"), "--changes", str(changes), home=home
    )
    assert check.returncode == 0, check.stdout
    stale = run("event", "check", str(EVENT), str(out / "meetings.csv"), "--changes", str(changes), home=home)
    assert stale.returncode == 1 and "unavailable" in stale.stdout


def test_reschedule_rejects_a_bad_changes_file(planned: tuple[Path, Path], tmp_path: Path) -> None:
    home, out = planned
    changes = tmp_path / "changes.yaml"
    changes.write_text(f"plan: {out / 'meetings.csv'}\nno_show: [B001]\nnow: 25:00\n", encoding="utf-8")
    result = run(
        "event", "reschedule", str(EVENT), "--changes", str(changes), "--out", str(tmp_path / "x"), home=home
    )
    assert result.returncode == 2
    assert "no_show" in result.stderr and "now" in result.stderr
    missing_plan = tmp_path / "noplan.yaml"
    missing_plan.write_text("no_shows: [B001]\n", encoding="utf-8")
    result = run(
        "event",
        "reschedule",
        str(EVENT),
        "--changes",
        str(missing_plan),
        "--out",
        str(tmp_path / "y"),
        home=home,
    )
    assert result.returncode == 2 and "--plan" in result.stderr
