"""``/ikms``, ``/products``, ``/buyers``: list, get, create, update, delete.

Organisers may do everything and see IKM contact fields. Buyers may read IKMs and products (without
contact fields) and read or update their own buyer record. Every change raises the catalogue revision;
searches pick it up without a restart (the index is rebuilt in the background).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from matching.catalogue.schema import IKM, Buyer, Entity, Product
from service.deps import BuyerOrOrganiserDep, EngineDep, OrganiserDep, Principal
from service.errors import Forbidden, error_responses
from service.schemas import (
    BuyerPublic,
    BuyerUpdate,
    IKMOrganiser,
    IKMPublic,
    IKMUpdate,
    Page,
    ProductPublic,
    ProductUpdate,
)

router = APIRouter(responses=error_responses(401, 403, 422, 503))
FOUND = error_responses(404)
CREATES = error_responses(400, 409, 413)
REPLACES = error_responses(400, 404, 413)
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]
Filter = Annotated[str | None, Query(min_length=1, max_length=120)]


def _filters(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def ikm_view(ikm: IKM, principal: Principal) -> dict[str, Any]:
    """The IKM as ``principal`` may see it: with contact fields for organisers only."""
    data = ikm.model_dump()
    view = IKMOrganiser(**data) if principal.is_organiser else IKMPublic(**data)
    encoded: dict[str, Any] = jsonable_encoder(view)
    return encoded


# The IKM routes answer with JSONResponse built from the one model the caller may see: a response_model
# union would let FastAPI re-validate a public IKM as the organiser model and add empty contact fields.


# -- IKMs ----------------------------------------------------------------------------------------------


@router.get("/ikms", tags=["ikms"], response_model=Page[IKMOrganiser] | Page[IKMPublic])
def list_ikms(
    engine: EngineDep,
    principal: BuyerOrOrganiserDep,
    offset: Offset = 0,
    limit: Limit = 50,
    province: Filter = None,
    regency: Filter = None,
    ovop_stars: Annotated[int | None, Query(ge=0, le=5)] = None,
) -> Any:
    """IKMs in id order; filters compare case-insensitively. Contact fields for organisers only."""
    filters = _filters(province=province, regency=regency, ovop_stars=ovop_stars)
    records, total = engine.store.page(Entity.IKMS, offset=offset, limit=limit, filters=filters)
    return JSONResponse({"data": [ikm_view(r, principal) for r in records], "count": total})


@router.get("/ikms/{ikm_id:path}", tags=["ikms"], response_model=IKMOrganiser | IKMPublic, responses=FOUND)
def get_ikm(ikm_id: str, engine: EngineDep, principal: BuyerOrOrganiserDep) -> Any:
    return JSONResponse(ikm_view(engine.store.get(Entity.IKMS, ikm_id), principal))


@router.post(
    "/ikms",
    tags=["ikms"],
    status_code=status.HTTP_201_CREATED,
    response_model=IKMOrganiser,
    responses=CREATES,
)
def create_ikm(body: IKM, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    return engine.store.put(Entity.IKMS, body, create=True).model_dump()


@router.put("/ikms/{ikm_id:path}", tags=["ikms"], response_model=IKMOrganiser, responses=REPLACES)
def update_ikm(ikm_id: str, body: IKMUpdate, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    record = IKM.model_validate({**body.model_dump(), "ikm_id": ikm_id})
    return engine.store.put(Entity.IKMS, record, create=False).model_dump()


@router.delete("/ikms/{ikm_id:path}", tags=["ikms"], status_code=status.HTTP_204_NO_CONTENT, responses=FOUND)
def delete_ikm(ikm_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Response:
    """Delete an IKM and its products."""
    engine.store.delete(Entity.IKMS, ikm_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- products ------------------------------------------------------------------------------------------


@router.get("/products", tags=["products"], response_model=Page[ProductPublic])
def list_products(
    engine: EngineDep,
    _caller: BuyerOrOrganiserDep,
    offset: Offset = 0,
    limit: Limit = 50,
    ikm_id: Filter = None,
    material: Filter = None,
    category: Filter = None,
) -> Any:
    filters = _filters(ikm_id=ikm_id, material=material, category=category)
    records, total = engine.store.page(Entity.PRODUCTS, offset=offset, limit=limit, filters=filters)
    return {"data": [r.model_dump() for r in records], "count": total}


@router.get("/products/{product_id:path}", tags=["products"], response_model=ProductPublic, responses=FOUND)
def get_product(product_id: str, engine: EngineDep, _caller: BuyerOrOrganiserDep) -> Any:
    return engine.store.get(Entity.PRODUCTS, product_id).model_dump()


@router.post(
    "/products",
    tags=["products"],
    status_code=status.HTTP_201_CREATED,
    response_model=ProductPublic,
    responses=error_responses(400, 404, 409, 413),
)
def create_product(body: Product, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    return engine.store.put(Entity.PRODUCTS, body, create=True).model_dump()


@router.put(
    "/products/{product_id:path}", tags=["products"], response_model=ProductPublic, responses=REPLACES
)
def update_product(product_id: str, body: ProductUpdate, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    record = Product.model_validate({**body.model_dump(), "product_id": product_id})
    return engine.store.put(Entity.PRODUCTS, record, create=False).model_dump()


@router.delete(
    "/products/{product_id:path}",
    tags=["products"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=FOUND,
)
def delete_product(product_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Response:
    engine.store.delete(Entity.PRODUCTS, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- buyers --------------------------------------------------------------------------------------------


def _own(principal: Principal, buyer_id: str) -> None:
    if not principal.is_organiser and principal.buyer_id != buyer_id:
        raise Forbidden("a buyer key may only read and change its own buyer record")


@router.get("/buyers", tags=["buyers"], response_model=Page[BuyerPublic], responses=FOUND)
def list_buyers(
    engine: EngineDep,
    principal: BuyerOrOrganiserDep,
    offset: Offset = 0,
    limit: Limit = 50,
    country: Filter = None,
) -> Any:
    """All buyers for organisers; a buyer key sees only its own record."""
    filters = _filters(country=country)
    if not principal.is_organiser:
        own = engine.store.get(Entity.BUYERS, principal.buyer_id or "")
        matches = country is None or (own.country or "").lower() == country.lower()
        data = [own.model_dump()] if matches and offset == 0 else []
        return {"data": data, "count": int(matches)}
    records, total = engine.store.page(Entity.BUYERS, offset=offset, limit=limit, filters=filters)
    return {"data": [r.model_dump() for r in records], "count": total}


@router.get("/buyers/{buyer_id:path}", tags=["buyers"], response_model=BuyerPublic, responses=FOUND)
def get_buyer(buyer_id: str, engine: EngineDep, principal: BuyerOrOrganiserDep) -> Any:
    _own(principal, buyer_id)
    return engine.store.get(Entity.BUYERS, buyer_id).model_dump()


@router.post(
    "/buyers",
    tags=["buyers"],
    status_code=status.HTTP_201_CREATED,
    response_model=BuyerPublic,
    responses=CREATES,
)
def create_buyer(body: Buyer, engine: EngineDep, _organiser: OrganiserDep) -> Any:
    return engine.store.put(Entity.BUYERS, body, create=True).model_dump()


@router.put("/buyers/{buyer_id:path}", tags=["buyers"], response_model=BuyerPublic, responses=REPLACES)
def update_buyer(buyer_id: str, body: BuyerUpdate, engine: EngineDep, principal: BuyerOrOrganiserDep) -> Any:
    """Organisers update any buyer; a buyer key updates its own record."""
    _own(principal, buyer_id)
    record = Buyer.model_validate({**body.model_dump(), "buyer_id": buyer_id})
    return engine.store.put(Entity.BUYERS, record, create=False).model_dump()


@router.delete(
    "/buyers/{buyer_id:path}", tags=["buyers"], status_code=status.HTTP_204_NO_CONTENT, responses=FOUND
)
def delete_buyer(buyer_id: str, engine: EngineDep, _organiser: OrganiserDep) -> Response:
    engine.store.delete(Entity.BUYERS, buyer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
