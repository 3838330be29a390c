"""Fixtures of the browser tests (``test_browser*.py``): Debian's Chromium driven by Playwright against the
real server (uvicorn) on the demo data indexed with the real multilingual model.

``web_engine`` is built once per test module, a copy of the session's ``demo_e5_home`` (``conftest.py``:
the demo catalogue indexed once per test process, its embeddings kept in pytest's cache). ``page`` opens a
desktop tab (1366 px), ``phone`` a 390 px one; :func:`shot` saves a full-page screenshot in
``test-artifacts/screenshots/``. Without ``/usr/bin/chromium`` these tests fail (``scripts/test.sh``
installs it) unless ``MATCHING_SKIP_BROWSER=1``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright
from schemathesis.pytest.plugin import SchemathesisFunction

from matching import Engine, Settings
from matching.store.accounts import Account
from service import create_app
from service.web.participant_auth import SESSION_COOKIE
from tests.helpers import copy_home

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 20_000
PLAN_TIMEOUT_MS = 120_000
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def demo_engine(home: Path, demo_e5_home: Path, **settings: Any) -> Engine:
    """A copy of the demo catalogue indexed with the real model (the ``demo_e5_home`` fixture) at ``home``.
    ``settings`` add to the engine's settings."""
    return Engine(
        Settings(home=copy_home(demo_e5_home, home), encoder="e5-small", ranker="weights", **settings)
    )


@pytest.fixture(scope="module")
def web_engine(tmp_path_factory: pytest.TempPathFactory, demo_e5_home: Path) -> Iterator[Engine]:
    eng = demo_engine(tmp_path_factory.mktemp("browser") / "home", demo_e5_home)
    yield eng
    eng.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest 9 every operation that schemathesis generates for a test gets the test function's node
    id, so pytest-xdist's ``--dist loadfile`` ran only each function's first operation (and ``--lf`` and
    the reports could not tell them apart); each gets its own, the operation in brackets."""
    for item in items:
        if isinstance(item, SchemathesisFunction) and "[" in item.name and not item.nodeid.endswith("]"):
            item._id = item.id.with_params(item.name.split("[", 1)[1].removesuffix("]"))
            assert item.nodeid.endswith(f"[{item.operation_label}]"), item.nodeid


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(engine: Engine, port: int | None = None) -> Iterator[str]:
    """The real app served by uvicorn in a thread on ``port`` (a free one if None); its base URL once
    ``/api/v1/ready`` says 200."""
    port = port or _free_port()
    config = uvicorn.Config(create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="uvicorn-test", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/api/v1/ready", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not become ready within 120 s")
        time.sleep(0.2)
    try:
        yield base
    finally:
        uv.should_exit = True
        thread.join(timeout=15)
        forget_endpoints()


def forget_endpoints() -> None:
    """Empty FastAPI's module-level caches of endpoint functions (``fastapi.dependencies.models``): they keep
    every app a process has served alive, and with it its engine (~850 MB each with e5-small: a test
    process that served 12 modules' engines grew to 12 GB). One app per process, as in production, loses
    nothing to them."""
    from fastapi.dependencies import models

    for name in ("_is_gen_callable_cached", "_is_async_gen_callable_cached", "_is_coroutine_callable_cached"):
        getattr(models, name).cache_clear()


@pytest.fixture(scope="module")
def server(web_engine: Engine) -> Iterator[str]:
    with serve(web_engine) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if os.environ.get("MATCHING_SKIP_BROWSER") == "1":
        pytest.skip("MATCHING_SKIP_BROWSER=1: the browser tests are skipped")
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with "
            "`sudo apt-get install chromium` (scripts/test.sh does), "
            "or set MATCHING_SKIP_BROWSER=1 to skip them."
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _tab(browser: Browser, server: str, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A desktop tab (1366 x 900)."""
    yield from _tab(browser, server, DESKTOP)


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Page]:
    """A phone-width tab (390 x 844)."""
    yield from _tab(browser, server, PHONE)


def shot(page: Page, name: str) -> None:
    """A full-page screenshot, ``test-artifacts/screenshots/<name>.png``."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def image_loaded(image: Locator) -> bool:
    """Whether the browser fetched and decoded the image (not a broken one).

    The photos load lazily and a page may still be fetching one when asked, so this scrolls the image
    into view and waits up to TIMEOUT_MS for its load or error event rather than reading `complete` at
    one instant.
    """
    image.scroll_into_view_if_needed()
    return bool(
        image.evaluate(
            """(img, wait) => img.complete && img.naturalWidth > 0 ? true : new Promise(done => {
                img.addEventListener("load", () => done(img.naturalWidth > 0), {once: true});
                img.addEventListener("error", () => done(false), {once: true});
                setTimeout(() => done(false), wait);
                if (img.complete) done(img.naturalWidth > 0);
            })""",
            TIMEOUT_MS,
        )
    )


def no_horizontal_scroll(page: Page) -> bool:
    """True when the page is no wider than its window (nothing to scroll sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def log_in(page: Page, key: str, name: str) -> None:
    """Sign in with ``key`` on the login page (Indonesian), saving a screenshot ``<name>-login``."""
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "id")  # Indonesian unless asked otherwise
    shot(page, f"{name}-login")
    page.get_by_label("Kunci API").fill(key)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Masuk sebagai")).to_be_visible()


def free_move(engine: Engine, event_id: str) -> tuple[str, str, str, str]:
    """A meeting of the plan in force (the move form's value ``buyer|ikm``), a free start and table that both
    its sides can attend, and its buyer."""
    from matching.events.plan_files import read_plan_rows

    event = engine.events.get(event_id).event
    rows = read_plan_rows(engine.events.plan_record(event_id).folder / "meetings.csv")
    busy = {(r["slot_start"], who) for r in rows for who in (r["buyer_id"], r["ikm_id"])}
    taken = {(r["slot_start"], r["table"]) for r in rows}
    state = engine.events.changes(event_id)
    windows = state.availability if state is not None else {}

    def can(who: str, index: int) -> bool:
        return index in (event.slots_within(windows[who]) if who in windows else event.available_slots(who))

    for r in rows:
        for slot in event.slots():
            start = slot.start.strftime("%H:%M")
            pair = (r["buyer_id"], r["ikm_id"])
            if any(not can(p, slot.index) or (start, p) in busy for p in pair):
                continue
            free = [t for t in event.table_names() if (start, t) not in taken]
            if free:
                return f"{pair[0]}|{pair[1]}", start, free[0], r["buyer_id"]
    raise AssertionError("no meeting of the plan can move")


def participant_session(
    engine: Engine, kind: str, participant_id: str, *, email: str | None = None, name: str = ""
) -> tuple[Account, str]:
    """An account of ``participant_id`` (made if its e-mail address has none) and a fresh session's token:
    put it in the ``matching_session`` cookie (``client.cookies.set`` or :func:`sign_in_browser`)."""
    address = email or f"{participant_id.lower()}@peserta.example"
    account = engine.accounts.by_email(address)
    if account is None:
        assert kind in ("buyer", "ikm")
        account = engine.accounts.create(
            address, name or participant_id, "buyer" if kind == "buyer" else "ikm", participant_id
        )
    token, _ = engine.accounts.start_session(account.user_id)
    return account, token


def sign_in_browser(page: Page, server: str, token: str) -> None:
    """Give the tab's browser the participant session ``token`` (as the sign-in page would)."""
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": server}])


from tests.mail_server import LocalSmtp, local_smtp  # noqa: E402 (the mail fixture's own block)


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[LocalSmtp]:
    """A real SMTP server on a free local port for the module (aiosmtpd): ``.port``, ``.messages`` (each an
    :class:`email.message.EmailMessage`, subject unfolded), ``.to(address)``, ``.refuse`` (answers such as
    ``"451 try later"`` given instead of accepting the next messages). Give the engine
    ``Settings(smtp_host="127.0.0.1", smtp_port=smtp_server.port)``; the app's sender then delivers."""
    with local_smtp() as server:
        yield server
