"""Ranker artifacts: a folder ``<name>/`` with ``ranker.joblib`` + ``config.json`` + ``metrics.json`` +
``README.md`` (the model card). :func:`resolve_ranker` picks what the engine uses.

Two places hold versions. Training writes into the models dir of the data home (``Settings.models_dir``,
default ``<home>/models``); behind it stand the versions shipped with the package (:data:`BUNDLED_MODELS`:
the repository's ``models/``, installed as ``matching/bundled_models``), read-only defaults. Listing and
resolving see both: a name in both is the models dir's, ``newest`` is the newest version of either.

Training never changes what ranks: a new version is used once someone chooses it (``matching models use
ranker-v3``, after ``matching models compare weights ranker-v3`` on data it was not trained on), or after
``matching models use newest``, which follows every new version from then on. Until then ``auto`` ranks: the
newest *bundled* version chosen by leave-one-set-out (the one that won on judged sets it never saw, see
``matching.app.ranker_selection``), when the engine runs the encoders it was trained with; else the hand-set
weights. A model fitted to one judged set alone can lose to them on another (``models/ranker-v1``'s card),
so a version not chosen that way never becomes the default.
"""

from __future__ import annotations

import json
import re
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from matching.errors import ConfigError
from matching.ranking.features import FEATURE_NAMES
from matching.ranking.rankers import ColumnsRanker, WeightedRanker

__all__ = [
    "ACTIVE_FILE",
    "BUNDLED_MODELS",
    "active_model",
    "default_model",
    "find_model",
    "load_ranker",
    "model_info",
    "model_versions",
    "resolve_ranker",
    "save_ranker",
    "set_active_model",
]

RANKER_FILE = "ranker.joblib"
ACTIVE_FILE = "active-ranker"  # in the data home: the model `matching models use` chose
# the versions shipped with the package; in a checkout, matching/bundled_models links to models/
BUNDLED_MODELS = Path(str(resources.files("matching").joinpath("bundled_models")))


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
    """A saved ranker and its config; one trained on fewer of today's features is fed those columns
    (:class:`~matching.ranking.rankers.ColumnsRanker`); refuses one trained on features no longer computed."""
    import joblib

    path = directory / RANKER_FILE
    if not path.is_file():
        raise ConfigError(f"{directory} holds no {RANKER_FILE}")
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    features = tuple(config.get("features", ()))
    if not features or not set(features) <= set(FEATURE_NAMES):
        raise ConfigError(f"{directory} was trained on other features; retrain it with `matching train`")
    ranker = joblib.load(path)
    return (ranker if features == FEATURE_NAMES else ColumnsRanker(ranker, features)), config


def model_versions(models_dir: Path, *, bundled: Path | None = BUNDLED_MODELS) -> list[Path]:
    """Ranker folders in ``models_dir`` and ``bundled``, oldest first (by the number in ``ranker-vN``); of a
    name in both, the one in ``models_dir``."""
    found: dict[str, Path] = {}
    for where in (bundled, models_dir):  # models_dir last: its folders replace bundled ones of the same name
        if where is not None and where.is_dir():
            found.update({p.name: p for p in where.iterdir() if (p / RANKER_FILE).is_file()})

    def key(p: Path) -> tuple[int, str]:
        m = re.search(r"(\d+)$", p.name)
        return (int(m.group(1)) if m else -1, p.name)

    return sorted(found.values(), key=key)


def find_model(name: str, models_dir: Path, *, bundled: Path | None = BUNDLED_MODELS) -> Path | None:
    """The folder of version ``name``: in ``models_dir`` if it holds one, else in ``bundled``, else None."""
    for where in (models_dir, bundled):
        if where is not None and (where / name / RANKER_FILE).is_file():
            return where / name
    return None


def default_model(bundled: Path | None, encoders: tuple[str, str | None] | None) -> Path | None:
    """The bundled version ``auto`` ranks with: the newest chosen by leave-one-set-out whose encoder and
    second encoder (``config.json``) are ``encoders`` (the engine's); None when there is none, or when
    ``encoders`` is None (unknown: features from other encoders would be read on another scale)."""
    if bundled is None or encoders is None or not bundled.is_dir():
        return None
    for folder in reversed(model_versions(bundled, bundled=None)):
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("selection") != "leave-one-set-out":
            continue
        if (config.get("encoder"), config.get("second_encoder")) == encoders:
            return folder
    return None


def resolve_ranker(
    spec: str,
    models_dir: Path,
    *,
    bundled: Path | None = BUNDLED_MODELS,
    encoders: tuple[str, str | None] | None = None,
) -> tuple[Any, str]:
    """The ranker named by ``spec`` and a version label: ``weights`` is the hand-set weights; ``auto`` the
    bundled leave-one-set-out choice for the engine's ``encoders`` (its model id, and the second encoder's
    or None; :func:`default_model`), else the weights; ``newest`` the newest ``ranker-vN`` of ``models_dir``
    and ``bundled`` (the weights when there is none or it does not load); else a folder (a path, or a name:
    ``models_dir``'s, else ``bundled``'s)."""
    if spec == "weights":
        return _weights(), "weights"
    if spec == "auto":
        folder = default_model(bundled, encoders)
        if folder is None:
            return _weights(), "weights"
        try:
            return load_ranker(folder)[0], folder.name
        except Exception as exc:  # an unloadable artifact must not take search down: fall back, loudly
            warnings.warn(f"cannot load {folder} ({exc}); using hand-set weights", stacklevel=2)
            return _weights(), "weights"
    if spec == "newest":
        versions = model_versions(models_dir, bundled=bundled)
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
        folder = find_model(spec, models_dir, bundled=bundled) or models_dir / spec
    ranker, _ = load_ranker(folder)
    return ranker, folder.name


def _weights() -> WeightedRanker:
    return WeightedRanker().fit(np.zeros((1, len(FEATURE_NAMES))))


def active_model(home: Path) -> str | None:
    """The model chosen with ``matching models use`` for this data home, or None (``auto``)."""
    try:
        name = (home / ACTIVE_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def set_active_model(
    home: Path,
    name: str | None,
    models_dir: Path,
    *,
    bundled: Path | None = BUNDLED_MODELS,
    encoders: tuple[str, str | None] | None = None,
) -> str:
    """Choose the model this data home ranks with: ``weights``, ``newest`` (follow every new version) or a
    version name (in ``models_dir``, else ``bundled``); None forgets the choice (``auto``). Checked
    by loading it first; written atomically; running services pick it up at their next search."""
    import os
    import tempfile

    if name is None:
        (home / ACTIVE_FILE).unlink(missing_ok=True)
        return resolve_ranker("auto", models_dir, bundled=bundled, encoders=encoders)[1]
    if name not in ("weights", "newest"):
        folder = find_model(name, models_dir, bundled=bundled)
        if folder is None:
            known = ", ".join(["weights", *(p.name for p in model_versions(models_dir, bundled=bundled))])
            raise ConfigError(f"no model {name!r} in {models_dir} or the bundled models; known: {known}")
        load_ranker(folder)
    home.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=home, prefix=f".{ACTIVE_FILE}-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
    os.replace(tmp, home / ACTIVE_FILE)
    return resolve_ranker(name, models_dir, bundled=bundled)[1] if name == "newest" else name


def model_info(models_dir: Path, *, bundled: Path | None = BUNDLED_MODELS) -> list[dict[str, Any]]:
    """Every model version (the hand-set weights first): name, kind, trained, code version, CV metrics, and
    whether it is a bundled one (not shadowed by a version of the same name in ``models_dir``)."""
    rows: list[dict[str, Any]] = [
        {
            "name": "weights",
            "kind": "WeightedRanker",
            "trained": "",
            "code_version": "",
            "metrics": {},
            "bundled": False,
        }
    ]
    for folder in model_versions(models_dir, bundled=bundled):
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        metrics_path = folder / "metrics.json"
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
        rows.append(
            {
                "name": folder.name,
                "kind": config.get("kind", ""),
                "trained": config.get("trained", ""),
                "code_version": config.get("code_version", ""),
                "data": config.get("training_data", config.get("qrels_file", "")),
                "metrics": metrics.get("cv", {}),
                "bundled": bundled is not None and folder.parent == bundled and folder.parent != models_dir,
            }
        )
    return rows
