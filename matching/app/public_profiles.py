"""What the event's other participants may see of a buyer or an IKM: its public profile.

An IKM shows its name, place, production profile, certificates, export markets, description and products
with their photos; a buyer its company, country and what it is looking for (requirement, quantity,
certificates, provinces, deadline). Never a contact (name, phone, e-mail) and never the buyer's price
ceiling (its negotiating position): contacts are shared only once a meeting is agreed, by the pages that know
it (requests, agenda).

Pages that show a participant to another (recommendations, requests, agenda) reuse
:func:`public_profile`; the page ``/events/{id}/profile/{participant_id}`` draws it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from matching.catalogue.schema import Entity
from matching.errors import NotFoundError

if TYPE_CHECKING:
    from matching.app.engine import Engine

__all__ = ["PublicProduct", "PublicProfile", "public_profile"]


@dataclass(frozen=True)
class PublicProduct:
    product_id: str
    name: str
    description: str | None
    material: str | None
    category: str | None
    price_idr: int | None
    photo_ids: tuple[str, ...] = ()  # served at /photos/{id} and /photos/{id}/thumb


@dataclass(frozen=True)
class PublicProfile:
    """A participant as the event's others see it (``kind``: ``ikm`` or ``buyer``)."""

    kind: Literal["ikm", "buyer"]
    participant_id: str
    name: str  # the IKM's name or the buyer's company
    province: str | None = None  # IKM
    regency: str | None = None  # IKM
    village: str | None = None  # IKM
    country: str | None = None  # buyer
    ovop_stars: int | None = None
    capacity_per_month: int | None = None
    min_order_qty: int | None = None
    lead_time_days: int | None = None
    certifications: tuple[str, ...] = ()  # an IKM's, or the certificates a buyer requires
    export_markets: tuple[str, ...] = ()
    description: str | None = None  # IKM
    requirement: str | None = None  # buyer
    quantity: int | None = None  # buyer
    preferred_provinces: tuple[str, ...] = ()  # buyer
    deadline_days: int | None = None  # buyer
    products: tuple[PublicProduct, ...] = field(default_factory=tuple)

    @property
    def first_photo_id(self) -> str | None:
        return next((p.photo_ids[0] for p in self.products if p.photo_ids), None)


def public_profile(engine: Engine, participant_id: str, kind: str | None = None) -> PublicProfile | None:
    """The public profile of the IKM or buyer ``participant_id`` (``kind`` ``ikm`` or ``buyer`` when known;
    else an IKM of that id first); None when there is none. Who may see it is the caller's check."""
    store = engine.store
    if kind in (None, "ikm"):
        try:
            ikm = store.get(Entity.IKMS, participant_id)
        except NotFoundError:
            ikm = None
        if ikm is not None:
            photos = engine.photos.of_products(ikm.ikm_id)
            products, _ = store.page(Entity.PRODUCTS, limit=500, filters={"ikm_id": ikm.ikm_id})
            return PublicProfile(
                kind="ikm",
                participant_id=ikm.ikm_id,
                name=ikm.name,
                province=ikm.province,
                regency=ikm.regency,
                village=ikm.village,
                ovop_stars=ikm.ovop_stars,
                capacity_per_month=ikm.capacity_per_month,
                min_order_qty=ikm.min_order_qty,
                lead_time_days=ikm.lead_time_days,
                certifications=tuple(ikm.certifications),
                export_markets=tuple(ikm.export_markets),
                description=ikm.description,
                products=tuple(
                    PublicProduct(
                        product_id=p.product_id,
                        name=p.name,
                        description=p.description,
                        material=p.material,
                        category=p.category,
                        price_idr=p.price_idr,
                        photo_ids=tuple(ph.photo_id for ph in photos.get(p.product_id, [])),
                    )
                    for p in products
                ),
            )
    if kind in (None, "buyer"):
        try:
            buyer = store.get(Entity.BUYERS, participant_id)
        except NotFoundError:
            return None
        return PublicProfile(
            kind="buyer",
            participant_id=buyer.buyer_id,
            name=buyer.company,
            country=buyer.country,
            certifications=tuple(buyer.required_certifications),
            requirement=buyer.requirement,
            quantity=buyer.quantity,
            preferred_provinces=tuple(buyer.preferred_provinces),
            deadline_days=buyer.deadline_days,
        )
    return None
