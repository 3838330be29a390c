"""What planning an event needs from the rest of the engine, as narrow types: a pair scorer and the
participants.

:class:`PairScorer` is a protocol: :class:`matching.app.engine.Engine` is one (its searcher over the store's
buyers), and tests or benchmarks may give their own. :class:`Participants` is plain data. Planning
(:mod:`matching.app.planning`), re-planning and the event service take these, never the facade.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from matching.events.agendas import Profile

__all__ = ["Pair", "PairScorer", "Participants", "ProfileSource"]

Pair = tuple[str, str]  # (buyer_id, ikm_id)
# participant ids -> what agendas say about them (read from the catalogue only when exports are written)
ProfileSource = Callable[[Collection[str]], Mapping[str, Profile]]


class PairScorer(Protocol):
    """What planning needs of the ranking: candidate pairs of an event, scored and explained.

    :class:`matching.app.engine.Engine` is one (its searcher over the store's buyers, see
    :func:`matching.ranking.pair_scores.candidate_pairs`); tests and benchmarks may give their own.
    """

    @property
    def ranker_version(self) -> str:
        """The version of the model that scores (``weights``, ``ranker-v2`` ...)."""
        ...

    def score_pairs(
        self, buyers: Sequence[str], ikms: Sequence[str], *, top: int = 50
    ) -> tuple[dict[Pair, float], dict[Pair, str]]:
        """Candidate pairs of these buyers and IKMs with their scores and reasons."""
        ...


@dataclass(frozen=True)
class Participants:
    """Who may take part: the buyer and IKM ids the catalogue holds, each one's name for agendas, and
    where to read what agendas say about them (``profiles``: products, requirement, contacts)."""

    buyers: set[str]
    ikms: set[str]
    names: dict[str, str]  # participant id -> company (buyers) or IKM name
    profiles: ProfileSource | None = None
