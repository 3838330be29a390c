"""Request and response bodies: ``XCreate`` / ``XUpdate`` / ``XPublic``; lists are ``{data, count}``.

IKM contact fields (``contact_name``, ``contact_phone``, ``contact_email``) exist only on
:class:`IKMOrganiser`, which only organisers are sent; everyone else gets :class:`IKMPublic`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeAlias, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model

from matching.app.events import DAY_OUTCOMES, FOLLOWUP_OUTCOMES
from matching.catalogue.schema import IKM, Buyer, Product

T = TypeVar("T")
SEARCH_DEPTH = 50  # results ranked per search; pages are cut from them, so pages never disagree

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Amount = Annotated[int, Field(ge=1, le=1_000_000_000)]
Names = Annotated[list[Annotated[str, Field(min_length=1, max_length=120)]], Field(max_length=40)]
DayOutcome = Literal["not_held", "insufficient_interest", "cooperation_possible", "deal_agreed"]
FollowupOutcome = Literal["no_further_contact", "negotiation_started", "agreement_reached"]
assert get_args(DayOutcome) == DAY_OUTCOMES and get_args(FollowupOutcome) == FOLLOWUP_OUTCOMES


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="How many items match in all (not only on this page).")


# -- search ------------------------------------------------------------------------------------------


class SearchRequest(BaseModel):
    """A buyer's requirement in English or Indonesian, plus structured values that win over the text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "rattan laundry baskets, 800 pcs/month, SVLK", "limit": 5},
                {
                    "text": "tas anyaman pandan untuk toko oleh-oleh",
                    "provinces": ["Jawa Barat"],
                    "lang": "id",
                },
            ]
        },
    )

    text: Text
    quantity: Amount | None = Field(default=None, description="Pieces per order or per month.")
    certifications: Names = Field(default_factory=list, description="Required, e.g. SVLK, SNI.")
    provinces: Names = Field(default_factory=list, description="Preferred provinces.")
    max_unit_price_idr: Amount | None = None
    deadline_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    hard_filters: bool = Field(
        default=False,
        description="True: IKMs that fail a stated requirement are left out; false: they rank lower.",
    )
    lang: Literal["en", "id"] = Field(default="en", description="Language of the explanations' summary.")
    offset: Annotated[int, Field(ge=0, lt=SEARCH_DEPTH)] = 0
    limit: Annotated[int, Field(ge=1, le=SEARCH_DEPTH)] = 10


class Label(BaseModel):
    concept: str
    id: str
    en: str


class ConstraintCheck(BaseModel):
    name: str
    status: str
    wanted: Any = None
    actual: Any = None
    id: str
    en: str


class MatchedProduct(BaseModel):
    product_id: str
    name: str
    price_idr: int | None = None


class MatchPublic(BaseModel):
    """One ranked IKM and why: what matched, each constraint checked, how the score is made up."""

    rank: int
    ikm_id: str
    ikm_name: str
    province: str
    score: float
    feasible: bool
    meets_requirements: bool = Field(description="Every stated requirement is known to hold.")
    summary: str = Field(description="Why this match, in one line, in the requested language.")
    products: list[MatchedProduct]
    materials: list[Label]
    product_types: list[Label]
    constraints: list[ConstraintCheck]
    score_breakdown: dict[str, float]


class SearchResponse(BaseModel):
    data: list[MatchPublic]
    count: int = Field(description="Results available in all pages (at most 50).")
    offset: int
    limit: int
    model_version: str
    catalogue_revision: int
    notice: str | None = Field(
        default=None, description="Why nothing was found whatever the query (an empty catalogue)."
    )
    weak_match: bool = Field(
        default=False,
        description="The query names no known material or product type and the results hardly match it.",
    )


# -- catalogue -----------------------------------------------------------------------------------------


class IKMPublic(BaseModel):
    """An IKM as anyone may see it: no contact fields."""

    ikm_id: str
    name: str
    province: str
    regency: str
    village: str | None = None
    ovop_stars: int | None = None
    capacity_per_month: int | None = None
    min_order_qty: int | None = None
    lead_time_days: int | None = None
    certifications: list[str] = Field(default_factory=list)
    export_markets: list[str] = Field(default_factory=list)
    description: str | None = None


class IKMOrganiser(IKMPublic):
    """An IKM with its contact: for organisers only."""

    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


def _update_body(record: type[BaseModel], key: str) -> type[BaseModel]:
    """The body of a PUT: every field of the engine's ``record`` but its id (the URL names it), with the
    record's own types and bounds, so a replacement is validated exactly like a new record."""
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in record.model_fields.items() if n != key}
    return create_model(
        f"{record.__name__}Update", __config__=ConfigDict(extra="forbid"), __doc__=None, **fields
    )


# create bodies are the engine's validated records themselves (IKM, Product, Buyer); updates replace every
# field but the id
if TYPE_CHECKING:  # create_model builds them at run time: to a type checker each is a BaseModel
    IKMUpdate: TypeAlias = BaseModel
    ProductUpdate: TypeAlias = BaseModel
    BuyerUpdate: TypeAlias = BaseModel
else:
    IKMUpdate = _update_body(IKM, "ikm_id")
    ProductUpdate = _update_body(Product, "product_id")
    BuyerUpdate = _update_body(Buyer, "buyer_id")


class ProductPublic(BaseModel):
    product_id: str
    ikm_id: str
    name: str
    description: str | None = None
    material: str | None = None
    category: str | None = None
    price_idr: int | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class BuyerPublic(BaseModel):
    """A buyer record; only organisers and the buyer itself see it."""

    buyer_id: str
    company: str
    country: str | None = None
    requirement: str
    quantity: int | None = None
    max_unit_price_idr: int | None = None
    required_certifications: list[str] = Field(default_factory=list)
    preferred_provinces: list[str] = Field(default_factory=list)
    deadline_days: int | None = None
    contact_email: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


# -- imports -----------------------------------------------------------------------------------------


class ImportIssue(BaseModel):
    severity: Literal["error", "warning"]
    source: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str


class EntityCountsPublic(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class ImportResult(BaseModel):
    committed: bool
    dry_run: bool
    counts: dict[str, EntityCountsPublic]
    issues: list[ImportIssue] = Field(
        description="The first issues of each kind (values clipped), then a line per kind counting the rest."
    )
    error_count: int = Field(0, description="Errors found in all, listed or not.")
    warning_count: int = Field(0, description="Warnings found in all, listed or not.")
    omitted: int = Field(0, description="Issues counted in a summary line instead of listed.")
    catalogue_revision: int


# -- events ------------------------------------------------------------------------------------------

_EVENT_EXAMPLE = """name: Temu Bisnis Anyaman 2027
slot_minutes: 20
sessions: [{start: "09:00", end: "12:00"}]
tables: 10
buyers: all
ikms: all
"""


class EventCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"definition": _EVENT_EXAMPLE}]}
    )

    definition: Annotated[str, Field(min_length=1, max_length=2_000_000)] = Field(
        description="The event file (YAML or JSON text), as `matching event plan` reads it."
    )
    event_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] | None = Field(
        default=None, description="Default: made from the event's name."
    )


class EventUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: Annotated[str, Field(min_length=1, max_length=2_000_000)]


class PlanSummary(BaseModel):
    plan_no: int
    kind: Literal["plan", "reschedule"]
    model_version: str
    created_at: dt.datetime
    summary: dict[str, Any]


class EventPublic(BaseModel):
    event_id: str
    name: str
    date: dt.date | None = None
    venue: str | None = None
    slots: int
    tables: int
    plans: int
    definition: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit: Annotated[float, Field(ge=1, le=120)] = 10.0
    top: Annotated[int, Field(ge=1, le=200)] = 50
    day_changes: Annotated[
        Literal["refuse", "keep", "discard"],
        Field(
            description="When the plan in force carries the day's changes (absences, walk-ins, "
            'moves ...): "refuse" answers 409 naming them (a plain plan would drop them), "keep" plans the '
            'whole event again from the day\'s state, "discard" plans from the definition alone and logs '
            "what was dropped."
        ),
    ] = "refuse"


class RescheduleRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"changes": 'now: "13:00"\nno_shows: [B003]\n'}]},
    )

    changes: Annotated[str, Field(max_length=2_000_000)] = Field(
        description="The changes file (YAML or JSON text): now, no_shows, cancelled, availability, ..."
    )
    time_limit: Annotated[float, Field(ge=0.5, le=120)] = 4.0


class MeetingPublic(BaseModel):
    slot_start: str
    slot_end: str
    table: str
    buyer_id: str
    buyer_name: str
    ikm_id: str
    ikm_name: str
    score: float
    reason: str


class Schedule(BaseModel):
    plan_no: int
    model_version: str
    data: list[MeetingPublic]
    count: int


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"buyer_id": "B003", "ikm_id": "I0081", "day_outcome": "cooperation_possible"}]
        },
    )

    buyer_id: Annotated[str, Field(min_length=1, max_length=64)]
    ikm_id: Annotated[str, Field(min_length=1, max_length=64)]
    day_outcome: DayOutcome | None = None
    followup_outcome: FollowupOutcome | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None


class OutcomePublic(BaseModel):
    event_id: str
    buyer_id: str
    ikm_id: str
    plan_no: int
    model_version: str
    score: float | None = None
    day_outcome: DayOutcome | None = None
    followup_outcome: FollowupOutcome | None = None
    notes: str | None = None
    recorded_at: dt.datetime
    updated_at: dt.datetime
    entered_by: str | None = Field(default=None, description="The organiser key's name that last rated it.")


# -- errors -----------------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="A stable machine-readable code, e.g. `not_found`, `import_rejected`.")
    message: str
    details: list[Any] = Field(
        description="Field problems (loc, message, type), an import's rejected rows (source, row, column, "
        "value, message) or an event file's problem lines; often empty."
    )
    request_id: str = Field(description="The request's `X-Request-ID`; the server log names it too.")


class ErrorResponse(BaseModel):
    """Every error answer: ``{"error": {status, code, message, details, request_id}}``."""

    error: ErrorBody


# -- health -----------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]


class QueryCacheStats(BaseModel):
    """The engine's in-memory cache of query embeddings since the process started."""

    entries: int
    size: int = Field(description="Capacity (MATCHING_QUERY_CACHE); 0: the cache is off.")
    hits: int
    misses: int
    hit_rate: float | None


class Readiness(BaseModel):
    status: Literal["ready", "starting", "not ready"]
    reason: str | None = Field(
        default=None, description="Why search cannot work yet: 'empty catalogue' or 'index not built'."
    )
    catalogue_revision: int
    searcher_revision: int
    index_version: str | None = Field(
        default=None,
        description="The saved version of the search index this worker serves (e.g. 'v000007'); replicas "
        "sharing one index folder converge on the same one.",
    )
    model_version: str
    ikms: int
    products: int
    buyers: int
    query_cache: QueryCacheStats | None = Field(
        default=None, description="Query-embedding cache of this worker (None until the encoder is loaded)."
    )


class CatalogueStats(BaseModel):
    """Counts of the catalogue (no record data): totals and breakdowns."""

    ikms: int
    products: int
    buyers: int
    ikms_by_province: dict[str, int]
    ikms_by_stars: dict[str, int]
    products_by_material: dict[str, int]
    buyers_by_country: dict[str, int]
