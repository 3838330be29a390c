"""Exports read back as a participant or an organiser gets them: PDF agendas (pypdf), the XLSX master grid
(openpyxl), ICS calendars (icalendar) and text agendas, on a small hand-made event in WITA."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from pypdf import PdfReader

from matching.events.agenda_pdf import qr_path, write_agenda_pdf
from matching.events.agendas import Profile, agenda_text, long_date
from matching.events.calendars import write_calendars
from matching.events.master_grid import write_master_grid
from matching.events.meetings import Meeting
from matching.events.model import Event, parse_event

LINK = "http://venue.example:8000/events/temu-2027/agenda/"


@pytest.fixture(scope="module")
def event() -> Event:
    return parse_event(
        {
            "name": "Temu Bisnis Anyaman NTB 2027",
            "date": "2027-03-10",
            "venue": "Islamic Center NTB, Mataram",
            "time_zone": "WITA",
            "slot_minutes": 20,
            "sessions": [{"start": "09:00", "end": "10:20"}, {"start": "13:00", "end": "14:00"}],
            "breaks": [{"start": "09:40", "end": "10:00"}],
            "tables": 4,
            "booth_map": {"1": {"row": 1, "col": 1}, "2": {"row": 1, "col": 3}},
            "buyers": ["B1", "B2"],
            "ikms": ["I1", "I2", "I3"],
        },
        source="test",
    )


NAMES = {
    "B1": "Café Ñusantara GmbH",
    "B2": "Hotel Ubud",
    "I1": "Kelompok Perajin Ketak Sri Rezeki",
    "I2": "Rotan Jaya",
    "I3": "Pandan Asri",
}
PROFILES = {
    "B1": Profile(
        "buyer",
        {"id": "keranjang (rotan) - Need rattan baskets", "en": "Need rattan baskets"},
        ("buy@cafe.example",),
    ),
    "B2": Profile("buyer", {"id": "Butuh tikar pandan"}, ()),
    "I1": Profile(
        "ikm",
        {"id": "kotak, tas (ketak): Kotak Ketak", "en": "boxes, bags (ketak fern): Kotak Ketak"},
        ("Amaq Rahmawati", "WA/HP +62 813 2325 3570", "ketak@example.id"),
    ),
    "I2": Profile("ikm", {"id": "kursi (rotan)", "en": "chairs (rattan)"}, ("Budi", "WA/HP 0812-1111-2222")),
    "I3": Profile("ikm", {"id": "tikar (pandan)", "en": "mats (pandan)"}, ()),
}


@pytest.fixture(scope="module")
def meetings(event: Event) -> list[Meeting]:
    slots = event.slots()  # 09:00, 09:20, 10:00 (after the break), 13:00, 13:20, 13:40
    assert [s.start.strftime("%H:%M") for s in slots] == [
        "09:00",
        "09:20",
        "10:00",
        "13:00",
        "13:20",
        "13:40",
    ]
    return [
        Meeting("B1", "I1", slot=0, table="1"),
        Meeting("B1", "I2", slot=2, table="2"),
        Meeting("B2", "I1", slot=1, table="3"),
        Meeting("B2", "I3", slot=3, table="1"),
        Meeting("B1", "I3", slot=4, table="4"),
    ]


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_agenda_pdf_says_where_when_and_with_whom_in_the_readers_language(
    tmp_path: Path, event: Event, meetings: list[Meeting]
) -> None:
    links = {p: LINK + p for p in ["B1", "B2", "I1", "I2", "I3"]}
    changed = {("B1", "I2"): "moved", ("B1", "I3"): "added"}
    common = {"event": event, "profiles": PROFILES, "links": links, "changed": changed}
    people = ["B1", "B2", "I1", "I2", "I3"]
    slots = event.slots()
    indonesian = pdf_text(
        write_agenda_pdf(tmp_path / "id.pdf", people, meetings, slots, NAMES, lang="id", **common)
    )
    english = pdf_text(
        write_agenda_pdf(tmp_path / "en.pdf", people, meetings, slots, NAMES, lang="en", **common)
    )
    assert len(indonesian) == len(english) == len(people)  # one page each

    b1 = indonesian[0]
    assert b1.splitlines()[0] == "Temu Bisnis Anyaman NTB 2027"  # no stray "*" from WhatsApp markup
    assert "*" not in b1
    assert "Rabu, 10 Maret 2027 - Islamic Center NTB, Mataram" in b1
    assert "Semua waktu dalam WITA (UTC+8)" in b1 and "Waktu (WITA)" in b1
    assert "Café Ñusantara GmbH (B1)" in b1  # Unicode names keep their letters
    assert "Pembeli" in b1
    for line in ("09:00-09:20", "10:00-10:20", "13:20-13:40"):
        assert line in b1
    assert "Kelompok Perajin Ketak Sri Rezeki (I1)" in b1
    assert "Membuat: kotak, tas (ketak): Kotak Ketak" in b1
    assert "DIPINDAH" in b1 and "BARU" in b1 and "DIPINDAH: waktu atau meja berubah" in b1
    assert "Meja Anda: 1, 2, 4" in b1  # the booth map's title names the participant's tables
    assert "Pindai untuk agenda terbaru" in b1
    for contact in ("Amaq", "+62 813", "ketak@example.id", "buy@cafe.example"):  # participant copy: none
        assert all(contact not in page for page in indonesian + english)

    e1 = english[2]  # I1, an IKM: what its buyers need, in English where the data has it
    assert "Wednesday, 10 March 2027" in e1 and "All times in WITA (UTC+8)" in e1
    assert "Looking for: Need rattan baskets" in e1
    assert "Looking for: Butuh tikar pandan" in e1  # only in Indonesian in the data: shown as written
    assert "IKM (small industry)" in e1 and "MOVED" not in e1
    assert "MOVED" in english[0] and "NEW" in english[0]

    organiser = pdf_text(
        write_agenda_pdf(
            tmp_path / "org.pdf", people, meetings, slots, NAMES, lang="id", organiser=True, **common
        )
    )
    assert "SALINAN PANITIA" in organiser[0]
    assert "Kontak: Amaq Rahmawati · WA/HP +62 813 2325 3570 · ketak@example.id" in organiser[0]
    assert "Kontak: buy@cafe.example" in organiser[2]


def test_agenda_pdf_draws_the_qr_code_of_the_participants_page(
    tmp_path: Path, event: Event, meetings: list[Meeting]
) -> None:
    import segno

    url = LINK + "B1"
    size, path = qr_path(url)
    expected = segno.make(url, error="m", micro=False, mask=0, boost_error=False).matrix
    assert size == len(expected) + 8
    drawn = [[0] * len(expected) for _ in expected]
    for x, y, w, _ in re.findall(r"(\d+) (\d+) (\d+) (1) re", path):
        row = size - 4 - 1 - int(y)
        for col in range(int(x) - 4, int(x) - 4 + int(w)):
            drawn[row][col] = 1
    assert drawn == [list(row) for row in expected]
    pdf = write_agenda_pdf(
        tmp_path / "a.pdf", ["B1"], meetings, event.slots(), NAMES, event=event, links={"B1": url}
    )
    content = PdfReader(pdf).pages[0].get_contents()
    assert content is not None and path.encode() in content.get_data()
    plain = write_agenda_pdf(tmp_path / "b.pdf", ["B1"], meetings, event.slots(), NAMES, event=event)
    assert "Pindai" not in pdf_text(plain)[0]  # no link, no QR code


def test_a_long_day_continues_on_a_second_page(tmp_path: Path) -> None:
    event = parse_event(
        {
            "name": "Hari Panjang",
            "sessions": [{"start": "08:00", "end": "17:00"}],
            "slot_minutes": 20,
            "tables": 30,
            "buyers": ["B1"],
            "ikms": [f"I{i}" for i in range(27)],
        },
        source="test",
    )
    meetings = [Meeting("B1", f"I{i}", slot=i, table=str(i + 1)) for i in range(27)]
    pages = pdf_text(write_agenda_pdf(tmp_path / "x.pdf", ["B1"], meetings, event.slots(), {}, event=event))
    assert len(pages) == 2 and "(lanjutan)" in pages[1]
    assert all(f"I{i} (I{i})" in "".join(pages) for i in range(27))  # every meeting shown once
    assert "".join(pages).count("16:40-17:00") == 1


def test_master_grid_prints_one_landscape_page_per_session(
    tmp_path: Path, event: Event, meetings: list[Meeting]
) -> None:
    tables = event.table_names()
    path = write_master_grid(
        tmp_path / "grid.xlsx",
        meetings,
        event.slots(),
        tables,
        NAMES,
        event_name=event.name,
        event=event,
        changed={("B1", "I2"): "moved"},
    )
    book = load_workbook(path)
    assert book.sheetnames == ["Sesi 1 09.00-10.20", "Sesi 2 13.00-14.00"]
    morning, afternoon = book.worksheets
    for sheet in book.worksheets:
        assert sheet["A1"].value == event.name
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 1)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3"
        assert sheet.freeze_panes == "B4"
        assert [c.value for c in sheet[3]] == ["Waktu (WITA)", "Meja 1", "Meja 2", "Meja 3", "Meja 4"]
        assert "WITA" in sheet.oddHeader.center.text and "10 Maret 2027" in sheet.oddHeader.center.text
        for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
            for cell in row:  # a merged break row has its outline only
                assert cell.border.top.style == "thin" and cell.border.bottom.style == "thin"
                assert isinstance(cell, MergedCell) or cell.border.left.style == "thin"
    times = [row[0].value for row in morning.iter_rows(min_row=4)]
    assert times == [
        "09:00-09:20",
        "09:20-09:40",
        "Istirahat 09.40-10.00",
        "10:00-10:20",
        "Istirahat siang 10.20-13.00; sesi 2 mulai 13.00",
    ]
    for label_row in (6, 8):
        assert morning.cell(row=label_row, column=1).fill.fgColor.rgb.endswith("D9D9D9")
    moved = morning.cell(row=7, column=3)  # 10:00, table 2
    assert moved.value.endswith("\nDIPINDAH") and moved.fill.fgColor.rgb.endswith("FFD666")
    assert "DIPINDAH = waktu atau meja berubah" in morning["A2"].value
    assert "Sesi 1, 09.00-10.20" in morning["A2"].value and "semua waktu dalam WITA" in morning["A2"].value
    assert afternoon.cell(row=4, column=2).value == "Hotel Ubud (B2)\nPandan Asri (I3)"
    assert [row[0].value for row in afternoon.iter_rows(min_row=4)] == [
        "13:00-13:20",
        "13:20-13:40",
        "13:40-14:00",
    ]


def test_calendars_carry_the_events_time_zone(tmp_path: Path, event: Event, meetings: list[Meeting]) -> None:
    assert event.date is not None
    names = NAMES | {"I1": "Kelompok Perajin Ketak; Sri, Rezeki \\ Ñusantara Ƒ " + "ÿ" * 80}
    (path,) = write_calendars(
        tmp_path,
        ["B1"],
        meetings,
        event.slots(),
        names,
        event_name=event.name,
        day=event.date,
        venue=event.venue,
        time_zone=event.time_zone,
    )
    raw = path.read_bytes()
    assert b"DTSTART;TZID=Asia/Makassar:20270310T090000" in raw and b"BEGIN:VTIMEZONE" in raw
    assert b"TZOFFSETTO:+0800" in raw
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded as RFC 5545 asks
    calendar = Calendar.from_ical(raw)
    items = calendar.walk("VEVENT")
    assert len(items) == 3
    first = min(items, key=lambda item: item.decoded("dtstart"))
    start = first.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 WITA
    assert first.decoded("dtend") - start == dt.timedelta(minutes=20)
    assert str(first["summary"]) == f"{event.name}: {names['I1']}"  # escaped and unfolded back
    assert str(first["location"]) == "Islamic Center NTB, Mataram, Meja 1"
    assert all("Amaq" not in str(item.get("description")) for item in items)


def test_text_agenda_gives_the_zone_what_counterparts_make_and_the_link(
    event: Event, meetings: list[Meeting]
) -> None:
    mine = [m for m in meetings if m.buyer == "B1"]
    text = agenda_text(
        "B1",
        mine,
        event.slots(),
        NAMES,
        event_name=event.name,
        day=event.date,
        lang="id",
        venue=event.venue,
        zone="WITA",
        profiles=PROFILES,
        link=LINK + "B1",
        changed={("B1", "I2"): "moved"},
    )
    lines = text.splitlines()
    assert lines[0] == "*Temu Bisnis Anyaman NTB 2027*"
    assert lines[1] == "Rabu, 10 Maret 2027 - Islamic Center NTB, Mataram"
    assert "09:00-09:20 WITA  Meja 1  dengan Kelompok Perajin Ketak Sri Rezeki (I1)" in lines
    assert "    Membuat: kotak, tas (ketak): Kotak Ketak" in lines
    assert any(line.startswith("10:00-10:20 WITA") and line.endswith("*DIPINDAH*") for line in lines)
    assert lines[-1] == f"Agenda terbaru: {LINK}B1"
    assert "Amaq" not in text and "+62" not in text
    assert long_date(dt.date(2027, 3, 10), "en", weekday=True) == "Wednesday, 10 March 2027"


@pytest.mark.parametrize("from_a_thread", [False, True], ids=["fork", "forkserver"])
def test_several_pdfs_of_one_export_match_the_single_writer(
    tmp_path: Path, event: Event, meetings: list[Meeting], from_a_thread: bool
) -> None:
    """start_agenda_pdfs (a pool of processes: forked from the only thread, or from a fork server when
    other threads run, as in the service) writes what write_agenda_pdf writes, each file with its language
    and copy."""
    from concurrent.futures import ThreadPoolExecutor

    from matching.events.agenda_pdf import start_agenda_pdfs

    people = ["B1", "B2", "I1", "I2", "I3"]
    links = {p: LINK + p for p in people}
    common = {"event": event, "profiles": PROFILES, "links": links}
    files = [(tmp_path / f"{lang}-{org}.pdf", lang, org) for lang in ("id", "en") for org in (False, True)]

    def write() -> list[Path]:
        finish = start_agenda_pdfs(
            files, people, meetings, event.slots(), NAMES, workers=2, min_participants=1, **common
        )
        return finish()

    if from_a_thread:
        with ThreadPoolExecutor(1) as pool:
            written = pool.submit(write).result()
    else:
        written = write()
    assert written == [path for path, _, _ in files]
    for path, lang, organiser in files:
        single = write_agenda_pdf(
            tmp_path / "single.pdf",
            people,
            meetings,
            event.slots(),
            NAMES,
            lang=lang,
            organiser=organiser,
            **common,
        )
        assert pdf_text(path) == pdf_text(single)
