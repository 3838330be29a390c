"""``/ready`` says whether search can work; an empty catalogue searches to an empty result with a notice
(API and web page), never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app
from service.settings import ServiceSettings

API = "/api/v1"


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    app = create_app(engine=engine, service_settings=ServiceSettings(public_search=True))
    with TestClient(app) as client:
        yield client
    engine.close()


def test_ready_is_503_on_an_empty_catalogue(empty_client: TestClient) -> None:
    response = empty_client.get(f"{API}/ready")
    assert response.status_code == 503
    assert response.json()["reason"] == "empty catalogue" and response.json()["products"] == 0


def test_an_empty_catalogue_searches_to_an_empty_list_with_a_notice(empty_client: TestClient) -> None:
    for response in (
        empty_client.get(f"{API}/search", params={"q": "rattan chair"}),
        empty_client.post(f"{API}/search", json={"text": "rattan chair"}),
    ):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == [] and body["count"] == 0
        assert "catalogue is empty" in body["notice"]


def test_the_web_search_page_says_the_catalogue_is_empty(empty_client: TestClient) -> None:
    response = empty_client.get("/", params={"q": "rattan chair", "lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "The catalogue is empty" in response.text


def test_ready_once_the_catalogue_is_indexed(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    with TestClient(create_app(engine=engine)) as client:
        deadline = time.monotonic() + 120
        response = client.get(f"{API}/ready")
        while response.status_code == 503 and time.monotonic() < deadline:
            assert response.json()["reason"] == "index not built"
            time.sleep(0.2)
            response = client.get(f"{API}/ready")
        assert response.status_code == 200 and response.json()["reason"] is None
    engine.close()


def test_ready_counts_the_query_cache_hits(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights", query_cache=8))
    engine.import_demo()
    engine.index()
    app = create_app(engine=engine, service_settings=ServiceSettings(public_search=True))
    with TestClient(app) as client:
        for text in ("tas anyaman pandan", "rattan chair", "tas anyaman pandan"):
            assert client.post(f"{API}/search", json={"text": text}).status_code == 200
        cache = client.get(f"{API}/ready").json()["query_cache"]
    engine.close()
    assert cache["size"] == 8 and cache["hits"] >= 1
    assert cache["misses"] >= 2 and cache["entries"] >= 2
