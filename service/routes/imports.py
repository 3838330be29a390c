"""``/imports``: upload CSV/XLSX files; the same validation report and all-or-nothing rule as the CLI."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from matching.catalogue.schema import Entity
from matching.errors import ImportFileError
from service.deps import EngineDep, OrganiserDep
from service.errors import error_responses, issue_dict
from service.schemas import ImportResult

router = APIRouter(
    prefix="/imports", tags=["imports"], responses=error_responses(400, 401, 403, 413, 422, 503)
)
SUFFIXES = {".csv", ".xlsx", ".xlsm"}


def import_uploads(
    engine: Any, files: list[UploadFile], *, kind: Entity | None, keep_valid: bool, dry_run: bool
) -> dict[str, Any]:
    """Save the uploads under their own names in a temporary folder and import them like the CLI does.

    All-or-nothing unless ``keep_valid``: any invalid row raises ValidationFailed (422 with every problem).
    After a committed import the search index is refreshed in the background.
    """
    with tempfile.TemporaryDirectory(prefix="matching-upload-") as folder:
        paths = []
        for number, upload in enumerate(files, start=1):
            name = Path(upload.filename or f"upload-{number}.csv").name
            if Path(name).suffix.lower() not in SUFFIXES:
                raise ImportFileError(f"{name}: use a .csv or .xlsx file (got {Path(name).suffix or 'none'})")
            path = Path(folder) / f"{number:03d}" / name  # a folder each: two uploads may share a name
            path.parent.mkdir()
            with path.open("wb") as handle:
                shutil.copyfileobj(upload.file, handle)
            paths.append(path)
        report = engine.import_files(paths, kind=kind, keep_valid=keep_valid, dry_run=dry_run)
    if report.committed:
        engine.refresh(background=True)
    issues = [issue_dict(i) for i in report.issues]
    return {
        "committed": report.committed,
        "dry_run": report.dry_run,
        "counts": {e.value: vars(c) for e, c in report.counts.items()},
        "issues": issues,
        "error_count": report.error_count,
        "warning_count": report.warning_count,
        "omitted": report.omitted,
        "catalogue_revision": engine.store.revision(),
    }


@router.post("", response_model=ImportResult, summary="Import IKMs, products and buyers")
def create_import(
    engine: EngineDep,
    _organiser: OrganiserDep,
    files: Annotated[
        list[UploadFile], File(description="CSV or XLSX files (an XLSX may hold a sheet per kind).")
    ],
    kind: Annotated[
        Entity | None, Form(description="What the files hold; default: told by their headers.")
    ] = None,
    keep_valid: Annotated[bool, Form(description="Write the valid rows and report the rest.")] = False,
    dry_run: Annotated[bool, Form(description="Validate and count; write nothing.")] = False,
) -> Any:
    """Rows are validated like ``matching ingest``: when any row is invalid nothing is written (422 lists
    every problem with file, row, column and value), unless ``keep_valid``."""
    return import_uploads(engine, files, kind=kind, keep_valid=keep_valid, dry_run=dry_run)
