from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app


def test_health_and_stats(tmp_path: Path, canonical_files: list[Path]) -> None:
    settings = Settings(home=tmp_path / "home")
    Engine(settings).import_files(canonical_files)
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        stats = client.get("/api/v1/stats").json()
        assert (stats["ikms"], stats["products"], stats["buyers"]) == (3, 3, 2)
