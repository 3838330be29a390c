"""The one place that maps errors to HTTP responses; every error body has the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "ikm 'I9' does not exist",
               "details": [...], "request_id": "3f2a..."}}

``details`` lists field problems (request validation, event files) or an import's rejected rows.
Unexpected exceptions are logged with their traceback and answered with 500 and the request id only:
no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from matching.common.yaml_files import DataFileError
from matching.errors import (
    ConfigError,
    ConflictError,
    ImportFileError,
    ImportTooLarge,
    MatchingError,
    NotFoundError,
    StoreBusy,
    StoreError,
    ValidationFailed,
)
from service.schemas import ErrorResponse

__all__ = [
    "ApiError",
    "Forbidden",
    "Unauthorized",
    "error_body",
    "error_responses",
    "install_error_handlers",
]

log = logging.getLogger("service")


class ApiError(Exception):
    """An error the service raises itself, with its HTTP status and code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class Unavailable(ApiError):
    status, code = 503, "unavailable"


# engine errors, most specific first
_ENGINE: list[tuple[type[MatchingError], int, str]] = [
    (ValidationFailed, 422, "import_rejected"),
    (DataFileError, 422, "invalid_definition"),
    (ImportTooLarge, 413, "file_too_large"),
    (ImportFileError, 422, "unreadable_file"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (ConfigError, 422, "invalid_value"),
    (StoreBusy, 503, "store_busy"),
    (StoreError, 503, "store_unavailable"),
]
RETRY_AFTER = "5"  # seconds a client waits before retrying after ``store_busy``
_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


_MEANINGS = {
    400: "The body is not valid JSON or multipart.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not do this.",
    404: "No such record, event, plan or file.",
    409: "The id is taken already.",
    413: "The body is larger than the upload limit.",
    422: "A field, row or definition is invalid; `details` names each problem.",
    503: "The database cannot be reached, or stayed busy with another write (then `Retry-After` says when "
    "to try again).",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting ``statuses`` with the one error shape (:class:`ErrorResponse`)."""
    return {s: {"model": ErrorResponse, "description": _MEANINGS[s]} for s in statuses}


def _request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def error_body(request: Request, status: int, code: str, message: str, details: list[Any]) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "details": details,
            "request_id": _request_id(request),
        }
    }


def _response(
    request: Request, status: int, code: str, message: str, details: list[Any] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": 'APIKey header="X-API-Key"'} if status == 401 else None
    return JSONResponse(error_body(request, status, code, message, details or []), status, headers=headers)


def _engine_details(exc: MatchingError) -> list[Any]:
    if isinstance(exc, ValidationFailed):
        return [issue_dict(i) for i in exc.report.issues]
    if isinstance(exc, DataFileError):
        return list(exc.problems)
    return []


def issue_dict(issue: Any) -> dict[str, Any]:
    return {
        "severity": issue.severity,
        "source": issue.source,
        "row": issue.row,
        "column": issue.column,
        "value": issue.value,
        "message": issue.message,
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _response(request, exc.status, exc.code, str(exc), exc.details)

    @app.exception_handler(MatchingError)
    async def engine_error(request: Request, exc: MatchingError) -> JSONResponse:
        for kind, status, code in _ENGINE:
            if isinstance(exc, kind):
                if status >= 500:
                    log.error("engine error: %s", exc)
                response = _response(request, status, code, str(exc), _engine_details(exc))
                if isinstance(exc, StoreBusy):
                    response.headers["Retry-After"] = RETRY_AFTER
                return response
        log.error("unmapped engine error: %r", exc)
        return _response(request, 400, "engine_error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "message": "invalid request"}
        where = ".".join(first["loc"][1:] or first["loc"]) or "request"
        return _response(request, 422, "invalid_request", f"{where}: {first['message']}", details)

    @app.exception_handler(PydanticValidationError)
    async def invalid_value(request: Request, exc: PydanticValidationError) -> JSONResponse:
        return await invalid_request(request, RequestValidationError(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, PayloadTooLarge):  # "error parsing the body": it was too long
            return await api_error(request, exc.__cause__)
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        return _response(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error (request %s)", _request_id(request), exc_info=exc)
        return _response(
            request,
            500,
            "internal_error",
            f"internal error; the server log has the details under request id {_request_id(request)}",
        )
