"""The participant session as pages see it: the cookie finds the account, no cookie goes to the sign-in page
(coming back afterwards), and a form without the session's CSRF token is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Form, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app
from service.web.participant_auth import (
    SESSION_COOKIE,
    csrf_refusal,
    participant_or_response,
)
from tests.service.conftest import participant_session


@pytest.fixture
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, TestClient]]:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("auth-home"), encoder="hashing", ranker="weights"))
    app = create_app(engine=engine)

    @app.get("/probe")
    def probe(request: Request) -> Response:
        who = participant_or_response(request)
        if isinstance(who, Response):
            return who
        return PlainTextResponse(f"{who.account.kind} {who.account.participant_id}")

    @app.post("/probe")
    def probe_post(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        who = participant_or_response(request)
        if isinstance(who, Response):
            return who
        return csrf_refusal(request, who, csrf_token) or PlainTextResponse("changed")

    with TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"}) as client:
        yield engine, client
    engine.close()


def test_without_a_session_the_page_sends_to_sign_in_and_back(app_client: tuple[Engine, TestClient]) -> None:
    _engine, client = app_client
    response = client.get("/probe?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fprobe%3Fx%3D1"
    client.cookies.set(SESSION_COOKIE, "not-a-token")
    assert client.get("/probe").status_code == 303


def test_the_session_cookie_names_the_participant(app_client: tuple[Engine, TestClient]) -> None:
    engine, client = app_client
    _account, token = participant_session(engine, "ikm", "I0007")
    client.cookies.set(SESSION_COOKIE, token)
    response = client.get("/probe")
    assert response.status_code == 200 and response.text == "ikm I0007"


def test_a_form_needs_the_sessions_csrf_token(app_client: tuple[Engine, TestClient]) -> None:
    engine, client = app_client
    _account, token = participant_session(engine, "buyer", "B0001")
    client.cookies.set(SESSION_COOKIE, token)
    signed = engine.accounts.session(token)
    assert signed is not None
    assert client.post("/probe", data={}).status_code == 403
    assert client.post("/probe", data={"csrf_token": "forged"}).status_code == 403
    _other, other_token = participant_session(engine, "buyer", "B0002")
    other = engine.accounts.session(other_token)
    assert other is not None  # another session's token is not this one's
    assert client.post("/probe", data={"csrf_token": other.csrf_token}).status_code == 403
    ok = client.post("/probe", data={"csrf_token": signed.csrf_token})
    assert ok.status_code == 200 and ok.text == "changed"
