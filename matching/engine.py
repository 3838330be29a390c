"""The one facade the CLI, the service and notebooks call: :class:`Engine`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from matching.config import Settings
from matching.errors import ValidationFailed
from matching.ingest import ImportReport, validate_tables
from matching.readers import iter_files, read_tables
from matching.schema import Entity
from matching.store import Store

__all__ = ["Engine", "demo_data_dir"]


def demo_data_dir() -> Path:
    """The folder of the bundled demo catalogue (``ikms.csv``, ``products.csv``, ``buyers.csv``)."""
    return Path(str(resources.files("matching").joinpath("data/demo")))


class Engine:
    """Catalogue import and statistics over one store; later steps (ranking, events) hang off it too."""

    def __init__(self, settings: Settings | None = None, *, store: Store | None = None) -> None:
        self.settings = settings or Settings()
        self._store = store

    @property
    def store(self) -> Store:
        if self._store is None:
            self.settings.home.mkdir(parents=True, exist_ok=True)
            self._store = Store(self.settings.resolved_database_url())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def import_files(
        self,
        paths: Iterable[Path],
        *,
        kind: Entity | None = None,
        keep_valid: bool = False,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import CSV/XLSX files (or folders of them) into the store.

        All-or-nothing by default: when any row is invalid, nothing is written and :class:`ValidationFailed`
        carries the report. With ``keep_valid`` the valid rows are written and the report lists the rest.
        ``dry_run`` validates and counts without writing.
        """
        tables = [table for path in iter_files(list(paths)) for table in read_tables(path, kind)]
        if on_total is not None:
            on_total(sum(len(t.rows) for t in tables))
        batch, issues = validate_tables(tables, self.store.ids(Entity.IKMS), progress=progress)
        report = ImportReport(issues=issues, dry_run=dry_run)
        if report.errors and not keep_valid:
            for entity in Entity:
                report.counts[entity].rejected = batch.rejected_rows[entity]
            raise ValidationFailed(report)
        report.counts = self.store.write(batch, dry_run=dry_run)
        report.committed = not dry_run
        return report

    def import_demo(self, **kwargs: Any) -> ImportReport:
        """Import the bundled demo catalogue."""
        return self.import_files([demo_data_dir()], **kwargs)

    def stats(self) -> dict[str, Any]:
        return self.store.stats()
