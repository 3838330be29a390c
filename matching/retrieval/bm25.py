"""Lexical retrieval: BM25 (the maintained ``bm25s`` library) over normalised, stemmed text.

The analyser turns text into terms: folded and stemmed words (:func:`matching.common.text.tokens`) plus, when
a ``concepts`` function is given, one term per lexicon concept (``material:rotan``) so that "rattan basket"
and "keranjang rotan" share terms across languages. Shares the retrieval contract of the dense index:
``search(queries, k) -> per query [(id, score), ...]``, best first, ties broken by id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.common.text import tokens

__all__ = ["LexicalIndex"]

Analyser = Callable[[str], list[str]]


class LexicalIndex:
    """BM25 over documents keyed by string ids. Rebuilt whole on change (fast: ~1 s per 100k documents)."""

    def __init__(
        self,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        concepts: Callable[[str], list[str]] | None = None,
        stemmed: bool = True,
    ) -> None:
        self.k1 = k1
        self.b = b
        self.concepts = concepts
        self.stemmed = stemmed
        self.ids_: list[str] = []
        self._bm25: Any = None  # a bm25s.BM25 once fitted (bm25s ships no types)
        self._vocab: set[str] = set()

    def analyse(self, text: str, *, concepts: bool = True) -> list[str]:
        """The terms of ``text``; ``concepts=False`` leaves out the concept terms (the words alone)."""
        terms = tokens(text, stemmed=self.stemmed)
        if concepts and self.concepts is not None:
            terms += self.concepts(text)
        return terms

    def fit(
        self, ids: Sequence[str], texts: Sequence[str], *, memo: dict[str, list[str]] | None = None
    ) -> LexicalIndex:
        """Index ``texts`` under ``ids``. ``memo`` (text -> terms) keeps each text's analysis for the next fit
        with the same settings: a rebuild after a small change analyses only the new texts."""
        import bm25s

        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        if memo is None:
            corpus = [self.analyse(t) or ["\x00empty"] for t in texts]
        else:
            now: dict[str, list[str]] = {}
            for text in texts:
                if text not in now:
                    now[text] = memo.get(text) or self.analyse(text) or ["\x00empty"]
            memo.clear()  # keep exactly these texts for the next fit
            memo.update(now)
            corpus = [now[text] for text in texts]
        self.ids_ = list(ids)
        retriever = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        if corpus:
            retriever.index(corpus, show_progress=False)
        self._bm25 = retriever
        self._vocab = {t for doc in corpus for t in doc}
        return self

    def __len__(self) -> int:
        return len(self.ids_)

    def search(
        self, queries: Sequence[str], k: int, *, concepts: bool = True
    ) -> list[list[tuple[str, float]]]:
        """Per query the ``k`` best ``(id, score)`` with a positive score, best first, ties by id.

        ``concepts=False`` searches with the query's own words only, without the lexicon's concept terms."""
        if self._bm25 is None:
            raise RuntimeError("LexicalIndex.search called before fit")
        results: list[list[tuple[str, float]]] = []
        n = len(self.ids_)
        for query in queries:
            terms = [t for t in self.analyse(query, concepts=concepts) if t in self._vocab]
            if not terms or n == 0:
                results.append([])
                continue
            scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float64)
            results.append(self._top(scores, k))
        return results

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document (in ``ids_`` order) for one query."""
        if self._bm25 is None:
            raise RuntimeError("LexicalIndex.scores called before fit")
        terms = [t for t in self.analyse(query) if t in self._vocab]
        if not terms:
            return np.zeros(len(self.ids_))
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float64)

    def _top(self, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        take = min(k, positive.size)
        part = positive
        if take < positive.size:
            part = positive[np.argpartition(-scores[positive], take - 1)[:take]]
        # include every document tied with the k-th score, then order by (-score, id)
        threshold = scores[part].min()
        tied = positive[scores[positive] >= threshold]
        ranked = sorted(((self.ids_[i], float(scores[i])) for i in tied), key=lambda p: (-p[1], p[0]))
        return ranked[:k]

    def save(self, directory: Path) -> None:
        if self._bm25 is None:
            raise RuntimeError("LexicalIndex.save called before fit")
        directory.mkdir(parents=True, exist_ok=True)
        if self.ids_:
            self._bm25.save(str(directory / "bm25"), show_progress=False)
        (directory / "lexical.json").write_text(
            json.dumps({"ids": self.ids_, "k1": self.k1, "b": self.b, "vocab": sorted(self._vocab)}),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, directory: Path, *, concepts: Callable[[str], list[str]] | None = None) -> LexicalIndex:
        import bm25s

        meta = json.loads((directory / "lexical.json").read_text(encoding="utf-8"))
        index = cls(k1=meta["k1"], b=meta["b"], concepts=concepts)
        index.ids_ = list(meta["ids"])
        index._vocab = set(meta["vocab"])
        index._bm25 = (
            bm25s.BM25.load(str(directory / "bm25"), show_progress=False) if index.ids_ else bm25s.BM25()
        )
        return index
