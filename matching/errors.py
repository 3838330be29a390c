"""Exceptions raised by the matching engine.

Every error the engine raises on purpose derives from :class:`MatchingError`, so callers (the CLI, the
service) can catch one class and show its message::

    MatchingError
    ├── ConfigError          a setting, path or option is unusable
    │   └── DataFileError    a YAML/JSON organiser file is unreadable or invalid (matching.common.yaml_files)
    │       └── EventFileError   ... an event file (matching.events.model)
    ├── ImportFileError      an import file cannot be read at all (missing, wrong type, no header)
    │   └── ImportTooLarge   ... it is over one of the import limits (rows, columns, cell, unzipped size)
    ├── ValidationFailed     rows were read but some are invalid; carries the full report
    ├── PhotoRejected        an uploaded photo is not a JPEG, PNG or WebP image, or is too large
    ├── StoreError           the database cannot be opened, migrated or written
    │   └── StoreBusy        ... because another writer holds it past the busy timeout (try again)
    ├── NotFoundError        a record, event, plan or key asked for by id does not exist
    └── ConflictError        a record to create exists already, or the request contradicts stored state

Messages name the file, row, column and value wherever there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matching.catalogue.report import ImportReport

__all__ = [
    "ConfigError",
    "ConflictError",
    "ImportFileError",
    "ImportTooLarge",
    "MatchingError",
    "NotFoundError",
    "PhotoRejected",
    "StoreBusy",
    "StoreError",
    "ValidationFailed",
]


class MatchingError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(MatchingError):
    """Raised when a setting, path or command-line option cannot be used as given."""


class ImportFileError(MatchingError):
    """Raised when an import file cannot be read at all: missing, unsupported type, no usable header."""


class ImportTooLarge(ImportFileError):
    """Raised when an import file is over an import limit (rows, columns, cell length, size); names both."""


class ValidationFailed(MatchingError):
    """Raised when an all-or-nothing import found invalid rows; nothing was written.

    The :class:`~matching.catalogue.report.ImportReport` with every problem is on ``report``.
    """

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"import rejected: {report.error_count:,} problem(s) found; nothing was written")


class PhotoRejected(MatchingError):
    """Raised when an uploaded product photo is refused: not a JPEG, PNG or WebP image by its content,
    damaged, over the size limit in bytes or pixels, or one photo too many; the message says which."""


class StoreError(MatchingError):
    """Raised when the database cannot be opened, migrated or written."""


class StoreBusy(StoreError):
    """Raised when the database stayed locked by another writer (e.g. an import) past the busy timeout."""


class NotFoundError(MatchingError):
    """Raised when a record, event, plan or API key asked for by its id does not exist."""


class ConflictError(MatchingError):
    """Raised when a record to create exists already, or a request contradicts what is stored."""
