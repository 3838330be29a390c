"""Where things are: the one place that reads the environment (prefix ``MATCHING_``).

``MATCHING_HOME``         data home (database, caches, indexes, models); default
                          ``~/.local/share/ikm-matching`` or ``$XDG_DATA_HOME/ikm-matching``.
``MATCHING_DATABASE_URL`` SQLAlchemy URL; default SQLite file ``<home>/matching.sqlite``. A PostgreSQL URL
                          (``postgresql+psycopg://user:pass@host/db``) works as well.
``MATCHING_ENCODER``      ``e5-small`` (default), ``minilm``, ``hashing`` or a sentence-transformers folder.
``MATCHING_INDEX_KIND``   ``auto`` (exact up to 50k products, HNSW above), ``flat`` or ``hnsw``.
``MATCHING_CONSTRAINTS``  ``penalty`` (infeasible IKMs sink but stay visible), ``filter`` or ``ignore``.
``MATCHING_RANKER``       ``auto`` (the model chosen with ``matching models use``, else hand-set weights),
                          ``weights``, ``newest`` (the newest trained or bundled model) or a folder.
``MATCHING_MODELS_DIR``   where trained models are written and found first; default ``<home>/models``. The
                          versions shipped with the package (``matching/bundled_models``: the repository's
                          ``models/``) are the defaults behind it; a name in both is this folder's.
``MATCHING_EMBED_BATCH``  texts encoded and written to the embedding cache per batch (default 256): a killed
                          ``matching index`` keeps every finished batch and a restart encodes only the rest.
``MATCHING_PROGRESS_EVERY`` seconds between the plain progress lines long commands print when stderr is not
                          a terminal (default 5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_home"]


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
    index_kind: Literal["auto", "flat", "hnsw"] = "auto"
    constraints: Literal["penalty", "filter", "ignore"] = "penalty"
    ranker: str = "auto"
    models_dir: Path = Field(default_factory=lambda data: data["home"] / "models")
    embed_batch: int = Field(default=256, ge=1)
    progress_every: float = Field(default=5.0, gt=0)

    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite inside the data home."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'matching.sqlite').resolve()}"
