from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from matching import Engine, Settings
from matching.store.database import MIGRATIONS, Store
from matching.store.tables import Base
from tests.helpers import snapshot


def test_migrations_from_empty_reach_head_and_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    Store(url).close()
    engine = create_engine(url)
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL: $MATCHING_TEST_POSTGRES_URL, else a throwaway local cluster, else skip."""
    url = os.environ.get("MATCHING_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    pytest.importorskip("psycopg")
    bindir = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
    initdb = shutil.which("initdb") or (str(bindir / "initdb") if bindir else None)
    if not initdb or not Path(initdb).exists():
        pytest.skip("no PostgreSQL server here (set MATCHING_TEST_POSTGRES_URL to test against one)")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser; cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = Path(tempfile.mkdtemp(prefix="matching-pg-"))
    os.chmod(data, 0o777)
    port = _free_port()
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data / "db"), "-U", "matching", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data / "db"),
                "-l",
                str(data / "log"),
                "-w",
                "-o",
                f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(data, ignore_errors=True)
        pytest.skip(f"could not start a local PostgreSQL: {exc.stderr.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql+psycopg://matching@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data / "db"), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(data, ignore_errors=True)


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
