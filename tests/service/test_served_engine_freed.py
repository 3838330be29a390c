"""An engine that the test server served is freed once the server stops and the engine closes (the test
suite serves one engine per browser module; each kept alive cost ~850 MB with e5-small)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import httpx

from matching import Engine, Settings
from tests.service.conftest import serve


def _served_once(home: Path) -> weakref.ref[Engine]:
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.index()
    with serve(engine) as base:
        answer = httpx.post(f"{base}/api/v1/search", json={"text": "keranjang rotan"}, timeout=60)
        assert answer.status_code in (200, 401)  # served (search may need a key)
    engine.close()
    return weakref.ref(engine)


def test_an_engine_served_and_stopped_is_freed(tmp_path: Path) -> None:
    gone = _served_once(tmp_path / "home")
    gc.collect()
    assert gone() is None, [type(r).__name__ for r in gc.get_referrers(gone())]
