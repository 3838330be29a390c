"""``/import``: organisers upload CSV/XLSX files; the same import as ``POST /api/v1/imports``.

A clean import redirects to ``/import?done=...`` with its counts (POST/redirect/GET). A rejected one
(any invalid row, all-or-nothing) answers 422 with the full error report: file, row, column, value and
message of every problem. A kept-valid import with rejected rows shows its report at once, since the
rows' problems do not fit in a redirect.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from matching.catalogue.schema import Entity
from matching.errors import ImportFileError, ValidationFailed
from service.errors import issue_dict
from service.routes.imports import import_uploads
from service.web.render import organiser_or_response, redirect, render

router = APIRouter()
KINDS = [e.value for e in Entity]
COLUMNS = ("created", "updated", "unchanged", "rejected")


def _counts_query(counts: dict[str, dict[str, int]]) -> str:
    """``{"ikms": {"created": 3, ...}}`` -> ``"ikms:3.0.0.0,products:..."`` (for the redirect)."""
    return ",".join(f"{kind}:{'.'.join(str(c.get(col, 0)) for col in COLUMNS)}" for kind, c in counts.items())


def _counts_from_query(text: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for part in text.split(","):
        kind, _, numbers = part.partition(":")
        values = numbers.split(".")
        if kind in KINDS and len(values) == len(COLUMNS) and all(v.isdigit() for v in values):
            counts[kind] = {col: int(v) for col, v in zip(COLUMNS, values, strict=True)}
    return counts


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {
        "kinds": KINDS,
        "columns": COLUMNS,
        "form": {"kind": "", "keep_valid": False, "dry_run": False},
        "result": None,
        "issues": [],
        "error": None,
        **context,
    }
    return render(request, "import.html", values, status_code=status_code)


@router.get("/import")
def import_page(request: Request, done: str = "", dry_run: bool = False, committed: bool = False) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    result = None
    if done:
        result = {"counts": _counts_from_query(done), "dry_run": dry_run, "committed": committed}
    return _page(request, result=result)


@router.post("/import")
def import_files(
    request: Request,
    files: Annotated[list[UploadFile] | None, File()] = None,
    kind: Annotated[str, Form()] = "",
    keep_valid: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    form = {"kind": kind, "keep_valid": keep_valid, "dry_run": dry_run}
    uploads = [f for f in files or [] if f.filename]
    if not uploads:
        return _page(request, 422, form=form, error=("import_no_files", {}))
    entity = Entity(kind) if kind in KINDS else None
    try:
        result = import_uploads(
            request.app.state.engine, uploads, kind=entity, keep_valid=keep_valid, dry_run=dry_run
        )
    except ValidationFailed as exc:
        report = exc.report
        rejected = {
            "counts": {e.value: vars(c) for e, c in report.counts.items()},
            "dry_run": report.dry_run,
            "committed": False,
        }
        issues = [issue_dict(i) for i in report.issues]
        error = ("import_rejected", {"n": report.error_count})
        return _page(request, 422, form=form, result=rejected, issues=issues, error=error)
    except ImportFileError as exc:
        return _page(request, 422, form=form, error=("import_unreadable", {"message": str(exc)}))
    if result["issues"]:
        return _page(request, form=form, result=result, issues=result["issues"])
    return redirect(
        "/import",
        done=_counts_query(result["counts"]),
        dry_run=str(result["dry_run"]).lower(),
        committed=str(result["committed"]).lower(),
    )
