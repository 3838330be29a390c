"""The organiser's publication and outbox pages through the app (TestClient): organisers only, opening and
publishing with the e-mails delivered to a real local SMTP server by the app's sender, "send now", WhatsApp
links, another event's message refused, and the notice when no mail server is configured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings, demo_data_dir
from service import create_app
from service.deps import COOKIE
from service.web.i18n import TEXTS
from service.web.participant_auth import SESSION_COOKIE
from tests.mail_server import LocalSmtp
from tests.service.conftest import participant_session

ID = TEXTS["id"]
EVENT = "demo"
OTHER = """name: Temu Lain
sessions: [{start: "09:00", end: "10:00"}]
tables: 2
buyers: [B001]
ikms: [I0003]
"""
PUBLIC = "https://temu.example"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, smtp_server: LocalSmtp) -> Iterator[Engine]:
    settings = Settings(
        home=tmp_path_factory.mktemp("notify-home"),
        encoder="hashing",
        ranker="weights",
        public_url=PUBLIC,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        mail_every=300.0,  # only a queued message wakes the sender within a test
    )
    eng = Engine(settings)
    eng.import_demo()
    eng.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"), event_id=EVENT)
    eng.events.plan(EVENT, time_limit=2)
    eng.events.create(OTHER, event_id="lain")
    yield eng
    eng.close()


def client(engine: Engine, key: str | None = None) -> TestClient:
    test_client = TestClient(
        create_app(engine=engine), follow_redirects=False, headers={"Origin": "http://testserver"}
    )
    if key:
        test_client.cookies.set(COOKIE, key)
    return test_client


@pytest.fixture(scope="module")
def organiser(engine: Engine) -> Iterator[TestClient]:
    with client(engine, engine.keys.create("organiser", "Meja panitia")[1]) as c:
        yield c


def wait_for(smtp: LocalSmtp, address: str, seconds: float = 15) -> None:
    """Until the app's sender delivered a message to ``address``."""
    deadline = time.monotonic() + seconds
    while not smtp.to(address) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp.to(address), [m["To"] for m in smtp.messages]


PATHS = ("/events/demo/publish", "/events/demo/outbox")
POSTS = ("/events/demo/publish/open", "/events/demo/publish", "/events/demo/outbox/1/send")


def test_the_pages_are_for_organisers_only(engine: Engine) -> None:
    with client(engine) as anonymous:
        for path in PATHS:
            response = anonymous.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/login")
        for path in POSTS:
            assert anonymous.post(path).status_code == 303
    buyer_key = engine.keys.create("buyer", "Pembeli", buyer_id="B001")[1]
    with client(engine, buyer_key) as buyer:
        for path in PATHS:
            page = buyer.get(path)
            assert page.status_code == 403 and ID["forbidden_title"] in page.text
        for path in POSTS:
            assert buyer.post(path).status_code == 403
    with client(engine) as participant:  # a signed-in participant is no organiser
        _account, token = participant_session(engine, "buyer", "B001")
        participant.cookies.set(SESSION_COOKIE, token)
        for path in PATHS:
            assert participant.get(path).status_code == 303
        for path in POSTS:
            assert participant.post(path).status_code == 303
    settings = engine.participation.settings(EVENT)
    assert not settings.opened and settings.published_plan_no is None
    assert engine.outbox.for_event(EVENT) == []


def test_unknown_event_is_not_found(organiser: TestClient) -> None:
    for path in ("/events/nope/publish", "/events/nope/outbox"):
        assert organiser.get(path).status_code == 404
    for path in ("/events/nope/publish/open", "/events/nope/publish"):
        assert organiser.post(path).status_code == 404


def test_open_then_publish_sends_each_account_its_agenda(
    engine: Engine, organiser: TestClient, smtp_server: LocalSmtp
) -> None:
    buyer = engine.events.meetings(EVENT)[0]["buyer_id"]
    participant_session(engine, "buyer", buyer, email="pembeli@example.com", name="Pak Budi")
    page = organiser.get("/events/demo/publish")
    assert page.status_code == 200
    assert ID["notify_open_submit"] in page.text and ID["notify_publish_submit"].format(n=1) in page.text
    assert 'id="no-mail-server"' not in page.text
    opened = organiser.post("/events/demo/publish/open")
    assert opened.status_code == 303 and "msg=notify_opened" in opened.headers["location"]
    assert engine.participation.settings(EVENT).opened
    assert smtp_server.to("pembeli@example.com") == []  # opening sends no agenda
    published = organiser.post("/events/demo/publish")
    assert published.status_code == 303 and "msg=notify_published" in published.headers["location"]
    assert engine.participation.settings(EVENT).published_by == "Meja panitia"
    wait_for(smtp_server, "pembeli@example.com")
    [mail] = smtp_server.to("pembeli@example.com")
    body = mail.get_body(("plain",))
    assert body is not None and f"{PUBLIC}/me/events/{EVENT}/agenda" in body.get_content()
    page = organiser.get("/events/demo/publish")
    assert ID["notify_published_current"] in page.text
    again = organiser.post("/events/demo/publish")
    assert "msg=notify_same" in again.headers["location"]
    outbox = organiser.get("/events/demo/outbox")
    assert outbox.status_code == 200 and "pembeli@example.com" in outbox.text
    assert ID["notify_status_sent"] in outbox.text


def test_whatsapp_links_carry_the_published_agenda(engine: Engine, organiser: TestClient) -> None:
    if engine.participation.settings(EVENT).published_plan_no is None:
        engine.publication.publish(EVENT, who="test")
    page = organiser.get("/events/demo/outbox")
    links = [unquote(link) for link in page.text.split('href="')[1:] if link.startswith("https://wa.me/62")]
    assert links, "no WhatsApp link on the page"
    assert any("Agenda untuk:" in link and "WITA" in link for link in links)


def test_send_now_queues_a_failed_message_and_the_sender_delivers_it(
    engine: Engine, organiser: TestClient, smtp_server: LocalSmtp
) -> None:
    smtp_server.refuse = ["550 5.1.1 mailbox unavailable"]  # before the queued message wakes the sender
    message = engine.outbox.enqueue(
        kind="invitation", to_address="gagal@example.com", subject="Undangan", body_text="b", event_id=EVENT
    )
    wait_for_status(engine, message.message_id, "failed")
    page = organiser.get("/events/demo/outbox")
    assert "550 5.1.1 mailbox unavailable" in page.text and ID["notify_send_now"] in page.text
    other = engine.outbox.enqueue(
        kind="invitation", to_address="x@example.com", subject="s", body_text="b", event_id="lain"
    )
    assert (
        organiser.post(f"/events/demo/outbox/{other.message_id}/send").status_code == 404
    )  # not this event's
    assert organiser.post("/events/demo/outbox/999999/send").status_code == 404
    sent = organiser.post(f"/events/demo/outbox/{message.message_id}/send")
    assert sent.status_code == 303 and "msg=notify_queued" in sent.headers["location"]
    wait_for_status(engine, message.message_id, "sent")
    assert smtp_server.to("gagal@example.com")


def wait_for_status(engine: Engine, message_id: int, status: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while engine.outbox.get(message_id).status != status and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.outbox.get(message_id).status == status


def test_without_a_mail_server_the_pages_say_so(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    try:
        engine.events.create(OTHER, event_id="lain")
        key = engine.keys.create("organiser", "Panitia")[1]
        with client(engine, key) as c:
            for path in ("/events/lain/publish", "/events/lain/outbox"):
                page = c.get(path)
                assert page.status_code == 200 and ID["notify_no_mail_server"] in page.text
            assert ID["notify_no_plan"] in c.get("/events/lain/publish").text
            assert c.post("/events/lain/publish").status_code == 404  # nothing to publish
    finally:
        engine.close()
