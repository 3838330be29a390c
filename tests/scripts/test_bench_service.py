"""The service benchmark's open-loop load: its Poisson schedule of send times (scripts/bench_service.py)."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from itertools import pairwise
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_service.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_service", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_service"] = module
    spec.loader.exec_module(module)
    return module


def test_the_schedule_is_seeded_increasing_and_inside_the_window(bench: ModuleType) -> None:
    times = bench.poisson_schedule(20.0, 30.0, seed=3)
    assert times == bench.poisson_schedule(20.0, 30.0, seed=3)
    assert times != bench.poisson_schedule(20.0, 30.0, seed=4)
    assert all(0 < a < b < 30.0 for a, b in pairwise(times))


def test_the_schedule_has_the_rate_and_exponential_gaps(bench: ModuleType) -> None:
    rate, seconds = 50.0, 400.0
    times = bench.poisson_schedule(rate, seconds, seed=11)
    expected = rate * seconds  # 20,000 sends; a Poisson count's standard deviation is sqrt(20,000) ~ 141
    assert abs(len(times) - expected) < 5 * expected**0.5
    gaps = [b - a for a, b in pairwise(times)]
    mean = statistics.fmean(gaps)
    assert mean == pytest.approx(1 / rate, rel=0.03)
    assert statistics.pstdev(gaps) / mean == pytest.approx(1.0, abs=0.05)  # exponential: sd = mean
    # memoryless: the share of gaps longer than twice the mean is e^-2
    assert sum(g > 2 * mean for g in gaps) / len(gaps) == pytest.approx(0.1353, abs=0.01)
    # not a fixed-interval schedule: one window of 1 s holds visibly more or fewer than the rate
    per_second = [sum(1 for t in times if s <= t < s + 1) for s in range(int(seconds))]
    assert min(per_second) < rate - 10 < rate + 10 < max(per_second)


def test_no_rate_no_sends(bench: ModuleType) -> None:
    assert bench.poisson_schedule(0.0, 10.0) == []
    assert bench.poisson_schedule(5.0, 0.0) == []
