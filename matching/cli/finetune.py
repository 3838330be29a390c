"""``matching finetune``: fine-tune the sentence encoder on graded labels, on the CPU.

The command parses its options into a ``matching.app.training.finetune_encoder`` run (split by buyer,
training pairs, fine-tuning, held-out evaluation of the base and the tuned encoder, record, metrics and model
card saved in the model folder), shows its stages as progress bars and its status lines on stderr, and prints
nDCG@10 of every system on the held-out buyers, base vs fine-tuned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from matching.app.training import finetune_encoder
from matching.cli._app import DEV_QRELS, HomeOption, app, err, errors, out, progress, settings_for
from matching.learning.finetuning import FinetuneParams
from matching.learning.model_cards import ENCODER_SYSTEMS, verdict

__all__ = ["finetune"]


def _print_comparison(base: dict[str, Any], tuned: dict[str, Any], n_held: int) -> None:
    table = Table(title=f"nDCG@10 on {n_held} held-out buyers: base vs fine-tuned encoder")
    for column in ("system", "split", "base", "fine-tuned", "difference"):
        table.add_column(column, justify="left" if column in ("system", "split") else "right")
    for system in ENCODER_SYSTEMS:
        for split in ("all", "en", "id"):
            a = base["metrics"][system][split]["ndcg@10"]
            b = tuned["metrics"][system][split]["ndcg@10"]
            table.add_row(system, split, f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}", end_section=split == "id")
    out.print(table)


@app.command()
def finetune(
    buyers: Annotated[
        Path, typer.Option(help="Buyers CSV/XLSX with judged requirements.", exists=True, dir_okay=False)
    ],
    qrels: Annotated[
        Path, typer.Option(help="TREC qrels with grades 0-3.", exists=True, dir_okay=False)
    ] = DEV_QRELS,
    name: Annotated[str, typer.Option(help="Model folder name under the models dir.")] = "encoder-e5-ft-v1",
    base: Annotated[
        str, typer.Option(help="Encoder to start from: e5-small, minilm or a folder.")
    ] = "e5-small",
    catalogue: Annotated[
        list[Path] | None,
        typer.Option(help="IKM and product files or folders (repeatable). Default: the demo.", exists=True),
    ] = None,
    epochs: Annotated[float, typer.Option(help="Passes over the training pairs.", min=0.01)] = 1.0,
    batch_size: Annotated[int, typer.Option(help="Pairs per batch (in-batch negatives).", min=2)] = 16,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.", min=0)] = 2e-5,
    max_pairs: Annotated[
        int | None, typer.Option(help="Cap on training pairs (spread over buyers).", min=2)
    ] = None,
    max_steps: Annotated[int, typer.Option(help="Stop after this many steps (overrides --epochs).")] = -1,
    threads: Annotated[
        int,
        typer.Option(help="CPU threads for training (0: all cores; 1 is faster on a busy machine).", min=0),
    ] = 0,
    per_ikm: Annotated[int, typer.Option(help="Products per relevant IKM.", min=1)] = 1,
    holdout: Annotated[
        float, typer.Option(help="Share of buyers held out for evaluation.", min=0, max=0.9)
    ] = 0.3,
    seed: Annotated[int, typer.Option(help="Seed of the split, the sampling and the training.")] = 0,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Save here instead of <models dir>/<name>.", file_okay=False)
    ] = None,
    evaluate: Annotated[bool, typer.Option(help="Rank the held-out buyers before and after.")] = True,
    home: HomeOption = None,
) -> None:
    """Fine-tune the sentence encoder on graded labels (CPU); compare it with the base on held-out buyers."""
    params = FinetuneParams(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        max_steps=max_steps,
        seed=seed,
        threads=threads,
    )
    with errors():
        run = finetune_encoder(
            settings_for(home),
            buyers,
            qrels,
            name=name,
            base=base,
            catalogue=catalogue,
            params=params,
            max_pairs=max_pairs,
            per_ikm=per_ikm,
            holdout=holdout,
            out_dir=out_dir,
            evaluate=evaluate,
            stage=progress,
            log=err.print,
        )
    if "finetuned" not in run.reports:
        out.print(f"saved {run.folder} (no held-out buyers were ranked)")
        return
    _print_comparison(run.reports["base"], run.reports["finetuned"], run.held_out)
    out.print(verdict(run.reports["base"], run.reports["finetuned"]))
    timing = ", ".join(f"{key} {value:.0f} s" for key, value in run.seconds.items())
    out.print(f"saved {run.folder}; {timing}")
    out.print(f"use it: MATCHING_ENCODER={run.folder} matching index")
