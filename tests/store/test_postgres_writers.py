"""Two processes on one PostgreSQL catalogue at once, as two ``matching serve`` replicas (or an import beside
a replica) would be: both open a fresh database (one migrates, the other waits for it), every row ends up
stored once, and a clash between their writes is a plain error that a rerun completes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from matching import Engine, Settings
from matching.errors import ConflictError, MatchingError, StoreBusy
from matching.store import database
from tests.helpers import IKM_HEADER, write_csv

pytestmark = pytest.mark.postgres


def _ikms(path: Path, prefix: str, n: int) -> Path:
    rows = [[f"{prefix}{i:05d}", f"KUB {prefix} {i}", "Jawa Barat", "Bandung", "", "", "", "", "", "", "", "",
             "Ibu Sri", "081234567890", "ketak@example.com"] for i in range(n)]  # fmt: skip
    return write_csv(path, [IKM_HEADER, *rows])


def _import(url: str, home: str, files: list[str], start: object, results: object) -> None:
    """In a process of its own: wait for the other one, open the store (migrating it), import ``files``."""
    start.wait(timeout=120)  # type: ignore[attr-defined]
    try:
        engine = Engine(Settings(home=Path(home), database_url=url, encoder="hashing"))
        try:
            engine.store.counts()
            report = engine.import_files([Path(f) for f in files])
            outcome = ("ok", str(sum(c.created for c in report.counts.values())))
        finally:
            engine.close()
    except MatchingError as exc:
        outcome = (type(exc).__name__, str(exc))
    results.put((home, outcome))  # type: ignore[attr-defined]


def test_two_processes_importing_at_once_store_every_row_once(postgres_url: str, tmp_path: Path) -> None:
    n = 2 * database.WRITE_BATCH + 11
    shared = _ikms(tmp_path / "shared.csv", "S", n)  # both processes import these rows
    own = {name: _ikms(tmp_path / f"{name}.csv", name, n) for name in ("A", "B")}
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    processes = {
        name: context.Process(
            target=_import,
            args=(postgres_url, str(tmp_path / name), [str(own[name]), str(shared)], start, results),
        )
        for name in own
    }
    for process in processes.values():
        process.start()
    outcomes = dict(results.get(timeout=180) for _ in processes)
    for process in processes.values():
        process.join(timeout=60)
        assert process.exitcode == 0
    for home, (kind, detail) in outcomes.items():
        assert "migrating" not in detail, detail  # both opened the fresh database
        if kind != "ok":  # the two met on the shared rows: a plain error, and the rerun completes
            assert kind in {ConflictError.__name__, StoreBusy.__name__}, detail
            assert "INSERT" not in str(detail) and "[SQL" not in str(detail)
            rerun = Engine(Settings(home=Path(home), database_url=postgres_url, encoder="hashing"))
            try:
                rerun.import_files([own[Path(home).name], shared])
            finally:
                rerun.close()
    engine = Engine(Settings(home=tmp_path / "check", database_url=postgres_url, encoder="hashing"))
    try:
        ids = [ikm.ikm_id for ikm in engine.store.ikms()]
        assert len(ids) == len(set(ids)) == 3 * n
        assert engine.store.revision() >= 1
    finally:
        engine.close()


def test_the_index_lock_holds_off_every_other_connection_until_released(postgres_url: str) -> None:
    from sqlalchemy import create_engine, text

    store = database.Store(postgres_url)
    other = create_engine(postgres_url)
    try_lock = text("SELECT pg_try_advisory_lock(:key)")
    try:
        with store.advisory_lock(database.INDEX_LOCK) as held:
            assert held
            with other.connect() as connection:  # another replica's connection, on any machine
                assert connection.scalar(try_lock, {"key": database.INDEX_LOCK}) is False
        with other.connect() as connection:
            assert connection.scalar(try_lock, {"key": database.INDEX_LOCK}) is True
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": database.INDEX_LOCK})
    finally:
        other.dispose()
        store.close()
