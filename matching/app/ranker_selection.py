"""The learned ranker chosen by leave-one-set-out over every judged set (``matching train --loso``).

:func:`judged_rows` opens one judged set in its own data home (its catalogue imported, its products indexed
with the given encoder) and builds its candidate rows; :func:`select_ranker` does that for every set of the
registry (:data:`matching.learning.judged_sets.JUDGED_SETS`, so a new set joins without code changes), runs
:func:`matching.learning.selection.leave_one_set_out` over the candidates, picks the default
(:func:`~matching.learning.selection.select`), retrains it on every set and saves it with its model card
(``learning.model_cards.loso_card``). When the hand-set weights win, the saved version is the hand-set
weights (a :class:`~matching.ranking.rankers.WeightedRanker`), so ``matching models use newest`` keeps
ranking as the selection says, and the card says the default stays the weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from matching.app.engine import Engine
from matching.app.training import Stage, quiet_stage
from matching.config import Settings
from matching.errors import ConfigError
from matching.learning.judged_sets import JUDGED_SETS, judged_set
from matching.learning.metrics import read_qrels
from matching.learning.model_cards import loso_card, loso_config, loso_metrics
from matching.learning.selection import (
    WEIGHTS,
    JudgedRows,
    candidates,
    ceiling,
    leave_one_set_out,
    select,
)
from matching.learning.training import code_version, file_sha256, today, training_set
from matching.ranking.model_registry import model_versions, save_ranker
from matching.ranking.rankers import WeightedRanker

__all__ = ["RankerSelection", "judged_rows", "next_ranker_name", "select_ranker"]


def _ignore(_: Any) -> None:
    """A log callback that shows nothing."""


@dataclass(frozen=True, slots=True)
class RankerSelection:
    """A LOSO run: the chosen candidate (``weights`` when the hand-set weights won), the saved folder and
    what was written in it."""

    selected: str
    directory: Path
    config: dict[str, Any]
    metrics: dict[str, Any]

    @property
    def default_is_weights(self) -> bool:
        return self.selected == WEIGHTS


def _params(model: Any) -> dict[str, Any]:
    """The saved ranker's hyperparameters (the hand-set weights: the non-zero weights it holds)."""
    if isinstance(model, WeightedRanker):
        return {"weights": {n: float(w) for n, w in zip(model.feature_names, model.coef_, strict=True) if w}}
    return {k: v for k, v in model.get_params().items() if k not in ("feature_names", "prior_weights")}


def next_ranker_name(models_dir: Path) -> str:
    """``ranker-v<N+1>`` after the newest version in ``models_dir`` and the bundled models."""
    numbers = [
        int(p.name.rsplit("v", 1)[1]) for p in model_versions(models_dir) if p.name.startswith("ranker-v")
    ]
    return f"ranker-v{max(numbers, default=0) + 1}"


def judged_rows(
    name: str, settings: Settings, *, stage: Stage = quiet_stage, k: int = 10
) -> tuple[JudgedRows, dict[str, Any]]:
    """Judged set ``name``'s candidate rows, built in ``settings.home`` (catalogue imported, products indexed:
    both only what changed when the home is reused), and a description of it for the model card."""
    files = judged_set(name)
    engine = Engine(settings)
    try:
        engine.import_files([files.catalogue / "ikms.csv", files.catalogue / "products.csv", files.buyers])
        buyers = engine.read_buyers(files.buyers)
        qrels = read_qrels(files.qrels)
        with stage(f"{name}: embedding products") as (advance, set_total):
            engine.index(progress=advance, on_total=set_total)
        with stage(f"{name}: candidate rows") as (advance, set_total):
            set_total(len(buyers))
            queries = engine.encode_buyers(buyers, cached=False)
            # sparse judgements: an unjudged candidate is unknown, not irrelevant, so it is no training row
            partial = [b.buyer_id for b in buyers] if files.condensed else ()
            data = training_set(engine.searcher(), queries, qrels, k=k, progress=advance, partial=partial)
        encoder = engine.encoder.model_id
        second = engine.second_encoder.model_id if engine.second_encoder is not None else None
    finally:
        engine.close()
    languages = list(data.languages.values())
    info = {
        "catalogue": files.catalogue.name,
        "buyers_file": f"{files.buyers.parent.name}/{files.buyers.name}",
        "qrels_file": f"{files.qrels.parent.name}/{files.qrels.name}",
        "qrels_sha256": file_sha256(files.qrels),
        "buyers": len(buyers),
        "en": languages.count("en"),
        "id": languages.count("id"),
        "rows": len(data.y),
        "condensed": files.condensed,
        "encoder": encoder,
        "second_encoder": second,
    }
    return JudgedRows(name, data, qrels, files.condensed), info


def select_ranker(
    settings: Settings,
    name: str | None = None,
    *,
    sets: Sequence[str] | None = None,
    homes: Path | None = None,
    seed: int = 0,
    stage: Stage = quiet_stage,
    log: Callable[[str], None] = _ignore,
) -> RankerSelection:
    """Choose the ranker by leave-one-set-out over ``sets`` (default: every registered judged set) and save
    it as ``<settings.models_dir>/<name>`` (default: the next ``ranker-vN``) with its model card.

    Each set is opened in ``homes/<set>`` (default ``<settings.home>/judged-sets``) with ``settings``'
    encoder; reusing the homes skips re-embedding. Raises ConfigError for an unknown set or fewer than two.
    """
    names = list(sets) if sets else list(JUDGED_SETS)
    unknown = [n for n in names if n not in JUDGED_SETS]
    if unknown:
        raise ConfigError(f"no judged set {', '.join(unknown)}; the sets are {', '.join(JUDGED_SETS)}")
    if len(set(names)) < 2:
        raise ConfigError("leave-one-set-out needs two judged sets or more")
    homes = homes or settings.home / "judged-sets"
    name = name or next_ranker_name(settings.models_dir)
    rows: list[JudgedRows] = []
    infos: dict[str, dict[str, Any]] = {}
    for set_name in dict.fromkeys(names):
        own = Settings(
            home=homes / set_name,
            database_url=None,  # each set in its own SQLite store, whatever the environment says
            encoder=settings.encoder,
            ranker="weights",
            index_kind=settings.index_kind,
            constraints=settings.constraints,
            embed_batch=settings.embed_batch,
            progress_every=settings.progress_every,
        )
        judged, info = judged_rows(set_name, own, stage=stage)
        rows.append(judged)
        infos[set_name] = info
        log(f"{set_name}: {info['buyers']} buyers, {info['rows']} candidate rows")
    estimators = candidates(seed)
    log(f"leave-one-set-out: {len(estimators)} candidates x {len(rows)} held-out sets")
    results = leave_one_set_out(rows, estimators, progress=log)
    selected, summary = select(results)
    artifact = selected  # the weights too: a version that ranks as the selection says
    log(f"chosen: {selected} (mean {summary[selected]['mean']:.4f}, worst {summary[selected]['worst']:.4f})")
    with threadpool_limits(limits=1, user_api="openmp"):
        model = clone(estimators[artifact]).fit(
            np.vstack([r.data.X for r in rows]), np.concatenate([r.data.y for r in rows])
        )
    command = (
        "matching train --loso" + "".join(f" --set {n}" for n in infos) + f" --seed {seed} --name {name}"
    )
    config = loso_config(
        name,
        selected=selected,
        artifact=artifact,
        kind=type(model).__name__,
        params=_params(model),
        sets=infos,
        encoder=next(iter(infos.values()))["encoder"],
        second_encoder=next(iter(infos.values()))["second_encoder"],
        code_version=code_version(),
        trained=today(),
        sklearn_version=sklearn.__version__,
        seed=seed,
        command=command,
    )
    metrics = loso_metrics(
        results, summary, {r.name: ceiling(r) for r in rows}, selected=selected, artifact=artifact
    )
    directory = settings.models_dir / name
    save_ranker(model, directory, config=config, metrics=metrics, card=loso_card(config, metrics))
    return RankerSelection(selected, directory, config, metrics)
