"""``/events/{id}/outcomes``: organisers rate each meeting of the newest plan, on the day and months later.

One form holds the whole table; saving records only the rows whose values changed, then redirects back
(POST/redirect/GET). An empty choice keeps what is stored (outcomes are never erased from this page).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from matching.app.events import DAY_OUTCOMES, FOLLOWUP_OUTCOMES, Outcome
from matching.errors import MatchingError, NotFoundError
from matching.learning.outcomes import OutcomeRecord
from service.web.render import not_found, organiser_or_response, redirect, render

router = APIRouter()
MAX_FIELDS = 50_000  # five a meeting: 10,000 meetings in one form (the body size has its own limit)


def _rows(request: Request, event_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """The event and its newest plan's meetings, each with its stored outcome (or None)."""
    events = request.app.state.engine.events
    record = events.get(event_id)
    meetings = events.meetings(event_id) if record.plans else []
    stored: dict[tuple[str, str], Outcome] = {(o.buyer_id, o.ikm_id): o for o in events.outcomes(event_id)}
    rows = [{**m, "outcome": stored.get((m["buyer_id"], m["ikm_id"]))} for m in meetings]
    rows.sort(key=lambda r: (r["slot_start"], _table_order(r["table"])))
    return record, rows


def _table_order(table: str) -> tuple[int, str]:
    return (int(table), "") if table.isdigit() else (10**9, table)


def _page(request: Request, event_id: str, status_code: int = 200, error: str | None = None) -> Response:
    try:
        record, rows = _rows(request, event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    people = {r["buyer_id"]: r["buyer_name"] for r in rows} | {r["ikm_id"]: r["ikm_name"] for r in rows}
    chosen = request.query_params.get("participant", "")
    if chosen in people:
        rows = [r for r in rows if chosen in (r["buyer_id"], r["ikm_id"])]
    context = {
        "record": record,
        "rows": rows,
        "participants": sorted(people.items()),
        "participant": chosen if chosen in people else "",
        "day_outcomes": DAY_OUTCOMES,
        "followup_outcomes": FOLLOWUP_OUTCOMES,
        "error": error,
    }
    return render(request, "outcomes.html", context, status_code=status_code)


@router.get("/events/{event_id}/outcomes")
def outcomes_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return _page(request, event_id)


def _save(request: Request, event_id: str, form: dict[str, str]) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    events = request.app.state.engine.events
    try:
        stored = {(o.buyer_id, o.ikm_id): o for o in events.outcomes(event_id)}
    except NotFoundError as exc:
        return not_found(request, exc)
    changed = []
    for key, buyer in form.items():
        if not key.startswith("buyer-"):
            continue
        i = key.removeprefix("buyer-")
        ikm = form.get(f"ikm-{i}", "")
        wanted = (
            form.get(f"day-{i}") or None,
            form.get(f"followup-{i}") or None,
            form.get(f"notes-{i}", "").strip() or None,
        )
        old = stored.get((buyer, ikm))
        current = (old.day_outcome, old.followup_outcome, old.notes) if old else (None, None, None)
        if wanted == current:
            continue
        # an emptied field clears what was stored ("" to the store); one never filled stays unset (None)
        day, followup, notes = (w if w else ("" if c else None) for w, c in zip(wanted, current, strict=True))
        changed.append(OutcomeRecord(buyer, ikm, day, followup, notes))
    try:
        entered_by = who.key.name if who.key else None
        events.record_outcomes(event_id, changed, entered_by=entered_by)  # one transaction: all or none
    except MatchingError as exc:
        return _page(request, event_id, status_code=422, error=str(exc))
    saved = len(changed)
    shown = {"participant": form["participant"]} if form.get("participant") else {}
    return redirect(f"/events/{event_id}/outcomes", msg="saved", n=saved, **shown)


@router.post("/events/{event_id}/outcomes")
async def save_outcomes(request: Request, event_id: str) -> Response:
    """Read the form here; the saving (database and plan files) runs in the thread pool."""
    fields = await request.form(max_files=0, max_fields=MAX_FIELDS)
    form = {k: v for k, v in fields.items() if isinstance(v, str)}
    return await run_in_threadpool(_save, request, event_id, form)
