# ruff: noqa: RUF001  (en dashes are meant: this is UI text)

"""Texts of the participants' sign-in, invitation, registration and home pages, and the organiser's
participants page."""

from __future__ import annotations

ID = {
    # /me
    "me_title": "Beranda saya",
    "me_intro": "{name}, atas nama {company}.",
    "me_events": "Acara Anda",
    "me_no_events": "Anda belum terdaftar di acara mana pun. Hubungi penyelenggara bila ini keliru.",
    "me_zone": "waktu {zone} (UTC+{offset})",
    "me_hours": "Pukul {start}–{end} {zone}",
}
EN = {
    "me_title": "My home",
    "me_intro": "{name}, for {company}.",
    "me_events": "Your events",
    "me_no_events": "You are not taking part in any event yet. Contact the organiser if this is wrong.",
    "me_zone": "{zone} time (UTC+{offset})",
    "me_hours": "{start}–{end} {zone}",
}
