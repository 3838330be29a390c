"""The judged sets that ship with the package: where each one's catalogue and graded qrels are.

=========  ===================================================================================
``dev``    the demo catalogue (``data/demo``) with the graded qrels of ``data/dev/qrels.txt``
``dev2``   an independently written catalogue and buyers with its own qrels (``data/dev2``)
=========  ===================================================================================

Each catalogue folder holds ``ikms.csv``, ``products.csv`` and ``buyers.csv``; the labelling rule of each set
is written in its folder's README. Opening one in an engine is :func:`matching.lab.analysis.open_judged_set`.
"""

from __future__ import annotations

from pathlib import Path

from matching.common.bundled import bundled_data_dir
from matching.errors import ConfigError

__all__ = ["JUDGED_SETS", "judged_set_files"]

# name -> (catalogue folder, qrels file), both under matching/data
JUDGED_SETS: dict[str, tuple[str, str]] = {
    "dev": ("demo", "dev/qrels.txt"),
    "dev2": ("dev2", "dev2/qrels.txt"),
}


def judged_set_files(name: str) -> tuple[Path, Path]:
    """The catalogue folder and qrels file of judged set ``name`` (:class:`ConfigError` if there is none)."""
    if name not in JUDGED_SETS:
        raise ConfigError(f"no judged set {name!r}; the sets are {', '.join(JUDGED_SETS)}")
    folder, qrels = JUDGED_SETS[name]
    root = bundled_data_dir()
    return root / folder, root / qrels
