"""Where things are: the one place that reads the environment (prefix ``MATCHING_``).

``MATCHING_HOME``         data home (database, caches, indexes, models); default
                          ``~/.local/share/ikm-matching`` or ``$XDG_DATA_HOME/ikm-matching``.
``MATCHING_DATABASE_URL`` SQLAlchemy URL; default SQLite file ``<home>/matching.sqlite``. A PostgreSQL URL
                          (``postgresql+psycopg://user:pass@host/db``) works as well.
``MATCHING_ENCODER``      ``e5-small`` (default; run by ONNX Runtime), ``e5-small-torch`` (the same, by
                          PyTorch), ``minilm``, ``hashing`` or a sentence-transformers folder.
``MATCHING_ENCODER_THREADS`` ONNX Runtime's intra-op threads of the e5-small encoder (default 1).
``MATCHING_QUERY_CACHE``  query embeddings kept in memory, least recently used dropped first (default 4096;
                          0 turns the cache off).
``MATCHING_INDEX_KIND``   ``auto`` (exact up to 50k products, HNSW above), ``flat`` or ``hnsw``.
``MATCHING_EF_SEARCH``    how widely an HNSW index searches (default 512: recall@10 0.974 on 292k real e5
                          vectors, 128 found 0.869; BENCHMARKS.md "Scale"); read when an index is loaded, so
                          a change needs no rebuild. Exact (flat) search ignores it.
``MATCHING_CONSTRAINTS``  ``penalty`` (infeasible IKMs sink but stay visible), ``filter`` or ``ignore``.
``MATCHING_RANKER``       ``auto`` (the model chosen with ``matching models use``, else hand-set weights),
                          ``weights``, ``newest`` (the newest trained or bundled model) or a folder.
``MATCHING_MODELS_DIR``   where trained models are written and found first; default ``<home>/models``. The
                          versions shipped with the package (``matching/bundled_models``: the repository's
                          ``models/``) are the defaults behind it; a name in both is this folder's.
``MATCHING_EMBED_BATCH``  texts encoded and written to the embedding cache per batch (default 256): a killed
                          ``matching index`` keeps every finished batch and a restart encodes only the rest.
``MATCHING_PUBLIC_URL``    the address participants reach the service at (default ``http://localhost:8000``);
                          each printed agenda's QR code opens ``<it>/events/<id>/agenda/<participant>``.
``MATCHING_PROGRESS_EVERY`` seconds between the plain progress lines long commands print when stderr is not
                          a terminal (default 5).
``MATCHING_RAY``          ``matching index`` embeds the products it must on this Ray cluster (``auto``,
                          ``host:6379``, ``ray://host:10001``) or, with ``local``, on ``$RAY_ADDRESS``'s
                          cluster, else a Ray instance it starts on this machine; unset (default): in this
                          process. Needs the ``ray`` extra.
``MATCHING_SHARED_DIR``   the folder every replica of the service must see, on a shared file system when they
                          run on several machines: the search index versions (``index/``), event plans
                          (``events/``), photos (``photos/``) and the ranker chosen with
                          ``matching models use``; default the data home. The embedding cache and the
                          e5 model stay in each replica's own home (DEPLOYMENT.md).
``MATCHING_SMTP_HOST``    the mail server participants' e-mails go out through (none: they stay queued in the
                          outbox); ``MATCHING_SMTP_PORT`` (default 465 with ``_SSL``, 587 with ``_STARTTLS``,
                          else 25), ``MATCHING_SMTP_USERNAME`` / ``_PASSWORD`` (login, when both are set),
                          ``MATCHING_SMTP_STARTTLS`` / ``MATCHING_SMTP_SSL`` (true/false),
                          ``MATCHING_MAIL_FROM`` (the sender address), ``MATCHING_MAIL_EVERY`` (seconds
                          between the service's sender runs, default 30; a queued message wakes it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_home"]

STORE_FILE = "matching.sqlite"
SharedFolder = Literal["index", "events", "photos"]  # the data folders every replica must see
SHARED_FOLDERS: tuple[SharedFolder, ...] = get_args(SharedFolder)


def default_home() -> Path:
    """The documented default data home, following the XDG base-directory convention."""
    import os

    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "ikm-matching"


class Settings(BaseSettings):
    """Locations of the data home, the database and the trained models, and what the engine runs with."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    encoder: str = "e5-small"
    # the second text encoder (multilingual USE, matching.retrieval.use_encoder): "auto" uses it unless the
    # encoder is the test-only "hashing" one; "use"; "none"
    second_encoder: Literal["auto", "use", "none"] = "auto"
    encoder_threads: int = Field(default=1, ge=1)
    query_cache: int = Field(default=4096, ge=0)
    index_kind: Literal["auto", "flat", "hnsw"] = "auto"
    ef_search: int = Field(default=512, ge=1)
    constraints: Literal["penalty", "filter", "ignore"] = "penalty"
    ranker: str = "auto"
    models_dir: Path = Field(default_factory=lambda data: data["home"] / "models")
    embed_batch: int = Field(default=256, ge=1)
    shared_dir: Path = Field(default_factory=lambda data: data["home"])
    ray: str | None = None
    progress_every: float = Field(default=5.0, gt=0)
    public_url: str = "http://localhost:8000"
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    mail_from: str = "Temu Bisnis IKM <noreply@localhost>"
    mail_every: float = Field(default=30.0, gt=0)

    def folder(self, name: SharedFolder) -> Path:
        """Where one of the folders every replica shares lives: ``<shared_dir>/<name>``."""
        return self.shared_dir / name

    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite inside the data home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / STORE_FILE).resolve()}"

    def sqlite_path(self) -> Path | None:
        """The SQLite file of the store, or None when the database is elsewhere (PostgreSQL ...).

        A SQLite URI (``sqlite:///file:/path/db.sqlite?mode=ro&uri=true``) names the file after ``file:``
        and before its query."""
        url = self.resolved_database_url()
        if not url.startswith("sqlite"):
            return None
        path = url.split("///", 1)[1] if "///" in url else ""
        if path.startswith("file:"):
            path = path.removeprefix("file:").split("?", 1)[0]
        return Path(path) if path and path != ":memory:" else None

    def sqlite_read_only(self) -> bool:
        """Whether the store is a SQLite URI opened read-only (``mode=ro``): then nothing may create it."""
        url = self.resolved_database_url()
        return url.startswith("sqlite") and "file:" in url and "mode=ro" in url

    def missing_store(self) -> str | None:
        """Why commands that only read cannot run here (a plain message naming the home), or None.

        A SQLite store must exist as a file in an existing home; with a PostgreSQL (or other) URL the
        database itself is the store, and connecting to it says whether it is there.
        """
        database = self.sqlite_path()
        if database is None or database.is_file():
            return None
        where = f"data home {self.home}" if not self.home.is_dir() else f"database {database}"
        return (
            f"no store: {where} does not exist. Create one with `matching init --home {self.home}` "
            "or import a catalogue with `matching ingest` (or pass the right --home / MATCHING_HOME)"
        )
