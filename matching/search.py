"""From a buyer's needs to ranked, explained IKMs.

Candidates come from three retrievers over products: dense (FAISS), lexical (BM25 with lexicon concepts) and
the lexicon itself (products whose material and type are exactly those asked for). Product hits are grouped
per IKM, turned into named features, scored by the ranker, and constraint handling decides what infeasible
IKMs do: ``penalty`` (default; they sink below feasible ones but stay visible), ``filter`` (dropped) or
``ignore``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

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

    def contributions(self, row: np.ndarray) -> dict[str, float]: ...


class DenseIndex(Protocol):
    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]: ...


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
        vectors_of: Callable[[Sequence[str]], np.ndarray],
        lexical: LexicalIndex,
        ranker: Ranker,
        lex: Lexicon,
        constraint_mode: ConstraintMode = "penalty",
        fetch_factor: int = 10,
        max_concept_candidates: int = 400,
    ) -> None:
        self.catalogue = catalogue
        self.encoder = encoder
        self.dense = dense
        self.vectors_of = vectors_of
        self.lexical = lexical
        self.ranker = ranker
        self.lex = lex
        self.constraint_mode = constraint_mode
        self.fetch_factor = fetch_factor
        self.max_concept_candidates = max_concept_candidates
        self._by_concept: dict[tuple[str, str], list[str]] = defaultdict(list)
        for pid, product in catalogue.products.items():
            for material in product.materials:
                self._by_concept[("material", material)].append(pid)
            for kind in product.products:
                self._by_concept[("product", kind)].append(pid)

    # -- retrieval -------------------------------------------------------------------------------------

    def _concept_hits(self, needs: BuyerNeeds) -> set[str]:
        by_material = {p for c in needs.materials for p in self._by_concept.get(("material", c), [])}
        by_type = {p for c in needs.products for p in self._by_concept.get(("product", c), [])}
        if needs.materials and needs.products:
            return by_material & by_type
        return by_material or by_type

    def candidates(
        self, needs: BuyerNeeds, query_vector: np.ndarray, k: int
    ) -> tuple[list[str], dict[str, float], dict[str, float]]:
        """Candidate IKM ids, the query's cosine with every product of them, and the BM25 hits."""
        fetch = max(50, k * self.fetch_factor)
        dense_hits = self.dense.search(query_vector.reshape(1, -1), fetch)[0]
        bm25_hits = dict(self.lexical.search([needs.text], fetch)[0])
        pool = {pid for pid, _ in dense_hits} | set(bm25_hits)
        concept = self._concept_hits(needs)
        products = self.catalogue.products
        ikm_ids = {products[pid].ikm_id for pid in pool if pid in products}
        concept_ikms = {products[pid].ikm_id for pid in concept if pid in products}
        if len(concept_ikms) > self.max_concept_candidates:
            concept_ikms = set(sorted(concept_ikms)[: self.max_concept_candidates])
        ikm_ids |= concept_ikms
        ordered = sorted(ikm_ids)
        product_ids = [pid for i in ordered for pid in self.catalogue.ikms[i].product_ids]
        cosines = self.vectors_of(product_ids) @ query_vector if product_ids else np.zeros(0)
        return ordered, dict(zip(product_ids, map(float, cosines), strict=True)), bm25_hits

    # -- ranking ---------------------------------------------------------------------------------------

    def rank(self, needs: BuyerNeeds, k: int = 10, *, query_vector: np.ndarray | None = None) -> list[Match]:
        """The ``k`` best IKMs for ``needs``, best first; ties broken by IKM id."""
        if query_vector is None:
            query_vector = self.encoder.encode_queries([needs.text])[0]
        ikm_ids, dense, bm25 = self.candidates(needs, query_vector, k)
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
                contributions=self.ranker.contributions(matrix[i]),
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


def _sink_infeasible(scores: np.ndarray, feasible: np.ndarray, joint: np.ndarray) -> np.ndarray:
    """Cap each infeasible IKM's score just below every feasible IKM that matches at least as well.

    "As well" is the lexicon match of product type and material (``joint_max``), so a rattan-basket maker
    that lacks capacity still ranks above an unrelated IKM that has it, but below every feasible
    rattan-basket maker.
    """
    adjusted = scores.copy()
    if feasible.all() or not feasible.any():
        return adjusted
    for i in np.flatnonzero(~feasible):
        peers = feasible & (joint >= joint[i])
        if peers.any():
            adjusted[i] = min(scores[i], float(scores[peers].min()) - 1e-6)
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
