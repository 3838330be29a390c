"""A participant keeps its own catalogue record: a buyer its requirement, an IKM its profile and products.

Values come as typed in a form (text: "1.200", "1,5 juta", "SVLK; SNI", a province name) and are judged by
the catalogue's own import validation (:func:`matching.catalogue.ingest.validate_tables`), so a form accepts
and refuses exactly what an import would. A refused form raises :class:`~matching.errors.ValidationFailed`
whose issues name the field (``column``: the canonical field name) and the value as typed; nothing is
written then. Fields a participant may not change here (names, ids, province, the organiser's attributes)
are kept as stored.

A saved change goes through the store's upsert (:meth:`~matching.store.database.Store.put`), which raises
the catalogue revision; ``refresh`` (the engine's background re-index) is called after it, so searches find
the change without a restart, as after an import.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from matching.catalogue.ingest import validate_tables
from matching.catalogue.readers import RawTable
from matching.catalogue.report import ImportReport
from matching.catalogue.schema import COLUMNS, IKM, Buyer, Entity, Product
from matching.errors import NotFoundError, ValidationFailed
from matching.store.database import Store

__all__ = ["BUYER_FIELDS", "FORM_SOURCE", "IKM_FIELDS", "PRODUCT_FIELDS", "ProfileEdits"]

FORM_SOURCE = "form"  # the issues' source
BUYER_FIELDS = (
    "requirement",
    "quantity",
    "max_unit_price_idr",
    "required_certifications",
    "preferred_provinces",
    "deadline_days",
)
IKM_FIELDS = (
    "description",
    "capacity_per_month",
    "min_order_qty",
    "lead_time_days",
    "certifications",
    "export_markets",
    "contact_name",
    "contact_phone",
    "contact_email",
)
PRODUCT_FIELDS = ("name", "description", "material", "category", "price_idr")


def _cell(value: object) -> str:
    """A stored value as a form or import cell holds it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _validated(
    entity: Entity, stored: Mapping[str, Any], values: Mapping[str, str], editable: tuple[str, ...]
) -> Any:
    """The record of ``entity`` made of ``stored`` with the ``editable`` fields of ``values`` typed over it,
    judged as one import row; :class:`ValidationFailed` (issues by field) if it is not valid."""
    names = [spec.name for spec in COLUMNS[entity]]
    cells = {name: _cell(stored.get(name)) for name in names}
    for name in editable:
        if name in values:
            cells[name] = values[name]
    table = RawTable(FORM_SOURCE, entity, list(cells), [(1, list(cells.values()))])
    known = {str(stored["ikm_id"])} if entity is Entity.PRODUCTS else set()
    batch, issues = validate_tables([table], known)
    report = ImportReport(issues=issues)
    if report.errors or not batch.records[entity]:
        raise ValidationFailed(report)
    record = batch.records[entity][0]
    return record.model_copy(update={"attributes": dict(stored.get("attributes") or {})})


class ProfileEdits:
    """Changes participants make to their own records (over the store; ``refresh`` re-indexes)."""

    def __init__(
        self,
        store: Store,
        refresh: Callable[[], None],
        remove_photos: Callable[[str, str], object] | None = None,
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._remove_photos = remove_photos  # (ikm_id, product_id): a removed product's photos

    def _save(self, entity: Entity, record: Any, before: Any, *, create: bool = False) -> Any:
        if not create and record == before:
            return record  # nothing changed: the revision (and the index) stay
        self._store.put(entity, record, create=create)
        self._refresh()
        return record

    def update_buyer(self, buyer_id: str, values: Mapping[str, str]) -> Buyer:
        """The buyer's requirement and needs (:data:`BUYER_FIELDS`) as typed; the rest stays."""
        before = self._store.get(Entity.BUYERS, buyer_id)
        record = _validated(Entity.BUYERS, before.model_dump(), values, BUYER_FIELDS)
        saved: Buyer = self._save(Entity.BUYERS, record, before)
        return saved

    def update_ikm(self, ikm_id: str, values: Mapping[str, str]) -> IKM:
        """The IKM's production profile and contact (:data:`IKM_FIELDS`) as typed; the rest stays."""
        before = self._store.get(Entity.IKMS, ikm_id)
        record = _validated(Entity.IKMS, before.model_dump(), values, IKM_FIELDS)
        saved: IKM = self._save(Entity.IKMS, record, before)
        return saved

    def product(self, ikm_id: str, product_id: str) -> Product:
        """The IKM's product; :class:`NotFoundError` for another IKM's product or none."""
        try:
            found: Product | None = self._store.get(Entity.PRODUCTS, product_id)
        except NotFoundError:
            found = None
        if found is None or found.ikm_id != ikm_id:
            raise NotFoundError(f"IKM {ikm_id!r} has no product {product_id!r}")
        return found

    def products(self, ikm_id: str) -> list[Product]:
        """The IKM's products in id order."""
        records, _ = self._store.page(Entity.PRODUCTS, limit=500, filters={"ikm_id": ikm_id})
        return list(records)

    def save_product(self, ikm_id: str, values: Mapping[str, str], product_id: str | None = None) -> Product:
        """A new product of the IKM (``product_id`` None: a fresh id is made) or a change to one of its own
        (:data:`PRODUCT_FIELDS` as typed)."""
        if product_id is None:
            ids = self._store.ids(Entity.PRODUCTS)
            new_id = f"P{secrets.token_hex(5).upper()}"
            while new_id in ids:
                new_id = f"P{secrets.token_hex(5).upper()}"
            stored: dict[str, Any] = {"product_id": new_id, "ikm_id": ikm_id, "attributes": {}}
            record = _validated(Entity.PRODUCTS, stored, values, PRODUCT_FIELDS)
            created: Product = self._save(Entity.PRODUCTS, record, None, create=True)
            return created
        before = self.product(ikm_id, product_id)
        record = _validated(Entity.PRODUCTS, before.model_dump(), values, PRODUCT_FIELDS)
        saved: Product = self._save(Entity.PRODUCTS, record, before)
        return saved

    def remove_product(self, ikm_id: str, product_id: str) -> None:
        """Delete one of the IKM's products, and its photos."""
        self.product(ikm_id, product_id)
        self._store.delete(Entity.PRODUCTS, product_id)
        if self._remove_photos is not None:
            self._remove_photos(ikm_id, product_id)
        self._refresh()
