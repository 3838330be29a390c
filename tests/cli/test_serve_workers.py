"""``matching serve``: how many worker processes it starts, and the search threads each one runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from matching.cli import app
from matching.cli.service import default_workers


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    """A data home, and what ``uvicorn.run`` was called with (nothing is served)."""
    home = tmp_path / "home"
    assert CliRunner().invoke(app, ["init", "--home", str(home)]).exit_code == 0
    calls: dict[str, Any] = {}

    def run(target: str, **options: Any) -> None:
        calls.update(options, target=target, search_workers=os.environ.get("MATCHING_SEARCH_WORKERS"))

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("MATCHING_SEARCH_WORKERS", raising=False)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    return home, calls


@pytest.mark.parametrize(("cores", "expected"), [({0}, 1), ({0, 1}, 2), (set(range(8)), 2)])
def test_by_default_one_worker_per_core_at_most_two(
    monkeypatch: pytest.MonkeyPatch, cores: set[int], expected: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cores)
    assert default_workers() == expected


def test_several_workers_run_one_search_thread_each(started: tuple[Path, dict[str, Any]]) -> None:
    home, calls = started
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--home", str(home)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert calls["workers"] == 2 and calls["search_workers"] == "1"
    assert "with 2 worker processes" in result.output


def test_one_worker_keeps_its_search_threads_and_a_chosen_count_is_kept(
    started: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, calls = started
    result = CliRunner().invoke(app, ["serve", "--workers", "1", "--home", str(home)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert calls["workers"] == 1 and calls["search_workers"] is None  # the setting's default: 2 threads
    monkeypatch.setenv("MATCHING_SEARCH_WORKERS", "3")
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--home", str(home)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert calls["search_workers"] == "3"
