"""Candidate pairs of an event: every (buyer, IKM) pair the match list may choose, scored and explained.

:func:`candidate_pairs` ranks each buyer's best ``top`` IKMs among the event's IKMs with the searcher, and
adds pairs for IKMs that few buyers rank highly, so that the event's fairness floor can reach them. Scores
are the ranker's (floored at a small positive value, so every candidate is worth a meeting); the reason is
the explanation's English summary. The buyers come as :class:`~matching.ranking.queries.Queries` (parsed and
encoded by the caller).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from matching.ranking.explanations import explain
from matching.ranking.queries import Queries
from matching.ranking.searcher import Searcher
from matching.retrieval.lexicon import lexicon

__all__ = ["Pair", "candidate_pairs"]

Pair = tuple[str, str]  # (buyer_id, ikm_id)


def candidate_pairs(
    searcher: Searcher, queries: Queries, ikms: Sequence[str], *, top: int = 50, per_ikm: int = 3
) -> tuple[dict[Pair, float], dict[Pair, str]]:
    """Candidate pairs with the ranker's score (floored at a small positive value) and a reason.

    Each buyer's ``top`` IKMs, plus, for every IKM in fewer than ``per_ikm`` of those lists, its best
    buyers up to ``per_ikm`` pairs (each buyer taking at most ``top // 5`` such IKMs, or twice the even
    share when more are needed), so that the fairness floor can reach IKMs no buyer ranks highly.
    """
    buyers, needs, vectors = queries.buyer_ids, queries.needs, queries.vectors
    scores: dict[Pair, float] = {}
    reasons: dict[Pair, str] = {}
    full = np.full((len(buyers), len(ikms)), -np.inf)
    for row, buyer_id in enumerate(buyers):
        every: dict[str, float] = {}
        for match in searcher.score(needs[row], ikms, k=top, query_vector=vectors[row], all_scores=every):
            pair = (buyer_id, match.ikm_id)
            scores[pair] = round(max(match.score, 0.0) + 1e-3, 6)
            reasons[pair] = explain(match, lexicon()).summary("en")
        full[row] = [every.get(i, -np.inf) for i in ikms]
    have: dict[str, int] = defaultdict(int)
    for _, ikm in scores:
        have[ikm] += 1
    extra: dict[int, list[str]] = defaultdict(list)  # buyer row -> IKMs it is added for
    needed = sum(max(0, per_ikm - have[i]) for i in ikms)
    spread = max(1, top // 5, 2 * -(-needed // max(1, len(buyers))))  # room for twice the even share
    for col, ikm in enumerate(ikms):
        if have[ikm] >= per_ikm:
            continue
        ranked = np.argsort(-full[:, col], kind="stable")  # best buyers first; ties by event order
        for row in ranked.tolist():
            if have[ikm] >= per_ikm or not np.isfinite(full[row, col]):
                break
            # spread: a buyer takes a bounded share of such IKMs, or a few generalist buyers would get them
            # all and their caps would leave most of those IKMs without a meeting anyway
            if (buyers[row], ikm) not in scores and len(extra[row]) < spread:
                scores[(buyers[row], ikm)] = round(max(float(full[row, col]), 0.0) + 1e-3, 6)
                extra[row].append(ikm)
                have[ikm] += 1
    for row, added in extra.items():  # reasons for the added pairs (scored in the event's context above)
        for match in searcher.score(needs[row], added, query_vector=vectors[row]):
            reasons[(buyers[row], match.ikm_id)] = explain(match, lexicon()).summary("en")
    return scores, reasons
