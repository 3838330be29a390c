"""Back up and restore a data home: the store plus the folders beside it, with a manifest.

A backup is a folder (or the same as one ``.tar.gz``) holding

- ``matching.sqlite``: a consistent online copy of the SQLite store (``sqlite3.Connection.backup``: readers
  and writers of the live store carry on meanwhile), or ``database.dump`` from ``pg_dump`` (custom format)
  when the store is PostgreSQL;
- ``index/``, ``cache/``, ``models/``, ``events/`` and ``photos/`` as they are (the dense index, the
  embedding cache, trained models, event plans and exports, product photos; index, events and photos from
  ``MATCHING_SHARED_DIR``, which is the home unless set); SQLite files among them are copied online too;
- ``manifest.json``: the format, the engine version, when it was taken, the database kind, the catalogue's
  counts and revision, and the folders it holds.

:func:`restore` refuses to write into a home that holds anything (a store or any file) unless ``force``,
which replaces what the backup holds. Restore while no service or command uses the home.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matching.app.engine import make_private
from matching.config import SHARED_FOLDERS, STORE_FILE, Settings
from matching.errors import ConfigError, StoreError
from matching.store.database import Store

__all__ = ["FOLDERS", "MANIFEST", "backup", "read_manifest", "restore"]

MANIFEST = "manifest.json"
FORMAT = 1
FOLDERS = ("index", "cache", "models", "events", "photos")
PG_DUMP = "database.dump"
SQLITE_SUFFIXES = (".sqlite", ".db")


def _is_archive(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def _copy_sqlite(source: Path, target: Path) -> None:
    """An online, consistent copy of SQLite database ``source`` (others may read and write it meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_private(target.parent, target)
    try:
        src = sqlite3.connect(source, timeout=30)  # the caller checked it exists
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{source.name}: could not copy the database ({type(exc).__name__})") from exc


def _copy_folder(source: Path, target: Path) -> None:
    """Copy a folder; SQLite files in it are copied online, the rest as files."""
    for path in sorted(source.rglob("*")):
        dest = target / path.relative_to(source)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif path.name.endswith(("-wal", "-shm", "-journal")):
            continue  # part of a SQLite file, copied with it
        elif path.suffix in SQLITE_SUFFIXES:
            _copy_sqlite(path, dest)
        elif path.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, dest)


def _pg_url(url: str) -> str:
    """A libpq URL for pg_dump / pg_restore (without SQLAlchemy's ``+driver``)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(
            f"{name} is not installed: a PostgreSQL store is backed up and restored with {name} "
            "(install the PostgreSQL client tools)"
        )
    return found


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StoreError(f"{what} failed (exit {done.returncode}); see the PostgreSQL server's log")


def _place(settings: Settings, name: str) -> Path:
    """Where folder ``name`` of a backup lives: the shared folder's index, events and photos
    (``MATCHING_SHARED_DIR``), the data home's cache and models."""
    return settings.shared_dir / name if name in SHARED_FOLDERS else settings.home / name


def backup(settings: Settings, dest: Path) -> dict[str, Any]:
    """Back up the data home of ``settings`` into folder ``dest`` (new or empty) or archive ``dest``
    (``.tar.gz``); returns the manifest."""
    from matching import __version__

    if dest.exists() and (dest.is_file() or any(dest.iterdir())):
        raise ConfigError(f"{dest}: already exists and is not empty; choose a new backup name")
    with tempfile.TemporaryDirectory(prefix="matching-backup-") as scratch:
        folder = Path(scratch) / "backup" if _is_archive(dest) else dest
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)
        database = settings.sqlite_path()
        if database is not None:
            if not database.is_file():
                raise ConfigError(f"no store to back up: {database} does not exist")
            _copy_sqlite(database, folder / STORE_FILE)
            store = Store(f"sqlite:///{(folder / STORE_FILE).resolve()}", migrate=False)
            kind = "sqlite"
        else:
            url = settings.resolved_database_url()
            _run(
                [_pg_tool("pg_dump"), "--format=custom", f"--file={folder / PG_DUMP}", _pg_url(url)],
                "pg_dump",
            )
            store = Store(url, migrate=False)
            kind = "postgresql"
        try:
            counts, revision = store.counts(), store.revision()
        finally:
            store.close()
        folders = [name for name in FOLDERS if _place(settings, name).is_dir()]
        models_dir = settings.models_dir
        for name in folders:
            _copy_folder(_place(settings, name), folder / name)
        if "models" not in folders and models_dir.is_dir():
            _copy_folder(models_dir, folder / "models")
            folders.append("models")
        manifest = {
            "format": FORMAT,
            "version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind,
            "counts": counts,
            "catalogue_revision": revision,
            "folders": folders,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if _is_archive(dest):
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(dest.name + ".partial")
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(folder, arcname=".")
            partial.chmod(0o600)
            partial.replace(dest)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an unpacked backup, checked to be one this engine can restore."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder}: not a backup (no readable {MANIFEST})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ConfigError(f"{path}: unknown backup format {manifest.get('format')!r}")
    return manifest


def _home_is_empty(settings: Settings) -> bool:
    home = settings.home
    if home.is_dir() and any(home.iterdir()):
        return False
    if settings.sqlite_path() is None:  # PostgreSQL: empty when it holds no records
        store = Store(settings.resolved_database_url())
        try:
            return not any(store.counts().values())
        finally:
            store.close()
    return True


def restore(settings: Settings, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup ``source`` (folder or ``.tar.gz``) into the data home of ``settings``; returns
    its manifest. A home that holds anything is refused unless ``force``."""
    if not source.exists():
        raise ConfigError(f"{source}: no such backup")
    if not force and not _home_is_empty(settings):
        raise ConfigError(
            f"data home {settings.home} is not empty; restore into it with --force to replace it"
        )
    with tempfile.TemporaryDirectory(prefix="matching-restore-") as scratch:
        folder = source
        if source.is_file():
            folder = Path(scratch)
            try:
                with tarfile.open(source, "r:*") as archive:
                    archive.extractall(folder, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise ConfigError(f"{source}: not a readable backup archive") from exc
        manifest = read_manifest(folder)
        home = settings.home
        database = settings.sqlite_path()
        if manifest["database"] == "sqlite" and database is None:
            raise ConfigError(f"{source}: a SQLite backup cannot be restored into a PostgreSQL store")
        if manifest["database"] == "postgresql" and database is not None:
            raise ConfigError(f"{source}: a PostgreSQL backup cannot be restored into a SQLite store")
        make_private(home, None)
        if database is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
            _copy_sqlite(folder / STORE_FILE, database)
        else:
            url = _pg_url(settings.resolved_database_url())
            command = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", f"--dbname={url}"]
            _run([*command, str(folder / PG_DUMP)], "pg_restore")
        for name in manifest["folders"]:
            target = settings.models_dir if name == "models" else _place(settings, name)
            if target.exists():
                shutil.rmtree(target)
            _copy_folder(folder / name, target)
    return manifest
