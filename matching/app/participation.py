"""Who takes part in which event, as participants who sign in see it, and each event's participant settings.

An event names its buyers and IKMs (or ``all`` of the catalogue's); a participant's account belongs to one
buyer or IKM. Every participant page asks :meth:`Participation.takes_part` before it shows anything of an
event: a participant of another event gets "not found", never the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matching.catalogue.schema import Entity
from matching.errors import NotFoundError
from matching.store.database import Store
from matching.store.event_settings import EventSettings, EventSettingsRepository

if TYPE_CHECKING:
    from matching.app.events import EventRecord, Events
    from matching.app.scoring import Participants

__all__ = ["Participation"]


class Participation:
    """Events seen from a participant's side (over :class:`~matching.app.events.Events`)."""

    def __init__(self, events: Events, settings: EventSettingsRepository, store: Store) -> None:
        self._events = events
        self._settings = settings
        self._store = store

    def settings(self, event_id: str) -> EventSettings:
        self._events.get(event_id)  # NotFoundError for an unknown event
        return self._settings.get(event_id)

    def update_settings(self, event_id: str, **changes: Any) -> EventSettings:
        self._events.get(event_id)
        return self._settings.update(event_id, **changes)

    @staticmethod
    def _members(record: EventRecord, kind: str, people: Participants) -> set[str]:
        chosen = record.event.buyers if kind == "buyer" else record.event.ikms
        known = people.buyers if kind == "buyer" else people.ikms
        return set(known) if chosen == "all" else set(chosen) & set(known)

    def takes_part(self, event_id: str, kind: str, participant_id: str) -> bool:
        """Whether the buyer or IKM is one of the event's participants (False for an unknown event). Asked
        on every participant page: it looks up the one record, not the whole catalogue."""
        try:
            record = self._events.get(event_id)
        except NotFoundError:
            return False
        chosen = record.event.buyers if kind == "buyer" else record.event.ikms
        if chosen != "all" and participant_id not in chosen:
            return False
        entity = Entity.BUYERS if kind == "buyer" else Entity.IKMS
        return self._store.has(entity, participant_id)

    def events_of(self, kind: str, participant_id: str) -> list[EventRecord]:
        """The events the buyer or IKM takes part in, oldest first."""
        people = self._events.people()
        return [r for r in self._events.all() if participant_id in self._members(r, kind, people)]

    def members(self, event_id: str, kind: str) -> set[str]:
        """The event's buyer or IKM ids."""
        return self._members(self._events.get(event_id), kind, self._events.people())
