"""The feature matrix of :func:`~matching.ranking.features.build_features` for thousands of IKMs at once, in
numpy.

Event planning scores every (buyer, IKM) pair of an event, thousands of IKMs per buyer. A
:class:`FeatureTable` is built once per catalogue: the products grouped by IKM (IKMs by id, each IKM's
products in catalogue order) with their concept sets as ids into the catalogue's few distinct sets and their
prices, and per IKM the numbers the constraints compare (capacity, MOQ, lead time, province, certificates,
stars, exports). Per query each distinct concept set is matched with the lexicon once, and every feature is
an array operation over products or IKMs (per-IKM maxima with ``reduceat``, per-IKM orders with ``lexsort``).

:meth:`FeatureTable.matrix` equals ``build_features(...)[0]`` row for row, conventions included (unknown or
not asked -> 0.5, ``dense_gap`` against the best of the scored IKMs, the cheapest price among the exact
matches or else the three best products ordered by (-joint, -cosine, product id)). The evidence that
explanations show comes from :func:`~matching.ranking.features.pair_evidence`, for the few IKMs shown.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np

from matching.ranking.features import FEATURE_NAMES, concept_match, relative_columns
from matching.retrieval.documents import Catalogue
from matching.retrieval.lexicon import Lexicon
from matching.retrieval.query import BuyerNeeds

__all__ = ["FeatureTable"]

H = TypeVar("H", bound=Hashable)
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}
_MEMO_SIZE = 4096


def _intern(values: Iterable[H]) -> tuple[dict[H, int], np.ndarray]:
    """The distinct values (each with its code) and, for each input, its code."""
    index: dict[H, int] = {}
    codes = np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)
    return index, codes


def _optional(values: Iterable[int | None]) -> np.ndarray:
    """Numbers as float64, ``None`` as NaN."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _flag(ok: np.ndarray, known: np.ndarray | bool, *, asked: bool) -> np.ndarray:
    """1 met, 0 unmet, 0.5 unknown or not asked (``features._as_value`` for every IKM at once)."""
    if not asked:
        return np.full(ok.shape, 0.5)
    return np.where(known, ok.astype(np.float64), 0.5)


def _log_ratio(capacity: int, quantity: int) -> float:
    """``capacity_ratio`` as build_features computes it."""
    return max(-3.0, min(3.0, math.log((capacity + 1) / quantity)))


class FeatureTable:
    """Per-catalogue arrays from which :meth:`matrix` computes feature rows of any set of IKMs."""

    def __init__(self, catalogue: Catalogue, lex: Lexicon) -> None:
        self.lex = lex
        self.ikm_ids: list[str] = sorted(catalogue.ikms)
        self._position = {ikm_id: i for i, ikm_id in enumerate(self.ikm_ids)}
        profiles = [catalogue.ikms[i] for i in self.ikm_ids]
        # products, grouped by IKM: the IKM at position i owns rows start[i] : start[i] + count[i]
        self.product_ids: list[str] = [pid for p in profiles for pid in p.product_ids]
        self._count = np.array([len(p.product_ids) for p in profiles], dtype=np.int64)
        self._start = np.cumsum(self._count) - self._count
        products = [catalogue.products[pid] for pid in self.product_ids]
        material_sets, self._material_of = _intern(p.materials for p in products)
        type_sets, self._type_of = _intern(p.products for p in products)
        self._sets = {"material": list(material_sets), "product": list(type_sets)}
        self._price = _optional(p.price_idr for p in products)
        by_id = sorted(range(len(products)), key=self.product_ids.__getitem__)
        self._id_rank = np.empty(len(products), dtype=np.int64)
        self._id_rank[by_id] = np.arange(len(products))
        self._row_of = {pid: row for row, pid in enumerate(self.product_ids)}
        ikms = [p.ikm for p in profiles]
        # capacities also as codes of distinct values: log ratios are taken once per value, with math.log
        capacities, self._capacity_code = _intern(i.capacity_per_month for i in ikms)
        self._capacities = list(capacities)
        self._capacity = _optional(i.capacity_per_month for i in ikms)
        self._moq = _optional(i.min_order_qty for i in ikms)
        self._lead = _optional(i.lead_time_days for i in ikms)
        self._province_code, self._province = _intern(i.province for i in ikms)
        self._stars = np.array([(i.ovop_stars or 0) / 5.0 for i in ikms], dtype=np.float64)
        self._exporter = np.array([1.0 if i.export_markets else 0.0 for i in ikms], dtype=np.float64)
        self._certified: dict[str, np.ndarray] = {}
        for n, profile in enumerate(profiles):
            for cert in profile.certifications:
                self._certified.setdefault(cert, np.zeros(len(profiles), dtype=bool))[n] = True
        self._log1p = np.array([math.log1p(n) for n in range(int(self._count.max(initial=0)) + 1)])
        self._memo: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    # -- selection -------------------------------------------------------------------------------------

    def positions(self, ikm_ids: Iterable[str]) -> np.ndarray:
        """Positions (sorted, so in IKM-id order) of the distinct ``ikm_ids`` the catalogue knows."""
        known = {self._position[i] for i in ikm_ids if i in self._position}
        return np.array(sorted(known), dtype=np.int64)

    def product_rows(self, positions: np.ndarray) -> np.ndarray:
        """Rows (into :attr:`product_ids`) of the products of the IKMs at ``positions``, IKM by IKM."""
        counts = self._count[positions]
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        # each product's row: its IKM's start plus its offset within the IKM
        offsets = np.cumsum(counts) - counts
        return np.repeat(self._start[positions] - offsets, counts) + np.arange(total)

    # -- features --------------------------------------------------------------------------------------

    def _scores(self, kind: str, wanted: Sequence[str]) -> np.ndarray:
        """``concept_match`` score of each distinct material (or product-type) set; memoised per wish list."""
        key = (kind, tuple(wanted))
        scores = self._memo.get(key)
        if scores is None:
            scores = np.array([concept_match(wanted, s, self.lex)[0] for s in self._sets[kind]], dtype=float)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = scores
        return scores

    def matrix(
        self,
        needs: BuyerNeeds,
        positions: np.ndarray,
        dense: np.ndarray,
        bm25: Mapping[str, float],
        bm25_text: Mapping[str, float] | None = None,
        second: np.ndarray | None = None,
    ) -> np.ndarray:
        """Feature rows ``(len(positions), len(FEATURE_NAMES))`` of the IKMs at ``positions``.

        ``dense`` holds the query's cosine with each product of :meth:`product_rows` (same order);
        ``bm25`` and ``bm25_text`` the BM25 scores of lexical hits (missing = 0), as for ``build_features``;
        ``second`` the second encoder's cosines, like ``dense`` (None: no second encoder).
        """
        out = np.zeros((len(positions), len(FEATURE_NAMES)), dtype=np.float64)
        if not len(positions):
            return out
        products = _Products(self.product_rows(positions), self._count[positions], dense)
        self._product_columns(out, needs, products, bm25)
        out[:, _COLUMN["bm25_text"]] = products.per_ikm(
            np.maximum, self._hits(products.rows, bm25_text or {})
        )
        if second is not None:
            out[:, _COLUMN["second_norm"]] = products.per_ikm(np.maximum, np.asarray(second, float), -1.0)
        self._constraint_columns(out, needs, positions)
        relative_columns(out, stated=bool(needs.materials or needs.products), second=second is not None)
        return out

    def _hits(self, rows: np.ndarray, scores: Mapping[str, float]) -> np.ndarray:
        """Each of ``rows``' products' score in ``scores`` (0 for the others)."""
        values = np.zeros(rows.size, dtype=np.float64)
        hits = [(self._row_of[pid], value) for pid, value in scores.items() if pid in self._row_of]
        if hits and rows.size:
            at = np.array([h[0] for h in hits], dtype=np.int64)
            local = np.minimum(np.searchsorted(rows, at), rows.size - 1)  # rows are increasing
            inside = rows[local] == at
            values[local[inside]] = np.array([h[1] for h in hits], dtype=np.float64)[inside]
        return values

    def _product_columns(
        self, out: np.ndarray, needs: BuyerNeeds, products: _Products, bm25: Mapping[str, float]
    ) -> None:
        """Cosine, BM25 and concept-match columns: the IKM's products aggregated."""
        dense, rows = products.dense, products.rows
        out[:, _COLUMN["dense_max"]] = products.per_ikm(np.maximum, dense)  # dense_gap: relative_columns
        rank = products.rank(-dense, ties=False)  # each IKM's products by cosine, best first
        total = np.zeros(len(products.counts), dtype=np.float64)
        for r in range(3):  # added best first, as sum() over the sorted cosines does
            pick = np.flatnonzero(rank == r)
            total[products.ikm[pick]] += dense[pick]
        out[:, _COLUMN["dense_top3"]] = total / np.clip(products.counts, 1, 3)
        lexical = self._hits(rows, bm25)
        bm25_top = max(bm25.values(), default=0.0) or 1.0
        out[:, _COLUMN["bm25_max"]] = products.per_ikm(np.maximum, lexical) / bm25_top

        material = self._scores("material", needs.materials)[self._material_of[rows]]
        kind = self._scores("product", needs.products)[self._type_of[rows]]
        if needs.materials and needs.products:
            joint = material * kind
        else:
            joint = material if needs.materials else kind
        exact = joint >= 1.0
        n_exact = products.per_ikm(np.add, exact.astype(np.float64)).astype(np.int64)
        out[:, _COLUMN["joint_max"]] = products.per_ikm(np.maximum, joint)
        out[:, _COLUMN["joint_exact"]] = n_exact > 0
        out[:, _COLUMN["material_max"]] = products.per_ikm(np.maximum, material)
        out[:, _COLUMN["type_max"]] = products.per_ikm(np.maximum, kind)
        out[:, _COLUMN["coverage"]] = self._log1p[n_exact]
        out[:, _COLUMN["materials_stated"]] = bool(needs.materials)
        out[:, _COLUMN["types_stated"]] = bool(needs.products)
        out[:, _COLUMN["price_ok"]] = 0.5
        if needs.max_unit_price_idr:
            # the cheapest known price among the exact matches, or else among the three best products
            # by (-joint, -cosine, product id), as build_features picks them
            rank = products.rank(self._id_rank[rows], -dense, -joint)
            pool = np.where(n_exact[products.ikm] > 0, exact, rank < 3)
            price = self._price[rows]
            cheapest = products.per_ikm(np.minimum, np.where(pool & ~np.isnan(price), price, np.inf), np.inf)
            ok = cheapest <= needs.max_unit_price_idr
            out[:, _COLUMN["price_ok"]] = _flag(ok, np.isfinite(cheapest), asked=True)

    def _constraint_columns(self, out: np.ndarray, needs: BuyerNeeds, positions: np.ndarray) -> None:
        """Capacity, MOQ, certificates, province, lead time, feasibility and the IKM's own columns."""
        n = len(positions)
        quantity = needs.monthly_quantity
        capacity = self._capacity[positions]
        cap_ok = capacity >= (quantity or 0)
        cap_known = ~np.isnan(capacity)
        out[:, _COLUMN["quantity_stated"]] = bool(quantity)
        out[:, _COLUMN["capacity_ok"]] = _flag(cap_ok, cap_known, asked=bool(quantity))
        if quantity:
            logs = np.array([0.0 if c is None else _log_ratio(c, quantity) for c in self._capacities])
            out[:, _COLUMN["capacity_ratio"]] = logs[self._capacity_code[positions]]
        moq = self._moq[positions]
        ok = moq <= (needs.quantity or 0)
        out[:, _COLUMN["moq_ok"]] = _flag(ok, ~np.isnan(moq), asked=bool(needs.quantity))
        certs_ok = np.ones(n, dtype=bool)
        for cert in needs.certifications:
            certified = self._certified.get(cert)
            certs_ok &= certified[positions] if certified is not None else False
        out[:, _COLUMN["certs_stated"]] = bool(needs.certifications)
        out[:, _COLUMN["certs_ok"]] = _flag(certs_ok, True, asked=bool(needs.certifications))
        out[:, _COLUMN["province_stated"]] = bool(needs.provinces)
        if needs.provinces:
            wanted = [self._province_code[p] for p in needs.provinces if p in self._province_code]
            ok = np.isin(self._province[positions], wanted)
            out[:, _COLUMN["province_ok"]] = _flag(ok, True, asked=True)
        else:
            out[:, _COLUMN["province_ok"]] = 0.5
        lead = self._lead[positions]
        ok = lead <= (needs.deadline_days or 0)
        out[:, _COLUMN["lead_time_ok"]] = _flag(ok, ~np.isnan(lead), asked=bool(needs.deadline_days))
        # infeasible: capacity asked, known and short, or a required certificate missing
        short = cap_known & ~cap_ok if quantity else np.zeros(n, dtype=bool)
        missing = ~certs_ok if needs.certifications else np.zeros(n, dtype=bool)
        out[:, _COLUMN["feasible"]] = ~short & ~missing
        out[:, _COLUMN["ovop_stars"]] = self._stars[positions]
        out[:, _COLUMN["exporter"]] = self._exporter[positions]


class _Products:
    """The products of the IKMs being scored, IKM by IKM, with per-IKM reductions and orders."""

    def __init__(self, rows: np.ndarray, counts: np.ndarray, dense: np.ndarray) -> None:
        self.rows = rows  # into FeatureTable.product_ids
        self.counts = counts  # products per IKM
        self.dense = np.asarray(dense, dtype=np.float64)
        self.ikm = np.repeat(np.arange(len(counts)), counts)  # each product's IKM, as a result row
        self.first = np.cumsum(counts) - counts  # each IKM's first product
        self._owned = counts > 0
        # a 16-bit key sorts by radix, many times faster than int64
        self._ikm_key = self.ikm.astype(np.uint16) if len(counts) <= 1 << 16 else self.ikm

    def per_ikm(self, ufunc: np.ufunc, values: np.ndarray, empty: float = 0.0) -> np.ndarray:
        """``ufunc`` reduced over each IKM's products; ``empty`` for IKMs without products."""
        result = np.full(len(self.counts), empty, dtype=np.float64)
        if self.rows.size:
            result[self._owned] = ufunc.reduceat(values, self.first[self._owned])
        return result

    def rank(self, *keys: np.ndarray, ties: bool = True) -> np.ndarray:
        """Each product's place (0 = first) among its IKM's products sorted by ``keys`` (last = primary).

        With ``ties=False`` only the primary key counts, equal ones in any order (for sums of equal values).
        """
        order = np.lexsort(keys) if ties else np.argsort(keys[-1])
        order = order[np.argsort(self._ikm_key[order], kind="stable")]  # then IKM by IKM
        rank = np.empty(self.rows.size, dtype=np.int64)
        rank[order] = np.arange(self.rows.size) - self.first[self.ikm[order]]
        return rank
