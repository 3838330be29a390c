"""Data-home commands of the ``matching`` CLI: ``init``, ``backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from matching.app import backup as backups
from matching.cli._app import HomeOption, app, err, errors, open_engine, out, settings_for

__all__ = ["backup", "init", "restore"]


@app.command()
def init(home: HomeOption = None) -> None:
    """Create the data home (private, 0700) and an empty store in it; an existing one is left as it is."""
    engine = open_engine(home, create=True)
    try:
        with errors():
            counts = engine.store.counts()
    finally:
        engine.close()
    total = sum(counts.values())
    held = (
        f"it holds {total} records" if total else "the catalogue is empty: import it with `matching ingest`"
    )
    out.print(f"data home {engine.settings.home} ready ({engine.store.safe_url}); {held}", highlight=False)


def _summary(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    folders = ", ".join(manifest["folders"]) or "no folders"
    return (
        f"{counts['ikms']} IKMs, {counts['products']} products, {counts['buyers']} buyers "
        f"({manifest['database']}, catalogue revision {manifest['catalogue_revision']}; {folders}; "
        f"taken {manifest['created_at']} by version {manifest['version']})"
    )


@app.command()
def backup(
    dest: Annotated[Path, typer.Argument(help="A new folder, or a file ending in .tar.gz.")],
    home: HomeOption = None,
) -> None:
    """Back up the store (an online SQLite copy, or pg_dump for PostgreSQL) and the home's index, cache,
    models and events folders, with a manifest. Searches and imports may run meanwhile."""
    engine = open_engine(home)  # a missing store is an error, as for any command that reads
    engine.close()
    with errors():
        manifest = backups.backup(settings_for(home), dest)
    out.print(f"backed up to {dest}: {_summary(manifest)}", highlight=False)


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A backup folder or .tar.gz made by `matching backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what a non-empty home holds with the backup.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Restore a backup into the data home (refused when the home is not empty, unless --force). Stop the
    service and other commands on this home first."""
    with errors():
        manifest = backups.restore(settings_for(home), source, force=force)
    err.print(f"restored {source} into {settings_for(home).home}", highlight=False)
    out.print(f"restored: {_summary(manifest)}", highlight=False)
