"""Exports of a planned event: master grid (XLSX), agendas per participant as WhatsApp-ready text and as
printable PDF (Indonesian and English), and an ICS calendar per participant.

Agendas and calendars name people by company / IKM name, with ids in brackets; nothing here reads contact
fields, so exports can be shared with participants.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matching.common.file_names import file_stem, inside
from matching.common.spreadsheet import text_only
from matching.events.meetings import Meeting, Pair
from matching.events.model import Slot
from matching.events.repair import Change

__all__ = [
    "agenda_text",
    "changes_text",
    "meetings_by_participant",
    "write_agenda_pdf",
    "write_calendars",
    "write_master_grid",
]

_MONTHS_ID = [
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
]
Changed = Mapping[Pair, str]  # (buyer_id, ikm_id) -> "moved" | "added": meetings to highlight
# Highlight colours (RGB) of changed meetings in the PDF agendas and the master grid
CHANGE_COLOURS = {"moved": (255, 224, 130), "added": (178, 230, 178)}
_TEXT = {
    "id": {
        "agenda": "Agenda untuk",
        "table": "Meja",
        "none": "Belum ada pertemuan terjadwal.",
        "with": "dengan",
        "meetings": "pertemuan",
        "changed": "Perubahan jadwal untuk",
        "moved": "DIPINDAH",
        "added": "BARU",
        "cancelled": "DIBATALKAN",
        "now": "Agenda terbaru:",
    },
    "en": {
        "agenda": "Agenda for",
        "table": "Table",
        "none": "No meetings scheduled yet.",
        "with": "with",
        "meetings": "meetings",
        "changed": "Schedule changes for",
        "moved": "MOVED",
        "added": "NEW",
        "cancelled": "CANCELLED",
        "now": "Your updated agenda:",
    },
}


def _date(day: dt.date | None, lang: str) -> str:
    if day is None:
        return ""
    if lang == "id":
        return f"{day.day} {_MONTHS_ID[day.month - 1]} {day.year}"
    return day.strftime("%d %B %Y").lstrip("0")


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
) -> str:
    """One participant's agenda (``mine``: its meetings in slot order) as text ready for WhatsApp.

    Meetings in ``changed`` end with a bold (WhatsApp ``*...*``) marker: DIPINDAH/BARU (MOVED/NEW).
    """
    words = _TEXT[lang]
    by_index = {s.index: s for s in slots}
    lines = [
        f"*{event_name}*" + (f" - {_date(day, lang)}" if day else ""),
        f"{words['agenda']}: {names.get(participant, participant)} ({participant})",
        "",
    ]
    if not mine:
        lines.append(words["none"])
    for m in mine:
        slot = by_index.get(m.slot) if m.slot is not None else None
        when = f"{slot.start:%H:%M}-{slot.end:%H:%M}" if slot else "--:--"
        other = m.ikm if participant == m.buyer else m.buyer
        kind = (changed or {}).get(m.pair)
        mark = f"  *{words[kind]}*" if kind in ("moved", "added") else ""
        lines.append(
            f"{when}  {words['table']} {m.table or '-'}  {words['with']} {names.get(other, other)} ({other})"
            + mark
        )
    if mine:
        lines += ["", f"{len(mine)} {words['meetings']}"]
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
    words = _TEXT[lang]
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


def write_master_grid(
    path: Path,
    meetings: list[Meeting],
    slots: list[Slot],
    tables: list[str],
    names: dict[str, str],
    *,
    event_name: str,
    changed: Changed | None = None,
) -> Path:
    """Slots down, tables across; each cell "buyer / IKM" with names, for the organisers' desk.

    Meetings in ``changed`` get a third line (DIPINDAH / BARU) and a coloured fill.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one ordinary sheet
    sheet.title = "Grid"

    def clean(text: str) -> str:  # control characters, which a cell cannot hold, from text stored earlier
        return str(ILLEGAL_CHARACTERS_RE.sub("", text))

    sheet.append([clean(event_name)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Slot", *[f"Meja {t}" if t.isdigit() else clean(t) for t in tables]])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    column = {t: i for i, t in enumerate(tables)}
    grid: dict[tuple[int, int], str] = {}
    marks: dict[tuple[int, int], str] = {}
    for m in meetings:
        if m.slot is not None and m.table in column:
            kind = (changed or {}).get(m.pair)
            mark = f"\n{_TEXT['id'][kind]}" if kind in CHANGE_COLOURS else ""
            grid[(m.slot, column[m.table])] = clean(
                f"{names.get(m.buyer, m.buyer)} ({m.buyer})\n{names.get(m.ikm, m.ikm)} ({m.ikm})" + mark
            )
            if mark:
                marks[(m.slot, column[m.table])] = str(kind)
    for slot in slots:
        sheet.append(
            [
                f"{slot.start:%H:%M}-{slot.end:%H:%M}",
                *[grid.get((slot.index, c), "") for c in range(len(tables))],
            ]
        )
    fills = {
        k: PatternFill("solid", fgColor="".join(f"{v:02X}" for v in rgb)) for k, rgb in CHANGE_COLOURS.items()
    }
    row_of = {slot.index: 3 + i for i, slot in enumerate(slots)}
    for (slot_index, c), kind in marks.items():
        if slot_index in row_of:
            sheet.cell(row=row_of[slot_index], column=c + 2).fill = fills[kind]
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 13
    for index in range(len(tables)):
        sheet.column_dimensions[get_column_letter(index + 2)].width = 30
    sheet.freeze_panes = "B3"
    text_only(sheet.iter_rows())  # names are shown, never run as formulas
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _line(pdf: Any, height: float, text: str) -> None:
    """Write ``text`` on its own line(s): a plain cell when it fits (~10x faster), else wrapped."""
    if pdf.get_string_width(text) <= pdf.epw:
        pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def write_agenda_pdf(
    path: Path,
    participants: list[str],
    meetings: list[Meeting],
    slots: list[Slot],
    names: dict[str, str],
    *,
    event_name: str,
    day: dt.date | None,
    lang: str = "id",
    changed: Changed | None = None,
) -> Path:
    """One printable page per participant (fpdf2, core fonts; characters outside Latin-1 become '?').

    Meetings in ``changed`` are marked (DIPINDAH / BARU) and drawn on a coloured band.
    """
    from fpdf import FPDF

    def latin(text: str) -> str:
        return text.encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    grouped = meetings_by_participant(meetings)
    pdf.set_font("Courier", "", 10)
    fits = int(pdf.epw / pdf.get_string_width("M"))  # Courier: every character is as wide as "M"
    for participant in participants:
        pdf.add_page()
        text = agenda_text(
            participant,
            grouped.get(participant, []),
            slots,
            names,
            event_name=event_name,
            day=day,
            lang=lang,
            changed=changed,
        )
        title, who, _, *rest = text.splitlines()
        pdf.set_font("Helvetica", "B", 15)
        _line(pdf, 8, latin(title.strip("*")))
        pdf.set_font("Helvetica", "", 12)
        _line(pdf, 7, latin(who))
        pdf.ln(3)
        pdf.set_font("Courier", "", 10)
        for line in rest:
            kind = next((k for k in CHANGE_COLOURS if line.endswith(f"*{_TEXT[lang][k]}*")), None)
            if kind is not None:
                pdf.set_fill_color(*CHANGE_COLOURS[kind])
            if len(line) <= fits:  # Courier is monospaced: no need to measure
                pdf.cell(0, 6, latin(line), new_x="LMARGIN", new_y="NEXT", fill=kind is not None)
            else:
                pdf.multi_cell(0, 6, latin(line), new_x="LMARGIN", new_y="NEXT", fill=kind is not None)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_calendars(
    directory: Path,
    participants: list[str],
    meetings: list[Meeting],
    slots: list[Slot],
    names: dict[str, str],
    *,
    event_name: str,
    day: dt.date,
    venue: str | None = None,
) -> list[Path]:
    """One ICS file per participant (``<id>.ics``), one event per meeting, in local (floating) time."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    by_index = {s.index: s for s in slots}
    mine = meetings_by_participant(meetings)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for participant in participants:
        calendar = Calendar()
        calendar.add("prodid", "-//ikm-matching//agenda//ID")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", f"{event_name}: {names.get(participant, participant)}")
        for m in mine.get(participant, []):
            slot = by_index.get(m.slot) if m.slot is not None else None
            if slot is None:
                continue
            other = m.ikm if participant == m.buyer else m.buyer
            item = IcsEvent()
            item.add("uid", f"{event_name}-{day}-{m.buyer}-{m.ikm}@ikm-matching".replace(" ", "_"))
            item.add("summary", f"{event_name}: {names.get(other, other)}")
            item.add("dtstart", dt.datetime.combine(day, slot.start))
            item.add("dtend", dt.datetime.combine(day, slot.end))
            item.add("dtstamp", dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
            item.add("location", f"{venue + ', ' if venue else ''}Meja {m.table}")
            item.add("description", m.reason or "")
            calendar.add_component(item)
        path = inside(directory, f"{file_stem(participant)}.ics")
        path.write_bytes(calendar.to_ical())
        written.append(path)
    return written
