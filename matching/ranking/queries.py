"""Buyers as queries: each buyer's parsed needs and query vector, computed once and ranked many times.

:class:`Queries` is what every consumer of a judged buyer set takes (training rows, baselines, knob sweeps,
event scoring): buyers, their :class:`~matching.retrieval.query.BuyerNeeds`, an ``(n, d)`` float32 array of
query vectors in the same order, and each buyer's query language (:func:`buyer_language`). The facade builds
it (:meth:`matching.app.engine.Engine.encode_buyers`); nothing here parses or encodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.catalogue.schema import Buyer
from matching.retrieval.query import BuyerNeeds, detect_language

__all__ = ["Queries", "buyer_language"]


def buyer_language(buyer: Buyer) -> str:
    """The buyer's query language: the ``language`` column when given, else detected from the text."""
    given = (buyer.attributes.get("language") or "").strip().lower()
    return given if given in {"en", "id"} else detect_language(buyer.requirement)


@dataclass
class Queries:
    """Buyers parsed and encoded once: their needs, query vectors and languages, in the buyers' order."""

    buyers: list[Buyer]
    needs: list[BuyerNeeds]
    vectors: np.ndarray
    languages: dict[str, str]

    @classmethod
    def of(cls, buyers: Sequence[Buyer], needs: Sequence[BuyerNeeds], vectors: np.ndarray) -> Queries:
        if not len(buyers) == len(needs) == len(vectors):
            raise ValueError(f"{len(buyers)} buyers, {len(needs)} needs and {len(vectors)} vectors differ")
        return cls(list(buyers), list(needs), vectors, {b.buyer_id: buyer_language(b) for b in buyers})

    @property
    def buyer_ids(self) -> list[str]:
        return [b.buyer_id for b in self.buyers]

    def __len__(self) -> int:
        return len(self.buyers)
