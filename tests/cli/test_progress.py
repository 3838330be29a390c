"""Progress of long commands when stderr is not a terminal (a pipe, a log): plain lines, then a final one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matching import Engine, Settings
from matching.cli import _app
from matching.cli._app import progress

PERIODIC = re.compile(r"^indexing: [\d,]+/1,000 \(\d+%\), \d+s elapsed(, ~\d+s left)?$")


def test_a_line_every_interval_and_a_final_line_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress("indexing", every=0.05) as (advance, set_total):
        set_total(1_000)
        for _ in range(10):
            advance(100)
            time.sleep(0.03)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("indexing: done, 1,000/1,000 (100%), in ")
    periodic = lines[:-1]
    assert 2 <= len(periodic) <= 10, lines  # about one per 0.05 s over 0.3 s
    assert all(PERIODIC.match(line) for line in periodic), periodic
    assert any("left" in line for line in periodic)


def test_without_a_total_lines_count_what_was_done(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("planning", every=0.02) as (advance, _total):
        time.sleep(0.1)  # a step that never advances still shows it is alive
        advance(3)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "planning: 0, 0s elapsed"
    assert lines[-1].startswith("planning: done, 3, in ")


def test_no_final_line_when_the_work_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), progress("indexing", every=10) as (advance, _total):
        advance(1)
        raise RuntimeError("boom")
    assert "done" not in capsys.readouterr().err


def test_matching_index_piped_into_a_log_prints_progress_lines(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    products = len(engine.store.products())
    engine.close()
    script = Path(sys.executable).with_name("matching")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "matching"]
    env = {
        **os.environ,
        "MATCHING_HOME": str(home),
        "MATCHING_ENCODER": "hashing",
        "MATCHING_RANKER": "weights",
        "MATCHING_EMBED_BATCH": "4",
        "MATCHING_PROGRESS_EVERY": "0.001",
    }
    done = subprocess.run([*command, "index"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("embedding products: ")]
    assert len(lines) >= 2, done.stderr  # some periodic lines, then the final one
    assert re.fullmatch(rf"embedding products: done, {products:,}/{products:,} \(100%\), in \d+s", lines[-1])
    assert all("elapsed" in line for line in lines[:-1])


def test_time_left_follows_the_recent_rate_after_work_found_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resumed embedding counts its cached texts at once; the time left must not take them as speed."""
    clock = [1000.0]
    monkeypatch.setattr(_app.time, "monotonic", lambda: clock[0])
    plain = _app._PlainProgress("embedding products", every=60)
    plain.set_total(1_000_000)
    plain.advance(240_000)  # found in the cache
    for _ in range(3):  # then 60 products a minute
        clock[0] += 60
        plain.advance(60)
        plain.note()
    line = plain.line()
    assert line.startswith("embedding products: 240,180/1,000,000 (24%), 3m00s elapsed")
    assert line.endswith(", ~211h03m left"), line  # 759,820 products at one a second
