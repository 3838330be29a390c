"""Tests for the query-embedding LRU cache: the wrapped encoder's vectors, hits and misses, eviction of the
least recently used, no sharing of stored vectors with callers, concurrent use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from matching.retrieval.encoders import HashingEncoder
from matching.retrieval.query_cache import CachedQueryEncoder


class CountingEncoder(HashingEncoder):
    """The hashing encoder with a prompt, recording the texts it is asked to encode."""

    query_prompt = "query: "

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.asked: list[str] = []
        self.passages: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.asked.extend(texts)
        return self._encode([self.query_prompt + t for t in texts])

    def encode_passages(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.passages.extend(texts)
        if progress:
            progress(len(texts))
        return self._encode(list(texts))


TEXTS = ["tas anyaman pandan", "rattan chairs for a hotel", "tikar mendong 200 lembar", "bamboo lamp shades"]


def test_cached_vectors_equal_the_encoders_and_repeats_are_not_encoded_again() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=10)
    first = cached.encode_queries(TEXTS)
    again = cached.encode_queries(list(reversed(TEXTS)))
    np.testing.assert_array_equal(first, CountingEncoder().encode_queries(TEXTS))
    np.testing.assert_array_equal(again, first[::-1])
    assert inner.asked == TEXTS
    assert cached.stats() == {"entries": 4, "size": 10, "hits": 4, "misses": 4, "hit_rate": 0.5}
    assert (cached.model_id, cached.dim) == (inner.model_id, inner.dim)


def test_a_text_repeated_within_one_batch_is_encoded_once() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=10)
    vectors = cached.encode_queries(["a b", "c d", "a b"])
    assert inner.asked == ["a b", "c d"]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert cached.stats()["misses"] == 3 and cached.stats()["hits"] == 0


def test_the_least_recently_used_query_is_evicted_first() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=2)
    cached.encode_queries(["one"])
    cached.encode_queries(["two"])
    cached.encode_queries(["one"])  # "one" is now the most recent: "two" goes first
    cached.encode_queries(["three"])
    assert cached.stats()["entries"] == 2
    inner.asked.clear()
    cached.encode_queries(["one", "three"])
    assert inner.asked == []
    cached.encode_queries(["two"])
    assert inner.asked == ["two"]


def test_size_zero_keeps_nothing_but_answers_and_counts() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=0)
    a = cached.encode_queries(["kursi rotan"])
    b = cached.encode_queries(["kursi rotan"])
    np.testing.assert_array_equal(a, b)
    assert inner.asked == ["kursi rotan", "kursi rotan"]
    assert cached.stats() == {"entries": 0, "size": 0, "hits": 0, "misses": 2, "hit_rate": 0.0}


def test_changing_a_returned_array_does_not_change_the_cache() -> None:
    cached = CachedQueryEncoder(CountingEncoder(), size=4)
    vectors = cached.encode_queries(["keranjang bambu"])
    expected = vectors.copy()
    vectors[:] = 0
    np.testing.assert_array_equal(cached.encode_queries(["keranjang bambu"]), expected)


def test_the_key_is_the_prompted_text_of_the_model() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=4)
    cached.encode_queries(["x y"])
    assert list(cached._vectors) == [(inner.model_id, "query: x y")]


def test_passages_pass_through_uncached() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=4)
    seen: list[int] = []
    vectors = cached.encode_passages(TEXTS, progress=seen.append)
    cached.encode_passages(TEXTS)
    assert inner.passages == TEXTS * 2 and sum(seen) == len(TEXTS) and vectors.shape == (4, 64)
    assert cached.stats()["entries"] == 0


def test_threads_sharing_the_cache_get_their_own_texts_vectors() -> None:
    inner = CountingEncoder()
    cached = CachedQueryEncoder(inner, size=8)  # smaller than the texts: entries come and go meanwhile
    texts = [f"produk anyaman nomor {i}" for i in range(24)]
    expected = {t: v for t, v in zip(texts, CountingEncoder().encode_queries(texts), strict=True)}
    failures: list[str] = []

    def work(offset: int) -> None:
        for step in range(200):
            chosen = [texts[(offset + step + j) % len(texts)] for j in range(3)]
            for text, vector in zip(chosen, cached.encode_queries(chosen), strict=True):
                if not np.array_equal(vector, expected[text]):
                    failures.append(text)

    threads = [threading.Thread(target=work, args=(i * 5,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = cached.stats()
    assert failures == []
    assert stats["hits"] + stats["misses"] == 4 * 200 * 3 and stats["entries"] <= 8
