"""Property-based tests of the API against its own OpenAPI schema (schemathesis, in-process over ASGI).

Every operation gets generated requests, valid and invalid, with an organiser key (so the authorised
paths run), then with a buyer key and with no key (search is public in this app). Each answer must not
be a server error, and its status, content type and body must be the documented ones, error answers
included (they are documented as ``ErrorResponse``). Some generated ids are swapped for ids
that exist, so reads and updates reach stored records, plans and files, not only 404.

Planning and re-scheduling run a solver: fuzzed requests reach them only with unknown event ids; the real
runs are in test_service_api.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matching import Engine, Settings
from matching.store.keys import Role
from service import create_app
from service.settings import ServiceSettings

DEMO_EVENT = Path(__file__).parents[2] / "matching" / "data" / "demo" / "event.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# The schema comes from an app built without an engine (nothing is loaded until its lifespan runs); the
# requests go to the app of the `served` fixture, passed to each call.
_spec_app = create_app()
schema = schemathesis.openapi.from_dict(_spec_app.openapi())
schema.app = _spec_app
schema.config.generation.update(deterministic=True, with_security_parameters=False)


class Served:
    def __init__(self, app: FastAPI, known: dict[str, str], keys: dict[Role, str]) -> None:
        self.app, self.known, self.keys = app, known, keys


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo catalogue, an organiser key and one planned event, in a fast engine."""
    home = tmp_path_factory.mktemp("schema") / "home"
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.searcher()
    event = engine.events.create(DEMO_EVENT.read_text(encoding="utf-8"))
    engine.events.plan(event.event_id, time_limit=2)
    meeting = engine.events.meetings(event.event_id)[0]
    keys = {
        Role.ORGANISER: engine.keys.create(Role.ORGANISER, "schemathesis")[1],
        Role.BUYER: engine.keys.create(Role.BUYER, "schemathesis", buyer_id=meeting["buyer_id"])[1],
    }
    known = {
        "ikm_id": meeting["ikm_id"],
        "buyer_id": meeting["buyer_id"],
        "product_id": engine.store.products()[0].product_id,
        "event_id": event.event_id,
        "name": "meetings.csv",
    }
    try:
        app = create_app(engine=engine, service_settings=ServiceSettings(public_search=True))
        yield Served(app, known, keys)
    finally:
        shutdown_lifespans()
        engine.close()


def _use_known_ids(case: schemathesis.Case, known: dict[str, str]) -> None:
    """Swap about half the generated path ids of reads and updates for existing ones (deterministically)."""
    if case.method.upper() not in ("GET", "PUT") or not case.path_parameters:
        return
    for name, value in case.path_parameters.items():
        if name in known and zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = known[name]


@schema.parametrize()
@FUZZ
def test_organiser_requests_conform(case: schemathesis.Case, served: Served) -> None:
    _use_known_ids(case, served.known)
    case.call_and_validate(app=served.app, headers={"X-API-Key": served.keys[Role.ORGANISER]}, checks=CHECKS)


@schema.parametrize()
@settings(FUZZ, max_examples=15)
def test_buyer_requests_conform(case: schemathesis.Case, served: Served) -> None:
    _use_known_ids(case, served.known)
    case.call_and_validate(app=served.app, headers={"X-API-Key": served.keys[Role.BUYER]}, checks=CHECKS)


@schema.parametrize()
@settings(FUZZ, max_examples=10)
def test_anonymous_requests_conform(case: schemathesis.Case, served: Served) -> None:
    case.call_and_validate(app=served.app, headers={}, checks=CHECKS)
