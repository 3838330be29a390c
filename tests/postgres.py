"""A throw-away PostgreSQL cluster for the tests: Debian's server binaries, a cluster in a temporary folder on
a free loopback port, trust authentication, stopped and removed at the end.

``MATCHING_TEST_POSTGRES_URL`` points the tests at a server of your own instead. Where neither is possible the
PostgreSQL tests are skipped, unless ``MATCHING_REQUIRE_POSTGRES=1`` (``scripts/test.sh`` sets it, after
installing the server when it is missing): then they fail, so CI never passes with them skipped.
``scripts/bench_import.py`` starts its cluster with :func:`postgres_cluster` too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PostgresUnavailable", "fresh_database", "postgres_cluster", "skip_or_fail"]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def _unavailable(reason: str) -> None:
    raise PostgresUnavailable(reason)


def skip_or_fail(reason: str) -> None:
    """What a test needing PostgreSQL does when none can start: skip, or fail with
    ``MATCHING_REQUIRE_POSTGRES=1`` (CI: ``scripts/test.sh``)."""
    import pytest

    if os.environ.get("MATCHING_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"MATCHING_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A server's URL (``postgresql+psycopg://...``, its ``postgres`` database) while the block runs."""
    url = os.environ.get("MATCHING_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    bindir = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
    initdb = shutil.which("initdb") or (str(bindir / "initdb") if bindir else None)
    if not initdb or not Path(initdb).exists():
        _unavailable(
            "no PostgreSQL server here (install Debian's postgresql, or set MATCHING_TEST_POSTGRES_URL)"
        )
    assert initdb is not None
    pg_ctl = str(Path(os.path.realpath(initdb)).with_name("pg_ctl"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            _unavailable("running as root without runuser; cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = Path(tempfile.mkdtemp(prefix="matching-pg-"))
    os.chmod(data, 0o777)
    port = _free_port()
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data / "db"), "-U", "matching", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o", options, "start"],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(data, ignore_errors=True)
        _unavailable(f"could not start a local PostgreSQL: {exc.stderr.decode(errors='replace')[-300:]}")
    try:
        yield f"postgresql+psycopg://matching@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data / "db"), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(data, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """The URL of a new, empty database on the server of ``server_url`` (one per test or module: no test
    sees another's rows)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
