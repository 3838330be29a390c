"""Tables for the staff notebooks (``notebooks/``): the catalogue by place, material and OVOP stars, and the
dev set judged per buyer (breakdowns, failure cases).

Plain functions over the engine's records and runs that return pandas frames; the notebooks plot them.
Knob sweeps (ranker weights, candidate depth, learned-ranker hyperparameters) are in
:mod:`matching.lab.tuning`.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.schema import Buyer
from matching.common.regions import provinces
from matching.config import Settings
from matching.learning.baselines import SystemRuns
from matching.learning.judged_sets import judged_set
from matching.learning.metrics import Qrels, mrr_at_k, ndcg_at_k, read_qrels, recall_best_at_k

__all__ = [
    "DevSet",
    "breakdown",
    "case_table",
    "catalogue_frame",
    "failure_cases",
    "load_dev_set",
    "notebook_engine",
    "open_judged_set",
    "per_buyer_metrics",
    "province_centroids",
    "province_counts",
]

METRICS = ("ndcg@10", "mrr@10", "recall@10")


def notebook_engine(**settings: Any) -> Engine:
    """An engine on the data home that ``MATCHING_HOME`` names, else on a new temporary folder.

    Keyword arguments are :class:`~matching.config.Settings` fields (``encoder="e5-small"``,
    ``ranker="weights"`` ...). A notebook run twice on one home reuses its embedding cache and index. A
    temporary home is left in place (it holds the notebook's database and index until the system clears it).
    """
    chosen = Settings(**settings)
    if "home" not in chosen.model_fields_set:  # neither MATCHING_HOME nor home= was given
        chosen = chosen.model_copy(update={"home": Path(tempfile.mkdtemp(prefix="matching-notebook-"))})
    return Engine(chosen)


# -- the catalogue ------------------------------------------------------------------------------------


@cache
def _centroid_rows() -> dict[str, tuple[float, float]]:
    text = (
        resources.files("matching").joinpath("resources/province_centroids.tsv").read_text(encoding="utf-8")
    )
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = {}
    for line in lines[1:]:
        code, lon, lat = line.split("\t")
        rows[code] = (float(lon), float(lat))
    return rows


def province_centroids() -> pd.DataFrame:
    """Indonesia's 38 provinces with an approximate centroid (``lon``, ``lat``; for plotting only)."""
    centroids = _centroid_rows()
    return pd.DataFrame(
        [
            {"code": p.code, "province": p.name, "region": p.region, "lon": lon, "lat": lat}
            for p in provinces().provinces
            for lon, lat in [centroids[p.code]]
        ]
    )


_CATALOGUE_COLUMNS = [
    "ikm_id",
    "name",
    "province",
    "region",
    "ovop_stars",
    "capacity_per_month",
    "certifications",
    "exporter",
    "products",
    "main_material",
    "makes",
]


def catalogue_frame(engine: Engine) -> pd.DataFrame:
    """One row per IKM of the store: place, OVOP stars, capacity, certificates, what it makes.

    ``main_material`` is the material of most of its products (ties by name; ``(none)`` without any),
    ``makes`` its distinct ``material category`` pairs.
    """
    regions = {p.name: p.region for p in provinces().provinces}
    by_ikm: dict[str, list[tuple[str, str]]] = {}
    for product in engine.store.products():
        pair = ((product.material or "(none)").lower(), (product.category or "(none)").lower())
        by_ikm.setdefault(product.ikm_id, []).append(pair)
    rows = []
    for ikm in engine.store.ikms():
        made = by_ikm.get(ikm.ikm_id, [])
        materials = Counter(m for m, _ in made)
        rows.append(
            {
                "ikm_id": ikm.ikm_id,
                "name": ikm.name,
                "province": ikm.province,
                "region": regions.get(ikm.province, "(unknown)"),
                "ovop_stars": ikm.ovop_stars,
                "capacity_per_month": ikm.capacity_per_month,
                "certifications": "; ".join(sorted(ikm.certifications)),
                "exporter": bool(ikm.export_markets),
                "products": len(made),
                "main_material": min(materials, key=lambda m: (-materials[m], m)) if materials else "(none)",
                "makes": "; ".join(f"{m} {c}" for m, c in sorted(set(made))),
            }
        )
    frame = pd.DataFrame(rows, columns=_CATALOGUE_COLUMNS)
    frame["ovop_stars"] = frame["ovop_stars"].astype("Int64")
    frame["capacity_per_month"] = frame["capacity_per_month"].astype("Int64")
    return frame.sort_values("ikm_id", ignore_index=True)


def province_counts(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Every province (all 38, with zeros) with its centroid, IKM and product counts, mean OVOP stars and
    most common main material; most IKMs first."""
    grouped = catalogue.groupby("province")
    counts = pd.DataFrame(
        {
            "ikms": grouped.size(),
            "products": grouped["products"].sum(),
            "mean_stars": grouped["ovop_stars"].mean().astype(float),
            "top_material": grouped["main_material"].agg(lambda s: s.value_counts().sort_index().idxmax()),
        }
    )
    frame = province_centroids().merge(counts, how="left", left_on="province", right_index=True)
    frame[["ikms", "products"]] = frame[["ikms", "products"]].fillna(0).astype(int)
    return frame.sort_values(["ikms", "province"], ascending=[False, True], ignore_index=True)


# -- the dev set ---------------------------------------------------------------------------------------


@dataclass
class DevSet:
    """Judged buyers: the buyers, their graded qrels and their latent needs (one row per buyer_id)."""

    buyers: list[Buyer]
    qrels: Qrels
    latent: pd.DataFrame


def open_judged_set(name: str, settings: Settings) -> tuple[Engine, list[Buyer], Qrels]:
    """An engine on ``settings.home`` with judged set ``name``'s catalogue imported (all or nothing: a bad
    row raises, naming it), its buyers and its qrels. Not indexed: the caller indexes when it needs to."""
    files = judged_set(name)
    engine = Engine(settings)
    engine.import_files([files.catalogue / "ikms.csv", files.catalogue / "products.csv", files.buyers])
    return engine, engine.read_buyers(files.buyers), read_qrels(files.qrels)


def load_dev_set(buyers_path: Path | None = None, dev_dir: Path | None = None) -> DevSet:
    """The bundled dev set (demo buyers, ``data/dev/qrels.txt`` and ``latent.jsonl``) or another one."""
    dev_dir = dev_dir or demo_data_dir().parent / "dev"
    buyers = Engine.read_buyers(buyers_path or demo_data_dir() / "buyers.csv")
    lines = (dev_dir / "latent.jsonl").read_text(encoding="utf-8").splitlines()
    latent = pd.DataFrame([json.loads(line) for line in lines if line.strip()]).set_index("buyer_id")
    return DevSet(buyers, read_qrels(dev_dir / "qrels.txt"), latent)


def per_buyer_metrics(runs: SystemRuns, qrels: Qrels, *, k: int = 10) -> pd.DataFrame:
    """nDCG / MRR / recall at ``k`` of every system for every judged buyer with a relevant IKM.

    Their means per system are :func:`matching.learning.baselines.evaluate_systems`' figures.
    """
    rows = []
    for system, run in runs.runs.items():
        for buyer_id, language in runs.languages.items():
            grades = qrels.get(buyer_id, {})
            if max(grades.values(), default=0) <= 0:
                continue
            ranking = [doc for doc, _ in run.get(buyer_id, [])]
            rows.append(
                {
                    "system": system,
                    "buyer_id": buyer_id,
                    "language": language,
                    "ndcg@10": ndcg_at_k(ranking, grades, k),
                    "mrr@10": mrr_at_k(ranking, grades, k),
                    "recall@10": recall_best_at_k(ranking, grades, k),
                }
            )
    return pd.DataFrame(rows, columns=["system", "buyer_id", "language", *METRICS])


def breakdown(
    per_buyer: pd.DataFrame, latent: pd.DataFrame, by: str, *, metric: str = "ndcg@10"
) -> pd.DataFrame:
    """Mean ``metric`` per system (columns) for each value of the buyers' latent attribute ``by`` (rows),
    with the number of buyers. A buyer whose attribute is a list (``materials``) counts under each value."""
    joined = per_buyer if by in per_buyer.columns else per_buyer.join(latent[[by]], on="buyer_id")
    if joined[by].map(lambda v: isinstance(v, list)).any():
        joined = joined.explode(by)
    joined[by] = joined[by].fillna("(none)").astype(str)
    table = joined.pivot_table(index=by, columns="system", values=metric, aggfunc="mean")
    table.columns.name = None
    table["buyers"] = joined.groupby(by)["buyer_id"].nunique()
    return table.sort_values("buyers", ascending=False)


def failure_cases(
    per_buyer: pd.DataFrame, dev: DevSet, *, system: str = "engine", n: int = 5
) -> pd.DataFrame:
    """The ``n`` buyers ``system`` serves worst (lowest nDCG, then id) with their requirement and need."""
    worst = per_buyer[per_buyer["system"] == system].sort_values(["ndcg@10", "buyer_id"]).head(n)
    requirement = {b.buyer_id: b.requirement for b in dev.buyers}
    need = dev.latent.reindex(worst["buyer_id"])
    return pd.DataFrame(
        {
            "buyer_id": worst["buyer_id"].to_numpy(),
            "language": worst["language"].to_numpy(),
            "ndcg@10": worst["ndcg@10"].to_numpy(),
            "requirement": [requirement.get(b, "") for b in worst["buyer_id"]],
            "materials": ["/".join(m) if isinstance(m, list) else "" for m in need["materials"]],
            "category": need["category"].to_numpy(),
            "quantity": pd.array(need["quantity"].to_numpy(), dtype="Int64"),
            "certifications": [", ".join(c or []) for c in need["required_certifications"]],
            "provinces": [", ".join(p or []) for p in need["preferred_provinces"]],
        }
    )


def case_table(
    catalogue: pd.DataFrame,
    ranking: Sequence[tuple[str, float]],
    grades: Mapping[str, int],
    *,
    k: int = 10,
    missed_grade: int | None = None,
) -> pd.DataFrame:
    """One buyer's top ``k`` (rank, score, grade and what each IKM is) followed by the IKMs of the best grade
    (or ``missed_grade``) that did not make the top ``k`` (rank empty): what was shown beside what was due."""
    shown = [(rank, ikm, score) for rank, (ikm, score) in enumerate(ranking[:k], start=1)]
    best = missed_grade if missed_grade is not None else max(grades.values(), default=0)
    on_top = {ikm for _, ikm, _ in shown}
    missed = sorted(i for i, g in grades.items() if g == best and best > 0 and i not in on_top)
    rows = [(rank, ikm, score) for rank, ikm, score in shown] + [(None, ikm, None) for ikm in missed]
    frame = pd.DataFrame(rows, columns=["rank", "ikm_id", "score"])
    frame["rank"] = frame["rank"].astype("Int64")
    frame["grade"] = [grades.get(i, 0) for i in frame["ikm_id"]]
    info = catalogue.set_index("ikm_id")[
        ["name", "province", "capacity_per_month", "certifications", "makes"]
    ]
    return frame.join(info, on="ikm_id")
