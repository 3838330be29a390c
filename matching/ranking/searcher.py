"""From a buyer's needs to ranked, explained IKMs.

Candidates come from three retrievers over products: dense (FAISS), lexical (BM25 with lexicon concepts) and
the lexicon itself (products whose material and type are exactly those asked for). Product hits are grouped
per IKM, turned into named features, scored by the ranker, and constraint handling decides what infeasible
IKMs do: ``penalty`` (default; they sink below feasible ones but stay visible), ``filter`` (dropped) or
``ignore``.

Per search, ``hard=True`` makes every stated requirement a hard filter: an IKM that fails any of them
(capacity, minimum order, certificates, province, price, lead time) is dropped, whatever the mode; an IKM
whose number is unknown stays (nothing says it fails). ``hard=False`` (soft, the default) leaves the
requirements to re-rank as the mode says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple, Protocol

import numpy as np
from threadpoolctl import ThreadpoolController

from matching.ranking.feature_table import FeatureTable
from matching.ranking.features import FEATURE_NAMES, PairEvidence, build_features, pair_evidence
from matching.retrieval.bm25 import LexicalIndex
from matching.retrieval.documents import Catalogue
from matching.retrieval.encoders import Encoder
from matching.retrieval.lexicon import Lexicon
from matching.retrieval.query import BuyerNeeds

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

    def matrix(self, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]: ...


class _Candidates(NamedTuple):
    """What :meth:`Searcher.candidates` found: IKM ids (sorted) and per product the signals of each."""

    ikm_ids: list[str]
    dense: dict[str, float]  # cosine of every product of the candidates
    bm25: dict[str, float]  # BM25 hits (with the lexicon's concept terms)
    text: dict[str, float]  # BM25 hits of the query's own words
    second: dict[str, float] | None  # the second encoder's cosine of every product, or None
    positions: np.ndarray  # the candidates' positions in the feature table
    cosines: np.ndarray  # ``dense`` as an array, in the feature table's order of their products
    second_cosines: np.ndarray | None  # ``second`` likewise


class _Ranking(NamedTuple):
    """Ranker scores and constraint handling of a feature matrix."""

    order: np.ndarray  # rows kept, best first
    scores: np.ndarray  # per row, after constraint handling
    raw: np.ndarray  # per row, the ranker's
    seen: np.ndarray  # the feature rows the ranker saw


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
    """Ranks IKMs of a :class:`Catalogue` for buyer needs.

    Holds no state between queries, but for a cache of the last IKM set scored (see :meth:`score`).
    """

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
        second: tuple[Encoder, DenseIndex] | None = None,
        rescore_top: int = 200,
    ) -> None:
        self.catalogue = catalogue
        self.encoder = encoder
        self.dense = dense
        self.lexical = lexical
        self.ranker = ranker
        self.model_version = "weights"  # the ranker's version label and what it was resolved from
        self.ranker_spec = "weights"
        self.index_version: str | None = None  # the saved version of the dense index, when it was saved
        self.lex = lex
        self.constraint_mode = constraint_mode
        self.fetch_factor = fetch_factor
        self.max_concept_candidates = max_concept_candidates
        # a learned ranker over the hand-set prior corrects only the rows the prior puts in this many first;
        # the others keep the calibrated prior (event planning scores every IKM for every buyer: 2,000 rows)
        self.rescore_top = rescore_top
        # products by row: their vectors as one matrix (cosines of any subset are one product), their IKM,
        # and for each lexicon concept the rows that carry it
        self._pids = list(catalogue.products)
        # the index's own storage where it can lend it (HNSW), and each product's row in it
        self._matrix, self._dense_row = dense.matrix(self._pids)
        # the second encoder (USE): its index adds candidates, its cosines join the text evidence
        self.second = second
        self._second_matrix: np.ndarray | None = None
        second_row: np.ndarray | None = None
        if second is not None:
            self._second_matrix, second_row = second[1].matrix(self._pids)
        ikm_ids = sorted(catalogue.ikms)
        self._ikm_ids = np.array(ikm_ids, dtype=object)
        position = {ikm: i for i, ikm in enumerate(ikm_ids)}
        row_of = {pid: i for i, pid in enumerate(self._pids)}
        self._ikm_of_row = np.array(
            [position[catalogue.products[p].ikm_id] for p in self._pids], dtype=np.int64
        )
        # the features of many IKMs at once, and each of its products' row in the vector matrix
        self._table = FeatureTable(catalogue, lex)
        # the table's products' rows in each matrix
        table_rows = np.array([row_of[p] for p in self._table.product_ids], dtype=np.int64)
        self._vector_row = self._dense_row[table_rows]
        self._second_vector_row = second_row[table_rows] if second_row is not None else table_rows
        self._last_participants: (
            tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None
        ) = None
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

    def second_vector(self, text: str) -> np.ndarray | None:
        """The second encoder's query vector of ``text`` (None without a second encoder)."""
        return None if self.second is None else self.second[0].encode_queries([text])[0]

    def candidates(
        self,
        needs: BuyerNeeds,
        query_vector: np.ndarray,
        k: int,
        *,
        extra: Collection[str] = (),
        second_vector: np.ndarray | None = None,
    ) -> _Candidates:
        """Candidate IKM ids, the query's cosine with every product of them, the BM25 hits, the BM25 hits
        of the query's own words (no concept terms: what carries a query the lexicon cannot read), and the
        second encoder's cosines with every product of them (None without a second encoder; its vector is
        computed from ``needs.text`` when not given).

        ``extra`` IKMs join the candidates when they are in the catalogue (a pair that met at an event
        although this search would not have proposed it)."""
        fetch = max(50, k * self.fetch_factor)
        dense_hits = self.dense.search(query_vector.reshape(1, -1), fetch)[0]
        bm25_hits = dict(self.lexical.search([needs.text], fetch)[0])
        text_hits = dict(self.lexical.search([needs.text], fetch, concepts=False)[0])
        products = self.catalogue.products
        ikm_ids = {products[pid].ikm_id for pid, _ in dense_hits if pid in products}
        ikm_ids.update(products[pid].ikm_id for pid in bm25_hits if pid in products)
        ikm_ids.update(products[pid].ikm_id for pid in text_hits if pid in products)
        if self.second is not None:
            second_vector = self.second_vector(needs.text) if second_vector is None else second_vector
            assert second_vector is not None  # there is a second encoder
            second_hits = self.second[1].search(second_vector.reshape(1, -1), fetch)[0]
            ikm_ids.update(products[pid].ikm_id for pid, _ in second_hits if pid in products)
        rows = self._concept_rows(needs)
        if rows.size:
            # every IKM with an exact material + product-type match is a candidate; the best by cosine
            # when there are too many
            order = rows[np.argsort(-(self._matrix[self._dense_row[rows]] @ query_vector), kind="stable")]
            owners = self._ikm_of_row[order]
            _, first = np.unique(owners, return_index=True)
            best = owners[np.sort(first)][: self.max_concept_candidates]
            ikm_ids.update(self._ikm_ids[best].tolist())
        ikm_ids.update(i for i in extra if i in self.catalogue.ikms)
        ordered = sorted(ikm_ids)
        positions: np.ndarray | list[int] = (
            np.searchsorted(self._ikm_ids, np.array(ordered, dtype=object)) if ordered else []
        )
        at = np.asarray(positions, dtype=np.int64)
        product_rows = self._table.product_rows(at)
        cosines = self._matrix[self._vector_row[product_rows]] @ query_vector
        product_ids = [self._table.product_ids[r] for r in product_rows.tolist()]
        second, second_cosines = None, None
        if self._second_matrix is not None and second_vector is not None:
            second_cosines = self._second_matrix[self._second_vector_row[product_rows]] @ second_vector
            second = dict(zip(product_ids, second_cosines.tolist(), strict=True))
        dense = dict(zip(product_ids, cosines.tolist(), strict=True))
        return _Candidates(ordered, dense, bm25_hits, text_hits, second, at, cosines, second_cosines)

    # -- ranking ---------------------------------------------------------------------------------------

    def rank(
        self,
        needs: BuyerNeeds,
        k: int = 10,
        *,
        query_vector: np.ndarray | None = None,
        hard: bool = False,
        second_vector: np.ndarray | None = None,
    ) -> list[Match]:
        """The ``k`` best IKMs for ``needs``, best first; ties broken by IKM id. ``hard``: drop IKMs that
        fail a stated requirement (see the module docstring).

        BLAS runs single-threaded meanwhile: one query's matrix products are small, and idle BLAS threads
        spinning on the second core slowed the encoder by a third (measured at 100k products).
        """
        with _blas().limit(limits=1, user_api="blas"):
            if query_vector is None:
                query_vector = self.encoder.encode_queries([needs.text])[0]
            found = self.candidates(needs, query_vector, k, second_vector=second_vector)
            return self._order(needs, found, k, hard)

    def score(
        self,
        needs: BuyerNeeds,
        ikm_ids: Sequence[str],
        *,
        k: int | None = None,
        query_vector: np.ndarray | None = None,
        all_scores: dict[str, float] | None = None,
        second_vector: np.ndarray | None = None,
    ) -> list[Match]:
        """The IKMs of ``ikm_ids`` (those the catalogue knows) scored for ``needs``: the ``k`` best, or all.

        ``all_scores``, when given, is filled with the score of every IKM scored (not only the ``k``
        returned), at no extra cost: event planning uses it to find each IKM's best buyers.

        For event planning, where the participants are given rather than retrieved. Every IKM is scored:
        the features of all of them at once by :class:`~matching.ranking.feature_table.FeatureTable` (equal to
        ``build_features``'), then the ranker and the constraint handling; only the IKMs returned get their
        evidence. Features, scores and order are those of the ranking path (:meth:`rank`) when its
        retrieval finds exactly these IKMs and fetches as many BM25 hits (``max(50, 10 * fetch_factor)``).
        """
        with _blas().limit(limits=1, user_api="blas"):
            if query_vector is None:
                query_vector = self.encoder.encode_queries([needs.text])[0]
            table = self._table
            positions, products, vectors, second_vectors = self._participants(ikm_ids)
            if not positions.size:
                return []
            cosines = vectors @ query_vector
            second = None
            if second_vectors is not None:
                if second_vector is None:
                    second_vector = self.second_vector(needs.text)
                second = second_vectors @ second_vector
            fetch = max(50, 10 * self.fetch_factor)
            bm25 = dict(self.lexical.search([needs.text], fetch)[0])
            text = dict(self.lexical.search([needs.text], fetch, concepts=False)[0])
            matrix = table.matrix(needs, positions, cosines, bm25, text, second)
            ranking = self._ranking(matrix)
            if all_scores is not None:  # the rows kept (all but filtered-out infeasible ones), with scores
                kept = ranking.order.tolist()
                ids = [self._table.ikm_ids[i] for i in positions[ranking.order].tolist()]
                all_scores.update(zip(ids, ranking.scores[kept].tolist(), strict=True))
            top = ranking.order[:k] if k is not None else ranking.order
            # evidence of the IKMs shown, from their products' cosines as computed above
            shown = table.product_rows(positions[top])
            dense = dict(
                zip(
                    (table.product_ids[r] for r in shown.tolist()),
                    cosines[np.searchsorted(products, shown)].tolist(),
                    strict=True,
                )
            )
            shown_ids = [table.ikm_ids[i] for i in positions[top].tolist()]
            evidence = pair_evidence(needs, shown_ids, self.catalogue, dense, self.lex)
            return self._matches(shown_ids, matrix, ranking, top, evidence)

    def _participants(
        self, ikm_ids: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Positions of the IKMs, rows of their products in the feature table and the products' vectors
        (the encoder's, and the second encoder's or None).

        Kept for the last set of IKMs: event planning scores the same IKMs for every buyer, and gathering
        thousands of vectors costs ten times the matrix-vector product itself.
        """
        key = tuple(ikm_ids)
        last = self._last_participants
        if last is None or last[0] != key:
            positions = self._table.positions(key)
            products = self._table.product_rows(positions)
            vectors = self._matrix[self._vector_row[products]]
            second = None
            if self._second_matrix is not None:
                second = self._second_matrix[self._second_vector_row[products]]
                second.flags.writeable = False
            for array in (positions, products, vectors):
                array.flags.writeable = False
            last = self._last_participants = (key, positions, products, vectors, second)
        return last[1], last[2], last[3], last[4]

    def _order(self, needs: BuyerNeeds, found: _Candidates, k: int, hard: bool = False) -> list[Match]:
        """Features, ranker scores and constraint handling of the candidates; the k best first.

        The features of all candidates come from the feature table at once (equal to ``build_features``'),
        the evidence only for the ``k`` shown."""
        ikm_ids = found.ikm_ids
        if not ikm_ids:
            return []
        matrix = self._table.matrix(
            needs, found.positions, found.cosines, found.bm25, found.text, found.second_cosines
        )
        ranking = self._ranking(matrix, hard=hard)
        top = ranking.order[:k]
        shown = [ikm_ids[i] for i in top.tolist()]
        evidence = pair_evidence(needs, shown, self.catalogue, found.dense, self.lex)
        return self._matches(shown, matrix, ranking, top, evidence)

    def _ranking(self, matrix: np.ndarray, *, hard: bool = False) -> _Ranking:
        """Ranker scores and constraint handling of feature rows given in IKM-id order."""
        seen = matrix
        if self.constraint_mode == "ignore":
            seen = matrix.copy()
            seen[:, _CONSTRAINTS] = 0.5
            seen[:, _FEASIBLE] = 1.0
        # OpenMP (the learned ranker's predictor) single-threaded too: per query the work is small, and
        # with the other core busy its spinning threads made predict ~100x slower (measured, 2 cores)
        with _blas().limit(limits=1, user_api="openmp"):
            predict_top = getattr(self.ranker, "predict_top", None)  # it predicts every row when few
            scored = predict_top(seen, self.rescore_top) if predict_top else self.ranker.predict(seen)
            raw = np.asarray(scored, dtype=np.float64)
        feasible = matrix[:, _FEASIBLE] > 0.5
        keep = np.flatnonzero(feasible) if self.constraint_mode == "filter" else np.arange(len(matrix))
        if hard:  # a constraint feature is 0 only when the requirement is stated and fails
            keep = keep[(matrix[keep][:, _CONSTRAINTS] > 0.0).all(axis=1)]
        scores = (
            _sink_infeasible(raw, feasible, matrix[:, _JOINT]) if self.constraint_mode == "penalty" else raw
        )
        # best first: by score, then raw score, then IKM id (the row order)
        order = keep[np.lexsort((keep, -raw[keep], -scores[keep]))]
        return _Ranking(order, scores, raw, seen)

    def _matches(
        self,
        ikm_ids: Sequence[str],
        matrix: np.ndarray,
        ranking: _Ranking,
        top: np.ndarray,
        evidence: Sequence[PairEvidence],
    ) -> list[Match]:
        """Matches of the rows ``top`` (best first); ``ikm_ids`` and ``evidence`` are theirs, in order."""
        rows = zip(top.tolist(), ikm_ids, evidence, strict=True)
        return [
            Match(
                ikm_id=ikm_id,
                rank=rank,
                score=float(ranking.scores[i]),
                features=dict(zip(FEATURE_NAMES, map(float, matrix[i]), strict=True)),
                contributions=self.ranker.contributions(ranking.seen[i], float(ranking.raw[i])),
                evidence=proof,
            )
            for rank, (i, ikm_id, proof) in enumerate(rows, start=1)
        ]

    def _features(self, needs: BuyerNeeds, found: _Candidates) -> tuple[np.ndarray, list[PairEvidence]]:
        return build_features(
            needs, found.ikm_ids, self.catalogue, found.dense, found.bm25, self.lex, found.text, found.second
        )

    def rank_many(
        self, needs: Sequence[BuyerNeeds], k: int = 10, *, hard: Sequence[bool] | None = None
    ) -> list[list[Match]]:
        """:meth:`rank` for each of ``needs`` (one encoder batch); ``hard`` per needs (default: all soft)."""
        return list(self.rank_each(needs, k, hard=hard))

    def rank_each(
        self, needs: Sequence[BuyerNeeds], k: int = 10, *, hard: Sequence[bool] | None = None
    ) -> Iterator[list[Match]]:
        """:meth:`rank_many`, each ranking given as soon as it is done (the service answers each search
        then, instead of after the whole batch)."""
        texts = [n.text for n in needs]
        vectors = self.encoder.encode_queries(texts) if needs else np.zeros((0, 1))
        seconds: Sequence[np.ndarray | None] = [None] * len(needs)
        if self.second is not None and needs:
            seconds = list(self.second[0].encode_queries(texts))
        modes = list(hard) if hard is not None else [False] * len(needs)
        for n, v, h, s in zip(needs, vectors, modes, seconds, strict=True):
            yield self.rank(n, k, query_vector=v, hard=h, second_vector=s)

    def training_rows(
        self,
        needs: BuyerNeeds,
        k: int,
        *,
        query_vector: np.ndarray,
        extra: Collection[str] = (),
        second_vector: np.ndarray | None = None,
    ) -> tuple[list[str], np.ndarray]:
        """Every candidate IKM of ``needs`` (and the ``extra`` ones) with its feature row: what a learned
        ranker trains on."""
        found = self.candidates(needs, query_vector, k, extra=extra, second_vector=second_vector)
        matrix, _ = self._features(needs, found)
        return found.ikm_ids, matrix

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
