"""The agendas' QR codes made in a background process: the same codes qr_path makes, kept afterwards."""

from __future__ import annotations

import pickle

import pytest

from matching.events import qr_codes
from matching.events.qr_codes import QrCodes, cached_codes, qr_path

LINK = "http://venue.example:8000/events/temu-2027/agenda/"
URLS = [LINK + p for p in ("B1", "B2", "I1", "I%C3%91", "I3")]


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr_codes, "_QR", {})  # no code kept from another test


def test_background_codes_are_the_ones_qr_path_makes_and_are_kept() -> None:
    made = QrCodes([*URLS, URLS[0]], min_background=1)  # forked: this is the only thread
    assert made.urls == URLS
    assert cached_codes(URLS) == {}  # nothing made here yet: the background process makes them
    codes = made.result()
    assert list(codes) == URLS
    kept = cached_codes(URLS)
    assert kept == codes
    qr_codes._QR.clear()
    assert {url: qr_path(url) for url in URLS} == codes  # made here, one by one: the very same codes
    assert made.covers(URLS[:2]) and not made.covers([LINK + "B9"])


def test_codes_made_from_a_threaded_process_come_from_a_fork_server() -> None:
    """As in the service, whose threads a forked child must not inherit."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        made = pool.submit(QrCodes, URLS, min_background=1).result()
    assert type(made._process).__name__ == "ForkServerProcess"
    assert made.result() == {url: qr_codes._make_qr(url) for url in URLS}


def test_codes_this_process_keeps_start_no_process() -> None:
    qr_path(URLS[0])
    made = QrCodes(URLS[:1], min_background=1)
    assert made._process is None
    assert made.result() == {URLS[0]: qr_path(URLS[0])}


def test_a_killed_background_process_leaves_its_codes_to_this_one() -> None:
    made = QrCodes(URLS, min_background=1)
    made._process.kill()
    assert made.result() == {url: qr_codes._make_qr(url) for url in URLS}


def test_a_pickled_plans_codes_travel_finished() -> None:
    made = QrCodes(URLS, min_background=1)
    copy = pickle.loads(pickle.dumps(made))
    qr_codes._QR.clear()
    assert copy.result() == made.result() == {url: qr_codes._make_qr(url) for url in URLS}


def test_without_a_process_the_codes_are_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from multiprocessing.process import BaseProcess

    def refuse(self: BaseProcess) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(BaseProcess, "start", refuse)
    made = QrCodes(URLS, min_background=1)
    assert made.result() == {url: qr_codes._make_qr(url) for url in URLS}
