"""Named features of a (buyer, IKM) pair: semantic and lexical scores, attribute matches, constraints.

Product-level evidence (dense cosine, BM25, lexicon concept matches) is aggregated per IKM (best product plus
coverage); constraints compare the buyer's needs with the IKM's numbers. Each constraint gives a
:class:`Check` (met / unmet / unknown, with the numbers) that the explanation shows as it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from matching.retrieval.documents import Catalogue, IkmProfile, ProductProfile
from matching.retrieval.lexicon import Lexicon
from matching.retrieval.query import BuyerNeeds

__all__ = [
    "FEATURE_NAMES",
    "Check",
    "PairEvidence",
    "build_features",
    "concept_match",
    "pair_evidence",
    "relative_columns",
]

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
    # text evidence that needs no lexicon, relative to the other IKMs scored for the query
    "bm25_text",  # best BM25 of its products on the query's own words (no concept terms), min-max scaled
    "dense_norm",  # dense_max, min-max scaled over the IKMs scored
    "second_norm",  # best cosine of the second encoder (USE) with one of its products, min-max scaled
    "text_score",  # mean of dense_norm, bm25_text (and second_norm): what BM25 and the encoders say together
    "lexicon_trust",  # share of the 10 best IKMs by text_score the lexicon also matches; 0 if nothing stated
)
TRUST_DEPTH = 10  # how many of the best IKMs by text_score lexicon_trust looks at
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


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


def concept_match(wanted: Sequence[str], have: frozenset[str], lex: Lexicon) -> tuple[float, list[str]]:
    """How well concepts ``have`` meet ``wanted``: 1 some exact, 0.5 only related ones, 0; and the hits."""
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


class _Scored(NamedTuple):
    """One product of an IKM against the query."""

    joint: float
    dense: float
    product: ProductProfile
    material_hits: list[str]
    type_hits: list[str]
    material: float
    kind: float


class _Matcher:
    """Concept matches of products for one query; products share few concept sets, each is matched once."""

    def __init__(self, needs: BuyerNeeds, lex: Lexicon) -> None:
        self.needs = needs
        self.lex = lex
        self.materials: dict[frozenset[str], tuple[float, list[str]]] = {}
        self.types: dict[frozenset[str], tuple[float, list[str]]] = {}

    def __call__(self, product: ProductProfile, dense: float) -> _Scored:
        needs = self.needs
        if product.materials not in self.materials:
            self.materials[product.materials] = concept_match(needs.materials, product.materials, self.lex)
        if product.products not in self.types:
            self.types[product.products] = concept_match(needs.products, product.products, self.lex)
        m_score, m_hits = self.materials[product.materials]
        t_score, t_hits = self.types[product.products]
        if needs.materials and needs.products:
            joint = m_score * t_score
        else:
            joint = m_score if needs.materials else t_score
        return _Scored(joint, dense, product, m_hits, t_hits, m_score, t_score)


@dataclass
class _Assessment:
    """One IKM against the query: its products scored (best first) and its constraints checked."""

    scored: list[_Scored]  # by (-joint, -dense, product id)
    exact: list[_Scored]  # the right product type in the right material
    checks: list[Check]
    ok: dict[str, bool | None]  # per check name; None = unknown or not asked
    ratio: float  # log(capacity / quantity), clipped; 0 when unknown


def _assess(
    needs: BuyerNeeds,
    profile: IkmProfile,
    catalogue: Catalogue,
    product_dense: Mapping[str, float],
    matcher: _Matcher,
) -> _Assessment:
    ikm = profile.ikm
    products = catalogue.products
    scored = [matcher(products[pid], float(product_dense.get(pid, 0.0))) for pid in profile.product_ids]
    scored.sort(key=lambda s: (-s.joint, -s.dense, s.product.product_id))
    exact = [s for s in scored if s.joint >= 1.0]
    quantity = needs.monthly_quantity
    checks: list[Check] = []
    ok: dict[str, bool | None] = dict.fromkeys(
        ("capacity", "moq", "certifications", "province", "price", "lead_time")
    )
    ratio = 0.0
    if quantity:
        if ikm.capacity_per_month is not None:
            ok["capacity"] = ikm.capacity_per_month >= quantity
            ratio = max(-3.0, min(3.0, math.log((ikm.capacity_per_month + 1) / quantity)))
        checks.append(Check("capacity", _status(ok["capacity"]), quantity, ikm.capacity_per_month))
    if needs.quantity and ikm.min_order_qty is not None:
        ok["moq"] = ikm.min_order_qty <= needs.quantity
        checks.append(Check("moq", _status(ok["moq"]), needs.quantity, ikm.min_order_qty))
    if needs.certifications:
        missing = [c for c in needs.certifications if c not in profile.certifications]
        ok["certifications"] = not missing
        checks.append(Check("certifications", _status(not missing), list(needs.certifications), missing))
    if needs.provinces:
        ok["province"] = ikm.province in needs.provinces
        checks.append(Check("province", _status(ok["province"]), list(needs.provinces), ikm.province))
    if needs.max_unit_price_idr:  # a stated requirement is always checked: unknown when the IKM has no number
        prices = [s.product.price_idr for s in (exact or scored[:3]) if s.product.price_idr is not None]
        cheapest = min(prices) if prices else None
        if cheapest is not None:
            ok["price"] = cheapest <= needs.max_unit_price_idr
        checks.append(Check("price", _status(ok["price"]), needs.max_unit_price_idr, cheapest))
    if needs.deadline_days:
        if ikm.lead_time_days is not None:
            ok["lead_time"] = ikm.lead_time_days <= needs.deadline_days
        checks.append(Check("lead_time", _status(ok["lead_time"]), needs.deadline_days, ikm.lead_time_days))
    return _Assessment(scored, exact, checks, ok, ratio)


def _evidence(profile: IkmProfile, assessment: _Assessment) -> PairEvidence:
    exact, scored = assessment.exact, assessment.scored
    best = [s.product for s in (exact[:3] or scored[:1])]
    materials = sorted({c for s in (exact or scored[:1]) for c in s.material_hits})
    types = sorted({c for s in (exact or scored[:1]) for c in s.type_hits})
    return PairEvidence(profile, best, materials, types, assessment.checks)


def pair_evidence(
    needs: BuyerNeeds,
    ikm_ids: Sequence[str],
    catalogue: Catalogue,
    product_dense: Mapping[str, float],
    lex: Lexicon,
) -> list[PairEvidence]:
    """The evidence :func:`build_features` gives for these IKMs, without their feature rows."""
    matcher = _Matcher(needs, lex)
    return [
        _evidence(catalogue.ikms[i], _assess(needs, catalogue.ikms[i], catalogue, product_dense, matcher))
        for i in ikm_ids
    ]


def build_features(
    needs: BuyerNeeds,
    ikm_ids: Sequence[str],
    catalogue: Catalogue,
    product_dense: Mapping[str, float],
    product_bm25: Mapping[str, float],
    lex: Lexicon,
    product_bm25_text: Mapping[str, float] | None = None,
    product_second: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, list[PairEvidence]]:
    """Feature matrix ``(len(ikm_ids), len(FEATURE_NAMES))`` and per-IKM evidence for explanations.

    ``product_dense`` holds the query's cosine with (at least) every product of the candidate IKMs;
    ``product_bm25`` the BM25 scores of lexical hits (missing = 0); ``product_bm25_text`` those of the
    query's own words without the lexicon's concept terms (missing = 0; when not given, no text hits);
    ``product_second`` the second encoder's cosines, like ``product_dense`` (None: no second encoder).
    """
    text_hits = product_bm25_text or {}
    second = product_second or {}
    quantity = needs.monthly_quantity
    bm25_top = max(product_bm25.values(), default=0.0) or 1.0
    matcher = _Matcher(needs, lex)
    rows: list[list[float]] = []
    evidence: list[PairEvidence] = []
    for ikm_id in ikm_ids:
        profile = catalogue.ikms[ikm_id]
        ikm = profile.ikm
        assessment = _assess(needs, profile, catalogue, product_dense, matcher)
        scored, exact, ok = assessment.scored, assessment.exact, assessment.ok
        denses = sorted((s.dense for s in scored), reverse=True)
        bm25 = max((product_bm25.get(pid, 0.0) for pid in profile.product_ids), default=0.0) / bm25_top
        feasible = ok["capacity"] is not False and ok["certifications"] is not False
        rows.append(
            [
                denses[0] if denses else 0.0,
                0.0,  # dense_gap, filled below
                sum(denses[:3]) / len(denses[:3]) if denses else 0.0,
                bm25,
                scored[0].joint if scored else 0.0,
                1.0 if exact else 0.0,
                max((s.material for s in scored), default=0.0),
                max((s.kind for s in scored), default=0.0),
                math.log1p(len(exact)),
                1.0 if needs.materials else 0.0,
                1.0 if needs.products else 0.0,
                1.0 if quantity else 0.0,
                _as_value(ok["capacity"], asked=bool(quantity)),
                assessment.ratio,
                _as_value(ok["moq"], asked=bool(needs.quantity)),
                1.0 if needs.certifications else 0.0,
                _as_value(ok["certifications"], asked=bool(needs.certifications)),
                1.0 if needs.provinces else 0.0,
                _as_value(ok["province"], asked=bool(needs.provinces)),
                _as_value(ok["price"], asked=bool(needs.max_unit_price_idr)),
                _as_value(ok["lead_time"], asked=bool(needs.deadline_days)),
                1.0 if feasible else 0.0,
                (ikm.ovop_stars or 0) / 5.0,
                1.0 if ikm.export_markets else 0.0,
                max((text_hits.get(pid, 0.0) for pid in profile.product_ids), default=0.0),
                0.0,  # dense_norm: relative_columns below
                max((second.get(pid, -1.0) for pid in profile.product_ids), default=-1.0),
                0.0,  # text_score and lexicon_trust: relative_columns below
                0.0,
            ]
        )
        evidence.append(_evidence(profile, assessment))
    matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    relative_columns(
        matrix, stated=bool(needs.materials or needs.products), second=product_second is not None
    )
    return matrix, evidence


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def relative_columns(matrix: np.ndarray, *, stated: bool, second: bool) -> None:
    """Fill the columns that compare an IKM with the others scored for the same query, in place.

    Rows must be in IKM-id order (both feature paths keep them so), which breaks ties in the text order.
    ``bm25_text`` and ``second_norm`` (the second encoder's best cosine, when ``second``) arrive raw and
    leave min-max scaled; without a second encoder ``second_norm`` is 0 and ``text_score`` averages two parts.
    ``lexicon_trust`` says how far the lexicon's reading
    of the query can be trusted for this catalogue: of the IKMs that BM25 and the encoder together rank
    best, the share the lexicon also finds right (``joint_max`` > 0). A craft catalogue described in the
    lexicon's words scores near 1; a catalogue of keyboards and snacks, or a query whose one known word is
    beside the point ("shorts, cool fabric" read as fabric), scores near 0, and the ranking then rests on
    the text evidence (:class:`~matching.ranking.rankers.WeightedRanker`).
    """
    if not len(matrix):
        return
    column = _COLUMN
    dense = matrix[:, column["dense_max"]]
    matrix[:, column["dense_gap"]] = dense - dense.max()
    matrix[:, column["dense_norm"]] = _min_max(dense)
    matrix[:, column["bm25_text"]] = _min_max(matrix[:, column["bm25_text"]])
    parts = [matrix[:, column["dense_norm"]], matrix[:, column["bm25_text"]]]
    if second:
        matrix[:, column["second_norm"]] = _min_max(matrix[:, column["second_norm"]])
        parts.append(matrix[:, column["second_norm"]])
    else:
        matrix[:, column["second_norm"]] = 0.0
    text = sum(parts) / len(parts)
    matrix[:, column["text_score"]] = text
    trust = 0.0
    if stated:
        best = np.argsort(-text, kind="stable")[:TRUST_DEPTH]
        trust = float((matrix[best, column["joint_max"]] > 0).mean())
    matrix[:, column["lexicon_trust"]] = trust
