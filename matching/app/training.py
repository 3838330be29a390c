"""Use cases that train a model and save it with its model card: the learned ranker and the fine-tuned
sentence encoder. The CLI (``matching train``, ``matching finetune``) and notebooks call these.

- :func:`train_ranker`: graded qrels and/or the meeting outcomes in the store -> labels -> the engine's own
  candidates as training rows (``learning.training.training_set``) -> grouped-CV grid search
  (``fit_ranker``) beside the hand-set weights on the same folds -> ``models/<name>/`` with the ranker,
  ``config.json``, ``metrics.json`` and ``README.md`` (``learning.model_cards``).
- :func:`finetune_encoder`: judged buyers -> seeded split by buyer -> (requirement, product) pairs of the
  training buyers -> optional cap -> fine-tuning (``learning.finetuning.fine_tune``) -> the held-out buyers
  ranked with the base and the fine-tuned encoder (:func:`evaluate_encoder`) -> record, metrics and card
  written into the saved folder.
- :func:`evaluate_encoder` and :func:`load_catalogue` build an engine in a throwaway data home: the first
  ranks buyers with a given encoder, the second reads a catalogue exactly as an import would.

Progress is reported through a :data:`Stage`: a callable that takes a label and returns a context manager
yielding ``(advance, set_total)``; the default, :func:`quiet_stage`, shows nothing. Status lines go to
``log`` (default: nowhere). Unusable inputs raise :class:`~matching.errors.ConfigError`.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sklearn

from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.schema import Buyer
from matching.config import Settings
from matching.errors import ConfigError
from matching.learning.baselines import compare_models, evaluate_systems, system_runs
from matching.learning.finetuning import (
    FinetuneParams,
    base_encoder_folder,
    fine_tune,
    qrels_pairs,
    sample_pairs,
    save_model_record,
    split_buyers,
)
from matching.learning.metrics import Qrels, read_qrels
from matching.learning.model_cards import (
    encoder_card,
    encoder_metrics,
    encoder_record,
    ranker_card,
    ranker_config,
    ranker_metrics,
    rebuild_command,
)
from matching.learning.outcomes import merge_labels, outcome_labels
from matching.learning.training import (
    code_version,
    cross_validate,
    file_sha256,
    fit_ranker,
    today,
    training_set,
)
from matching.ranking.model_registry import resolve_ranker, save_ranker
from matching.retrieval.documents import Catalogue

__all__ = [
    "EncoderFinetuning",
    "RankerTraining",
    "Stage",
    "evaluate_encoder",
    "finetune_encoder",
    "load_catalogue",
    "quiet_stage",
    "train_ranker",
]

Advance = Callable[[int], None]
Stage = Callable[[str], AbstractContextManager[tuple[Advance, Advance]]]


def _ignore(_: Any) -> None:
    """A progress or log callback that shows nothing."""


@contextmanager
def quiet_stage(label: str) -> Iterator[tuple[Advance, Advance]]:
    """A :data:`Stage` that shows nothing."""
    yield _ignore, _ignore


# ------------------------------------------------------------------------------------- learned ranker


@dataclass(frozen=True, slots=True)
class RankerTraining:
    """A saved learned ranker: its folder and what was written beside it."""

    directory: Path
    config: dict[str, Any]
    metrics: dict[str, Any]

    @property
    def cv_ndcg(self) -> float:
        """Out-of-fold nDCG@10 of the chosen hyperparameters, all buyers."""
        return float(self.metrics["cv"]["all"]["ndcg@10"])

    @property
    def weights_ndcg(self) -> float:
        """Out-of-fold nDCG@10 of the hand-set weights on the same folds, all buyers."""
        return float(self.metrics["weights_baseline"]["all"]["ndcg@10"])


def train_ranker(
    engine: Engine,
    name: str,
    *,
    buyers: Path | None = None,
    qrels: Path | None = None,
    use_outcomes: bool = False,
    folds: int = 5,
    seed: int = 0,
    stage: Stage = quiet_stage,
) -> RankerTraining:
    """Fit the learned ranker and save it as ``<engine's models dir>/<name>`` with its model card.

    Labels: the TREC qrels file ``qrels`` (grades 0-3) judging the buyers of the CSV/XLSX file ``buyers``
    (the two go together), and/or with ``use_outcomes`` the rated meeting outcomes in the engine's store
    (organisers' entries and participants' own ratings, one per pair: :mod:`matching.app.ratings`), which
    win over the qrels for their pairs; stored buyers known only from outcomes join the training
    buyers, judged only on the IKMs they met. The engine's index is brought up to date first. Rows: the
    engine's candidates per buyer (``learning.training.training_set``); ``folds``-fold CV grouped by buyer
    picks the hyperparameters (trees seeded with ``seed``), and the hand-set weights are scored on the same
    folds for comparison. Raises ConfigError when there is nothing to learn from.
    """
    if (buyers is None) != (qrels is None):
        raise ConfigError("buyers and qrels go together (the qrels judge those buyers)")
    if qrels is None and not use_outcomes:
        raise ConfigError("nothing to learn from: give buyers and qrels, or use the meeting outcomes")
    records = engine.read_buyers(buyers) if buyers is not None else []
    judged = read_qrels(qrels) if qrels is not None else {}
    partial: set[str] = set()  # buyers judged only where they met an IKM
    labels: dict[str, dict[str, int]] = {}  # buyer -> IKM it met -> grade
    outcome_counts: dict[str, int] | None = None
    if use_outcomes:
        stored = engine.ratings.training_outcomes()  # organisers' outcomes and participants' ratings
        labels = outcome_labels(stored)
        if not labels:
            raise ConfigError("the store holds no rated meeting outcome to learn from")
        partial = set(labels) - set(judged)
        judged = merge_labels(judged, labels)
        known = {b.buyer_id for b in records}
        records += [b for b in engine.store.buyers() if b.buyer_id in labels and b.buyer_id not in known]
        outcome_counts = {
            "outcomes": len(stored),
            "labelled": sum(len(g) for g in labels.values()),
            "events": len({o.event_id for o in stored}),
        }
    with stage("embedding new or changed products") as (advance, set_total):
        engine.index(progress=advance, on_total=set_total)
    with stage("building training rows") as (advance, set_total):
        set_total(len(records))
        data = training_set(
            engine.searcher(),
            engine.encode_buyers(records, cached=False),
            judged,
            progress=advance,
            partial=partial,
            extra=labels,
        )
    ranker, best, grid = fit_ranker(data, judged, random_state=seed, n_splits=folds)
    weights, _ = resolve_ranker("weights", engine.settings.models_dir)
    weights_cv = cross_validate(weights, data, judged, n_splits=folds)
    config = ranker_config(
        name,
        params=best["params"],
        encoder=engine.encoder.model_id,
        code_version=code_version(),
        trained=today(),
        sklearn_version=sklearn.__version__,
        buyers_file=buyers,
        qrels_file=qrels,
        qrels_sha256=file_sha256(qrels) if qrels else None,
        rows=len(data.y),
        outcome_counts=outcome_counts,
        seed=seed,
        folds=folds,
    )
    metrics = ranker_metrics(best, weights_cv, grid)
    card = ranker_card(config, metrics, n_buyers=len(records))
    directory = engine.settings.models_dir / name
    save_ranker(ranker, directory, config=config, metrics=metrics, card=card)
    return RankerTraining(directory, config, metrics)


# ------------------------------------------------------------------------------------- encoder


@dataclass(frozen=True, slots=True)
class EncoderFinetuning:
    """A saved fine-tuned encoder: its folder, record (``config.json``'s ``"matching"`` key), metrics, and
    the held-out evaluation reports (``"base"``, ``"finetuned"``; empty when not measured)."""

    folder: Path
    record: dict[str, Any]
    metrics: dict[str, Any]
    held_out: int
    reports: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage


def finetune_encoder(
    settings: Settings,
    buyers: Path,
    qrels: Path,
    *,
    name: str = "encoder-e5-ft-v1",
    base: str = "e5-small",
    catalogue: Sequence[Path] | None = None,
    params: FinetuneParams | None = None,
    max_pairs: int | None = None,
    per_ikm: int = 1,
    holdout: float = 0.3,
    out_dir: Path | None = None,
    evaluate: bool = True,
    stage: Stage = quiet_stage,
    log: Callable[[str], None] = _ignore,
) -> EncoderFinetuning:
    """Fine-tune the encoder ``base`` (``e5-small``, ``minilm`` or a folder) on graded labels and save it
    with its record, metrics and model card in ``out_dir`` (default ``<settings.models_dir>/<name>``).

    The buyers of ``buyers`` are split by buyer (``holdout`` share held out per language, seeded with
    ``params.seed``); the training buyers' grade >= 2 labels in ``qrels`` give (requirement, product) pairs,
    ``per_ikm`` products per IKM of ``catalogue`` (IKM and product files or folders; default the bundled
    demo), capped at ``max_pairs`` spread over buyers. With ``evaluate`` (and any buyer held out) the
    held-out buyers are ranked with the base encoder before training and the fine-tuned one after
    (:func:`evaluate_encoder`, reusing ``settings.home``'s converted models and embeddings).
    """
    import torch  # reason: torch is heavy and needed only to record its version and thread count

    params = params or FinetuneParams()
    folder = (out_dir or settings.models_dir / name).resolve()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    records = Engine.read_buyers(buyers)
    judged = read_qrels(qrels)
    train_ids, held_ids = split_buyers(records, holdout=holdout, seed=params.seed)
    base_folder, base_id = base_encoder_folder(base, home=settings.home)
    log(f"base encoder {base_id}; {len(train_ids)} training buyers, {len(held_ids)} held out")
    products = load_catalogue(catalogue)
    pairs = qrels_pairs(records, judged, products, buyer_ids=train_ids, per_ikm=per_ikm)
    picked = sample_pairs(pairs, max_pairs=max_pairs, seed=params.seed)
    seconds["pairs"] = time.perf_counter() - started
    log(
        f"{len(picked)} training pairs (of {len(pairs)}) from "
        f"{len({p.buyer_id for p in picked})} buyers, {seconds['pairs']:.1f} s"
    )
    held_out = [b for b in records if b.buyer_id in set(held_ids)]
    reports: dict[str, Any] = {}

    def evaluate_as(key: str, label: str, encoder: str | Path) -> None:
        """Rank the held-out buyers with ``encoder``; its report and time under ``key``."""
        started = time.perf_counter()
        with stage(f"{label}: embedding the catalogue") as (advance, set_total):
            reports[key] = evaluate_encoder(
                encoder,
                held_out,
                judged,
                catalogue=catalogue,
                reuse=settings.home,
                progress=advance,
                on_total=set_total,
            )
        seconds[f"evaluate_{key}"] = time.perf_counter() - started

    if evaluate and held_out:
        evaluate_as("base", "base encoder", base if base in ("e5-small", "minilm") else base_folder)
        log(f"base encoder ranked the held-out buyers, {seconds['evaluate_base']:.0f} s")
    started = time.perf_counter()
    with stage("fine-tuning (steps)") as (advance, set_total):
        result = fine_tune(base_folder, picked, folder, params, progress=advance, on_total=set_total)
    seconds["train"] = time.perf_counter() - started
    log(
        f"fine-tuned: {result.steps} steps, mean loss {result.train_loss:.3f}, "
        f"{result.seconds:.0f} s training; saved {folder}"
    )
    if evaluate and held_out:
        evaluate_as("finetuned", "fine-tuned encoder", folder)

    versions = {dist: importlib.metadata.version(dist) for dist in ("sentence-transformers", "transformers")}
    record = encoder_record(
        name=folder.name,
        base=base,
        base_id=base_id,
        base_folder=base_folder,
        params=params,
        data={
            "buyers_file": buyers.name,
            "buyers_sha256": file_sha256(buyers),
            "qrels_file": qrels.name,
            "qrels_sha256": file_sha256(qrels),
            "catalogue": [str(p) for p in catalogue] if catalogue else ["bundled demo (matching/data/demo)"],
            "min_grade": 2,
            "per_ikm": per_ikm,
            "max_pairs": max_pairs,
            "pairs": len(picked),
            "pairs_available": len(pairs),
            "pair_buyers": len({p.buyer_id for p in picked}),
            "holdout": holdout,
            "seed": params.seed,
            "train_buyers": len(train_ids),
            "held_out_buyers": held_ids,
        },
        code_version=code_version(),
        trained=dt.date.today().isoformat(),
        versions={**versions, "torch": torch.__version__},
        threads=params.threads or torch.get_num_threads(),
    )
    metrics = encoder_metrics(held_out=len(held_out), reports=reports, result=result, seconds=seconds)
    rebuild = rebuild_command(
        buyers=buyers,
        qrels=qrels,
        name=folder.name,
        params=params,
        holdout=holdout,
        max_pairs=max_pairs,
        base=base,
        out_dir=folder if out_dir is not None else None,
    )
    card = encoder_card(record, metrics, folder=folder, rebuild=rebuild, result=result, params=params)
    save_model_record(folder, record, metrics, card)
    return EncoderFinetuning(folder, record, metrics, len(held_out), reports, seconds)


def evaluate_encoder(
    encoder: str | Path,
    buyers: Sequence[Buyer],
    qrels: Qrels,
    *,
    catalogue: Sequence[Path] | None = None,
    reuse: Path | None = None,
    k: int = 10,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Rank ``buyers`` with ``encoder`` (a spec as ``MATCHING_ENCODER`` takes it) over a catalogue imported
    into a throwaway data home.

    ``catalogue``: IKM and product files or folders (default: the bundled demo). ``reuse``: a data home whose
    converted models and cached embeddings may be reused; they are linked and copied, never written to.
    Returns ``{"encoder": model id,
    "ranker": version, "metrics": {system: {split: {ndcg@10, mrr@10, recall@10, queries}}}}`` with the
    systems ``bm25``, ``dense``, ``engine`` (the ranker the engine would use) and ``engine-weights``
    (hand-set weights, which were never fitted to any labels).
    """
    with tempfile.TemporaryDirectory(prefix="matching-eval-") as scratch:
        if reuse is not None:
            _borrow(Path(reuse), Path(scratch))
        settings = Settings(home=Path(scratch), encoder=str(encoder))
        engine = Engine(settings)
        try:
            engine.import_files(list(catalogue) if catalogue else [demo_data_dir()])
            engine.index(progress=progress, on_total=on_total)
            searcher, queries = engine.searcher(), engine.encode_buyers(buyers, cached=False)
            results = evaluate_systems(system_runs(searcher, queries, k=k), qrels, k=k)
            models_dir = engine.settings.models_dir
            results["engine-weights"] = compare_models(
                searcher, queries, ["weights"], qrels, models_dir, k=k
            )["weights"]
            return {
                "encoder": engine.encoder.model_id,
                "ranker": engine.ranker_version,
                "metrics": {
                    system: {split: m.as_dict() for split, m in by_split.items()}
                    for system, by_split in results.items()
                },
            }
        finally:
            engine.close()


def _borrow(source: Path, home: Path) -> None:
    """Link ``source``'s converted models into ``home`` and copy its embedding cache there."""
    for model in sorted((source / "models").glob("*")):
        if (model / "modules.json").exists():
            (home / "models").mkdir(parents=True, exist_ok=True)
            (home / "models" / model.name).symlink_to(model.resolve(), target_is_directory=True)
    cache = source / "cache" / "embeddings.sqlite"
    if cache.exists():
        (home / "cache").mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(home / "cache" / "embeddings.sqlite")) as dst,
        ):
            src.backup(dst)


def load_catalogue(paths: Sequence[Path] | None = None) -> Catalogue:
    """The catalogue of IKM and product files or folders (default: the bundled demo), read through a
    throwaway store so it is validated and understood exactly as an import would be."""
    with tempfile.TemporaryDirectory(prefix="matching-catalogue-") as scratch:
        engine = Engine(Settings(home=Path(scratch), encoder="hashing"))
        try:
            engine.import_files(list(paths) if paths else [demo_data_dir()])
            return Catalogue.build(engine.store.ikms(), engine.store.each_product())
        finally:
            engine.close()
