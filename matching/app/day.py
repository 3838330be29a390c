"""The event day: check-ins, day operations previewed before they apply, the audit log, undo, re-plans.

``engine.events.day`` (:class:`EventDay`) works on the *plan in force* (the event's newest plan) and the
*day's state*: the accumulated :class:`~matching.events.repair.Changes` that plan carries.

- **Check-in** (:meth:`EventDay.check_in`): a participant ``arrived``, is ``late`` or ``absent`` (None: not
  known). An absent participant is a no-show for the repair: the next operation cancels its meetings.
- **Operations** (:class:`DayOperation`): ``absent``, ``cancel`` a meeting, ``walk_in`` (a buyer or IKM of
  the catalogue, optionally with a window), ``move`` a meeting to a slot and table, ``swap`` two meetings'
  places, ``late`` (a new window). :meth:`EventDay.preview` repairs the plan in force with the real repair
  (:func:`matching.events.repair.replan`, checked by :mod:`matching.events.checking`), writes every export
  of the result into a staging folder and returns a :class:`Preview` (the exact diff and a token).
  :meth:`EventDay.apply` moves exactly those files into place as the next plan, but only when the plan in
  force is still the one the preview was made against (else :class:`ConflictError`: preview again).
  Previews older than :data:`PREVIEW_HOURS` or made against an older plan are removed.
- **Audit log** (:meth:`EventDay.log`): every applied operation, check-in, undo and re-plan: who (the
  key's name), when (UTC), what (an English sentence, plus ``details`` for other languages), and the plan
  numbers before and after.
- **Undo** (:meth:`EventDay.undoable`, :meth:`EventDay.undo`): the latest applied change not yet undone,
  when the plan in force is still the one it made, is reverted by a new plan equal to the plan before it
  (same files, same day's state); check-ins the change set are restored.
- **Re-plan guard** (:meth:`EventDay.pending`, :meth:`EventDay.plan_again`): a new plan from the
  definition would drop the day's changes; ``plan_again(mode="current")`` plans the whole event with the
  day's state applied (:func:`day_event`), ``mode="discard"`` plans from the definition and logs what was
  dropped.

- **Participants** (``on_change``): after every change that made a new plan in force (apply, undo, a re-plan)
  the engine is called back; it publishes the new plan of an event already published to participants and
  tells those affected (:mod:`matching.app.publication`).

Previews live in ``<events root>/<event id>/.preview-<token>/`` (the exports plus ``preview.json``).
The operations, their records and :func:`day_event` are in :mod:`matching.app.day_changes`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from matching.app.day_changes import OPERATIONS, DayLoss, DayOperation, Preview, day_event, operation_changes
from matching.app.replanning import RescheduleResult, write_reschedule
from matching.errors import ConfigError, ConflictError, NotFoundError
from matching.events.model import Event
from matching.events.plan_files import read_plan_rows
from matching.events.repair import Changes, merge_changes
from matching.store.day import CheckIn, DayRepository, LogEntry

if TYPE_CHECKING:  # Events owns an EventDay; this module only calls it
    from matching.app.events import Events, PlanRecord

__all__ = [
    "CHECKIN_STATUSES",
    "OPERATIONS",
    "PREVIEW_HOURS",
    "DayLoss",
    "DayOperation",
    "EventDay",
    "Preview",
    "day_event",
]

log = logging.getLogger(__name__)
CHECKIN_STATUSES = ("arrived", "late", "absent")
PREVIEW_HOURS = 2.0
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
Pair = tuple[str, str]


class EventDay:
    """The day of the events of one :class:`~matching.app.events.Events`; see the module docstring."""

    def __init__(
        self, events: Events, repo: DayRepository, *, on_change: Callable[[str, str], None] | None = None
    ) -> None:
        self._events = events
        self._repo = repo
        self._on_change = on_change  # called with (event id, who) after a change made a new plan in force

    def _changed(self, event_id: str, who: str) -> None:
        """Tell ``on_change`` (the engine publishes the new plan of a published event): the change stands
        even when that fails, so a failure is logged, not raised."""
        if self._on_change is None:
            return
        try:
            self._on_change(event_id, who)
        except Exception:
            log.exception("after the day's change of event %s: telling the participants failed", event_id)

    # -- who takes part --------------------------------------------------------------------------------

    def participants(self, event_id: str) -> list[dict[str, Any]]:
        """Everyone of the event with the day's walk-ins: id, name, side, check-in status and meetings in
        the plan in force; buyers first, each side by name."""
        record = self._events.get(event_id)
        people = self._events.people()
        buyers, ikms = record.event.resolve_participants(people.buyers, people.ikms)
        state = self.state(event_id) or Changes()
        checkins = self._repo.checkins(event_id)
        counts: dict[str, int] = {}
        try:
            for row in read_plan_rows(self._events.plan_record(event_id).folder / "meetings.csv"):
                for who in (row["buyer_id"], row["ikm_id"]):
                    counts[who] = counts.get(who, 0) + 1
        except NotFoundError:
            pass
        out: list[dict[str, Any]] = []
        for side, ids, walk_ins in (("buyer", buyers, state.new_buyers), ("ikm", ikms, state.new_ikms)):
            rows: list[dict[str, Any]] = []
            for pid in dict.fromkeys([*ids, *walk_ins]):
                checkin = checkins.get(pid)
                rows.append(
                    {
                        "id": pid,
                        "name": people.names.get(pid, pid),
                        "side": side,
                        "walk_in": pid in walk_ins and pid not in ids,
                        "status": checkin.status if checkin else None,
                        "checked_by": checkin.checked_by if checkin else "",
                        "checked_at": checkin.checked_at if checkin else None,
                        "no_show": pid in state.no_shows,
                        "meetings": counts.get(pid, 0),
                    }
                )
            out += sorted(rows, key=lambda r: (r["name"].lower(), r["id"]))
        return out

    def checkins(self, event_id: str) -> dict[str, CheckIn]:
        return self._repo.checkins(event_id)

    def check_in(self, event_id: str, participant: str, status: str | None, *, who: str) -> LogEntry:
        """Set a participant's status (``arrived``, ``late``, ``absent``; None: back to unknown); logged."""
        if status is not None and status not in CHECKIN_STATUSES:
            raise ConfigError(f"status {status!r} is not one of {', '.join(CHECKIN_STATUSES)}")
        names = {p["id"]: p["name"] for p in self.participants(event_id)}
        if participant not in names:
            raise NotFoundError(f"{participant!r} does not take part in event {event_id!r}")
        before = self._repo.checkins(event_id).get(participant)
        self._repo.set_checkin(event_id, participant, status, who)
        name = names[participant]
        text = f"Check-in: {name} ({participant}): " + (status or "back to unknown")
        details = {
            "participant": participant,
            "status": status,
            "before": before.status if before else None,
            "params": {"name": name, "status": status or ""},
        }
        plan = self._newest_no(event_id)
        return self._repo.add(
            event_id, who=who, action="checkin", details=details, text=text, plan_before=plan, plan_after=None
        )

    # -- the day's state -------------------------------------------------------------------------------

    def state(self, event_id: str) -> Changes | None:
        """The day's accumulated changes carried by the plan in force (None: none, or no plan yet)."""
        try:
            return self._events.changes(event_id)
        except NotFoundError:
            self._events.get(event_id)  # an unknown event still fails
            return None

    def _newest_no(self, event_id: str) -> int | None:
        plans = self._events.plans(event_id)
        return plans[-1].plan_no if plans else None

    def _now(self, event: Event, now: dt.datetime | None) -> dt.time | None:
        """The event's local clock time when the event is today (slots before it are history)."""
        moment = event.local_time(now or dt.datetime.now(dt.UTC))
        if event.date is None or moment.date() != event.date:
            return None
        return moment.time().replace(second=0, microsecond=0)

    # -- operations ------------------------------------------------------------------------------------

    def _preview_dir(self, event_id: str, token: str) -> Path:
        if not _TOKEN.match(token):
            raise NotFoundError("this preview does not exist; preview again")
        return self._events.root / event_id / f".preview-{token}"

    def clean_previews(self, event_id: str, *, keep: str | None = None, outdated: bool = True) -> int:
        """Remove previews older than :data:`PREVIEW_HOURS` and (``outdated``) those made against an older
        plan; how many. Applying keeps outdated ones a while, so applying one says why it cannot be."""
        base = self._events.root / event_id
        newest = self._newest_no(event_id)
        removed = 0
        for folder in base.glob(".preview-*"):
            if folder.name == f".preview-{keep}":
                continue
            try:
                meta = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
                old = time.time() - folder.stat().st_mtime > PREVIEW_HOURS * 3600
                stale = old or (outdated and meta["base_plan"] != newest)
            except (OSError, ValueError, KeyError):
                stale = True
            if stale:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def preview(
        self,
        event_id: str,
        op: DayOperation,
        *,
        who: str,
        now: dt.datetime | None = None,
        time_limit: float = 4.0,
    ) -> Preview:
        """Repair the plan in force after ``op`` (plus absences checked in but not yet applied) and stage the
        result's exports; nothing changes until :meth:`apply`. :class:`ConfigError` names what is wrong with
        the operation (a move to a taken table ...)."""
        record = self._events.get(event_id)
        current = self._events.plan_record(event_id)
        self.clean_previews(event_id)
        event = record.event
        people = {p["id"]: p["name"] for p in self.participants(event_id)}
        rows = read_plan_rows(current.folder / "meetings.csv")
        delta, text, params = operation_changes(
            event, op, names=people, catalogue=self._events.people(), meetings=rows
        )
        state = merge_changes(self.state(event_id), delta)
        checkins = self._repo.checkins(event_id)
        sets: dict[str, str | None] = {}
        if op.kind == "absent":
            sets = dict.fromkeys(op.participants, "absent")
        elif op.kind == "late":
            sets = {op.participants[0]: "late"}
        absent = [p for p, c in checkins.items() if c.status == "absent" and p in people]
        absent += [p for p, s in sets.items() if s == "absent"]
        returned = {p for p, c in checkins.items() if c.status in ("arrived", "late")} - set(sets)
        no_shows = [p for p in dict.fromkeys([*state.no_shows, *absent]) if p not in returned]
        state = state.model_copy(update={"no_shows": no_shows, "now": self._now(event, now)})
        result = self._events.repair(event_id, state, time_limit=time_limit)
        repaired = {m.pair for m in result.plan.meetings}
        state = state.model_copy(update={"moves": [m for m in state.moves if (m.buyer, m.ikm) in repaired]})
        names = self._events.people().names
        by_index = {s.index: s for s in result.plan.slots}

        def start(slot: int | None) -> str:
            return by_index[slot].start.strftime("%H:%M") if slot is not None else ""

        diff = [
            {
                "kind": c.kind,
                "buyer": c.buyer,
                "ikm": c.ikm,
                "buyer_name": names.get(c.buyer, c.buyer),
                "ikm_name": names.get(c.ikm, c.ikm),
                "old_start": start(c.old.slot) if c.old else "",
                "old_table": (c.old.table or "") if c.old else "",
                "new_start": start(c.new.slot) if c.new else "",
                "new_table": (c.new.table or "") if c.new else "",
                "reason": c.reason,
            }
            for c in result.replan.changes
        ]
        token = secrets.token_hex(16)
        folder = self._preview_dir(event_id, token)
        folder.mkdir(parents=True)
        try:
            write_reschedule(result, folder, changed=self.changed_since_plan(event_id, result_rows(result)))
            preview = Preview(
                token=token,
                event_id=event_id,
                base_plan=current.plan_no,
                action=op.kind,
                text=text,
                params=params,
                who=who,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                changes=diff,
                report=result.replan.report(),
                violations=[v.message for v in result.replan.violations],
                state=json.loads(state.model_dump_json()),
                checkins=sets,
                checkins_before={p: (checkins[p].status if p in checkins else None) for p in sets},
            )
            summary = json.loads(json.dumps(result.plan.summary(), default=str))
            summary["changes"] = result.replan.report()
            meta = asdict(preview) | {"summary": summary}
            (folder / "preview.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return preview

    def _read_preview(self, event_id: str, token: str) -> tuple[Path, dict[str, Any]]:
        folder = self._preview_dir(event_id, token)
        try:
            meta = json.loads((folder / "preview.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotFoundError(
                "this preview is gone (applied, cancelled or too old); preview again"
            ) from exc
        return folder, meta

    def get_preview(self, event_id: str, token: str) -> Preview:
        """A staged preview (:class:`NotFoundError` when it was applied, cancelled or cleaned up)."""
        _, meta = self._read_preview(event_id, token)
        meta.pop("summary", None)
        return Preview(**meta)

    def cancel_preview(self, event_id: str, token: str) -> None:
        shutil.rmtree(self._preview_dir(event_id, token), ignore_errors=True)

    def apply(self, event_id: str, token: str, *, who: str) -> PlanRecord:
        """Make the previewed plan the plan in force: exactly the staged files, as the next plan number.

        :class:`ConflictError` when another plan was made since the preview (the preview is dropped);
        :class:`ConfigError` when the checker found violations in it.
        """
        folder, meta = self._read_preview(event_id, token)
        newest = self._newest_no(event_id)
        if meta["base_plan"] != newest:
            shutil.rmtree(folder, ignore_errors=True)
            raise ConflictError(
                f"the plan changed since the preview (plan {newest} is in force now, the preview was made "
                f"against plan {meta['base_plan']}); preview again"
            )
        if meta["violations"]:
            raise ConfigError(
                "the previewed plan breaks a rule; it cannot be applied: " + "; ".join(meta["violations"])
            )
        (folder / "preview.json").unlink()
        state = Changes.model_validate(meta["state"])
        try:
            plan = self._events.save_plan(
                event_id,
                "reschedule",
                meta["summary"],
                folder,
                state.model_dump_json(),
                after=meta["base_plan"],
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        for pid, status in meta["checkins"].items():
            self._repo.set_checkin(event_id, pid, status, who)
        details = {
            "params": meta["params"],
            "report": meta["report"],
            "checkins_before": meta["checkins_before"],
        }
        self._repo.add(
            event_id,
            who=who,
            action=meta["action"],
            details=details,
            text=meta["text"],
            plan_before=meta["base_plan"],
            plan_after=plan.plan_no,
        )
        self.clean_previews(event_id, outdated=False)
        self._changed(event_id, who)
        return plan

    # -- the log and undo ------------------------------------------------------------------------------

    def log(self, event_id: str) -> list[LogEntry]:
        """The event's audit log, newest first."""
        self._events.get(event_id)
        return self._repo.log(event_id)

    def undoable(self, event_id: str) -> LogEntry | None:
        """The change :meth:`undo` would revert: the latest applied one not yet undone, provided the plan in
        force is the one the log's latest plan change made (no plan was made outside the log since)."""
        entries = [e for e in self.log(event_id) if e.plan_after is not None]
        if not entries or entries[0].plan_after != self._newest_no(event_id):
            return None
        for entry in entries:
            if entry.action == "undo" or entry.undone_by is not None:
                continue
            return entry if entry.plan_before is not None else None
        return None

    def undo(self, event_id: str, *, who: str) -> PlanRecord:
        """Revert :meth:`undoable`: a new plan equal to the plan before that change (its files and day's
        state), check-ins it set restored; logged. :class:`NotFoundError` when nothing can be undone."""
        entry = self.undoable(event_id)
        if entry is None or entry.plan_before is None:
            raise NotFoundError("there is no change to undo")
        before = self._events.plan_record(event_id, entry.plan_before)
        state = self._events.changes(event_id, entry.plan_before)
        in_force = self._newest_no(event_id)
        staged = self._events.root / event_id / f".undo-{secrets.token_hex(8)}"
        shutil.copytree(before.folder, staged)
        try:
            plan = self._events.save_plan(
                event_id,
                before.kind,
                before.summary,
                staged,
                state.model_dump_json() if state is not None else None,
                after=in_force,
            )
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        for pid, status in (entry.details.get("checkins_before") or {}).items():
            self._repo.set_checkin(event_id, pid, status, who)
        self._repo.add(
            event_id,
            who=who,
            action="undo",
            details={"undoes": entry.entry_id, "action": entry.action, "params": {"what": entry.text}},
            text=f"Undid: {entry.text}",
            plan_before=in_force,
            plan_after=plan.plan_no,
            undoes=entry.entry_id,
        )
        self.clean_previews(event_id, outdated=False)
        self._changed(event_id, who)
        return plan

    # -- the re-plan guard ----------------------------------------------------------------------------

    def pending(self, event_id: str) -> DayLoss:
        """What the day changed (the state the plan in force carries): what a plan from the definition alone
        would drop. Check-ins are not part of it: they stay whatever is planned."""
        state = self.state(event_id) or Changes()
        names = self._events.people().names
        absent = list(state.no_shows)

        def named(ids: list[str]) -> list[tuple[str, str]]:
            return [(p, names.get(p, p)) for p in ids]

        return DayLoss(
            absent=named(absent),
            walk_ins=named([*state.new_buyers, *state.new_ikms]),
            late=named([p for p in state.availability if p not in {*state.new_buyers, *state.new_ikms}]),
            moved=len({(m.buyer, m.ikm) for m in state.moves}),
            cancelled=len({(c.buyer, c.ikm) for c in state.cancelled}),
            wishes=len(state.preferences),
        )

    def plan_again(
        self,
        event_id: str,
        mode: Literal["current", "discard"],
        *,
        who: str,
        time_limit: float = 10.0,
        now: dt.datetime | None = None,
    ) -> PlanRecord:
        """A whole new plan: from the day's state (``current``) or from the definition alone (``discard``,
        dropping the day's changes; the log names what was dropped)."""
        record = self._events.get(event_id)
        loss = self.pending(event_id)
        before = self._newest_no(event_id)
        if mode == "discard":
            plan = self._events.plan(event_id, time_limit=time_limit)
            text = f"Planned again from the definition; dropped: {loss.sentence()}"
            return self._logged_plan(event_id, plan, who, "discard", {"lost": loss.sentence()}, text, before)
        if mode != "current":
            raise ConfigError(f"mode {mode!r} is not one of current, discard")
        state = self.state(event_id) or Changes()
        checkins = self._repo.checkins(event_id)
        absent = [p for p, c in checkins.items() if c.status == "absent"]
        present = {p for p, c in checkins.items() if c.status in ("arrived", "late")}
        no_shows = [p for p in dict.fromkeys([*state.no_shows, *absent]) if p not in present]
        state = state.model_copy(update={"no_shows": no_shows, "now": self._now(record.event, now)})
        people = self._events.people()
        buyers, ikms = record.event.resolve_participants(people.buyers, people.ikms)
        rows = read_plan_rows(self._events.plan_record(event_id).folder / "meetings.csv") if before else []
        event = day_event(record.event, state, rows, buyers, ikms)
        plan = self._events.plan(event_id, time_limit=time_limit, event=event, changes=state)
        text = f"Planned the whole event again from the day's state ({loss.sentence()})"
        return self._logged_plan(event_id, plan, who, "replan", {"kept": loss.sentence()}, text, before)

    def _logged_plan(
        self,
        event_id: str,
        plan: PlanRecord,
        who: str,
        action: str,
        params: dict[str, str],
        text: str,
        before: int | None,
    ) -> PlanRecord:
        """``plan``, a whole new plan, written to the log; the previews made against the old plan go."""
        self._repo.add(
            event_id,
            who=who,
            action=action,
            details={"params": params},
            text=text,
            plan_before=before,
            plan_after=plan.plan_no,
        )
        self.clean_previews(event_id, outdated=False)
        self._changed(event_id, who)
        return plan

    # -- highlights ------------------------------------------------------------------------------------

    def changed_since_plan(
        self, event_id: str, rows: list[dict[str, str]], plan_no: int | None = None
    ) -> dict[Pair, str]:
        """(buyer_id, ikm_id) -> "moved" | "added": meetings of ``rows`` not where the day's first plan (the
        newest whole plan up to ``plan_no``) had them."""
        plans = [p for p in self._events.plans(event_id) if plan_no is None or p.plan_no <= plan_no]
        base = next((p for p in reversed(plans) if p.kind == "plan"), None)
        if base is None:
            return {}
        was = {
            (r["buyer_id"], r["ikm_id"]): (r["slot_start"], r["table"])
            for r in read_plan_rows(base.folder / "meetings.csv")
        }
        out: dict[Pair, str] = {}
        for r in rows:
            pair = (r["buyer_id"], r["ikm_id"])
            if pair not in was:
                out[pair] = "added"
            elif was[pair] != (r["slot_start"], r["table"]):
                out[pair] = "moved"
        return out

    def changed(self, event_id: str, plan_no: int | None = None) -> dict[Pair, str]:
        """:meth:`changed_since_plan` for a stored plan (the plan in force by default)."""
        plan = self._events.plan_record(event_id, plan_no)
        return self.changed_since_plan(event_id, read_plan_rows(plan.folder / "meetings.csv"), plan.plan_no)


def result_rows(result: RescheduleResult) -> list[dict[str, str]]:
    """The meetings of a repair as ``meetings.csv`` rows (slot_start, table, buyer_id, ikm_id)."""
    by_index = {s.index: s for s in result.plan.slots}
    return [
        {
            "slot_start": by_index[m.slot].start.strftime("%H:%M"),
            "table": m.table or "",
            "buyer_id": m.buyer,
            "ikm_id": m.ikm,
        }
        for m in result.plan.meetings
        if m.slot is not None
    ]
