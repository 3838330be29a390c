"""Back up a data home, destroy it, restore it: the same counts and the same search results; a backup
taken while the service searches; restore refuses a non-empty home unless forced."""

from __future__ import annotations

import json
import shutil
import stat
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.app.backup import MANIFEST, backup, restore
from matching.errors import ConfigError
from service import create_app
from service.settings import ServiceSettings

QUERIES = ["rattan basket", "tas anyaman pandan", "bamboo lamp shade for hotels", "seagrass rug"]


def settings(home: Path) -> Settings:
    return Settings(home=home, encoder="hashing", ranker="weights")


def results(engine: Engine) -> list[list[tuple[str, float]]]:
    return [[(x.ikm_id, x.score) for x in engine.search(q, k=10)] for q in QUERIES]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict, list]]:
    home = tmp_path_factory.mktemp("backup") / "home"
    engine = Engine(settings(home))
    engine.import_demo()
    engine.index()
    found = results(engine)
    assert all(found)  # every query finds IKMs
    stats = engine.stats()
    engine.close()
    yield home, stats, found


@pytest.mark.parametrize("name", ["copy", "copy.tar.gz"])
def test_backup_destroy_restore_gives_the_same_stats_and_results(
    tmp_path: Path, original: tuple[Path, dict, list], name: str
) -> None:
    home, stats, found = original
    work = tmp_path / "home"
    shutil.copytree(home, work)
    dest = tmp_path / name
    manifest = backup(settings(work), dest)
    assert manifest["counts"] == {
        "ikms": stats["ikms"],
        "products": stats["products"],
        "buyers": stats["buyers"],
    }
    assert {"version", "created_at", "catalogue_revision"} <= set(manifest)
    assert {"index", "cache"} <= set(manifest["folders"])
    if dest.is_file():
        assert stat.S_IMODE(dest.stat().st_mode) == 0o600
        with tarfile.open(dest) as archive:
            assert f"./{MANIFEST}" in archive.getnames()
    else:
        assert json.loads((dest / MANIFEST).read_text(encoding="utf-8")) == manifest

    shutil.rmtree(work)
    assert restore(settings(work), dest)["counts"] == manifest["counts"]
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    assert stat.S_IMODE((work / "matching.sqlite").stat().st_mode) == 0o600
    engine = Engine(settings(work))
    try:
        assert engine.stats() == stats
        assert results(engine) == found
    finally:
        engine.close()


def test_restore_refuses_a_non_empty_home_unless_forced(
    tmp_path: Path, original: tuple[Path, dict, list]
) -> None:
    home, stats, _ = original
    dest = tmp_path / "b"
    backup(settings(home), dest)
    other = tmp_path / "other"
    engine = Engine(settings(other))
    engine.store.counts()  # an empty store: the home is no longer empty
    engine.close()
    with pytest.raises(ConfigError, match="not empty"):
        restore(settings(other), dest)
    restore(settings(other), dest, force=True)
    engine = Engine(settings(other))
    assert engine.stats() == stats
    engine.close()


def test_backup_refuses_an_existing_destination_and_restore_a_non_backup(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        backup(settings(tmp_path / "home"), tmp_path / "full")
    with pytest.raises(ConfigError, match="not a backup"):
        restore(settings(tmp_path / "new"), tmp_path / "full")


def test_a_backup_taken_while_the_service_searches(tmp_path: Path, original: tuple[Path, dict, list]) -> None:
    home, stats, _ = original
    work = tmp_path / "home"
    shutil.copytree(home, work)
    engine = Engine(settings(work))
    statuses: list[int] = []
    stop = threading.Event()
    app = create_app(engine=engine, service_settings=ServiceSettings(public_search=True))
    with TestClient(app) as client:

        def search() -> None:
            while not stop.is_set():
                for q in QUERIES:
                    statuses.append(client.get("/api/v1/search", params={"q": q}).status_code)

        reader = threading.Thread(target=search)
        reader.start()
        try:
            manifest = backup(settings(work), tmp_path / "live.tar.gz")
        finally:
            stop.set()
            reader.join()
    engine.close()
    assert statuses and set(statuses) == {200}
    assert manifest["counts"]["products"] == stats["products"]
    restore(settings(tmp_path / "restored"), tmp_path / "live.tar.gz")
    restored = Engine(settings(tmp_path / "restored"))
    assert restored.stats() == stats
    restored.close()


def test_the_shared_folders_are_backed_up_from_and_restored_to_the_shared_dir(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", shared_dir=tmp_path / "shared", encoder="hashing")
    engine = Engine(settings)
    engine.import_demo()
    engine.index()
    engine.close()
    (settings.home / "events").mkdir()  # a home folder of that name is not the one in force
    manifest = backup(settings, tmp_path / "backup")
    assert "index" in manifest["folders"] and "events" not in manifest["folders"]
    assert (tmp_path / "backup" / "index" / "dense" / "CURRENT").is_file()
    again = Settings(home=tmp_path / "home2", shared_dir=tmp_path / "shared2", encoder="hashing")
    restore(again, tmp_path / "backup")
    assert (tmp_path / "shared2" / "index" / "dense" / "CURRENT").is_file()
    assert not (tmp_path / "home2" / "index").exists()
