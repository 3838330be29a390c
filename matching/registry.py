"""Ranker artifacts under ``models/<name>/``: ``ranker.joblib`` + ``config.json`` + ``metrics.json`` +
``README.md`` (the model card). :func:`resolve_ranker` picks what the engine uses."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from matching.errors import ConfigError
from matching.features import FEATURE_NAMES
from matching.rank import WeightedRanker

__all__ = ["load_ranker", "model_versions", "resolve_ranker", "save_ranker"]

RANKER_FILE = "ranker.joblib"


def save_ranker(
    ranker: Any, directory: Path, *, config: dict[str, Any], metrics: dict[str, Any], card: str
) -> Path:
    """Write a ranker artifact (overwriting the folder's files)."""
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(ranker, directory / RANKER_FILE)
    (directory / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    (directory / "README.md").write_text(card, encoding="utf-8")
    return directory


def load_ranker(directory: Path) -> tuple[Any, dict[str, Any]]:
    """A saved ranker and its config; refuses one trained on other features."""
    import joblib

    path = directory / RANKER_FILE
    if not path.is_file():
        raise ConfigError(f"{directory} holds no {RANKER_FILE}")
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    if tuple(config.get("features", ())) != FEATURE_NAMES:
        raise ConfigError(f"{directory} was trained on other features; retrain it with `matching train`")
    return joblib.load(path), config


def model_versions(models_dir: Path) -> list[Path]:
    """Ranker folders in ``models_dir``, oldest first (by the number in ``ranker-vN``)."""
    if not models_dir.is_dir():
        return []
    found = [p for p in models_dir.iterdir() if (p / RANKER_FILE).is_file()]

    def key(p: Path) -> tuple[int, str]:
        m = re.search(r"(\d+)$", p.name)
        return (int(m.group(1)) if m else -1, p.name)

    return sorted(found, key=key)


def resolve_ranker(spec: str, models_dir: Path) -> tuple[Any, str]:
    """The ranker named by ``spec`` (``auto`` | ``weights`` | a folder) and a version label."""
    if spec == "weights":
        return _weights(), "weights"
    if spec == "auto":
        versions = model_versions(models_dir)
        if not versions:
            return _weights(), "weights"
        try:
            ranker, _ = load_ranker(versions[-1])
        except Exception as exc:  # an unloadable artifact must not take search down: fall back, loudly
            warnings.warn(f"cannot load {versions[-1]} ({exc}); using hand-set weights", stacklevel=2)
            return _weights(), "weights"
        return ranker, versions[-1].name
    folder = Path(spec)
    if not folder.is_dir():
        folder = models_dir / spec
    ranker, _ = load_ranker(folder)
    return ranker, folder.name


def _weights() -> WeightedRanker:
    return WeightedRanker().fit(np.zeros((1, len(FEATURE_NAMES))))
