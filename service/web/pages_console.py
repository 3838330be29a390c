"""``/events/{id}/day``: the event day console for organisers.

The live grid of the plan in force (changed meetings coloured), check-in per participant, a form per day
operation (each answers with a preview of the exact changes), Apply / Cancel of the preview, the audit log
and Undo. Every POST redirects back (POST/redirect/GET); a refused operation renders the page again (422)
saying why. The work is done by :class:`matching.app.day.EventDay` (``engine.events.day``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response

from matching.app.day import DayOperation, Preview
from matching.errors import ConfigError, ConflictError, MatchingError, NotFoundError
from matching.events.model import Event
from matching.store.day import LogEntry
from service.deps import Principal
from service.web.i18n import translator
from service.web.pages_events import schedule_grid
from service.web.render import not_found, organiser_or_response, page_lang, redirect, render, table_label

router = APIRouter()
OPERATIONS = ("absent", "cancel", "walk_in", "move", "swap", "late")


def who_name(principal: Principal) -> str:
    """The name of the key making a change, for the day's log."""
    return principal.key.name if principal.key is not None else principal.role.value


def _clock(text: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _pair(text: str) -> tuple[str, str] | None:
    buyer, sep, ikm = text.partition("|")
    return (buyer, ikm) if sep and buyer and ikm else None


def op_sentence(action: str, params: dict[str, str], t: Callable[..., str]) -> str:
    """A day operation as a sentence in the page's language (raises KeyError when a value is missing)."""
    if action == "walk_in" and params.get("window"):
        return t("console_log_walk_in_window", **params)
    if action == "move":
        old = t("console_at", start=params["old_start"], table=table_label(params["old_table"], t))
        new = t("console_at", start=params["new_start"], table=table_label(params["new_table"], t))
        return t("console_log_move", meeting=params["meeting"], old=old, new=new)
    return t(f"console_log_{action}", **params)


def log_sentence(entry: LogEntry, t: Callable[..., str], by_id: dict[int, LogEntry]) -> str:
    """A log entry as a sentence in the page's language (the stored English one when it cannot be)."""
    params = {k: str(v) for k, v in (entry.details.get("params") or {}).items()}
    try:
        if entry.action == "checkin":
            status = entry.details.get("status")
            shown = t(f"console_status_{status or 'none'}")
            return t("console_log_checkin", name=params["name"], status=shown)
        if entry.action == "undo":
            undone = by_id.get(int(entry.details.get("undoes", 0)))
            what = log_sentence(undone, t, by_id) if undone is not None else params.get("what", "")
            return t("console_log_undo", what=what)
        if entry.action in ("replan", "discard"):
            return t(f"console_log_{entry.action}")
        return op_sentence(entry.action, params, t)
    except (KeyError, IndexError, ValueError):
        return entry.text


REASONS = {
    "did not come (no-show)": "console_reason_no_show",
    "cancelled by the organiser": "console_reason_cancelled",
    "moved by the organiser": "console_reason_moved",
    "swapped by the organiser": "console_reason_swapped",
    "new availability": "console_reason_window",
    "marked no_thanks": "console_reason_no_thanks",
}


def reason_text(reason: str, t: Callable[..., str]) -> str:
    """The repair's reason for a change in the page's language (an organiser's own words as written)."""
    for ending, key in REASONS.items():
        if reason.endswith(ending):
            return t(key)
    if reason.startswith("could not be moved"):
        return t("console_reason_no_place")
    return reason


def _preview_sentence(preview: Preview | None, t: Callable[..., str]) -> str:
    if preview is None:
        return ""
    try:
        return op_sentence(preview.action, preview.params, t)
    except (KeyError, IndexError, ValueError):
        return preview.text


def _when(event: Event, moment: dt.datetime) -> str:
    local = event.local_time(moment)
    same_day = event.date is None or local.date() == event.date
    shown = local.strftime("%H:%M") if same_day else f"{local:%d/%m %H:%M}"
    return f"{shown} {event.time_zone}"


def _console(request: Request, event_id: str, status_code: int = 200, **context: Any) -> Response:
    engine = request.app.state.engine
    events = engine.events
    try:
        record = events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    event: Event = record.event
    plans = events.plans(event_id)
    values: dict[str, Any] = {"record": record, "event": event, "plan": None, "error": None, "op": None}
    values |= context
    if not plans:
        return render(request, "console.html", values, status_code=status_code)
    day = events.day
    t = translator(page_lang(request))
    plan = plans[-1]
    meetings = events.meetings(event_id)
    changed = day.changed(event_id)
    people = day.participants(event_id)
    in_event = {p["id"] for p in people}
    catalogue = events.people()
    walk_ins = {
        side: sorted(
            ((pid, catalogue.names.get(pid, pid)) for pid in ids if pid not in in_event),
            key=lambda item: (item[1].lower(), item[0]),
        )
        for side, ids in (("buyer", catalogue.buyers), ("ikm", catalogue.ikms))
    }
    log = day.log(event_id)
    by_id = {e.entry_id: e for e in log}
    undo = day.undoable(event_id)
    token = request.query_params.get("preview", "")
    preview = None
    if token:
        try:
            preview = day.get_preview(event_id, token)
        except NotFoundError:
            values["error"] = ("console_error_gone", {})
    counts = {s: sum(p["status"] == s for p in people) for s in ("arrived", "late", "absent")}
    counts["unknown"] = sum(p["status"] is None for p in people)
    pending = [p for p in people if p["status"] == "absent" and p["meetings"] > 0]
    slots = event.slots()
    values |= {
        "plan": plan,
        "plan_when": _when(event, plan.created_at),
        "meetings": sorted(meetings, key=lambda m: (m["slot_start"], m["buyer_name"].lower())),
        "tables": event.table_names(),
        "grid": schedule_grid(event, meetings),
        "changed": {f"{b}|{i}": kind for (b, i), kind in changed.items()},
        "n_moved": sum(k == "moved" for k in changed.values()),
        "n_added": sum(k == "added" for k in changed.values()),
        "people": people,
        "counts": counts,
        "pending": pending,
        "walk_ins": walk_ins,
        "starts": [s.start.strftime("%H:%M") for s in slots],
        "ends": [s.end.strftime("%H:%M") for s in slots],
        "log": [
            {
                "entry": e,
                "when": _when(event, e.at),
                "sentence": log_sentence(e, t, by_id),
            }
            for e in log
        ],
        "undo": undo,
        "undo_sentence": log_sentence(undo, t, by_id) if undo is not None else "",
        "preview": preview,
        "preview_sentence": _preview_sentence(preview, t),
        "reasons": {c["reason"]: reason_text(c["reason"], t) for c in (preview.changes if preview else [])},
        "checked_when": {p["id"]: _when(event, p["checked_at"]) for p in people if p["checked_at"]},
    }
    return render(request, "console.html", values, status_code=status_code)


@router.get("/events/{event_id}/day")
def console_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    return _console(request, event_id)


@router.post("/events/{event_id}/day/checkin")
def check_in(
    request: Request,
    event_id: str,
    participant: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    events = request.app.state.engine.events
    try:
        events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    try:
        events.day.check_in(event_id, participant, status if status != "reset" else None, who=who_name(who))
    except MatchingError as exc:
        return _console(request, event_id, 422, error=("console_error_refused", {"message": str(exc)}))
    # the query goes before the fragment, so the page shows the message and scrolls to the participant
    return redirect(f"/events/{event_id}/day?msg=console_checked#p-{quote(participant, safe='')}")


@router.post("/events/{event_id}/day/preview")
def preview(
    request: Request,
    event_id: str,
    op: Annotated[str, Form()] = "",
    participant: Annotated[list[str] | None, Form()] = None,
    meeting: Annotated[str, Form()] = "",
    other: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    table: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    t = translator(page_lang(request))
    people = tuple(p for p in (participant or []) if p)
    missing = None
    if op not in OPERATIONS:
        missing = t("console_ops")
    elif op in ("absent", "walk_in", "late") and not people:
        missing = t("console_f_walk_in" if op == "walk_in" else "console_f_participant")
    elif op in ("cancel", "move", "swap") and _pair(meeting) is None:
        missing = t("console_f_meeting")
    elif op == "swap" and _pair(other) is None:
        missing = t("console_f_other")
    elif op == "move" and (_clock(start) is None or not table):
        missing = t("console_f_new_time") if _clock(start) is None else t("console_f_new_table")
    elif op == "late" and _clock(start) is None:
        missing = t("console_f_from")
    if missing is not None:
        return _console(request, event_id, 422, error=("console_error_field", {"field": missing}), op=op)
    operation = DayOperation(
        op,
        participants=people,
        pair=_pair(meeting),
        other=_pair(other),
        start=_clock(start),
        end=_clock(end),
        table=table or None,
        reason=reason.strip()[:200],
    )
    events = request.app.state.engine.events
    try:
        events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    try:
        made = events.day.preview(event_id, operation, who=who_name(who))
    except MatchingError as exc:
        return _console(request, event_id, 422, error=("console_error_refused", {"message": str(exc)}), op=op)
    return redirect(f"/events/{event_id}/day?preview={made.token}#preview")


@router.post("/events/{event_id}/day/apply")
def apply(request: Request, event_id: str, token: Annotated[str, Form()] = "") -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        plan = request.app.state.engine.events.day.apply(event_id, token, who=who_name(who))
    except ConflictError:
        return _console(request, event_id, 409, error=("console_error_stale", {}))
    except NotFoundError:
        return _console(request, event_id, 404, error=("console_error_gone", {}))
    except ConfigError as exc:
        return _console(request, event_id, 422, error=("console_error_refused", {"message": str(exc)}))
    return redirect(f"/events/{event_id}/day", msg="console_applied", n=plan.plan_no)


@router.post("/events/{event_id}/day/cancel")
def cancel(request: Request, event_id: str, token: Annotated[str, Form()] = "") -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.events.get(event_id)
        request.app.state.engine.events.day.cancel_preview(event_id, token)
    except NotFoundError as exc:
        return not_found(request, exc)
    return redirect(f"/events/{event_id}/day", msg="console_cancelled")


@router.post("/events/{event_id}/day/undo")
def undo(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    try:
        request.app.state.engine.events.get(event_id)
        plan = request.app.state.engine.events.day.undo(event_id, who=who_name(who))
    except NotFoundError as exc:
        if "does not exist" in str(exc):
            return not_found(request, exc)
        return _console(request, event_id, 409, error=("console_undo_none", {}))
    except ConflictError:
        return _console(request, event_id, 409, error=("console_error_stale", {}))
    return redirect(f"/events/{event_id}/day", msg="console_undone", n=plan.plan_no)
