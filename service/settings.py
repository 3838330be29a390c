"""How the service runs (prefix ``MATCHING_``); where the data is comes from :class:`matching.Settings`.

``MATCHING_PUBLIC_SEARCH``    ``true``: requests without a key may search (as the ``public`` role).
``MATCHING_CORS_ORIGINS``     JSON list of origins allowed to call the API from a browser, e.g.
                              ``["http://localhost:5173"]``; empty (default): same origin only.
``MATCHING_MAX_UPLOAD_MB``    largest request body accepted, in MB (default 20); more gets 413.
``MATCHING_SEARCH_BATCH``     most searches a thread takes and encodes together (default 1: ONNX Runtime
                              encodes a query alone faster per query than in a batch; torch gains from 16).
``MATCHING_SEARCH_WORKERS``   threads serving searches from the one queue (default 2; ``matching serve`` with
                              several worker processes sets 1 for each, unless this is set).
``MATCHING_REFRESH_EVERY``    seconds between a worker's checks for a catalogue change made elsewhere (through
                              another replica, ``matching ingest`` or ``matching index``) or a newer version
                              of the shared index; a change found is loaded in the background (default 5;
                              0: only searches check, and the first one after a change is answered from
                              the index before it).
``MATCHING_LOG_LEVEL``        ``info`` (default), ``debug``, ``warning`` ...
``MATCHING_TRUSTED_ORIGINS``  JSON list of origins the pages may be served under besides the request's own
                              ``Host``, e.g. ``["https://matching.example.org"]`` behind a proxy that
                              rewrites ``Host``; changes sent with the login cookie from elsewhere get 403.
``MATCHING_KEY_FAILURES``     wrong API keys one client address may send within a minute (default 10) ...
``MATCHING_KEY_LOCKOUT_S``    ... before it is refused, right key or not, for this many seconds (default 60).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServiceSettings"]


class ServiceSettings(BaseSettings):
    """Options of the HTTP service."""

    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    public_search: bool = False
    cors_origins: list[str] = Field(default_factory=list)
    max_upload_mb: float = Field(default=20.0, gt=0)
    search_batch: int = Field(default=1, ge=1, le=256)
    search_workers: int = Field(default=2, ge=1, le=32)
    refresh_every: float = Field(default=5.0, ge=0)
    log_level: str = "info"
    trusted_origins: list[str] = Field(default_factory=list)
    key_failures: int = Field(default=10, ge=1)
    key_lockout_s: float = Field(default=60.0, gt=0)
