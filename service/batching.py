"""Searches that arrive together are encoded together.

The encoder's cost per query falls by about a third from one query to a batch of eight (measured on the
demo catalogue), so under concurrent load one worker thread takes every search waiting in the queue (up to
``max_batch``) and runs them as one :meth:`~matching.app.engine.Engine.search_batch` call: the queries are
encoded together, and each search is answered as soon as it is ranked (not when the whole batch is). A lone
search waits for nobody: the thread takes what is queued the moment it is free.

With ``workers`` > 1, that many threads take from the one queue: while one ranks in Python, another's
encoder (ONNX Runtime, which releases the GIL) runs on the other core, so a search that arrives while one
is being served need not wait for it.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from matching import Engine
from matching.ranking.explanations import Explanation
from service.observability import SEARCH_BATCH

__all__ = ["Ranked", "SearchBatcher"]

log = logging.getLogger("service.search")


@dataclass(frozen=True)
class Ranked:
    """One search's results and what produced them."""

    results: list[Explanation]
    model_version: str
    catalogue_revision: int


@dataclass
class _Job:
    text: str
    structured: dict[str, Any]
    k: int
    future: Future[Ranked] = field(default_factory=Future)


class SearchBatcher:
    """A queue of searches and the threads that run them in batches."""

    def __init__(self, engine: Engine, *, max_batch: int = 16, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.engine = engine
        self.max_batch = max_batch
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._run, name=f"matching-search-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, text: str, structured: dict[str, Any], k: int) -> Future[Ranked]:
        job = _Job(text, structured, k)
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        self._queue.put(None)  # each thread puts it back for the next before it stops
        for thread in self._threads:
            thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                self._queue.put(None)
                return
            batch = [job]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                batch.append(more)
            SEARCH_BATCH.observe(len(batch))
            self._serve(batch)

    def _serve(self, batch: list[_Job]) -> None:
        k = max(job.k for job in batch)

        def answer(i: int, result: list[Explanation], version: str, revision: int) -> None:
            # each search is answered as soon as it is ranked, not when the whole batch is
            batch[i].future.set_result(Ranked(result[: batch[i].k], version, revision))

        try:
            self.engine.search_batch(
                [(j.text, j.structured) for j in batch], k=k, wait=False, on_result=answer
            )
        except Exception as exc:  # each search is answered, with the error if the batch failed
            waiting = [job for job in batch if not job.future.done()]
            if len(waiting) > 1:  # retry one by one, so one bad request fails alone
                for job in waiting:
                    self._serve([job])
                return
            for job in waiting:
                job.future.set_exception(exc)
