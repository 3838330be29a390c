"""Service commands of the ``matching`` CLI: ``matching serve`` and ``matching keys create|list|revoke``.

``serve`` runs the FastAPI app of the ``service`` package under uvicorn, named by its import string, so the
engine package itself never imports the service.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import typer
from rich.table import Table

from matching.cli._app import HomeOption, app, errors, open_engine, out
from matching.store.keys import Role

__all__ = ["create_key", "default_workers", "keys_app", "list_keys", "revoke_key", "serve"]

keys_app = typer.Typer(help="API keys of the service: create, list, revoke.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: the whole venue network).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes, each with its own copy of the model (~1 GB with e5-small). "
            "Default: one per CPU core, at most 2.",
            min=1,
        ),
    ] = None,
    public_search: Annotated[
        bool | None,
        typer.Option("--public-search/--no-public-search", help="Let requests without a key search."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
    home: HomeOption = None,
) -> None:
    """Run the HTTP service: the API under /api/v1 (docs at /api/v1/docs) and the web pages at /."""
    import uvicorn  # reason: the service's server loads only for `serve`

    # the workers read their settings from the environment (MATCHING_*), like every other entry point
    if home is not None:
        os.environ["MATCHING_HOME"] = str(home.resolve())
    if public_search is not None:
        os.environ["MATCHING_PUBLIC_SEARCH"] = "true" if public_search else "false"
    os.environ["MATCHING_LOG_LEVEL"] = log_level
    workers = workers or default_workers()
    if workers > 1:
        # a search holds Python's lock while it ranks: processes, not threads, use the other cores
        os.environ.setdefault("MATCHING_SEARCH_WORKERS", "1")
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="matching-metrics-")
    with errors():
        engine = open_engine(home)  # migrate the database once, before the workers start
        engine.store.revision()
        engine.close()
    out.print(
        f"serving on http://{host}:{port}/ with {workers} worker process{'es' if workers > 1 else ''} "
        f"(API docs: http://{host}:{port}/api/v1/docs)"
    )
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,  # the service logs each request itself, with its request id
    )


def default_workers() -> int:
    """Worker processes when ``--workers`` is not given: the CPU cores this process may use, at most 2 (each
    process holds its own model and index; a search holds Python's lock while it ranks, so on 2 cores two
    processes serve more searches than two threads of one: BENCHMARKS.md, "Service: worker processes")."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 2))


@keys_app.command("create")
def create_key(
    role: Annotated[
        Role, typer.Option(help="organiser (everything), buyer (search, own data), public (search).")
    ],
    name: Annotated[str, typer.Option(help="Who or what the key is for, e.g. 'registration desk'.")],
    buyer: Annotated[str | None, typer.Option(help="buyer_id a buyer key belongs to.")] = None,
    home: HomeOption = None,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    engine = open_engine(home)
    try:
        with errors():
            key, text = engine.keys.create(role, name, buyer_id=buyer)
    finally:
        engine.close()
    out.print(f"created {key.role.value} key {key.key_id} ({key.name}); keep it now, it is not shown again:")
    print(text)


@keys_app.command("list")
def list_keys(home: HomeOption = None) -> None:
    """Every key: id, role, name, buyer, created, last used, revoked (never the secret)."""
    engine = open_engine(home)
    try:
        with errors():
            keys = engine.keys.list()
    finally:
        engine.close()
    table = Table("key id", "role", "name", "buyer", "created", "last used", "revoked")
    for key in keys:
        table.add_row(
            key.key_id,
            key.role.value,
            key.name,
            key.buyer_id or "",
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    out.print(table if keys else "no API keys yet; create one with `matching keys create`")


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id (8 hex digits) or the whole key.")],
    home: HomeOption = None,
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    engine = open_engine(home)
    try:
        with errors():
            key = engine.keys.revoke(key_id)
    finally:
        engine.close()
    out.print(f"revoked key {key.key_id} ({key.role.value}, {key.name}) at {key.revoked_at:%Y-%m-%d %H:%M}")
