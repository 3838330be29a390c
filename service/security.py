"""Security headers on every response, and the cross-site request check for cookie-authenticated changes.

Headers: ``Content-Security-Policy`` (everything from this origin only, no inline script, no framing),
``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``. The
API documentation pages (``/api/v1/docs``, ``/api/v1/redoc``; their assets are served by this app, see
:mod:`service.docs`) get a policy that still allows scripts from this origin only, and adds what Swagger
UI and ReDoc need to draw: inline styles, ``data:`` images and fonts, and ReDoc's search worker (``blob:``).

Cross-site requests: a POST, PUT, PATCH or DELETE that carries the key cookie (or goes to a web page,
such as the login form) and no key header must name this service in ``Origin`` (or, without it, in
``Referer``): the origin of the request's own ``Host``, or one of the trusted origins (a proxy that
rewrites ``Host``). Otherwise it gets 403 before any route runs. Requests with ``X-API-Key`` or
``Authorization`` are not affected: a browser never adds those to a cross-site request by itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability import REQUEST_ID

__all__ = ["DOCS_POLICY", "POLICY", "SecurityMiddleware"]

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_MESSAGE = "cross-site request refused: a change made with the login cookie must come from this site's pages"


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower case, default ports dropped; None if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class SecurityMiddleware:
    """ASGI middleware: refuses cross-site cookie-authenticated changes, adds the security headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cookie: str,
        docs_prefix: str | tuple[str, ...],
        api_prefix: str,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.cookie = cookie
        self.docs_prefix = docs_prefix
        self.api_prefix = api_prefix
        self.trusted = {o for o in (_origin(t) for t in trusted_origins) if o}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_POLICY if path.startswith(self.docs_prefix) else POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = policy
                for name, value in _HEADERS.items():
                    headers[name.decode()] = value.decode()
            await send(message)

        if self._cross_site(scope):
            await self._refuse(scope, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _cross_site(self, scope: Scope) -> bool:
        if scope.get("method") not in _UNSAFE:
            return False
        headers = Headers(scope=scope)
        if headers.get("x-api-key") or headers.get("authorization"):
            return False
        has_cookie = any(
            part.split("=", 1)[0].strip() == self.cookie for part in headers.get("cookie", "").split(";")
        )
        if not has_cookie and scope.get("path", "").startswith(self.api_prefix):
            return False
        claimed = headers.get("origin") or headers.get("referer")
        source = _origin(claimed) if claimed and claimed != "null" else None
        if source is None:
            return True
        scheme = scope.get("scheme", "http")
        own = _origin(f"{scheme}://{headers.get('host', '')}")
        return source != own and source not in self.trusted

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if scope.get("path", "").startswith(self.api_prefix):
            error = {"status": 403, "code": "cross_site", "message": _MESSAGE, "details": []}
            error["request_id"] = REQUEST_ID.get()
            body, kind = json.dumps({"error": error}).encode(), b"application/json"
        else:
            body, kind = f"403 Forbidden: {_MESSAGE}.\n".encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
