"""The service's search batcher: searches queued together are ranked as one batch, each answered when done."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from service.batching import SearchBatcher


class _Engine:
    """Stands in for Engine.search_batch: answers request i with [text], in order, as the engine does."""

    def __init__(self) -> None:
        self.first_answered = threading.Event()
        self.release = threading.Event()
        self.batches: list[list[str]] = []
        self.fail_on: str | None = None

    def search_batch(self, requests: Any, *, k: int, wait: bool, on_result: Any) -> Any:
        texts = [text for text, _ in requests]
        self.batches.append(texts)
        results = []
        for i, text in enumerate(texts):
            if text == self.fail_on:
                raise ValueError(f"bad request {text!r}")
            results.append([text] * k)
            on_result(i, results[-1], "weights", 7)
            if i == 0 and len(texts) > 1:
                self.first_answered.set()
                assert self.release.wait(10)
        return results, "weights", 7


def _hold_searches_named_hold(engine: _Engine) -> tuple[threading.Event, threading.Event]:
    """Make a batch starting with the search "hold" wait until ``gate`` is set; ``entered`` tells it began."""
    entered, gate = threading.Event(), threading.Event()
    original = engine.search_batch

    def held(requests: Any, **kwargs: Any) -> Any:
        if requests[0][0] == "hold":
            entered.set()
            assert gate.wait(10)
        return original(requests, **kwargs)

    engine.search_batch = held  # type: ignore[method-assign]
    return entered, gate


def _queue_behind_a_busy_thread(engine: _Engine, texts: list[str]) -> tuple[SearchBatcher, list[Any]]:
    """Submit ``texts`` while the batcher's thread is held in a first search, so they form one batch."""
    entered, gate = _hold_searches_named_hold(engine)
    batcher = SearchBatcher(engine, max_batch=8)  # type: ignore[arg-type]
    hold = batcher.submit("hold", {}, 1)
    assert entered.wait(10)  # the thread is busy with "hold": what comes now queues up
    futures = [batcher.submit(text, {}, 2) for text in texts]
    gate.set()
    hold.result(10)
    return batcher, futures


def test_each_search_is_answered_as_soon_as_it_is_ranked() -> None:
    engine = _Engine()
    batcher, futures = _queue_behind_a_busy_thread(engine, ["a", "b", "c"])
    try:
        assert engine.first_answered.wait(10)
        # the batch is still running (held after its first search), yet the first search has its answer
        assert futures[0].done() and not futures[1].done()
        ranked = futures[0].result()
        assert (
            ranked.results == ["a", "a"]
            and ranked.model_version == "weights"
            and ranked.catalogue_revision == 7
        )
        engine.release.set()
        assert [f.result(10).results for f in futures] == [["a", "a"], ["b", "b"], ["c", "c"]]
        assert engine.batches[1] == ["a", "b", "c"]  # one batch
    finally:
        engine.release.set()
        batcher.close()


def test_a_failing_search_fails_alone_and_answered_ones_keep_their_answer() -> None:
    engine = _Engine()
    engine.fail_on = "b"
    engine.release.set()
    batcher, futures = _queue_behind_a_busy_thread(engine, ["a", "b", "c"])
    try:
        assert futures[0].result(10).results == ["a", "a"]
        with pytest.raises(ValueError, match="bad request 'b'"):
            futures[1].result(10)
        assert futures[2].result(10).results == ["c", "c"]
        assert engine.batches[2:] == [["b"], ["c"]]  # only the unanswered ones again, one by one
    finally:
        batcher.close()


def test_with_two_workers_a_search_is_served_while_another_is_held() -> None:
    engine = _Engine()
    entered, gate = _hold_searches_named_hold(engine)
    batcher = SearchBatcher(engine, max_batch=8, workers=2)  # type: ignore[arg-type]
    try:
        hold = batcher.submit("hold", {}, 1)
        assert entered.wait(10)
        # one thread is held in "hold"; the other answers "a" meanwhile
        assert batcher.submit("a", {}, 1).result(10).results == ["a"]
        assert not hold.done()
    finally:
        gate.set()
        batcher.close()
    assert hold.result(10).results == ["hold"]
    assert not any(thread.is_alive() for thread in batcher._threads)  # close stops every thread


def test_workers_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="workers must be at least 1"):
        SearchBatcher(_Engine(), workers=0)  # type: ignore[arg-type]
