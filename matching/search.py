"""From a buyer's needs to ranked, explained IKMs.

Candidates come from three retrievers over products: dense (FAISS), lexical (BM25 with lexicon concepts) and
the lexicon itself (products whose material and type are exactly those asked for). Product hits are grouped
per IKM, turned into named features, scored by the ranker, and constraint handling decides what infeasible
IKMs do: ``penalty`` (default; they sink below feasible ones but stay visible), ``filter`` (dropped) or
``ignore``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol

import numpy as np
from threadpoolctl import ThreadpoolController

from matching.catalogue import Catalogue
from matching.embed import Encoder
from matching.features import FEATURE_NAMES, PairEvidence, build_features
from matching.lexical import LexicalIndex
from matching.lexicon import Lexicon
from matching.query import BuyerNeeds

__all__ = ["ConstraintMode", "Match", "Ranker", "Searcher"]

ConstraintMode = Literal["penalty", "filter", "ignore"]
_FEASIBLE = FEATURE_NAMES.index("feasible")
_JOINT = FEATURE_NAMES.index("joint_max")
_CONSTRAINTS = [
    FEATURE_NAMES.index(n)
    for n in ("capacity_ok", "moq_ok", "certs_ok", "province_ok", "price_ok", "lead_time_ok")
]


class Ranker(Protocol):
    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def contributions(self, row: np.ndarray, score: float) -> dict[str, float]: ...


class DenseIndex(Protocol):
    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]: ...

    def vectors(self, ids: Sequence[str]) -> np.ndarray: ...


@dataclass
class Match:
    """One ranked IKM for one buyer."""

    ikm_id: str
    rank: int
    score: float
    features: dict[str, float]
    contributions: dict[str, float]
    evidence: PairEvidence


class Searcher:
    """Ranks IKMs of a :class:`Catalogue` for buyer needs. Holds no state between queries."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        encoder: Encoder,
        dense: DenseIndex,
        lexical: LexicalIndex,
        ranker: Ranker,
        lex: Lexicon,
        constraint_mode: ConstraintMode = "penalty",
        fetch_factor: int = 5,
        max_concept_candidates: int = 150,
    ) -> None:
        self.catalogue = catalogue
        self.encoder = encoder
        self.dense = dense
        self.lexical = lexical
        self.ranker = ranker
        self.lex = lex
        self.constraint_mode = constraint_mode
        self.fetch_factor = fetch_factor
        self.max_concept_candidates = max_concept_candidates
        # products by row: their vectors as one matrix (cosines of any subset are one product), their IKM,
        # and for each lexicon concept the rows that carry it
        self._pids = list(catalogue.products)
        self._matrix = dense.vectors(self._pids) if self._pids else np.zeros((0, 1), dtype=np.float32)
        ikm_ids = sorted(catalogue.ikms)
        self._ikm_ids = np.array(ikm_ids, dtype=object)
        position = {ikm: i for i, ikm in enumerate(ikm_ids)}
        row_of = {pid: i for i, pid in enumerate(self._pids)}
        self._ikm_of_row = np.array(
            [position[catalogue.products[p].ikm_id] for p in self._pids], dtype=np.int64
        )
        self._rows_of_ikm = [
            np.array([row_of[p] for p in catalogue.ikms[i].product_ids], dtype=np.int64) for i in ikm_ids
        ]
        by_concept: dict[tuple[str, str], list[int]] = defaultdict(list)
        for row, pid in enumerate(self._pids):
            product = catalogue.products[pid]
            for material in product.materials:
                by_concept[("material", material)].append(row)
            for kind in product.products:
                by_concept[("product", kind)].append(row)
        self._by_concept = {key: np.array(rows, dtype=np.int64) for key, rows in by_concept.items()}

    # -- retrieval -------------------------------------------------------------------------------------

    def _rows(self, kind: str, concepts: Sequence[str]) -> np.ndarray:
        arrays = [self._by_concept[(kind, c)] for c in concepts if (kind, c) in self._by_concept]
        if len(arrays) == 1:
            return arrays[0]  # already sorted and unique
        return np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)

    def _concept_rows(self, needs: BuyerNeeds) -> np.ndarray:
        """Rows of products whose material and product type are exactly those asked for."""
        materials = self._rows("material", needs.materials)
        types = self._rows("product", needs.products)
        if needs.materials and needs.products:
            return np.intersect1d(materials, types, assume_unique=True)
        return materials if needs.materials else types

    def candidates(
        self, needs: BuyerNeeds, query_vector: np.ndarray, k: int
    ) -> tuple[list[str], dict[str, float], dict[str, float]]:
        """Candidate IKM ids, the query's cosine with every product of them, and the BM25 hits."""
        fetch = max(50, k * self.fetch_factor)
        dense_hits = self.dense.search(query_vector.reshape(1, -1), fetch)[0]
        bm25_hits = dict(self.lexical.search([needs.text], fetch)[0])
        products = self.catalogue.products
        ikm_ids = {products[pid].ikm_id for pid, _ in dense_hits if pid in products}
        ikm_ids.update(products[pid].ikm_id for pid in bm25_hits if pid in products)
        rows = self._concept_rows(needs)
        if rows.size:
            # every IKM with an exact material + product-type match is a candidate; the best by cosine
            # when there are too many
            order = rows[np.argsort(-(self._matrix[rows] @ query_vector), kind="stable")]
            owners = self._ikm_of_row[order]
            _, first = np.unique(owners, return_index=True)
            best = owners[np.sort(first)][: self.max_concept_candidates]
            ikm_ids.update(self._ikm_ids[best].tolist())
        ordered = sorted(ikm_ids)
        positions = np.searchsorted(self._ikm_ids, np.array(ordered, dtype=object)) if ordered else []
        product_rows = (
            np.concatenate([self._rows_of_ikm[i] for i in positions])
            if ordered
            else np.zeros(0, dtype=np.int64)
        )
        cosines = (self._matrix[product_rows] @ query_vector).tolist()
        product_ids = [self._pids[r] for r in product_rows.tolist()]
        return ordered, dict(zip(product_ids, cosines, strict=True)), bm25_hits

    # -- ranking ---------------------------------------------------------------------------------------

    def rank(self, needs: BuyerNeeds, k: int = 10, *, query_vector: np.ndarray | None = None) -> list[Match]:
        """The ``k`` best IKMs for ``needs``, best first; ties broken by IKM id.

        BLAS runs single-threaded meanwhile: one query's matrix products are small, and idle BLAS threads
        spinning on the second core slowed the encoder by a third (measured at 100k products).
        """
        with _blas().limit(limits=1, user_api="blas"):
            return self._rank(needs, k, query_vector)

    def _rank(self, needs: BuyerNeeds, k: int, query_vector: np.ndarray | None) -> list[Match]:
        if query_vector is None:
            query_vector = self.encoder.encode_queries([needs.text])[0]
        ikm_ids, dense, bm25 = self.candidates(needs, query_vector, k)
        return self._order(needs, ikm_ids, dense, bm25, k)

    def score(
        self, needs: BuyerNeeds, ikm_ids: Sequence[str], *, query_vector: np.ndarray | None = None
    ) -> list[Match]:
        """Every IKM of ``ikm_ids`` (that the catalogue knows) scored for ``needs``, best first.

        For event planning, where the participants are given rather than retrieved.
        """
        with _blas().limit(limits=1, user_api="blas"):
            if query_vector is None:
                query_vector = self.encoder.encode_queries([needs.text])[0]
            ordered = sorted(set(ikm_ids) & set(self.catalogue.ikms))
            if not ordered:
                return []
            positions = np.searchsorted(self._ikm_ids, np.array(ordered, dtype=object))
            rows = np.concatenate([self._rows_of_ikm[i] for i in positions])
            dense = dict(
                zip(
                    (self._pids[r] for r in rows.tolist()),
                    (self._matrix[rows] @ query_vector).tolist(),
                    strict=True,
                )
            )
            fetch = max(50, 10 * self.fetch_factor)
            bm25 = dict(self.lexical.search([needs.text], fetch)[0])
            return self._order(needs, ordered, dense, bm25, len(ordered))

    def _order(
        self,
        needs: BuyerNeeds,
        ikm_ids: list[str],
        dense: dict[str, float],
        bm25: dict[str, float],
        k: int,
    ) -> list[Match]:
        """Features, ranker scores and constraint handling for the given IKMs; the ``k`` best first."""
        if not ikm_ids:
            return []
        matrix, evidence = build_features(needs, ikm_ids, self.catalogue, dense, bm25, self.lex)
        scored = matrix
        if self.constraint_mode == "ignore":
            scored = matrix.copy()
            scored[:, _CONSTRAINTS] = 0.5
            scored[:, _FEASIBLE] = 1.0
        raw = np.asarray(self.ranker.predict(scored), dtype=np.float64)
        feasible = matrix[:, _FEASIBLE] > 0.5
        keep = np.flatnonzero(feasible) if self.constraint_mode == "filter" else np.arange(len(ikm_ids))
        scores = (
            _sink_infeasible(raw, feasible, matrix[:, _JOINT]) if self.constraint_mode == "penalty" else raw
        )
        order = sorted(keep, key=lambda i: (-scores[i], -raw[i], ikm_ids[i]))[:k]
        return [
            Match(
                ikm_id=ikm_ids[i],
                rank=rank,
                score=float(scores[i]),
                features=dict(zip(FEATURE_NAMES, map(float, matrix[i]), strict=True)),
                contributions=self.ranker.contributions(scored[i], float(raw[i])),
                evidence=evidence[i],
            )
            for rank, i in enumerate(order, start=1)
        ]

    def rank_many(self, needs: Sequence[BuyerNeeds], k: int = 10) -> list[list[Match]]:
        vectors = self.encoder.encode_queries([n.text for n in needs]) if needs else np.zeros((0, 1))
        return [self.rank(n, k, query_vector=v) for n, v in zip(needs, vectors, strict=True)]

    def training_rows(
        self, needs: BuyerNeeds, k: int, *, query_vector: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        """Every candidate IKM of ``needs`` with its feature row: what a learned ranker trains on."""
        ikm_ids, dense, bm25 = self.candidates(needs, query_vector, k)
        matrix, _ = build_features(needs, ikm_ids, self.catalogue, dense, bm25, self.lex)
        return ikm_ids, matrix

    # -- baselines (same candidates' products, one signal each) -----------------------------------------

    def dense_only(self, query_vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """IKMs by their best product's cosine: the dense-only baseline."""
        hits = self.dense.search(query_vector.reshape(1, -1), k * self.fetch_factor)[0]
        return _best_per_ikm(hits, self.catalogue, k)


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _sink_infeasible(scores: np.ndarray, feasible: np.ndarray, joint: np.ndarray) -> np.ndarray:
    """Cap each infeasible IKM's score just below every feasible IKM that matches at least as well.

    "As well" is the lexicon match of product type and material (``joint_max``), so a rattan-basket maker
    that lacks capacity still ranks above an unrelated IKM that has it, but below every feasible
    rattan-basket maker.
    """
    adjusted = scores.copy()
    if feasible.all() or not feasible.any():
        return adjusted
    for level in np.unique(joint[~feasible]):  # few distinct match levels (0, 0.25, 0.5, 1)
        peers = feasible & (joint >= level)
        if peers.any():
            rows = ~feasible & (joint == level)
            adjusted[rows] = np.minimum(scores[rows], float(scores[peers].min()) - 1e-6)
    return adjusted


def _best_per_ikm(hits: Sequence[tuple[str, float]], catalogue: Catalogue, k: int) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for pid, score in hits:
        product = catalogue.products.get(pid)
        if product is not None and score > best.get(product.ikm_id, -np.inf):
            best[product.ikm_id] = score
    return sorted(best.items(), key=lambda p: (-p[1], p[0]))[:k]


def lexical_only(lexical: LexicalIndex, catalogue: Catalogue, text: str, k: int) -> list[tuple[str, float]]:
    """IKMs by their best product's BM25: the lexical-only baseline."""
    return _best_per_ikm(lexical.search([text], k * 10)[0], catalogue, k)
