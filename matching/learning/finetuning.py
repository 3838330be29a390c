"""Fine-tuning the sentence encoder on (requirement, product text) pairs, on the CPU.

The data flow, one function per step:

``labels`` (graded qrels, or meeting outcomes on the same 0-3 scale) -> :func:`split_buyers` (seeded, by
buyer, stratified by query language: held-out buyers are never trained on) -> :func:`label_pairs` (each
buyer's requirement with the ``query: `` prompt, and each relevant IKM's best-matching product text with
the ``passage: `` prompt) -> :func:`sample_pairs` (optional cap, round-robin over buyers) -> :func:`fine_tune`
(sentence-transformers trainer, in-batch negatives with ``MultipleNegativesRankingLoss``, no duplicate texts
in a batch, seeded) -> a sentence-transformers folder. Evaluating it (the same held-out buyers ranked by
BM25, dense-only, the full engine and the engine with hand-set weights, in a throwaway data home) and the
whole run with its model card are use cases of the engine: ``matching.app.training``.

Which product of a relevant IKM is "best-matching" is decided from the requirement alone: the product
whose lexicon concepts match the requirement's product type and material, then the one sharing the most
words with it, then the lowest product id. The encoder is never asked, so the pairs do not depend on the
model being trained.

The saved folder's ``config.json`` is the transformer's own configuration (sentence-transformers needs it to
load the folder) with one more key, ``"matching"``, recording what the model is: base model, data, training
parameters and code version. sentence-transformers and ``transformers`` load such a folder unchanged.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from matching.catalogue.schema import Buyer
from matching.common.text import fold
from matching.errors import ConfigError
from matching.learning.metrics import Qrels
from matching.ranking.queries import buyer_language
from matching.retrieval.documents import Catalogue, ProductProfile
from matching.retrieval.encoders import SentenceTransformerEncoder, e5_folder, load_encoder
from matching.retrieval.query import BuyerNeeds, parse_needs

__all__ = [
    "PASSAGE_PROMPT",
    "QUERY_PROMPT",
    "FinetuneParams",
    "FinetuneResult",
    "TrainingPair",
    "base_encoder_folder",
    "best_products",
    "fine_tune",
    "label_pairs",
    "outcome_pairs",
    "qrels_pairs",
    "sample_pairs",
    "save_model_record",
    "split_buyers",
]

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

Label = tuple[str, str, float | bool]  # (buyer_id, ikm_id, grade or label; True = a positive outcome)


@dataclass(frozen=True, slots=True)
class TrainingPair:
    """One positive (requirement, product) pair; ``query`` and ``passage`` carry their prompts."""

    buyer_id: str
    ikm_id: str
    product_id: str
    grade: float
    source: str  # "qrels" | "outcomes"
    query: str
    passage: str


# ------------------------------------------------------------------------------------------- pairs


def split_buyers(
    buyers: Sequence[Buyer], *, holdout: float = 0.3, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Seeded split of the buyers into (train ids, held-out ids), stratified by query language.

    ``holdout`` is the share of each language's buyers held out (rounded); 0 trains on every buyer.
    """
    if not 0 <= holdout < 1:
        raise ConfigError(f"holdout must be at least 0 and below 1, not {holdout}")
    rng = random.Random(seed)
    by_language: dict[str, list[str]] = defaultdict(list)
    for buyer in buyers:
        by_language[buyer_language(buyer)].append(buyer.buyer_id)
    train: list[str] = []
    held_out: list[str] = []
    for language in sorted(by_language):
        ids = sorted(set(by_language[language]))
        rng.shuffle(ids)
        cut = round(len(ids) * holdout)
        held_out += ids[:cut]
        train += ids[cut:]
    return sorted(train), sorted(held_out)


def best_products(
    catalogue: Catalogue, needs: BuyerNeeds, ikm_id: str, *, n: int = 1
) -> list[ProductProfile]:
    """The IKM's ``n`` products that best match the requirement (see the module docstring)."""
    profile = catalogue.ikms.get(ikm_id)
    if profile is None:
        return []
    materials, kinds = set(needs.materials), set(needs.products)
    words = set(fold(needs.text).split())

    def key(product: ProductProfile) -> tuple[int, int, str]:
        concept = 2 * bool(product.products & kinds) + bool(product.materials & materials)
        overlap = len(words & set(fold(product.text).split()))
        return (-concept, -overlap, product.product_id)

    products = [catalogue.products[p] for p in profile.product_ids if p in catalogue.products]
    return sorted(products, key=key)[:n]


def label_pairs(
    buyers: Sequence[Buyer],
    labels: Iterable[Label],
    catalogue: Catalogue,
    *,
    buyer_ids: Iterable[str] | None = None,
    min_grade: float = 2,
    per_ikm: int = 1,
    source: str = "qrels",
) -> list[TrainingPair]:
    """Training pairs from (buyer_id, ikm_id, grade) labels with ``grade >= min_grade``.

    Only buyers in ``buyer_ids`` (default: all of ``buyers``) are used: pass the training split. Labels
    naming an unknown buyer or an IKM missing from the catalogue are skipped. Ordered by buyer, grade
    (best first), IKM and product, so equal inputs give equal pairs.
    """
    by_id = {b.buyer_id: b for b in buyers}
    allowed = set(by_id) if buyer_ids is None else set(buyer_ids) & set(by_id)
    wanted: dict[str, dict[str, float]] = defaultdict(dict)
    for buyer_id, ikm_id, grade in labels:
        if buyer_id in allowed and float(grade) >= min_grade:
            wanted[buyer_id][ikm_id] = max(float(grade), wanted[buyer_id].get(ikm_id, -math.inf))
    pairs: list[TrainingPair] = []
    for buyer_id in sorted(wanted):
        buyer = by_id[buyer_id]
        needs = parse_needs(buyer.requirement)
        for ikm_id, grade in sorted(wanted[buyer_id].items(), key=lambda item: (-item[1], item[0])):
            for product in best_products(catalogue, needs, ikm_id, n=per_ikm):
                pairs.append(
                    TrainingPair(
                        buyer_id,
                        ikm_id,
                        product.product_id,
                        grade,
                        source,
                        QUERY_PROMPT + buyer.requirement,
                        PASSAGE_PROMPT + product.text,
                    )
                )
    return pairs


def qrels_pairs(
    buyers: Sequence[Buyer], qrels: Qrels, catalogue: Catalogue, **kwargs: Any
) -> list[TrainingPair]:
    """:func:`label_pairs` from graded qrels (grade >= 2 by default: right product, feasible)."""
    labels = ((b, i, g) for b, grades in qrels.items() for i, g in grades.items())
    return label_pairs(buyers, labels, catalogue, source="qrels", **kwargs)


def outcome_pairs(
    buyers: Sequence[Buyer], outcomes: Iterable[Label], catalogue: Catalogue, **kwargs: Any
) -> list[TrainingPair]:
    """:func:`label_pairs` from meeting outcomes: (buyer_id, ikm_id, label) with the label on the grade scale
    (as :func:`matching.learning.outcomes.outcome_grade` gives it) or a bool (True = a positive outcome)."""
    labels = ((b, i, 3.0 if label is True else float(label)) for b, i, label in outcomes)
    return label_pairs(buyers, labels, catalogue, source="outcomes", **kwargs)


def sample_pairs(
    pairs: Sequence[TrainingPair], *, max_pairs: int | None = None, seed: int = 0
) -> list[TrainingPair]:
    """At most ``max_pairs`` pairs spread over the buyers: round-robin over the buyers (in a seeded order),
    each buyer's best grades first. A (buyer, product) pair listed twice (qrels and outcomes) is kept once.
    """
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    queues: dict[str, list[TrainingPair]] = defaultdict(list)
    for pair in pairs:
        if (pair.buyer_id, pair.product_id) not in seen:
            seen.add((pair.buyer_id, pair.product_id))
            queues[pair.buyer_id].append(pair)
    for buyer_id, queue in queues.items():
        grades = sorted({p.grade for p in queue}, reverse=True)
        shuffled = []
        for grade in grades:
            same = [p for p in queue if p.grade == grade]
            rng.shuffle(same)
            shuffled += same
        queues[buyer_id] = shuffled
    order = sorted(queues)
    rng.shuffle(order)
    limit = len(seen) if max_pairs is None else max(0, max_pairs)
    picked: list[TrainingPair] = []
    depth = 0
    while len(picked) < limit and any(len(q) > depth for q in queues.values()):
        for buyer_id in order:
            if len(picked) < limit and len(queues[buyer_id]) > depth:
                picked.append(queues[buyer_id][depth])
        depth += 1
    return picked


# ---------------------------------------------------------------------------------------- training


@dataclass
class FinetuneParams:
    """Training hyperparameters (small, CPU-sized defaults)."""

    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    max_steps: int = -1  # > 0 overrides epochs
    max_seq_length: int = 128  # for training only; the saved model keeps the base's limit
    freeze_embeddings: bool = True  # keep the 250k-piece word embeddings: words unseen in training stay put
    scale: float = 20.0  # MultipleNegativesRankingLoss temperature (inverse)
    seed: int = 0
    threads: int = 0  # torch CPU threads while training; 0 = torch's default (all cores)


@dataclass
class FinetuneResult:
    folder: Path
    pairs: int
    steps: int
    seconds: float
    train_loss: float
    losses: list[float] = field(default_factory=list)  # the loss logged at every step


def base_encoder_folder(spec: str, *, home: Path) -> tuple[Path, str]:
    """The sentence-transformers folder of a trainable encoder spec (``e5-small``, ``minilm`` or a folder)
    and its model id. ``e5-small`` is converted into ``home`` on first use, as the engine does."""

    if spec == "e5-small":
        return e5_folder(home, progress=False)
    encoder = load_encoder(spec, home=home, progress=False)
    if not isinstance(encoder, SentenceTransformerEncoder):
        raise ConfigError(f"encoder {spec!r} cannot be fine-tuned: use e5-small, minilm or a folder")
    return encoder.path, encoder.model_id


def _training_api() -> SimpleNamespace:
    """The training classes, imported on demand (they need the ``finetune`` extra)."""
    try:
        from datasets import Dataset
        from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
        from transformers import PrinterCallback, TrainerCallback
    except ImportError as exc:
        raise ConfigError(
            "fine-tuning needs the packages datasets and accelerate: pip install -e '.[finetune]'"
        ) from exc
    try:  # sentence-transformers >= 5.2 moved these; the old paths still work but warn
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
        from sentence_transformers.sentence_transformer.training_args import BatchSamplers
    except ImportError:  # pragma: no cover - older sentence-transformers
        from sentence_transformers.losses import MultipleNegativesRankingLoss  # type: ignore[no-redef]
        from sentence_transformers.training_args import BatchSamplers  # type: ignore[no-redef]
    return SimpleNamespace(
        Dataset=Dataset,
        Trainer=SentenceTransformerTrainer,
        Arguments=SentenceTransformerTrainingArguments,
        Callback=TrainerCallback,
        Printer=PrinterCallback,
        Loss=MultipleNegativesRankingLoss,
        Samplers=BatchSamplers,
    )


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.is_file() or (
        out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "config.json").exists()
    ):
        raise ConfigError(f"{out_dir} exists and is not a model folder: choose another name or --out")


def _replace_folder(staging: Path, out_dir: Path) -> None:
    """Move the freshly saved ``staging`` folder to ``out_dir``, replacing an earlier model there."""
    _check_replaceable(out_dir)
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.rename(retired / "folder")
        try:
            staging.rename(out_dir)
        except OSError:
            (retired / "folder").rename(out_dir)
            raise
        finally:
            shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(out_dir)


def fine_tune(
    base: Path,
    pairs: Sequence[TrainingPair],
    out_dir: Path,
    params: FinetuneParams | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> FinetuneResult:
    """Fine-tune the sentence-transformers folder ``base`` on ``pairs`` and save the result to ``out_dir``.

    In-batch negatives (every other passage in the batch is a negative for a query), batches without
    duplicate texts, CPU only, seeded. ``progress`` is called once per optimiser step, ``on_total`` once
    with the number of steps. The folder is saved beside ``out_dir`` and renamed into place, replacing an
    earlier model there (a folder that is not a model is never replaced).
    """
    params = params or FinetuneParams()
    _check_replaceable(Path(out_dir))
    if len(pairs) < 2:
        raise ConfigError(f"fine-tuning needs at least 2 training pairs, got {len(pairs)}")
    api = _training_api()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(params.seed)
    threads = torch.get_num_threads()
    if params.threads > 0:
        torch.set_num_threads(params.threads)
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    saved_length = model.max_seq_length
    model.max_seq_length = min(params.max_seq_length, saved_length or params.max_seq_length)
    if params.freeze_embeddings:
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding) and module.num_embeddings > 10_000:
                module.weight.requires_grad_(False)

    data = api.Dataset.from_dict({"anchor": [p.query for p in pairs], "positive": [p.passage for p in pairs]})
    batch = min(params.batch_size, len(pairs))
    steps_per_epoch = math.ceil(len(pairs) / batch)
    total = params.max_steps if params.max_steps > 0 else math.ceil(steps_per_epoch * params.epochs)
    losses: list[float] = []

    class _Progress(api.Callback):  # type: ignore[misc, name-defined]  # transformers loaded at run time
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if progress:
                progress(1)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

    if on_total:
        on_total(total)
    with tempfile.TemporaryDirectory(prefix="matching-finetune-") as scratch:
        args = api.Arguments(
            output_dir=scratch,
            num_train_epochs=params.epochs,
            max_steps=params.max_steps,
            per_device_train_batch_size=batch,
            learning_rate=params.learning_rate,
            warmup_steps=math.ceil(params.warmup_ratio * total),
            seed=params.seed,
            data_seed=params.seed,
            batch_sampler=api.Samplers.NO_DUPLICATES,
            use_cpu=True,
            save_strategy="no",
            report_to="none",
            logging_steps=1,
            disable_tqdm=True,
        )
        trainer = api.Trainer(
            model=model,
            args=args,
            train_dataset=data,
            loss=api.Loss(model, scale=params.scale),
            callbacks=[_Progress()],
        )
        trainer.remove_callback(api.Printer)  # the losses are kept in the result instead of printed
        started = time.perf_counter()
        try:
            output = trainer.train()
        finally:
            torch.set_num_threads(threads)
        seconds = time.perf_counter() - started
    model.max_seq_length = saved_length
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        model.save(str(staging), create_model_card=False)
        staging.chmod(0o755)
        _replace_folder(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FinetuneResult(
        out_dir, len(pairs), int(output.global_step), seconds, float(output.training_loss), losses
    )


def save_model_record(
    folder: Path, record: Mapping[str, Any], metrics: Mapping[str, Any], card: str | None = None
) -> None:
    """Write the model's record into its ``config.json`` (key ``"matching"``), ``metrics.json`` and, when
    given, the ``README.md`` model card."""
    folder = Path(folder)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["matching"] = dict(record)
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if card is not None:
        (folder / "README.md").write_text(card, encoding="utf-8")
