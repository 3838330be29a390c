"""File names made from ids that people typed: never a path, never outside the folder they belong in.

Exports name a file per participant (``agendas/<id>-id.txt``, ``calendars/<id>.ics``, ``notices/...``).
:func:`file_stem` keeps a plain id as it is (letters, digits, ``.``, ``_``, ``-``; not starting with a dot;
at most 80 characters) and turns any other into a cleaned form plus a short hash of the id, so two ids never
share a file and ``../x`` or ``/abs/path`` name nothing outside. :func:`inside` checks the final path.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["file_stem", "inside"]

_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_stem(identifier: str) -> str:
    """``identifier`` as a file name stem (see the module docstring)."""
    if _PLAIN.fullmatch(identifier):
        return identifier
    cleaned = _UNSAFE.sub("_", identifier).replace("..", "_").strip("._-")[:60] or "id"
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned}-{digest}"


_ONE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, or ValueError when that path would lie outside ``directory``.

    A plain file name (letters, digits, ``.``, ``_``, ``-``, not starting with a dot: what
    :func:`file_stem` makes) is a name in ``directory`` as written; any other is resolved and checked.
    """
    path = directory / name
    if _ONE_NAME.fullmatch(name) and ".." not in name:
        return path
    if not path.resolve().is_relative_to(directory.resolve()):
        raise ValueError(f"{name!r} is not a file name inside {directory}")
    return path
