"""Exports of a planned event, one module each, gathered here:

- :mod:`matching.events.agendas`: words, dates, WhatsApp-ready text agendas and re-scheduling notices;
- :mod:`matching.events.agenda_pdf`: printable agendas (participant and organiser copies, QR code, booth map);
- :mod:`matching.events.qr_codes`: the agendas' QR codes, each made once (in the background while planning);
- :mod:`matching.events.master_grid`: the XLSX master grid, one printable page per session;
- :mod:`matching.events.calendars`: an ICS calendar per participant, in the event's time zone.

Participant copies (text, PDF, ICS) name people by company / IKM name with ids in brackets and never carry
contact details; only the organiser copy of the PDF agendas does.
"""

from __future__ import annotations

from matching.events.agenda_pdf import start_agenda_pdfs, write_agenda_pdf
from matching.events.agendas import (
    CHANGE_COLOURS,
    Changed,
    Profile,
    agenda_text,
    changes_text,
    long_date,
    meetings_by_participant,
)
from matching.events.calendars import write_calendars
from matching.events.master_grid import write_master_grid
from matching.events.qr_codes import QrCodes

__all__ = [
    "CHANGE_COLOURS",
    "Changed",
    "Profile",
    "QrCodes",
    "agenda_text",
    "changes_text",
    "long_date",
    "meetings_by_participant",
    "start_agenda_pdfs",
    "write_agenda_pdf",
    "write_calendars",
    "write_master_grid",
]
