"""Data-home commands of the ``matching`` CLI: ``init``, ``backup`` and ``restore``."""

from __future__ import annotations

import typer  # noqa: F401  (typer.Option in Annotated)

from matching.cli._app import HomeOption, app, errors, open_engine, out

__all__ = ["init"]


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
    out.print(
        f"data home {engine.settings.home} ready ({engine.store.safe_url}); "
        + (
            f"it holds {total} records"
            if total
            else "the catalogue is empty: import it with `matching ingest`"
        ),
        highlight=False,
    )
