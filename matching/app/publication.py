"""Opening an event to participants and publishing its plan as their agendas, with the e-mails that go out.

- :meth:`Publication.open` lets signed-in participants see recommendations and send requests; the messages
  about requests held until then are queued.
- :meth:`Publication.publish` makes a plan (the newest by default) the one participants see. The first
  publication writes every account of every participant an e-mail with its own meetings (local times in
  the event's zone, tables, counterparts) and the link to its agenda page; publishing a later plan writes
  "your agenda changed" only to the accounts of participants whose meetings differ between the two plans
  (added, moved or cancelled). Messages held until publication are queued. Nothing of an event's agenda is
  written before it is published.
- :meth:`Publication.follow_day_change`: a change applied on the day (the day console) is in force at once,
  so for a published event the new plan is published at once too, and the affected are told. An event not
  yet published stays unpublished.
- :meth:`Publication.whatsapp`: participants without an account but with a phone in the catalogue (IKMs'
  ``contact_phone``), each with a click-to-chat link carrying its agenda once published.

Every e-mail is in Indonesian with the English below it (buyers from abroad read the second half).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matching.app.whatsapp import whatsapp_link, whatsapp_number
from matching.errors import NotFoundError
from matching.events.agendas import agenda_text, changes_text, long_date, meetings_by_participant, zone_line
from matching.events.meetings import Meeting
from matching.events.plan_files import read_meetings_csv
from matching.events.repair import Change
from matching.store.accounts import Accounts
from matching.store.outbox import Outbox

if TYPE_CHECKING:
    from matching.app.events import EventRecord, Events, PlanRecord
    from matching.app.participation import Participation
    from matching.catalogue.schema import IKM
    from matching.events.timeslots import Slot

__all__ = ["Publication", "PublishResult", "WhatsAppContact"]

_INTRO = {
    "agenda": {
        "id": "Panitia sudah menerbitkan jadwal pertemuan Anda. Simpan e-mail ini atau buka tautan di bawah.",
        "en": "The organisers have published your meeting schedule. Keep this e-mail or open the link below.",
    },
    "change": {
        "id": "Jadwal pertemuan Anda berubah. Berikut perubahannya dan jadwal terbaru Anda.",
        "en": "Your meeting schedule has changed. Here are the changes and your updated agenda.",
    },
}


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: the plan now published, the one before (None: first time), the participants
    written to and the messages queued (new ones, and held ones released)."""

    plan_no: int
    previous: int | None
    participants: list[str] = field(default_factory=list)
    messages: int = 0
    released: int = 0


@dataclass(frozen=True)
class WhatsAppContact:
    """A participant reached by WhatsApp: its number for wa.me and the link (None before publication)."""

    participant: str
    kind: str
    name: str
    phone: str
    number: str
    link: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Publication:
    """Opening and publishing the events of one engine (see the module docstring)."""

    def __init__(
        self,
        events: Events,
        participation: Participation,
        accounts: Accounts,
        outbox: Outbox,
        *,
        public_url: str,
    ) -> None:
        self._events = events
        self._participation = participation
        self._accounts = accounts
        self._outbox = outbox
        self._public_url = public_url.rstrip("/")

    def agenda_url(self, event_id: str) -> str:
        """The signed-in participant's agenda page of the event (the link every e-mail carries)."""
        return f"{self._public_url}/me/events/{event_id}/agenda"

    # -- opening and publishing -------------------------------------------------------------------------

    def open(self, event_id: str, *, who: str) -> int:
        """Open the event to participants (once); the number of held messages this queued."""
        if not self._participation.settings(event_id).opened:
            self._participation.update_settings(event_id, opened_at=_now(), opened_by=who)
        return self._outbox.release(event_id, "opened")

    def publish(self, event_id: str, *, who: str, plan_no: int | None = None) -> PublishResult:
        """Publish plan ``plan_no`` (default: the newest) and write the e-mails (module docstring).
        Publishing the plan already published writes nothing."""
        record = self._events.get(event_id)
        plan = self._events.plan_record(event_id, plan_no)  # NotFoundError: no plan yet
        previous = self._participation.settings(event_id).published_plan_no
        if previous == plan.plan_no:
            return PublishResult(plan.plan_no, previous)
        new = self._meetings(record, plan)
        if previous is None:
            told = self._participants(event_id, new)
            changes: dict[str, list[Change]] = {}
        else:
            try:
                old = self._meetings(record, self._events.plan_record(event_id, previous))
            except NotFoundError:  # the published plan is gone (an event re-created): treat as new
                old = []
            changes = _changes(old, new)
            told = sorted(changes)
        self._participation.update_settings(
            event_id, published_plan_no=plan.plan_no, published_at=_now(), published_by=who
        )
        released = self._outbox.release(event_id, "published")
        messages = self._write(record, new, told, changes, first=previous is None)
        return PublishResult(plan.plan_no, previous, told, messages, released)

    def follow_day_change(self, event_id: str, *, who: str) -> PublishResult | None:
        """After a change applied on the day: publish the plan now in force if the event is published
        (None when it is not, or the plan in force is the published one)."""
        published = self._participation.settings(event_id).published_plan_no
        if published is None or self._events.plan_record(event_id).plan_no == published:
            return None
        return self.publish(event_id, who=who)

    # -- who and what -------------------------------------------------------------------------------------

    def _meetings(self, record: EventRecord, plan: PlanRecord) -> list[Meeting]:
        return read_meetings_csv(plan.folder / "meetings.csv", record.event.slots())

    def _participants(self, event_id: str, meetings: list[Meeting]) -> list[str]:
        """The event's buyers and IKMs, and anyone in the plan besides (walk-ins of the day)."""
        members = self._participation.members(event_id, "buyer") | self._participation.members(
            event_id, "ikm"
        )
        return sorted(members | {p for m in meetings for p in m.pair})

    def _write(
        self,
        record: EventRecord,
        meetings: list[Meeting],
        told: list[str],
        changes: dict[str, list[Change]],
        *,
        first: bool,
    ) -> int:
        event = record.event
        slots = event.slots()
        names = self._events.people().names
        mine = meetings_by_participant(meetings)
        buyers = {m.buyer for m in meetings} | self._participation.members(record.event_id, "buyer")
        link = self.agenda_url(record.event_id)
        written = 0
        for participant in told:
            kind = "buyer" if participant in buyers else "ikm"
            accounts = [a for a in self._accounts.for_participant(participant) if a.kind == kind and a.active]
            if not accounts:
                continue
            agenda = mine.get(participant, [])
            texts = {}
            for lang in ("id", "en"):
                if first:
                    texts[lang] = agenda_text(
                        participant,
                        agenda,
                        slots,
                        names,
                        event_name=record.name,
                        day=event.date,
                        lang=lang,
                        venue=event.venue,
                        zone=event.time_zone,
                        link=link,
                    )
                else:
                    texts[lang] = changes_text(
                        participant,
                        changes[participant],
                        agenda,
                        slots,
                        names,
                        event_name=record.name,
                        day=event.date,
                        lang=lang,
                    ) + _link_line(lang, link, event.time_zone)
            subject = (
                f"Jadwal temu bisnis Anda: {record.name} / Your meeting schedule"
                if first
                else f"Jadwal Anda berubah: {record.name} / Your agenda changed"
            )
            body_html = _html(record, participant, agenda, slots, names, link, first=first)
            intro = _INTRO["agenda" if first else "change"]
            for account in accounts:
                greeting = f"Halo {account.name},\n\n" if account.name else ""
                body = (
                    f"{greeting}{intro['id']}\n\n{texts['id']}\n----------------------------------------\n\n"
                    f"{intro['en']}\n\n{texts['en']}"
                )
                self._outbox.enqueue(
                    kind="agenda" if first else "change",
                    to_address=account.email,
                    to_user_id=account.user_id,
                    subject=subject,
                    body_text=body,
                    body_html=body_html,
                    event_id=record.event_id,
                    hold_until="published",  # published above: queued at once
                )
                written += 1
        return written

    # -- WhatsApp -----------------------------------------------------------------------------------------

    def whatsapp(self, event_id: str, ikms: list[IKM]) -> list[WhatsAppContact]:
        """The event's IKMs (of ``ikms``, the catalogue's) without an account but with a usable phone, each
        with a click-to-chat link carrying its agenda in the published plan (None before publication)."""
        record = self._events.get(event_id)
        members = self._participation.members(event_id, "ikm")
        published = self._participation.settings(event_id).published_plan_no
        mine: dict[str, list[Meeting]] = {}
        if published is not None:
            mine = meetings_by_participant(
                self._meetings(record, self._events.plan_record(event_id, published))
            )
        names = self._events.people().names
        qr = self._events.agenda_link(event_id)
        found = []
        for ikm in sorted(ikms, key=lambda i: i.ikm_id):
            number = whatsapp_number(ikm.contact_phone)
            if ikm.ikm_id not in members or number is None or ikm.contact_phone is None:
                continue
            if any(a.kind == "ikm" and a.active for a in self._accounts.for_participant(ikm.ikm_id)):
                continue
            link = None
            if published is not None:
                text = agenda_text(
                    ikm.ikm_id,
                    mine.get(ikm.ikm_id, []),
                    record.event.slots(),
                    names,
                    event_name=record.name,
                    day=record.event.date,
                    lang="id",
                    venue=record.event.venue,
                    zone=record.event.time_zone,
                    link=f"{qr}{ikm.ikm_id}" if qr else None,
                )
                link = whatsapp_link(ikm.contact_phone, text)
            found.append(WhatsAppContact(ikm.ikm_id, "ikm", ikm.name, ikm.contact_phone, number, link))
        return found


def _changes(old: list[Meeting], new: list[Meeting]) -> dict[str, list[Change]]:
    """Each participant's changes between two plans: meetings added, moved (slot or table), cancelled."""
    before: dict[tuple[str, str], Meeting] = {m.pair: m for m in old}
    after: dict[tuple[str, str], Meeting] = {m.pair: m for m in new}
    found: dict[str, list[Change]] = {}
    for pair in sorted(before.keys() | after.keys()):
        was, now = before.get(pair), after.get(pair)
        if was is not None and now is not None:
            if (was.slot, was.table) == (now.slot, now.table):
                continue
            change = Change("moved", *pair, was, now)
        elif now is not None:
            change = Change("added", *pair, None, now)
        else:
            change = Change("cancelled", *pair, was, None)
        for participant in pair:
            found.setdefault(participant, []).append(change)
    return found


def _link_line(lang: str, link: str, zone: str) -> str:
    words = {"id": "Agenda terbaru", "en": "Latest agenda"}
    return f"{zone_line(zone, lang)}\n\n{words[lang]}: {link}\n"


def _html(
    record: EventRecord,
    participant: str,
    agenda: list[Meeting],
    slots: list[Slot],
    names: dict[str, str],
    link: str,
    *,
    first: bool,
) -> str:
    """The e-mail's HTML part: the meetings as a table (Indonesian headings, English in brackets)."""
    event = record.event
    by_index = {s.index: s for s in slots}
    e = html.escape
    rows = []
    for m in agenda:
        slot = by_index.get(m.slot) if m.slot is not None else None
        when = f"{slot.start:%H:%M}\u2013{slot.end:%H:%M} {event.time_zone}" if slot else "--:--"
        other = m.ikm if participant == m.buyer else m.buyer
        rows.append(
            f"<tr><td>{e(when)}</td><td>{e(m.table or '-')}</td><td>{e(names.get(other, other))}</td></tr>"
        )
    heading = (
        "Jadwal pertemuan Anda (Your meetings)" if first else "Jadwal Anda berubah (Your agenda changed)"
    )
    when_line = long_date(event.date, "id", weekday=True)
    table = (
        "<table border='1' cellpadding='6' cellspacing='0'><thead><tr><th>Waktu (Time)</th><th>Meja (Table)"
        "</th><th>Bertemu dengan (Meeting with)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        if rows
        else "<p>Belum ada pertemuan terjadwal. (No meetings scheduled yet.)</p>"
    )
    return (
        f"<html><body><h1>{e(record.name)}</h1><p>{e(heading)}</p>"
        + (f"<p>{e(when_line)}</p>" if when_line else "")
        + table
        + f"<p>{e(zone_line(event.time_zone, 'id'))}</p>"
        + f"<p><a href='{e(link)}'>Lihat agenda Anda (Open your agenda)</a>: {e(link)}</p></body></html>"
    )
