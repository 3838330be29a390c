"""Where no PostgreSQL server can start, its tests skip; under ``MATCHING_REQUIRE_POSTGRES=1`` (what
``scripts/test.sh`` sets for CI) they fail instead, so a run cannot pass with them silently skipped."""

from __future__ import annotations

import pytest

from tests.postgres import skip_or_fail


def test_no_server_skips_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHING_REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server here"):
        skip_or_fail("no PostgreSQL server here")


def test_no_server_fails_when_it_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHING_REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="MATCHING_REQUIRE_POSTGRES=1 but no PostgreSQL server"):
        skip_or_fail("no PostgreSQL server here")
