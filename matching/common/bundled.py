"""Files that ship inside the package: the demo catalogue, the judged sets and reference data.

Found through :mod:`importlib.resources`, so an installed wheel finds them as a source checkout does.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_data_dir"]


def bundled_data_dir(*parts: str) -> Path:
    """The folder ``matching/data`` of the installed package, or a path below it (``demo``, ``dev2`` ...)."""
    return Path(str(resources.files("matching").joinpath("data", *parts)))
