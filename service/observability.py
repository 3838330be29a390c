"""Request ids, access logs, Prometheus metrics and the request-size limit, as one ASGI middleware.

Every response carries ``X-Request-ID`` (the client's, when it sent a sane one, else a new one); every log
line of the request names it. Bodies larger than ``max_bytes`` get 413 before a route reads them, whether
the client announced the length or streams it.

With several workers, metrics are collected across processes when ``PROMETHEUS_MULTIPROC_DIR`` is set
(``matching serve`` does that).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PayloadTooLarge

__all__ = ["REQUEST_ID", "ObservabilityMiddleware", "metrics_payload", "setup_logging"]

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("service.access")

REQUESTS = Counter("matching_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "matching_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SEARCH_BATCH = Histogram(
    "matching_search_batch_size", "Searches encoded together", buckets=(1, 2, 4, 8, 16, 32, 64)
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def setup_logging(level: str = "info") -> None:
    """Log lines with the request id: ``time level logger [request id] message``."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    for name in ("service", "matching"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False


def metrics_payload() -> tuple[bytes, str]:
    """The Prometheus text exposition of this process (or of all workers, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class ObservabilityMiddleware:
    """Request id, access log, metrics, body-size limit (pure ASGI: no buffering of streamed bodies)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                await self._too_large(send_with_id, request_id)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_bytes:
                        raise _TooLarge(
                            f"the request body is larger than the limit of {self.max_bytes} bytes"
                        )
                return message

            try:
                await self.app(scope, limited_receive, send_with_id)
            except _TooLarge:
                if not response_started:
                    await self._too_large(send_with_id, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            log.info(
                "%s %s %d %.1f ms key=%s user=%s",
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                scope["state"].get("key_id", "-"),
                scope["state"].get("user_id", "-"),
            )
            REQUEST_ID.reset(token)

    async def _too_large(self, send: Send, request_id: str) -> None:
        body: dict[str, Any] = {
            "error": {
                "status": 413,
                "code": "payload_too_large",
                "message": f"the request body is larger than the limit of {self.max_bytes} bytes",
                "details": [],
                "request_id": request_id,
            }
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class _TooLarge(PayloadTooLarge):
    """Raised while a route reads a streamed body past the limit (FastAPI may wrap it in a 400)."""
