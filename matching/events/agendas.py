"""What an agenda says, in Indonesian and English: words, dates, each participant's meetings, and the
WhatsApp-ready text agendas and re-scheduling notices.

A :class:`Profile` is what an agenda tells about a counterpart besides its name: what it makes (an IKM's
top products) or needs (a buyer's requirement) in each language the data allows, and how to reach it
(printed on organiser copies only). Profiles are plain data made by the application from the catalogue
(:mod:`matching.app.profiles`); the agenda writers here and in :mod:`matching.events.agenda_pdf` never read
the store.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from matching.events.meetings import Meeting, Pair
from matching.events.model import Slot

if TYPE_CHECKING:  # repair imports the solvers (seconds); notices only read its Change records
    from matching.events.repair import Change

__all__ = [
    "CHANGE_COLOURS",
    "WORDS",
    "Changed",
    "Profile",
    "agenda_text",
    "changes_text",
    "long_date",
    "meetings_by_participant",
]

Changed = Mapping[Pair, str]  # (buyer_id, ikm_id) -> "moved" | "added": meetings to highlight
# Highlight colours (RGB) of changed meetings in the PDF agendas, the master grid and the agenda page
CHANGE_COLOURS: dict[str, tuple[int, int, int]] = {"moved": (255, 214, 102), "added": (163, 222, 163)}

MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
WEEKDAYS = {
    "id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
UTC_OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "agenda": "Agenda untuk",
        "table": "Meja",
        "tables": "Meja",
        "none": "Belum ada pertemuan terjadwal.",
        "with": "dengan",
        "meetings": "pertemuan",
        "changed": "Perubahan jadwal untuk",
        "moved": "DIPINDAH",
        "added": "BARU",
        "cancelled": "DIBATALKAN",
        "moved_note": "waktu atau meja berubah",
        "added_note": "pertemuan baru",
        "now": "Agenda terbaru:",
        "time": "Waktu",
        "counterpart": "Bertemu dengan",
        "makes": "Membuat",
        "needs": "Mencari",
        "buyer": "Pembeli",
        "ikm": "IKM",
        "zone": "Semua waktu dalam {zone} (UTC+{offset})",
        "scan": "Pindai untuk agenda terbaru",
        "link": "Agenda terbaru",
        "map": "Denah meja - meja Anda ditandai hitam",
        "your_tables": "Meja Anda",
        "organiser": "SALINAN PANITIA - berisi kontak peserta, jangan dibagikan",
        "contact": "Kontak",
        "continued": "(lanjutan)",
        "page": "hal.",
    },
    "en": {
        "agenda": "Agenda for",
        "table": "Table",
        "tables": "Tables",
        "none": "No meetings scheduled yet.",
        "with": "with",
        "meetings": "meetings",
        "changed": "Schedule changes for",
        "moved": "MOVED",
        "added": "NEW",
        "cancelled": "CANCELLED",
        "moved_note": "time or table changed",
        "added_note": "new meeting",
        "now": "Your updated agenda:",
        "time": "Time",
        "counterpart": "Meeting with",
        "makes": "Makes",
        "needs": "Looking for",
        "buyer": "Buyer",
        "ikm": "IKM (small industry)",
        "zone": "All times in {zone} (UTC+{offset})",
        "scan": "Scan for your latest agenda",
        "link": "Latest agenda",
        "map": "Table map - your table is marked in black",
        "your_tables": "Your table",
        "organiser": "ORGANISER COPY - contains contact details, do not hand out",
        "contact": "Contact",
        "continued": "(continued)",
        "page": "p.",
    },
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What agendas say about one participant besides its name.

    ``offer`` maps a language ("id", "en") to one line: an IKM's top products, a buyer's requirement;
    ``contacts`` (contact name, phone/WhatsApp, e-mail where known) are printed on organiser copies only.
    """

    kind: Literal["buyer", "ikm"]
    offer: Mapping[str, str] = field(default_factory=dict)
    contacts: tuple[str, ...] = ()

    def offer_in(self, lang: str) -> str:
        """The offer line in ``lang``, else in the language the data has."""
        return self.offer.get(lang) or next((text for text in self.offer.values() if text), "")


def long_date(day: dt.date | None, lang: str, *, weekday: bool = False) -> str:
    """``10 Maret 2027`` / ``10 March 2027`` (``Rabu, 10 Maret 2027`` with ``weekday``)."""
    if day is None:
        return ""
    text = f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"
    return f"{WEEKDAYS[lang][day.weekday()]}, {text}" if weekday else text


def zone_line(zone: str, lang: str) -> str:
    """``Semua waktu dalam WITA (UTC+8)``."""
    return WORDS[lang]["zone"].format(zone=zone, offset=UTC_OFFSETS.get(zone, 7))


def meetings_by_participant(meetings: list[Meeting]) -> dict[str, list[Meeting]]:
    """Each participant's meetings in slot order (group once, then pass each list to the agenda writers)."""
    mine: dict[str, list[Meeting]] = defaultdict(list)
    for m in meetings:
        mine[m.buyer].append(m)
        mine[m.ikm].append(m)
    for items in mine.values():
        items.sort(key=lambda m: (m.slot if m.slot is not None else -1, m.table or ""))
    return mine


def agenda_text(
    participant: str,
    mine: list[Meeting],
    slots: list[Slot],
    names: dict[str, str],
    *,
    event_name: str,
    day: dt.date | None,
    lang: str = "id",
    changed: Changed | None = None,
    venue: str | None = None,
    zone: str = "",
    profiles: Mapping[str, Profile] | None = None,
    link: str | None = None,
) -> str:
    """One participant's agenda (``mine``: its meetings in slot order) as text ready for WhatsApp.

    Times are the event's local times, followed by ``zone`` (WIB/WITA/WIT) when given; with ``profiles``
    each meeting says what the counterpart makes or needs; ``link`` (the agenda page) ends the text.
    Meetings in ``changed`` end with a bold (WhatsApp ``*...*``) marker: DIPINDAH/BARU (MOVED/NEW).
    No contact details are ever written.
    """
    words = WORDS[lang]
    by_index = {s.index: s for s in slots}
    place = " - ".join(part for part in (long_date(day, lang, weekday=True), venue) if part)
    lines = [f"*{event_name}*"] + ([place] if place else [])
    lines += [f"{words['agenda']}: {names.get(participant, participant)} ({participant})", ""]
    if not mine:
        lines.append(words["none"])
    suffix = f" {zone}" if zone else ""
    for m in mine:
        slot = by_index.get(m.slot) if m.slot is not None else None
        when = f"{slot.start:%H:%M}-{slot.end:%H:%M}{suffix}" if slot else "--:--"
        other = m.ikm if participant == m.buyer else m.buyer
        kind = (changed or {}).get(m.pair)
        mark = f"  *{words[kind]}*" if kind in CHANGE_COLOURS else ""
        lines.append(
            f"{when}  {words['table']} {m.table or '-'}  {words['with']} {names.get(other, other)} ({other})"
            + mark
        )
        profile = (profiles or {}).get(other)
        offer = profile.offer_in(lang) if profile else ""
        if profile and offer:
            lines.append(f"    {words['makes' if profile.kind == 'ikm' else 'needs']}: {offer}")
    if mine:
        lines += ["", f"{len(mine)} {words['meetings']}"]
    if zone and mine:
        lines.append(zone_line(zone, lang))
    if link:
        lines += ["", f"{words['link']}: {link}"]
    return "\n".join(lines) + "\n"


def changes_text(
    participant: str,
    changes: list[Change],
    mine: list[Meeting],
    slots: list[Slot],
    names: dict[str, str],
    *,
    event_name: str,
    day: dt.date | None,
    lang: str = "id",
) -> str:
    """A re-scheduling notice for WhatsApp: what changed for ``participant``, then its updated agenda."""
    words = WORDS[lang]
    by_index = {s.index: s for s in slots}

    def where(m: Meeting | None) -> str:
        slot = by_index.get(m.slot) if m is not None and m.slot is not None else None
        if m is None or slot is None:
            return ""
        return f"{slot.start:%H:%M} {words['table']} {m.table or '-'}"

    lines = [f"{words['changed']}: {names.get(participant, participant)} ({participant})", ""]

    def when(c: Change) -> int:
        m = c.new or c.old
        return (m.slot or 0) if m else 0

    for c in sorted(changes, key=when):
        other = c.ikm if participant == c.buyer else c.buyer
        if c.kind == "moved":
            what = f"{where(c.old)} -> {where(c.new)}"
        elif c.kind == "added":
            what = where(c.new)
        else:
            what = f"{where(c.old)} ({c.reason})" if c.reason else where(c.old)
        lines.append(f"- {words[c.kind]}: {names.get(other, other)} ({other}) {what}")
    changed = {(c.buyer, c.ikm): c.kind for c in changes if c.kind in ("moved", "added")}
    agenda = agenda_text(
        participant, mine, slots, names, event_name=event_name, day=day, lang=lang, changed=changed
    )
    return "\n".join(lines) + f"\n\n{words['now']}\n" + agenda
