"""The event builder: organisers create and edit an event through a form; YAML is only for import/export.

=======================================  ==============================================================
``GET /events/new`` (``?demo=1``)         the empty form (or the example event filled in)
``POST /events/new``                      save a new event, or (``add``/``remove`` buttons) add or drop a row
``GET|POST /events/{id}/edit``            the same form for a stored event
``POST /events/builder/check``            the live check: the form's problems per field, as JSON
``GET /events/{id}/event.yaml``           the event as canonical YAML (:func:`event_yaml`), to download
=======================================  ==============================================================

The form works without JavaScript: the add/remove buttons send the form and it comes back with one row
more or less, and a save answers 422 with each problem beside its field. ``builder.js`` does the same in
the page, filters the participant lists, draws the booth map and asks the check endpoint on every change.
The server is the judge: a save runs the engine's checks (:func:`check_state`) and stores
``event_yaml(event)`` with ``engine.events.create`` / ``update``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from matching import Engine, demo_data_dir
from matching.app.events import slug
from matching.errors import ConflictError, MatchingError, NotFoundError
from matching.events.event_files import event_yaml
from matching.events.model import TIME_ZONES, load_event
from service.web.builder_form import (
    ROWS,
    FieldProblem,
    FormState,
    check_state,
    form_of_state,
    state_from_event,
    state_from_form,
)
from service.web.builder_form import slot_starts as form_slot_starts
from service.web.i18n import translator
from service.web.render import not_found, organiser_or_response, page_lang, redirect, render

router = APIRouter()
RESERVED_IDS = ("new", "builder")  # /events/new and /events/builder/... are pages, not events
KINDS = ("must_meet", "meet", "no_thanks")


# -- the catalogue the pickers filter --------------------------------------------------------------------


@dataclass(frozen=True)
class Pickers:
    """Buyers and IKMs as the pickers list them, with the values their filters offer."""

    buyers: list[dict[str, Any]]
    ikms: list[dict[str, Any]]
    buyer_provinces: list[str]
    provinces: list[str]
    materials: list[tuple[str, str]]  # (id, label)
    products: list[tuple[str, str]]


_cache: dict[tuple[int, str], Pickers] = {}
_cache_lock = threading.Lock()


def pickers(engine: Engine, lang: str) -> Pickers:
    """The picker rows for the catalogue as it is now (kept per catalogue revision and language)."""
    key = (engine.store.revision(), lang)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    labels = {
        kind: {c.id: c.labels.get(lang) or c.labels.get("id") or c.id for c in Engine.concepts(kind)}
        for kind in ("material", "product")
    }
    made: dict[str, dict[str, set[str]]] = {}
    for product in engine.store.products():
        entry = made.setdefault(product.ikm_id, {"materials": set(), "products": set()})
        if product.material:
            entry["materials"].add(product.material)
        if product.category:
            entry["products"].add(product.category)
    ikms: list[dict[str, Any]] = []
    for ikm in engine.store.ikms():
        entry = made.get(ikm.ikm_id, {"materials": set(), "products": set()})
        ikms.append(
            {
                "id": ikm.ikm_id,
                "name": ikm.name,
                "province": ikm.province,
                "place": f"{ikm.regency}, {ikm.province}",
                "stars": ikm.ovop_stars or 0,
                "materials": sorted(entry["materials"]),
                "products": sorted(entry["products"]),
                "words": " ".join(sorted(labels["material"].get(m, m) for m in entry["materials"])),
            }
        )
    buyers: list[dict[str, Any]] = []
    for buyer in engine.store.buyers():
        needs = engine.buyer_needs(buyer)
        buyers.append(
            {
                "id": buyer.buyer_id,
                "name": buyer.company,
                "place": buyer.country or "",
                "provinces": sorted(needs.provinces),
                "materials": sorted(needs.materials),
                "products": sorted(needs.products),
                "needs": buyer.requirement[:160],
                "words": " ".join(
                    [labels["material"].get(m, m) for m in needs.materials]
                    + [labels["product"].get(p, p) for p in needs.products]
                ),
            }
        )
    used_materials = {m for row in ikms + buyers for m in row["materials"]}
    used_products = {p for row in ikms + buyers for p in row["products"]}
    result = Pickers(
        buyers=sorted(buyers, key=lambda r: r["id"]),
        ikms=sorted(ikms, key=lambda r: r["id"]),
        buyer_provinces=sorted({p for b in buyers for p in b["provinces"]}),
        provinces=sorted({i["province"] for i in ikms}),
        materials=sorted(((m, labels["material"].get(m, m)) for m in used_materials), key=lambda x: x[1]),
        products=sorted(((p, labels["product"].get(p, p)) for p in used_products), key=lambda x: x[1]),
    )
    with _cache_lock:
        _cache.clear()
        _cache[key] = result
    return result


def free_id(name: str) -> str | None:
    """None (the engine makes the id from the name) unless that id would be taken by a builder page."""
    made = slug(name)
    return f"{made}-1" if made in RESERVED_IDS else None


# -- the page --------------------------------------------------------------------------------------------


def _render_form(
    request: Request,
    state: FormState,
    *,
    event_id: str | None,
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> Response:
    engine: Engine = request.app.state.engine
    lang = page_lang(request)
    found = pickers(engine, lang)
    by_key: dict[str, list[str]] = {}
    for p in problems or []:
        by_key.setdefault(p.key, []).append(p.text)
    names = {r["id"]: r["name"] for r in found.buyers} | {r["id"]: r["name"] for r in found.ikms}
    values = {
        "state": state,
        "event_id": event_id,
        "action": f"/events/{event_id}/edit" if event_id else "/events/new",
        "problems": problems or [],
        "by_key": by_key,
        "pickers": found,
        "chosen_buyers": set(state.buyers),
        "chosen_ikms": set(state.ikms),
        "time_zones": list(TIME_ZONES),
        "kinds": KINDS,
        "rows": ROWS,
        "slot_starts": form_slot_starts(state),
        "table_names": state.table_names(),
        "names": names,
    }
    return render(request, "builder.html", values, status_code=status_code)


def _edit_rows(state: FormState, form: FormData) -> bool:
    """Apply an ``add``/``remove`` button of the form (sent without JavaScript); True if one was pressed."""
    add, remove = form.get("add"), form.get("remove")
    if isinstance(add, str) and add in ROWS:
        state.rows[add].append(dict.fromkeys(ROWS[add], ""))
        return True
    if isinstance(remove, str) and "-" in remove:
        rows, _, index = remove.rpartition("-")
        if rows in ROWS and index.isdigit() and int(index) < len(state.rows[rows]):
            del state.rows[rows][int(index)]
        return True
    return False


def _save(request: Request, form: FormData, event_id: str | None) -> Response:
    engine: Engine = request.app.state.engine
    state = state_from_form(form)
    if _edit_rows(state, form):
        return _render_form(request, state, event_id=event_id)
    t = translator(page_lang(request))
    found = pickers(engine, page_lang(request))
    event, problems = check_state(state, [b["id"] for b in found.buyers], [i["id"] for i in found.ikms], t)
    if event is None:
        return _render_form(request, state, event_id=event_id, problems=problems, status_code=422)
    try:
        if event_id is None:
            record = engine.events.create(
                event_yaml(event), event_id=state.value("event_id") or free_id(event.name)
            )
        else:
            record = engine.events.update(event_id, event_yaml(event))
    except NotFoundError as exc:
        return not_found(request, exc)
    except ConflictError:
        problem = FieldProblem("event_id", t("builder_field_event_id"), t("builder_msg_id_taken"))
        return _render_form(request, state, event_id=event_id, problems=[problem], status_code=422)
    except MatchingError as exc:
        key = "event_id" if "event_id" in str(exc) else "form"
        text = t("builder_msg_event_id") if key == "event_id" else str(exc).split("\n")[0]
        problem = FieldProblem(key, t(f"builder_field_{key}"), text)
        return _render_form(request, state, event_id=event_id, problems=[problem], status_code=422)
    return redirect(f"/events/{record.event_id}", msg="created" if event_id is None else "builder_saved")


@router.get("/events/new")
def new_event(request: Request, demo: bool = False) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    if demo:
        state = state_from_event(load_event(demo_data_dir() / "event.yaml"))
    else:
        state = state_from_form(FormData())
        state.rows["sessions"] = [{"start": "09:00", "end": "12:00"}]
        state.values["tables_count"] = "10"
        state.rows["booth"] = []
        state = state_from_form(form_of_state(state))
    return _render_form(request, state, event_id=None)


@router.post("/events/new")
async def create_from_form(request: Request) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    form = await request.form()
    return await run_in_threadpool(_save, request, form, None)


@router.get("/events/{event_id}/edit")
def edit_event(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        record = request.app.state.engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    return _render_form(request, state_from_event(record.event), event_id=event_id)


@router.post("/events/{event_id}/edit")
async def update_from_form(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    form = await request.form()
    return await run_in_threadpool(_save, request, form, event_id)


def _check(request: Request, form: FormData) -> dict[str, Any]:
    engine: Engine = request.app.state.engine
    lang = page_lang(request)
    t = translator(lang)
    found = pickers(engine, lang)
    state = state_from_form(form)
    event, problems = check_state(state, [b["id"] for b in found.buyers], [i["id"] for i in found.ikms], t)
    starts = form_slot_starts(state)
    return {
        "ok": event is not None,
        "problems": [{"key": p.key, "label": p.label, "text": p.text} for p in problems],
        "slots": starts,
        "slots_text": t("builder_slots", n=len(starts), list=", ".join(starts))
        if starts
        else t("builder_slots_none"),
        "tables": state.table_names(),
    }


@router.post("/events/builder/check")
async def check_form(request: Request) -> Response:
    """The form's problems, each with the field it is about and a sentence in the page's language."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return JSONResponse({"detail": "organisers only"}, status_code=403)
    form = await request.form()
    return JSONResponse(await run_in_threadpool(_check, request, form))


@router.get("/events/{event_id}/event.yaml")
def export_yaml(request: Request, event_id: str) -> Response:
    """The event as canonical YAML, as a download (it imports back as the same event)."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        record = request.app.state.engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    return Response(
        event_yaml(record.event),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event_id}.yaml"'},
    )
