"""The limit on wrong API keys per client address: the limiter itself, the API and the login page."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from service import create_app
from service.deps import COOKIE
from service.key_limit import KeyLimiter, KeysLocked
from service.settings import ServiceSettings

WRONG = "ikm_00000000_" + "x" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_wrong_keys_in_a_minute_lock_the_address_out() -> None:
    clock = Clock()
    limiter = KeyLimiter(max_failures=10, window=60, lockout=30, clock=clock)
    for _ in range(10):
        limiter.check("1.2.3.4")
        limiter.failed("1.2.3.4")
    with pytest.raises(KeysLocked) as locked:
        limiter.check("1.2.3.4")
    assert locked.value.retry_after == 30
    limiter.check("5.6.7.8")  # others are not affected
    clock.now += 29.5
    with pytest.raises(KeysLocked) as locked:
        limiter.check("1.2.3.4")
    assert locked.value.retry_after == 1
    clock.now += 1
    limiter.check("1.2.3.4")


def test_failures_spread_over_more_than_the_window_are_forgiven() -> None:
    clock = Clock()
    limiter = KeyLimiter(max_failures=10, window=60, lockout=30, clock=clock)
    for _ in range(30):
        limiter.failed("1.2.3.4")
        clock.now += 7  # 9 in any minute
    limiter.check("1.2.3.4")


def test_memory_is_bounded() -> None:
    clock = Clock()
    limiter = KeyLimiter(max_failures=3, window=60, lockout=30, max_clients=100, clock=clock)
    for i in range(10_000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) <= 100
    clock.now += 61
    limiter.failed("1.1.1.1")
    assert len(limiter) == 1  # expired addresses are forgotten


def test_threads_count_every_failure() -> None:
    limiter = KeyLimiter(max_failures=400, window=60, lockout=30)

    def fail() -> None:
        for _ in range(100):
            limiter.failed("1.2.3.4")

    threads = [threading.Thread(target=fail) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with pytest.raises(KeysLocked):
        limiter.check("1.2.3.4")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path_factory.mktemp("limit-home"), encoder="hashing", ranker="weights"))
    eng.import_demo()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def key(engine: Engine) -> str:
    return engine.keys.create("organiser", "Meja panitia")[1]


def client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(engine=engine, service_settings=ServiceSettings(**settings))  # type: ignore[arg-type]
    return TestClient(app, follow_redirects=False, headers={"Origin": "http://testserver"})


def test_the_api_answers_429_after_ten_wrong_keys_even_to_a_right_one(engine: Engine, key: str) -> None:
    with client(engine, key_lockout_s=45) as c:
        assert c.get("/api/v1/events", headers={"X-API-Key": key}).status_code == 200
        for _ in range(10):
            assert c.get("/api/v1/events", headers={"X-API-Key": WRONG}).status_code == 401
        for headers in ({"X-API-Key": WRONG}, {"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
            locked = c.get("/api/v1/events", headers=headers)
            assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_requests"
            assert 40 <= int(locked.headers["retry-after"]) <= 45
        assert c.get("/api/v1/health").status_code == 200  # requests without a key still pass


def test_a_right_key_does_not_reset_the_count(engine: Engine, key: str) -> None:
    with client(engine) as c:
        for _ in range(5):
            assert c.get("/api/v1/events", headers={"X-API-Key": WRONG}).status_code == 401
        assert c.post("/login", data={"key": key}).status_code == 303
        for _ in range(5):
            assert c.get("/api/v1/events", headers={"X-API-Key": WRONG}).status_code == 401
        assert c.get("/api/v1/events", headers={"X-API-Key": key}).status_code == 429


def test_the_login_page_and_the_cookie_count_too(engine: Engine, key: str) -> None:
    with client(engine, key_failures=4) as c:
        for _ in range(2):
            assert c.post("/login", data={"key": WRONG}).status_code == 401
        c.cookies.set(COOKIE, WRONG)
        for _ in range(2):
            assert c.get("/import").status_code == 303  # to the login page
        c.cookies.clear()
        locked = c.post("/login", data={"key": key})
        assert locked.status_code == 429 and "retry-after" in locked.headers
        assert COOKIE not in locked.cookies and "too many wrong API keys" in locked.text
        c.cookies.set(COOKIE, key)
        assert c.get("/import").status_code == 429
