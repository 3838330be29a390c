from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from matching import Engine, Settings
from matching.catalogue.schema import Entity
from matching.errors import ConflictError, MatchingError, StoreBusy, StoreError
from matching.store import database
from matching.store.database import MIGRATIONS, Store
from matching.store.tables import Base
from tests.helpers import IKM_HEADER, snapshot, write_csv


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: SQLite in a file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migrations_from_empty_reach_head_and_match_the_models(empty_database: str) -> None:
    Store(empty_database).close()
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        assert context.get_current_revision() == ScriptDirectory.from_config(config).get_current_head()
        assert compare_metadata(context, Base.metadata) == []
    assert {"ikms", "products", "buyers"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_reopening_a_migrated_database_keeps_its_data(tmp_path: Path, canonical_files: list[Path]) -> None:
    first = Engine(Settings(home=tmp_path / "home"))
    first.import_files(canonical_files)
    before = snapshot(first)
    first.close()
    second = Engine(Settings(home=tmp_path / "home"))
    assert snapshot(second) == before
    second.close()


def test_deleting_an_ikm_removes_its_products(engine: Engine, canonical_files: list[Path]) -> None:
    from sqlalchemy import delete

    from matching.store.tables import IkmRow

    engine.import_files(canonical_files)
    with engine.store.session() as session:
        session.execute(delete(IkmRow).where(IkmRow.ikm_id == "I0001"))
        session.commit()
    assert "P001" not in {p.product_id for p in engine.store.products()}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_records_read_a_chunk_at_a_time_are_all_the_records_in_id_order(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    engine = Engine(Settings(home=tmp_path / "home", database_url=url, encoder="hashing"))
    try:
        engine.import_demo()
        products = engine.store.products()
        assert len(products) > 100
        assert [p.product_id for p in products] == sorted(p.product_id for p in products)
        assert list(engine.store.each_product()) == products
        assert list(engine.store._each(Entity.PRODUCTS, chunk=7)) == products  # across many chunks
        assert list(engine.store._each(Entity.IKMS, chunk=7)) == engine.store.ikms()
    finally:
        engine.close()


@pytest.mark.postgres
def test_postgresql_gives_the_same_records_as_sqlite(
    postgres_url: str, tmp_path: Path, canonical_files: list[Path]
) -> None:
    lite = Engine(Settings(home=tmp_path / "lite"))
    pg = Engine(Settings(home=tmp_path / "pg", database_url=postgres_url))
    try:
        lite.import_files(canonical_files)
        report = pg.import_files(canonical_files)
        assert report.committed
        assert snapshot(pg) == snapshot(lite)
        again = pg.import_files(canonical_files)
        assert again.counts[next(iter(again.counts))].unchanged == 3
    finally:
        lite.close()
        pg.close()


# -- locks and plain errors (issue 14, defect 4) -----------------------------------------------------------

SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "[SQL", "parameters")


def _plain(message: str) -> None:
    """No SQL, no parameters, no contact values in an error message."""
    for word in (*SQL_WORDS, "ketak@example.com", "081234567890", "Ibu Sri", "buy@example.jp"):
        assert word not in message


def _hold_write_lock(engine: Engine) -> sqlite3.Connection:
    blocker = sqlite3.connect(engine.settings.home / "matching.sqlite", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_a_dry_run_takes_no_write_lock(
    engine: Engine, canonical_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 1.0, raising=False)
    engine.store.counts()  # the schema exists before another writer takes the lock
    blocker = _hold_write_lock(engine)
    try:
        report = engine.import_files(canonical_files, dry_run=True)
    finally:
        blocker.rollback()
        blocker.close()
    assert report.counts[Entity.IKMS].created == 3 and not report.committed
    assert engine.store.counts()["ikms"] == 0


def test_a_locked_database_is_a_plain_busy_error(
    engine: Engine, canonical_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.5, raising=False)
    engine.store.counts()
    blocker = _hold_write_lock(engine)
    try:
        assert engine.store.counts()["ikms"] == 0  # reading is served while another writer writes
        with pytest.raises(StoreBusy) as caught:
            engine.import_files(canonical_files)
    finally:
        blocker.rollback()
        blocker.close()
    assert "busy" in str(caught.value) and "nothing was written" in str(caught.value)
    _plain(str(caught.value))


def test_a_clash_with_a_stored_record_is_a_plain_conflict(
    engine: Engine, canonical_files: list[Path]
) -> None:
    from matching.store.tables import IkmRow

    engine.import_files(canonical_files)
    with pytest.raises(ConflictError) as caught, engine.store.session() as session:
        session.add(IkmRow(ikm_id="I0001", name="x", province="p", contact_email="ketak@example.com"))
        session.commit()
    _plain(str(caught.value))


def test_a_read_only_database_is_a_plain_error(tmp_path: Path, canonical_files: list[Path]) -> None:
    home = tmp_path / "home"
    first = Engine(Settings(home=home))
    first.import_files(canonical_files[:1])
    first.close()
    read_only = f"sqlite:///file:{(home / 'matching.sqlite').resolve()}?mode=ro&uri=true"
    engine = Engine(Settings(home=home, database_url=read_only))
    try:
        with pytest.raises(StoreError) as caught:
            engine.import_files(canonical_files)  # the IKMs are stored already: the products are new
    finally:
        engine.close()
    assert "read-only" in str(caught.value) and "matching.sqlite" in str(caught.value)
    _plain(str(caught.value))


def _many_ikms(path: Path, n: int) -> Path:
    rows = [[f"I{i:05d}", f"KUB {i}", "Jawa Barat", "Bandung", "", "", "", "", "", "", "", "", "Ibu Sri",
             "081234567890", "ketak@example.com"] for i in range(n)]  # fmt: skip
    return write_csv(path, [IKM_HEADER, *rows])


def test_two_imports_of_one_file_at_once_end_with_every_row_and_plain_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Engine(Settings(home=home)).close()
    source = _many_ikms(tmp_path / "ikms.csv", 3 * database.WRITE_BATCH + 7)
    barrier = threading.Barrier(2)
    opening = threading.Lock()  # Alembic's migration check is not thread-safe: open one at a time
    outcomes: list[object] = []

    def run() -> None:
        engine = Engine(Settings(home=home))
        try:
            with opening:
                engine.store.counts()
            barrier.wait()
            outcomes.append(engine.import_files([source]))
        except MatchingError as exc:
            outcomes.append(exc)
        finally:
            engine.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 2
    for outcome in outcomes:
        if isinstance(outcome, MatchingError):
            assert isinstance(outcome, ConflictError | StoreBusy), outcome
            _plain(str(outcome))
    engine = Engine(Settings(home=home))
    try:
        assert engine.store.counts()["ikms"] == 3 * database.WRITE_BATCH + 7
    finally:
        engine.close()


def test_an_import_stopped_half_way_keeps_its_batches_and_a_rerun_completes_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "WRITE_BATCH", 10)
    source = _many_ikms(tmp_path / "ikms.csv", 35)
    engine.store.counts()
    trigger = sqlite3.connect(engine.settings.home / "matching.sqlite")
    trigger.execute(
        "CREATE TRIGGER stop BEFORE INSERT ON ikms WHEN NEW.ikm_id = 'I00025' "
        "BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    trigger.commit()
    with pytest.raises(ConflictError) as caught:
        engine.import_files([source])
    assert "the first 20 records were written" in str(caught.value)
    assert engine.store.counts()["ikms"] == 20 and engine.store.revision() == 0
    trigger.execute("DROP TRIGGER stop")
    trigger.commit()
    trigger.close()
    report = engine.import_files([source])
    assert report.counts[Entity.IKMS].created == 15 and report.counts[Entity.IKMS].unchanged == 20
    assert engine.store.counts()["ikms"] == 35 and engine.store.revision() == 1
