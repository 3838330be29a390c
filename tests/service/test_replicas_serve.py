"""Two ``matching serve`` replicas on one PostgreSQL store and one shared index folder, as two machines behind
a reverse proxy would run them (each with its own data home): a catalogue change uploaded through one is
served by the other within one index refresh, from the version the first one saved, while the second
answers every search meanwhile without an error."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matching import Engine, Settings
from matching.retrieval.dense_index import VectorIndex
from matching.retrieval.embedding_cache import EmbeddingCache
from tests.helpers import PRODUCT_HEADER, write_csv
from tests.postgres import _free_port

pytestmark = pytest.mark.postgres

QUERY = "tas purun motif zebra hitam putih"
# a new product of a demo IKM that makes purun ware
NEW_PRODUCT = ["P900", "I0013", "Tas purun motif zebra", "tas jinjing purun anyaman zebra hitam putih",
               "purun", "tas", "185000"]  # fmt: skip
REFRESH_EVERY = 0.5  # seconds between each replica's checks for changes made elsewhere


def _wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 180) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the replica at {base} exited with {process.returncode}"
        try:
            response = httpx.get(f"{base}/api/v1/ready", timeout=5)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the replica at {base} was not ready within {timeout} s")


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str, Path]]:
    """Replicas A and B serving the demo catalogue: their addresses, an organiser key, the shared folder."""
    shared = tmp_path / "shared"
    settings = Settings(home=tmp_path / "a", database_url=postgres_url, shared_dir=shared, encoder="hashing")
    engine = Engine(settings)
    engine.import_demo()
    _, key = engine.keys.create("organiser", "replica test")
    engine.close()
    env = {
        **os.environ,
        "MATCHING_DATABASE_URL": postgres_url,
        "MATCHING_SHARED_DIR": str(shared),
        "MATCHING_ENCODER": "hashing",
        "MATCHING_RANKER": "weights",
        "MATCHING_PUBLIC_SEARCH": "true",
        "MATCHING_REFRESH_EVERY": str(REFRESH_EVERY),
    }
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            command = [sys.executable, "-m", "matching", "serve", "--workers", "1", "--port", str(port),
                       "--log-level", "warning", "--home", str(tmp_path / name)]  # fmt: skip
            log = (tmp_path / f"{name}.log").open("wb")
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            started.append((f"http://127.0.0.1:{port}", process))
            _wait_ready(*started[-1])  # B starts once A has saved the first index version
        yield started[0][0], started[1][0], key, shared
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            process.wait(timeout=30)


def _cached(home: Path) -> int:
    """How many product vectors a replica's own embedding cache holds."""
    path = home / "cache" / "embeddings.sqlite"
    if not path.exists():
        return 0
    with EmbeddingCache(path) as cache:
        return cache.count("hashing-256")


def _versions(*bases: str) -> list[object]:
    return [httpx.get(f"{base}/api/v1/ready", timeout=5).json()["index_version"] for base in bases]


def _product_ids(base: str) -> list[str]:
    response = httpx.post(f"{base}/api/v1/search", json={"text": QUERY, "limit": 5}, timeout=30)
    response.raise_for_status()
    return [p["product_id"] for match in response.json()["data"] for p in match["products"]]


def _upload(base: str, key: str, path: Path, row: list[str]) -> None:
    products = write_csv(path, [PRODUCT_HEADER, row])
    with products.open("rb") as handle:
        files = [("files", ("products.csv", handle, "text/csv"))]
        response = httpx.post(f"{base}/api/v1/imports", files=files, headers={"X-API-Key": key}, timeout=60)
    assert response.status_code == 200, response.text


def test_a_change_through_one_replica_is_served_by_the_other(
    replicas: tuple[str, str, str, Path], tmp_path: Path
) -> None:
    a, b, key, shared = replicas
    first = VectorIndex.current_version(shared / "index" / "dense")
    assert _versions(a, b) == [first, first]  # B loaded the version A built when it started
    embedded = _cached(tmp_path / "a") + _cached(tmp_path / "b")
    assert _cached(tmp_path / "b") == 0
    assert "P900" not in _product_ids(b)

    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def search_b() -> None:  # B answers searches all along: from the old version, then from the new one
        nonlocal answered
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{b}/api/v1/search", json={"text": QUERY, "limit": 5})
                    if response.status_code != 200:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                    answered += 1
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))

    searching = threading.Thread(target=search_b)
    searching.start()
    try:
        _upload(a, key, tmp_path / "products.csv", NEW_PRODUCT)
        changed_at = time.monotonic()
        while "P900" not in _product_ids(b):
            assert time.monotonic() - changed_at < 60, "replica B never served the change made through A"
            time.sleep(0.1)
        took = time.monotonic() - changed_at
    finally:
        stop.set()
        searching.join(timeout=60)

    assert not failures, failures[:5]
    assert answered > 0
    # one replica embedded the new product and saved one new version; the other loaded it (whichever took
    # its turn first: B's check may come before A's own refresh starts)
    current = VectorIndex.current_version(shared / "index" / "dense")
    assert current is not None and first is not None and int(current[1:]) == int(first[1:]) + 1
    deadline = time.monotonic() + 30
    while _versions(a, b) != [current, current]:
        assert time.monotonic() < deadline, f"replicas serve {_versions(a, b)}, the shared folder {current}"
        time.sleep(0.1)
    assert _cached(tmp_path / "a") + _cached(tmp_path / "b") == embedded + 1
    print(f"replica B served the change {took:.1f} s after the upload to A returned ({answered} searches)")


def test_an_idle_replica_loads_the_change_by_itself(
    replicas: tuple[str, str, str, Path], tmp_path: Path
) -> None:
    """No search reaches B: its own check (every MATCHING_REFRESH_EVERY seconds) loads the new version, so
    B's first search after the change already has it."""
    a, b, key, shared = replicas
    _upload(a, key, tmp_path / "products.csv", NEW_PRODUCT)
    deadline = time.monotonic() + 60
    while True:
        ready_a, ready_b = (httpx.get(f"{base}/api/v1/ready", timeout=5).json() for base in (a, b))
        current = VectorIndex.current_version(shared / "index" / "dense")
        caught_up = ready_b["searcher_revision"] == ready_a["catalogue_revision"]
        if caught_up and ready_b["index_version"] == current:
            break
        assert time.monotonic() < deadline, f"B still serves {ready_b}; A {ready_a}, the folder {current}"
        time.sleep(REFRESH_EVERY / 2)
    assert "P900" in _product_ids(b)
