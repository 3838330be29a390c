"""The judged sets that ship with the package: where each one's catalogue, buyers and graded qrels are.

=============  ====================================================================================
``dev``        the demo catalogue (``data/demo``) with the graded qrels of ``data/dev/qrels.txt``
``dev2``       an independently written catalogue and buyers with its own qrels (``data/dev2``)
``prdect-id``  1,322 real Tokopedia listings (PRDECT-ID, MIT) judged by their sellers' categories, with
               85 Indonesian buyer requirements (``data/prdect``, built by ``matching.data.build_prdect``)
``prdect-en``  the same catalogue with 48 English buyer requirements
=============  ====================================================================================

Each catalogue folder holds ``ikms.csv`` and ``products.csv`` (and, unless the set names its own buyers
file, ``buyers.csv``); the labelling rule of each set is written in its folder's README. A set whose
judgements are sparse is marked ``condensed``: its unjudged items are dropped from a ranking before nDCG
(:func:`matching.learning.metrics.condense`). Opening one in an engine is
:func:`matching.lab.analysis.open_judged_set`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matching.common.bundled import bundled_data_dir
from matching.errors import ConfigError

__all__ = ["JUDGED_SETS", "JudgedSet", "JudgedSetFiles", "judged_set", "judged_set_files"]


@dataclass(frozen=True)
class JudgedSet:
    """Where a judged set's files are, relative to ``matching/data``."""

    catalogue: str
    qrels: str
    buyers: str | None = None  # default: the catalogue folder's buyers.csv
    condensed: bool = False  # sparse judgements: score condensed lists (unjudged items dropped)


@dataclass(frozen=True)
class JudgedSetFiles:
    """A judged set's files as paths on this machine."""

    name: str
    catalogue: Path
    buyers: Path
    qrels: Path
    condensed: bool


JUDGED_SETS: dict[str, JudgedSet] = {
    "dev": JudgedSet("demo", "dev/qrels.txt"),
    "dev2": JudgedSet("dev2", "dev2/qrels.txt"),
    "prdect-id": JudgedSet("prdect", "prdect/qrels-id.txt", buyers="prdect/buyers-id.csv"),
    "prdect-en": JudgedSet("prdect", "prdect/qrels-en.txt", buyers="prdect/buyers-en.csv"),
}


def judged_set(name: str) -> JudgedSetFiles:
    """The files of judged set ``name`` (:class:`ConfigError` if there is none)."""
    if name not in JUDGED_SETS:
        raise ConfigError(f"no judged set {name!r}; the sets are {', '.join(JUDGED_SETS)}")
    entry, root = JUDGED_SETS[name], bundled_data_dir()
    catalogue = root / entry.catalogue
    buyers = root / entry.buyers if entry.buyers else catalogue / "buyers.csv"
    return JudgedSetFiles(name, catalogue, buyers, root / entry.qrels, entry.condensed)


def judged_set_files(name: str) -> tuple[Path, Path]:
    """The catalogue folder and qrels file of judged set ``name`` (:class:`ConfigError` if there is none)."""
    files = judged_set(name)
    return files.catalogue, files.qrels
