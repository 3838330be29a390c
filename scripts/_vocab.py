"""Word tables of the data generators, kept as JSON and read back as the types their call sites name.

Each generator keeps its own file in ``scripts/vocab/`` (their words are never shared: dev2 is written
independently of the demo data); this module only reads one. JSON keeps the order of every table; a value is
rebuilt as the annotated type (tuples, lists, frozensets, dataclasses, dicts with tuple keys stored as rows
``[*key, value]``), so the generators draw exactly as they did from Python literals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

__all__ = ["as_type", "vocab_reader"]

T = TypeVar("T")


def as_type(kind: Any, value: Any) -> Any:
    """A JSON value rebuilt as ``kind``: lists become the annotated tuples, lists or frozensets, a dataclass
    is built from its fields, dict keys are converted (a dict with tuple keys is stored as rows ``[*key,
    value]``). Scalars are kept as read, so an int stays an int where a float is annotated."""
    origin, args = get_origin(kind), get_args(kind)
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{key: as_type(hints[key], item) for key, item in value.items()})
    if origin is dict and isinstance(value, list):
        return {as_type(args[0], row[:-1]): as_type(args[1], row[-1]) for row in value}
    if origin is dict:
        return {as_type(args[0], key): as_type(args[1], item) for key, item in value.items()}
    if origin in (list, frozenset):
        return origin(as_type(args[0], item) for item in value)
    if origin is tuple and args[-1] is Ellipsis:
        return tuple(as_type(args[0], item) for item in value)
    if origin is tuple:
        return tuple(as_type(arg, item) for arg, item in zip(args, value, strict=True))
    return int(value) if kind is int else value


def vocab_reader(path: Path) -> Callable[[str, type[T]], T]:
    """``vocab(name, kind)``: the table ``name`` of the JSON file at ``path`` as ``kind``."""
    tables: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))

    def vocab(name: str, kind: type[T]) -> T:
        return as_type(kind, tables[name])  # type: ignore[no-any-return]

    return vocab
