"""A signed-in participant's own agenda: its meetings in the plan the organiser *published*, as its phone
shows them (``/me/events/{id}/agenda``).

Each meeting gives the local time (the event's zone), the table, the counterpart and what it makes or needs
(:func:`matching.app.agendas.participant_agenda`, the same lines as the printed agendas) and, because a
meeting in the published plan counts as accepted, the counterpart's contacts: the catalogue's contact
fields and the counterpart's own users (name, e-mail, phone), with the first phone number as a WhatsApp
number (``62...``). Before anything is published the agenda is empty (``published`` is False).

Changes since the user's last view: each view stores what it showed (``agenda_views``: the plan and, per
counterpart, start and table). When a newer plan is shown, a meeting whose start or table differs is
``moved``, a counterpart not shown before ``added``, one no longer in the plan ``cancelled``. The marks are
kept with the view, so they stay while that plan is in force (a reload or the other language shows them
again); the next published plan is compared with what this one showed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.app.agendas import AgendaItem, ParticipantAgenda, participant_agenda
from matching.app.whatsapp import whatsapp_number
from matching.catalogue.schema import Entity
from matching.common.file_names import file_stem
from matching.errors import NotFoundError
from matching.events.model import Event
from matching.store.event_settings import EventSettings
from matching.store.ratings import AgendaViews, ParticipantRating, ParticipantRatings

if TYPE_CHECKING:
    from matching.app.events import EventRecord, Events, PlanRecord
    from matching.app.participation import Participation
    from matching.store.accounts import Account, Accounts
    from matching.store.database import Store

__all__ = ["Contact", "MyAgenda", "MyAgendas", "MyMeeting", "meeting_start"]


@dataclass(frozen=True)
class Contact:
    """One way to reach a counterpart (any field may be missing)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class MyMeeting:
    """One meeting of the agenda: the agenda line, its start as a moment, how to reach the counterpart, what
    changed since the user's last view (``was_*``: the start and table shown then) and the side's rating."""

    item: AgendaItem
    starts_at: dt.datetime | None  # aware; None: the event has no date and nothing is published
    contacts: tuple[Contact, ...] = ()
    whatsapp: str | None = None  # digits with the country code, for https://wa.me/<digits>
    change: str = ""  # "" | "moved" | "added" | "cancelled"
    was_start: str = ""
    was_table: str = ""
    rating: ParticipantRating | None = None

    def started(self, now: dt.datetime) -> bool:
        return self.starts_at is not None and now >= self.starts_at


@dataclass(frozen=True)
class MyAgenda:
    """The participant's agenda of an event (``agenda`` is None until a plan is published)."""

    record: EventRecord
    participant: str
    kind: str  # the participant's side: "buyer" | "ikm"
    settings: EventSettings
    agenda: ParticipantAgenda | None
    meetings: list[MyMeeting] = field(default_factory=list)
    cancelled: list[MyMeeting] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.agenda is not None

    @property
    def changed(self) -> bool:
        return bool(self.cancelled) or any(m.change for m in self.meetings)


def meeting_start(event: Event, clock: str, published_at: dt.datetime | None) -> dt.datetime | None:
    """The moment a meeting at local ``clock`` ("09:20") starts: on the event's date in its zone, or, for an
    event without a date, on the day the plan was published (None when neither is known)."""
    if not clock:
        return None
    day = event.date or (event.local_time(published_at).date() if published_at else None)
    if day is None:
        return None
    hours, minutes = (int(part) for part in clock.replace(".", ":").split(":")[:2])
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=event.tz())


def _marks(shown: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``current`` (counterpart -> start, end, table) marked against what was ``shown`` before; the
    counterparts shown before and gone now are added as ``cancelled``."""
    before = {k: v for k, v in shown.items() if v.get("change") != "cancelled"}
    marked: dict[str, dict[str, Any]] = {}
    for who, now in current.items():
        was = before.get(who)
        if was is None:
            marked[who] = {**now, "change": "added"}
        elif (was.get("start"), was.get("table")) != (now["start"], now["table"]):
            marked[who] = {
                **now,
                "change": "moved",
                "was_start": was.get("start", ""),
                "was_table": was.get("table", ""),
            }
        else:
            marked[who] = {**now, "change": ""}
    for who, was in before.items():
        if who not in current:
            keep = {k: was.get(k, "") for k in ("start", "end", "table")}
            marked[who] = {**keep, "change": "cancelled"}
    return marked


class MyAgendas:
    """Participants' agendas (over the events, the participant settings, accounts and the catalogue)."""

    def __init__(
        self,
        events: Events,
        participation: Participation,
        accounts: Accounts,
        store: Store,
    ) -> None:
        self._events = events
        self._participation = participation
        self._accounts = accounts
        self._store = store
        self._views = AgendaViews(store)
        self._ratings = ParticipantRatings(store)

    def _check(self, event_id: str, account: Account) -> None:
        if not account.active or not self._participation.takes_part(
            event_id, account.kind, account.participant_id
        ):
            raise NotFoundError(f"event {event_id!r} does not exist")  # the same answer as an unknown event

    def published_plan(self, event_id: str, account: Account) -> tuple[EventSettings, PlanRecord | None]:
        """The event's settings and its published plan (None before publishing); :class:`NotFoundError` when
        the account's participant does not take part in the event."""
        self._check(event_id, account)
        settings = self._participation.settings(event_id)
        if settings.published_plan_no is None:
            return settings, None
        return settings, self._events.plan_record(event_id, settings.published_plan_no)

    def contacts(self, kind: str, participant_id: str) -> tuple[Contact, ...]:
        """How to reach a buyer or IKM: the catalogue's contact fields, then its active users."""
        found: list[Contact] = []
        entity = Entity.BUYERS if kind == "buyer" else Entity.IKMS
        try:
            record = self._store.get(entity, participant_id)
        except NotFoundError:
            record = None
        if record is not None:
            name = getattr(record, "contact_name", None)
            phone = getattr(record, "contact_phone", None)
            if name or phone or record.contact_email:
                found.append(Contact(name, phone, record.contact_email))
        known = {c.email.lower() for c in found if c.email}
        for account in self._accounts.for_participant(participant_id):
            if account.kind == kind and account.active and account.email not in known:
                found.append(Contact(account.name, account.phone, account.email))
        return tuple(found)

    def agenda(self, event_id: str, account: Account, *, remember: bool = True) -> MyAgenda:
        """The account's agenda of the event's published plan; with ``remember`` the view is stored, marking
        changes against the previous one (see the module doc). :class:`NotFoundError` when the account's
        participant does not take part in the event."""
        settings, plan = self.published_plan(event_id, account)
        record = self._events.get(event_id)
        me = account.participant_id
        if plan is None:
            return MyAgenda(record, me, account.kind, settings, None)
        people = self._events.people()
        agenda = participant_agenda(record, plan, me, people)
        items = [i for i in agenda.items if i.start]
        current = {i.counterpart: {"start": i.start, "end": i.end, "table": i.table} for i in items}
        view = self._views.get(account.user_id, event_id)
        if view is None:
            marked = {who: {**v, "change": ""} for who, v in current.items()}
        elif view.plan_no == plan.plan_no:
            marked = view.meetings
        else:
            marked = _marks(view.meetings, current)
        if remember and (view is None or view.plan_no != plan.plan_no):
            self._views.save(account.user_id, event_id, plan.plan_no, marked)
        ratings = {
            (r.ikm_id if account.kind == "buyer" else r.buyer_id): r
            for r in self._ratings.of_side(event_id, account.kind, me)
        }
        other = "ikm" if account.kind == "buyer" else "buyer"

        def meeting(item: AgendaItem) -> MyMeeting:
            mark = marked.get(item.counterpart, {})
            contacts = self.contacts(other, item.counterpart) if mark.get("change") != "cancelled" else ()
            phone = next((c.phone for c in contacts if whatsapp_number(c.phone)), None)
            return MyMeeting(
                item,
                meeting_start(record.event, item.start, settings.published_at),
                contacts,
                whatsapp_number(phone),
                mark.get("change", ""),
                mark.get("was_start", ""),
                mark.get("was_table", ""),
                ratings.get(item.counterpart),
            )

        meetings = [meeting(i) for i in items]
        gone = sorted(
            (who for who, v in marked.items() if v.get("change") == "cancelled"),
            key=lambda w: marked[w]["start"],
        )
        cancelled = [
            meeting(
                AgendaItem(
                    marked[who]["start"],
                    marked[who].get("end", ""),
                    marked[who].get("table", ""),
                    who,
                    people.names.get(who, who),
                    other,
                )
            )
            for who in gone
            if who not in current
        ]
        return MyAgenda(record, me, account.kind, settings, agenda, meetings, cancelled)

    def calendar(self, event_id: str, account: Account) -> Path:
        """The participant's ICS calendar of the published plan (written with the plan's exports,
        :mod:`matching.events.calendars`); :class:`NotFoundError` before publishing, or when the event has
        no date (a calendar needs a day)."""
        _settings, plan = self.published_plan(event_id, account)
        if plan is None:
            raise NotFoundError(f"event {event_id!r} has no published agenda yet")
        name = f"calendars/{file_stem(account.participant_id)}.ics"
        return self._events.file(event_id, name, plan.plan_no)
