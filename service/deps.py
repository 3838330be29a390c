"""Dependencies of the routes: the engine, the settings, and who is calling (API key and role).

A key is sent as ``X-API-Key: ikm_...`` or ``Authorization: Bearer ikm_...``; the web pages keep it in the
``matching_key`` cookie. No key (or an unknown or revoked one) gets 401 where a key is needed; a key whose
role may not do the thing gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from matching import Engine
from matching.store.keys import ApiKey, Role
from service.errors import Forbidden, Unauthorized
from service.key_limit import KeyLimiter
from service.settings import ServiceSettings

__all__ = [
    "COOKIE",
    "BuyerOrOrganiserDep",
    "CallerDep",
    "EngineDep",
    "OrganiserDep",
    "Principal",
    "SearcherDep",
    "ServiceSettingsDep",
    "caller",
    "key_limiter",
]

COOKIE = "matching_key"
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `ikm_<id>_<secret>`.")
_bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_service_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.service_settings
    return settings


def key_limiter(request: Request) -> tuple[KeyLimiter, str]:
    """The app's limiter of wrong keys and the client address it counts them under."""
    limiter: KeyLimiter = request.app.state.key_limiter
    return limiter, request.client.host if request.client else "-"


EngineDep = Annotated[Engine, Depends(get_engine)]
ServiceSettingsDep = Annotated[ServiceSettings, Depends(get_service_settings)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role (``public`` for anonymous search) and, for buyers, their id."""

    role: Role
    key: ApiKey | None = None

    @property
    def buyer_id(self) -> str | None:
        return self.key.buyer_id if self.key else None

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.ORGANISER


def caller(request: Request, engine: Engine, key_text: str | None) -> Principal | None:
    """The principal of ``key_text`` (or None); remembered on the request for logs."""
    if not key_text:
        return None
    limiter, client = key_limiter(request)
    limiter.check(client)
    key = engine.keys.authenticate(key_text)
    if key is None:
        limiter.failed(client)
        raise Unauthorized("the API key is unknown or revoked")
    request.state.key_id = key.key_id
    return Principal(role=key.role, key=key)


def _optional_caller(
    request: Request,
    engine: EngineDep,
    header: Annotated[str | None, Depends(_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    text = header or (bearer.credentials if bearer else None) or request.cookies.get(COOKIE)
    return caller(request, engine, text)


def _searcher(
    principal: Annotated[Principal | None, Depends(_optional_caller)], settings: ServiceSettingsDep
) -> Principal:
    if principal is not None:
        return principal
    if settings.public_search:
        return Principal(role=Role.PUBLIC)
    raise Unauthorized("searching needs an API key (send it as X-API-Key)")


def _any_key(principal: Annotated[Principal | None, Depends(_optional_caller)]) -> Principal:
    if principal is None:
        raise Unauthorized("this needs an API key (send it as X-API-Key)")
    return principal


def _buyer_or_organiser(principal: Annotated[Principal, Depends(_any_key)]) -> Principal:
    if principal.role not in (Role.ORGANISER, Role.BUYER):
        raise Forbidden(f"a {principal.role.value} key may only search")
    return principal


def _organiser(principal: Annotated[Principal, Depends(_any_key)]) -> Principal:
    if not principal.is_organiser:
        raise Forbidden(f"this needs an organiser key; yours is a {principal.role.value} key")
    return principal


CallerDep = Annotated[Principal | None, Depends(_optional_caller)]
SearcherDep = Annotated[Principal, Depends(_searcher)]
BuyerOrOrganiserDep = Annotated[Principal, Depends(_buyer_or_organiser)]
OrganiserDep = Annotated[Principal, Depends(_organiser)]
