"""Named features of a (buyer, IKM) pair: semantic and lexical scores, attribute matches, constraints.

Product-level evidence (dense cosine, BM25, lexicon concept matches) is aggregated per IKM (best product plus
coverage); constraints compare the buyer's needs with the IKM's numbers. Each constraint gives a
:class:`Check` (met / unmet / unknown, with the numbers) that the explanation shows as it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching.catalogue import Catalogue, IkmProfile, ProductProfile
from matching.lexicon import Lexicon
from matching.query import BuyerNeeds

__all__ = ["FEATURE_NAMES", "Check", "PairEvidence", "build_features"]

FEATURE_NAMES: tuple[str, ...] = (
    "dense_max",  # best cosine of the query with one of the IKM's products
    "dense_gap",  # dense_max minus the best dense_max among the candidates (<= 0)
    "dense_top3",  # mean cosine of the IKM's three best products
    "bm25_max",  # best BM25 of the IKM's products, divided by the query's best BM25
    "joint_max",  # best product: material match x product-type match (1 exact, 0.5 sister / related)
    "joint_exact",  # some product is the right type in the right material (1/0)
    "material_max",  # best material match of any product
    "type_max",  # best product-type match of any product
    "coverage",  # log(1 + number of products that are exact joint matches)
    "materials_stated",
    "types_stated",
    "quantity_stated",
    "capacity_ok",  # 1 met, 0 unmet, 0.5 unknown or not asked
    "capacity_ratio",  # log(capacity / quantity), clipped to [-3, 3]; 0 when unknown
    "moq_ok",
    "certs_stated",
    "certs_ok",
    "province_stated",
    "province_ok",
    "price_ok",
    "lead_time_ok",
    "feasible",  # capacity and certificates met (or not asked)
    "ovop_stars",  # stars / 5
    "exporter",  # has export markets
)


@dataclass(frozen=True, slots=True)
class Check:
    """One constraint of the buyer against one IKM."""

    name: str  # capacity | moq | certifications | province | price | lead_time
    status: str  # met | unmet | unknown
    wanted: object
    actual: object


@dataclass
class PairEvidence:
    """What the explanation needs beyond the feature row."""

    ikm: IkmProfile
    best_products: list[ProductProfile]
    matched_materials: list[str]
    matched_types: list[str]
    checks: list[Check] = field(default_factory=list)


def _match(wanted: Sequence[str], have: frozenset[str], lex: Lexicon) -> tuple[float, list[str]]:
    if not wanted:
        return 0.0, []
    exact = [c for c in wanted if c in have]
    if exact:
        return 1.0, exact
    near = [h for h in have for c in wanted if lex.related(c, h)]
    return (0.5, sorted(set(near))) if near else (0.0, [])


def _status(ok: bool | None) -> str:
    return "unknown" if ok is None else "met" if ok else "unmet"


def _as_value(ok: bool | None, *, asked: bool) -> float:
    if not asked or ok is None:
        return 0.5
    return 1.0 if ok else 0.0


def build_features(
    needs: BuyerNeeds,
    ikm_ids: Sequence[str],
    catalogue: Catalogue,
    product_dense: Mapping[str, float],
    product_bm25: Mapping[str, float],
    lex: Lexicon,
) -> tuple[np.ndarray, list[PairEvidence]]:
    """Feature matrix ``(len(ikm_ids), len(FEATURE_NAMES))`` and per-IKM evidence for explanations.

    ``product_dense`` holds the query's cosine with (at least) every product of the candidate IKMs;
    ``product_bm25`` the BM25 scores of lexical hits (missing = 0).
    """
    quantity = needs.monthly_quantity
    bm25_top = max(product_bm25.values(), default=0.0) or 1.0
    rows: list[list[float]] = []
    evidence: list[PairEvidence] = []
    # products share few distinct concept sets: match each set once per query
    material_memo: dict[frozenset[str], tuple[float, list[str]]] = {}
    type_memo: dict[frozenset[str], tuple[float, list[str]]] = {}
    for ikm_id in ikm_ids:
        profile = catalogue.ikms[ikm_id]
        ikm = profile.ikm
        scored: list[tuple[float, float, ProductProfile, list[str], list[str], float, float]] = []
        for pid in profile.product_ids:
            product = catalogue.products[pid]
            if product.materials not in material_memo:
                material_memo[product.materials] = _match(needs.materials, product.materials, lex)
            if product.products not in type_memo:
                type_memo[product.products] = _match(needs.products, product.products, lex)
            m_score, m_hits = material_memo[product.materials]
            t_score, t_hits = type_memo[product.products]
            if needs.materials and needs.products:
                joint = m_score * t_score
            else:
                joint = m_score if needs.materials else t_score
            dense = float(product_dense.get(pid, 0.0))
            scored.append((joint, dense, product, m_hits, t_hits, m_score, t_score))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2].product_id))
        denses = sorted((s[1] for s in scored), reverse=True)
        joint_max = scored[0][0] if scored else 0.0
        exact = [s for s in scored if s[0] >= 1.0]
        bm25 = max((product_bm25.get(pid, 0.0) for pid in profile.product_ids), default=0.0) / bm25_top

        checks: list[Check] = []
        cap_ok: bool | None = None
        ratio = 0.0
        if quantity:
            if ikm.capacity_per_month is not None:
                cap_ok = ikm.capacity_per_month >= quantity
                ratio = max(-3.0, min(3.0, math.log((ikm.capacity_per_month + 1) / quantity)))
            checks.append(Check("capacity", _status(cap_ok), quantity, ikm.capacity_per_month))
        moq_ok: bool | None = None
        if needs.quantity and ikm.min_order_qty is not None:
            moq_ok = ikm.min_order_qty <= needs.quantity
            checks.append(Check("moq", _status(moq_ok), needs.quantity, ikm.min_order_qty))
        missing = [c for c in needs.certifications if c not in profile.certifications]
        certs_ok: bool | None = None
        if needs.certifications:
            certs_ok = not missing
            checks.append(Check("certifications", _status(certs_ok), list(needs.certifications), missing))
        prov_ok: bool | None = None
        if needs.provinces:
            prov_ok = ikm.province in needs.provinces
            checks.append(Check("province", _status(prov_ok), list(needs.provinces), ikm.province))
        price_ok: bool | None = None
        if needs.max_unit_price_idr:
            pool = [s[2] for s in (exact or scored[:3]) if s[2].price_idr is not None]
            if pool:
                cheapest = min(p.price_idr for p in pool if p.price_idr is not None)
                price_ok = cheapest <= needs.max_unit_price_idr
                checks.append(Check("price", _status(price_ok), needs.max_unit_price_idr, cheapest))
        lead_ok: bool | None = None
        if needs.deadline_days and ikm.lead_time_days is not None:
            lead_ok = ikm.lead_time_days <= needs.deadline_days
            checks.append(Check("lead_time", _status(lead_ok), needs.deadline_days, ikm.lead_time_days))
        feasible = cap_ok is not False and certs_ok is not False

        rows.append(
            [
                denses[0] if denses else 0.0,
                0.0,  # dense_gap, filled below
                sum(denses[:3]) / len(denses[:3]) if denses else 0.0,
                bm25,
                joint_max,
                1.0 if exact else 0.0,
                max((s[5] for s in scored), default=0.0),
                max((s[6] for s in scored), default=0.0),
                math.log1p(len(exact)),
                1.0 if needs.materials else 0.0,
                1.0 if needs.products else 0.0,
                1.0 if quantity else 0.0,
                _as_value(cap_ok, asked=bool(quantity)),
                ratio,
                _as_value(moq_ok, asked=bool(needs.quantity)),
                1.0 if needs.certifications else 0.0,
                _as_value(certs_ok, asked=bool(needs.certifications)),
                1.0 if needs.provinces else 0.0,
                _as_value(prov_ok, asked=bool(needs.provinces)),
                _as_value(price_ok, asked=bool(needs.max_unit_price_idr)),
                _as_value(lead_ok, asked=bool(needs.deadline_days)),
                1.0 if feasible else 0.0,
                (ikm.ovop_stars or 0) / 5.0,
                1.0 if ikm.export_markets else 0.0,
            ]
        )
        best = [s[2] for s in (exact[:3] or scored[:1])]
        materials = sorted({c for s in (exact or scored[:1]) for c in s[3]})
        types = sorted({c for s in (exact or scored[:1]) for c in s[4]})
        evidence.append(PairEvidence(profile, best, materials, types, checks))
    matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    if len(rows):
        matrix[:, 1] = matrix[:, 0] - matrix[:, 0].max()
    return matrix, evidence
