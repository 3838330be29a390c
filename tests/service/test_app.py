from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app


def test_health_and_stats(tmp_path: Path, canonical_files: list[Path]) -> None:
    settings = Settings(home=tmp_path / "home", encoder="hashing", ranker="weights")
    engine = Engine(settings)
    engine.import_files(canonical_files)
    _, key = engine.keys.create("public", "kiosk")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.get("/api/v1/stats").status_code == 401
        stats = client.get("/api/v1/stats", headers={"X-API-Key": key}).json()
        assert (stats["ikms"], stats["products"], stats["buyers"]) == (3, 3, 2)
