"""Security headers and the cross-site check, through the real app (TestClient, hashing encoder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app
from service.deps import COOKIE
from service.settings import ServiceSettings

OWN = "http://testserver"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("security-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def key(engine: Engine) -> str:
    return engine.keys.create("organiser", "Meja panitia")[1]


def client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(engine=engine, service_settings=ServiceSettings(**settings))  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=False)


def test_every_response_carries_the_security_headers(engine: Engine, key: str) -> None:
    with client(engine) as c:
        for response in (
            c.get("/login"),
            c.get("/static/app.js"),
            c.get("/api/v1/health"),
            c.get("/api/v1/events"),  # 401
            c.get("/nowhere"),  # 404
            c.post("/login", data={"key": key}, headers={"Origin": "https://evil.example"}),  # 403
        ):
            headers = response.headers
            policy = headers["content-security-policy"]
            assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, response.url
            assert "unsafe-inline" not in policy and "script-src 'self';" in policy
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"


def test_the_docs_pages_allow_inline_styles_but_no_inline_script_and_no_other_host(engine: Engine) -> None:
    with client(engine) as c:
        for path in ("/api/v1/docs", "/api/v1/redoc"):
            docs = c.get(path)
            assert docs.status_code == 200
            policy = docs.headers["content-security-policy"]
            assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
            assert "http" not in policy  # no other host at all
            assert docs.headers["x-frame-options"] == "DENY"
        assert "unsafe-inline" not in c.get("/login").headers["content-security-policy"]


def test_the_pages_need_no_inline_script(engine: Engine, key: str) -> None:
    with client(engine) as c:
        c.cookies.set(COOKIE, key)
        for path in ("/", "/import", "/events", "/login", "/logout"):
            page = c.get(path)
            assert page.status_code == 200, path
            assert "<script>" not in page.text and "<script " not in page.text.replace(
                '<script src="/static/app.js" defer>', ""
            )
            assert " style=" not in page.text and " onclick=" not in page.text


def test_cookie_changes_from_another_site_are_refused(engine: Engine, key: str) -> None:
    with client(engine) as c:
        c.cookies.set(COOKIE, key)
        for headers in (
            {},
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Referer": "https://evil.example/page"},
            {"Origin": "http://testserver.evil.example"},
            {"Origin": "https://testserver"},  # another scheme is another origin
        ):
            for path in ("/logout", "/import", "/events/demo/plan", "/api/v1/events"):
                response = c.post(path, headers=headers)
                assert response.status_code == 403, (path, headers)
                assert "cross-site request refused" in response.text
            assert c.get("/import").status_code == 200  # still logged in
        assert c.post("/api/v1/events", headers={}).json()["error"]["code"] == "cross_site"

        assert c.post("/logout", headers={"Referer": f"{OWN}/events"}).status_code == 303
        c.cookies.set(COOKIE, key)
        assert c.post("/logout", headers={"Origin": OWN}).status_code == 303


def test_the_login_form_must_come_from_this_site_too(engine: Engine, key: str) -> None:
    with client(engine) as c:
        refused = c.post("/login", data={"key": key}, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403 and COOKIE not in refused.cookies
        good = c.post("/login", data={"key": key}, headers={"Origin": OWN})
        assert good.status_code == 303 and COOKIE in good.cookies


def test_key_headers_are_not_affected(engine: Engine, key: str) -> None:
    with client(engine) as c:
        c.cookies.set(COOKIE, key)  # even with the cookie too: the header is what authenticates
        body = {"text": "rattan baskets"}
        headers = {"Origin": "https://evil.example"}
        assert c.post("/api/v1/search", json=body, headers={**headers, "X-API-Key": key}).status_code == 200
        bearer = {**headers, "Authorization": f"Bearer {key}"}
        assert c.post("/api/v1/search", json=body, headers=bearer).status_code == 200
        c.cookies.clear()  # no cookie, no key: the API answers 401 as before
        assert c.post("/api/v1/search", json=body, headers=headers).status_code == 401


def test_trusted_origins_behind_a_proxy(engine: Engine, key: str) -> None:
    with client(engine, trusted_origins=["https://matching.example.org"]) as c:
        c.cookies.set(COOKIE, key)
        assert c.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
        assert c.post("/logout", headers={"Origin": "https://matching.example.org"}).status_code == 303
        c.cookies.set(COOKIE, key)
        assert c.post("/logout", headers={"Referer": "https://matching.example.org:443/x"}).status_code == 303


def test_get_logout_never_logs_out(engine: Engine, key: str) -> None:
    with client(engine) as c:
        c.cookies.set(COOKIE, key)
        page = c.get("/logout", headers={"Origin": OWN})
        assert page.status_code == 200 and '<form method="post" action="/logout"' in page.text
        assert COOKIE not in page.headers.get("set-cookie", "")
        assert c.get("/import").status_code == 200
        assert 'action="/logout"' in c.get("/").text  # every page has the button
