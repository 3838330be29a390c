"""Organiser data files in YAML or JSON: read, validate with a pydantic model, report every problem at once.

:func:`load_data_file` reads a ``.yaml``/``.yml`` or ``.json`` file (:func:`read_data_file`) and validates
its mapping with a pydantic model (:func:`validate_data`). Every problem found becomes one line,
``field.path: message (value: ...)``, and all the lines of a file travel together in one
:class:`DataFileError` (a :class:`~matching.errors.ConfigError`). Each file format raises its own subclass,
which names the kind of file in the message::

    ConfigError
    └── DataFileError        a YAML/JSON data file cannot be read or holds invalid data
        └── EventFileError   ... an event file (matching.events.model)

YAML is read with :class:`YamlLoader`: a SafeLoader that reads ``13:20`` as the text ``"13:20"``, not as
the base-60 number 800 of YAML 1.1, so unquoted clock times survive.

Limits, so that a small hostile file cannot stall the machine: a document holds at most
:data:`MAX_DATA_CHARS` characters, and at most :data:`MAX_DATA_NODES` values once every alias is expanded
(anchors and aliases stay usable for repeated availability windows; a "billion laughs" of nested aliases is
refused before anything is built from it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from matching.errors import ConfigError

__all__ = [
    "MAX_DATA_CHARS",
    "MAX_DATA_NODES",
    "DataFileError",
    "YamlLoader",
    "load_data_file",
    "problem_line",
    "read_data_file",
    "read_data_text",
    "validate_data",
    "validation_problems",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_DATA_CHARS = 5_000_000  # an event of thousands of participants with their windows is well under 1 MB
MAX_DATA_NODES = 500_000  # values in the document with every alias expanded


class DataFileError(ConfigError):
    """Raised when a YAML/JSON data file cannot be read or holds invalid data.

    ``source`` names the file; ``problems`` holds one line per problem, ``field.path: message (value: ...)``.
    Subclasses set ``kind`` (e.g. ``"event file"``), the name the message gives the file.
    """

    kind = "data file"

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the {self.kind}:\n{lines}")


class YamlLoader(yaml.SafeLoader):
    """SafeLoader that reads ``13:20`` as text (YAML 1.1 would read it as the base-60 number 800) and refuses
    a document that expands to more than :data:`MAX_DATA_NODES` values through its aliases."""

    def compose_document(self) -> yaml.Node | None:
        node: yaml.Node | None = super().compose_document()
        if node is not None and expanded_size(node) > MAX_DATA_NODES:
            raise yaml.YAMLError(
                f"the document expands to more than {MAX_DATA_NODES:,} values through its aliases (&/*)"
            )
        return node


def expanded_size(root: yaml.Node) -> int:
    """How many values ``root`` holds with every alias expanded (a shared node counts each time it is used);
    computed once per distinct node, so a nested-alias bomb is measured without being built."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done or not children:
            sizes[id(node)] = min(1 + sum(sizes[id(c)] for c in children), MAX_DATA_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _too_large(text: str, source: str, error: type[DataFileError]) -> None:
    if len(text) > MAX_DATA_CHARS:
        raise error(source, [f"file: longer than {MAX_DATA_CHARS:,} characters ({len(text):,})"])


YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def _short(value: Any) -> str:
    if isinstance(value, dt.time):
        value = value.strftime("%H:%M")
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def problem_line(path: str, message: str, value: Any) -> str:
    """One problem as ``path: message (value: ...)``; long values are cut at 80 characters."""
    return f"{path}: {message} (value: {_short(value)})"


def validation_problems(exc: ValidationError, *, root: str) -> list[str]:
    """One line per pydantic error; fields at the top level are named ``root`` (e.g. ``"event"``).

    A model-level ``ValueError`` whose message already holds problem lines (one per line) is passed on
    as is, so cross-field checks can name their own paths.
    """
    problems: list[str] = []
    for err in exc.errors():
        loc = err["loc"]
        if not loc and err["type"] == "value_error":
            problems.extend(str(err["ctx"]["error"]).splitlines())
            continue
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            problems.append(f"{path or root}: {message.lower()}")
        else:
            problems.append(problem_line(path or root, message, err["input"]))
    return problems


def read_data_file(path: str | Path, *, error: type[DataFileError] = DataFileError) -> Any:
    """The data in a ``.yaml``/``.yml`` or ``.json`` file (None for an empty YAML file), not yet validated.

    Raises ``error`` with one ``file: ...`` line when the file has another suffix, cannot be read, or is
    not valid YAML/JSON.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise error(str(path), [problem_line("file", "use a .yaml, .yml or .json file", path.suffix)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(str(path), [f"file: cannot be read ({exc})"]) from exc
    _too_large(text, str(path), error)
    try:
        return json.loads(text) if suffix == ".json" else yaml.load(text, Loader=YamlLoader)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        where = str(exc).replace("\n", " ")
        raise error(str(path), [f"file: not valid {suffix[1:].upper()} ({where})"]) from exc


def read_data_text(text: str, source: str, *, error: type[DataFileError] = DataFileError) -> Any:
    """The data in YAML (or JSON) text, e.g. an upload, not yet validated; ``error`` if unparsable."""
    _too_large(text, source, error)
    try:
        return yaml.load(text, Loader=YamlLoader)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a date like 2027-02-30
        where = str(exc).replace("\n", " ")
        raise error(source, [f"file: not valid YAML ({where})"]) from exc


def validate_data(
    data: Any,
    model: type[ModelT],
    *,
    source: str,
    root: str,
    error: type[DataFileError] = DataFileError,
    empty_ok: bool = False,
) -> ModelT:
    """Validate ``data`` (a mapping of fields) into ``model``, or raise ``error`` listing every problem.

    ``root`` names the top level in problem lines; with ``empty_ok`` no data at all (an empty YAML file)
    counts as an empty mapping.
    """
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, Mapping):
        raise error(source, [problem_line(root, "the file must hold a mapping of fields", data)])
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise error(source, validation_problems(exc, root=root)) from exc


def load_data_file(
    path: str | Path,
    model: type[ModelT],
    *,
    root: str,
    error: type[DataFileError] = DataFileError,
    empty_ok: bool = False,
) -> ModelT:
    """Read a data file into ``model``: :func:`read_data_file`, then :func:`validate_data`."""
    data = read_data_file(path, error=error)
    return validate_data(data, model, source=str(path), root=root, error=error, empty_ok=empty_ok)
