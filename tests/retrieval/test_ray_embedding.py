"""Embedding on Ray (``matching index --ray``): a local Ray cluster of two worker actors, started by the
tests, encodes with the real model what the embedding cache lacks; the vectors are the single-process
path's, a worker killed mid-run loses nothing, and without the option nothing of Ray is imported."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from matching.app.engine import demo_data_dir
from matching.retrieval.embedding_cache import EmbeddingCache
from matching.retrieval.encoders import load_encoder
from tests.helpers import run_cli

ray = pytest.importorskip("ray", reason="the ray extra is part of the test install")
from matching.retrieval.ray_embedding import fill_cache_on_ray  # noqa: E402  (after the Ray check)

WORKERS = 2


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A local Ray cluster with room for two one-thread encoder actors."""
    ray.init(num_cpus=WORKERS, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, e5_models: Path) -> Path:
    """A data home whose models/ links the e5-small folder built once for the test run."""
    home = tmp_path_factory.mktemp("ray-home")
    (home / "models").mkdir()
    (home / "models" / e5_models.name).symlink_to(e5_models, target_is_directory=True)
    return home


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real product texts of the demo catalogue, of every length."""
    with (demo_data_dir() / "products.csv").open(encoding="utf-8") as handle:
        return [f"{row['name']}. {row['description']}" for row in csv.DictReader(handle)][:240]


def _actor_pids() -> set[int]:
    """The processes of Ray Data's encoder actors (their titles name the class they run)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"ray::MapWorker(MapBatches(_Encode))"):
            found.add(int(entry.name))
    return found


def _single_process(home: Path, texts: list[str]) -> np.ndarray:
    encoder = load_encoder("e5-small", home=home, progress=False)
    return encoder.encode_passages(texts)


def test_ray_fills_the_cache_with_the_single_process_vectors(
    cluster: None, home: Path, texts: list[str], tmp_path: Path
) -> None:
    encoder = load_encoder("e5-small", home=home, progress=False)
    done: list[int] = []
    with EmbeddingCache(tmp_path / "embeddings.sqlite") as cache:
        cache.put_many(encoder.model_id, texts[:10], encoder.encode_passages(texts[:10]))  # cached before
        encoded = fill_cache_on_ray(
            cache, encoder.model_id, texts, spec="e5-small", home=home, batch_size=16, shard_size=40,
            progress=done.append,
        )  # fmt: skip
        vectors, missing = cache.get_many(encoder.model_id, texts)
    assert encoded == len(set(texts[10:]) - set(texts[:10])) == sum(done)
    assert not missing and vectors is not None
    expected = _single_process(home, texts)
    # the same model on other batches: equal to float rounding (ONNX Runtime's kernels follow batch shapes)
    assert np.abs(vectors - expected).max() < 1e-5
    assert (np.sum(vectors * expected, axis=1) > 0.99999).all()


def test_a_killed_worker_s_shard_is_retried_and_nothing_is_lost(
    cluster: None, home: Path, texts: list[str], tmp_path: Path
) -> None:
    model_id = load_encoder("e5-small", home=home, progress=False).model_id
    killed: list[int] = []

    def kill_one_worker(count: int) -> None:  # once the first batch is written, SIGKILL one of the two actors
        if not killed:
            pids = sorted(_actor_pids())
            assert len(pids) == WORKERS, pids
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    with EmbeddingCache(tmp_path / "embeddings.sqlite") as cache:
        encoded = fill_cache_on_ray(
            cache, model_id, texts, spec="e5-small", home=home, batch_size=8, shard_size=20,
            progress=kill_one_worker,
        )  # fmt: skip
        vectors, missing = cache.get_many(model_id, texts)
    assert killed and killed[0] not in _actor_pids()
    assert encoded == len(set(texts))
    assert not missing and vectors is not None
    assert np.abs(vectors - _single_process(home, texts)).max() < 1e-5


def test_matching_index_ray_embeds_on_a_local_ray_instance(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli("ingest", str(Path(__file__).parents[2] / "matching" / "data" / "demo"), home=home,
                   fast=True).returncode == 0  # fmt: skip
    result = run_cli("index", "--ray", "--json", home=home, fast=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["embedded"] > 2000 and report["products"] == report["upserted"]
    again = run_cli("index", "--json", home=home, fast=True)  # the single-process path finds them all cached
    assert json.loads(again.stdout)["embedded"] == 0


def test_without_the_option_nothing_of_ray_is_imported(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from matching import Engine, Settings\n"
        f"engine = Engine(Settings(home=Path({str(tmp_path)!r}), encoder='hashing'))\n"
        "engine.import_demo()\n"
        "engine.index()\n"
        "engine.close()\n"
        "assert not [m for m in sys.modules if m == 'ray' or m.startswith('ray.')], 'ray was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_the_second_encoder_embeds_on_ray_too(
    cluster: None, home: Path, texts: list[str], tmp_path: Path
) -> None:
    from matching.retrieval.use_encoder import UseEncoder, fetch_model

    use = UseEncoder(fetch_model())
    with EmbeddingCache(tmp_path / "embeddings.sqlite") as cache:
        encoded = fill_cache_on_ray(cache, use.model_id, texts, spec="use", home=home, shard_size=60)
        vectors, missing = cache.get_many(use.model_id, texts)
    assert encoded == len(set(texts)) and not missing and vectors is not None
    assert np.abs(vectors - use.encode_passages(texts)).max() < 1e-5
