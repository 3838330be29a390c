"""The API documentation pages work offline: every asset comes from this app (TestClient, real app)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app

PAGES = ("/api/v1/docs", "/api/v1/redoc")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("docs-home"), encoder="hashing", ranker="weights"))
    with TestClient(create_app(engine=engine)) as c:
        yield c
    engine.close()


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'data-openapi="([^"]+)"', html)


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_refers_to_no_other_host_and_serves_every_asset(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text  # started by /static/docs.js, not an inline script
    references = _references(page.text)
    assert references and all(r.startswith("/") and not r.startswith("//") for r in references), references
    assert not re.search(r"https?://", page.text)
    for reference in references:
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        if reference.endswith(".js"):
            assert len(asset.content) > 1000 or reference == "/static/docs.js"


@pytest.mark.parametrize("path", PAGES)
def test_docs_policy_names_no_cdn(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert "cdn" not in policy and "http" not in policy
    assert "script-src 'self';" in policy  # no inline script, no other origin


def test_the_bundled_assets_are_the_real_swagger_ui_and_redoc(client: TestClient) -> None:
    swagger = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    redoc = client.get("/api/v1/docs/assets/redoc.standalone.js")
    assert b"SwaggerUIBundle" in swagger.content and b"Redoc" in redoc.content
    assert client.get("/api/v1/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "IKM matching"
