"""The master grid for the organisers' desk: an XLSX workbook, one worksheet per session.

Slots run down, tables across; each meeting cell reads "buyer (id)" over "IKM (id)". Each sheet prints on
one landscape A4 page (fit to 1 x 1), its header row and time column repeated as print titles, with thin
borders on every cell, coffee breaks inside a session and the lunch break after it as labelled grey rows,
panes frozen below the header and right of the time column, and the event's name, date and time zone in
the printed page header. Meetings in ``changed`` get a third line (DIPINDAH / BARU) and a coloured fill; a
legend then explains the colours. Times are the event's local times (WIB / WITA / WIT).
"""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING

from matching.common.spreadsheet import text_only
from matching.events.agendas import CHANGE_COLOURS, WORDS, Changed, long_date
from matching.events.meetings import Meeting
from matching.events.model import Event, Slot

if TYPE_CHECKING:
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["write_master_grid"]

_HEADER_ROW = 3  # rows 1-2: the event and the legend
_GREY = "D9D9D9"


def _hex(rgb: tuple[int, int, int]) -> str:
    return "".join(f"{v:02X}" for v in rgb)


def write_master_grid(
    path: Path,
    meetings: list[Meeting],
    slots: list[Slot],
    tables: list[str],
    names: dict[str, str],
    *,
    event_name: str,
    event: Event | None = None,
    changed: Changed | None = None,
) -> Path:
    """Write the grid to ``path``; ``event`` (date, venue, zone, sessions) titles and splits the sheets."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    def clean(text: str) -> str:  # control characters, which a cell cannot hold, from text stored earlier
        return str(ILLEGAL_CHARACTERS_RE.sub("", text))

    zone = event.time_zone if event is not None else ""
    day = long_date(event.date, "id", weekday=True) if event is not None else ""
    venue = (event.venue or "") if event is not None else ""
    title = clean(event_name)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", fgColor=_GREY)
    fills = {k: PatternFill("solid", fgColor=_hex(rgb)) for k, rgb in CHANGE_COLOURS.items()}
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    column = {t: i for i, t in enumerate(tables)}
    styles: dict[tuple[bool, str | None], StyleArray] = {}  # (time column, change) -> a grid cell's style
    cells: dict[tuple[int, int], tuple[str, str | None]] = {}
    for m in meetings:
        if m.slot is not None and m.table in column:
            kind = (changed or {}).get(m.pair)
            kind = kind if kind in CHANGE_COLOURS else None
            text = f"{names.get(m.buyer, m.buyer)} ({m.buyer})\n{names.get(m.ikm, m.ikm)} ({m.ikm})"
            cells[(m.slot, column[m.table])] = (
                clean(text + (f"\n{WORDS['id'][kind]}" if kind else "")),
                kind,
            )
    used = {kind for _, kind in cells.values() if kind}
    sessions: dict[int, list[Slot]] = {}
    for slot in slots:
        sessions.setdefault(slot.session, []).append(slot)
    order = sorted(sessions)
    session_windows = list(event.sessions) if event is not None else []

    workbook = Workbook()
    first = workbook.active
    if first is not None:
        workbook.remove(first)
    last_col = get_column_letter(len(tables) + 1)
    for number, session in enumerate(order, start=1):
        own = sessions[session]
        span = f"{own[0].start:%H.%M}-{own[-1].end:%H.%M}"
        sheet: Worksheet = workbook.create_sheet(f"Sesi {number} {span}")
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        about = [f"Sesi {number}, {span}", day, venue, f"semua waktu dalam {zone}" if zone else ""]
        about = [p for p in about if p]
        legend = [f"{WORDS['id'][k]} = {WORDS['id'][k + '_note']}" for k in ("moved", "added") if k in used]
        sheet.append([" - ".join(about) + ("    Tanda: " + "; ".join(legend) if legend else "")])
        sheet.append(
            [
                f"Waktu ({zone})" if zone else "Waktu",
                *[f"Meja {t}" if t.isdigit() else clean(t) for t in tables],
            ]
        )
        for cell in sheet[_HEADER_ROW]:
            cell.font = Font(bold=True)
            cell.fill = grey
            cell.alignment = centre
            cell.border = border
        for k, kind in enumerate(("moved", "added")):
            if kind in used:  # a coloured swatch beside the legend text
                swatch = sheet.cell(row=2, column=len(tables) + 1 - k)
                swatch.fill = fills[kind]
                swatch.value = WORDS["id"][kind]
        previous: Slot | None = None
        for slot in own:
            if previous is not None and previous.end < slot.start:
                _label_row(
                    sheet, f"Istirahat {previous.end:%H.%M}-{slot.start:%H.%M}", len(tables), grey, border
                )
            previous = slot
            row = [slot.label] + [cells.get((slot.index, c), ("", None))[0] for c in range(len(tables))]
            sheet.append(row)
            r = sheet.max_row
            sheet.row_dimensions[r].height = 48
            for c, cell in enumerate(sheet[r]):
                kind = cells.get((slot.index, c - 1), ("", None))[1] if c else None
                made = styles.get((c == 0, kind))
                if made is not None:  # copied: setting each part finds it among the workbook's styles again
                    cell._style = copy(made)  # type: ignore[union-attr]  # (the stubs omit it)
                    continue
                cell.border = border
                cell.alignment = wrap if c else centre
                if kind:
                    cell.fill = fills[kind]
                if not c:
                    cell.font = Font(bold=True)
                styles[(c == 0, kind)] = copy(cell._style)  # type: ignore[union-attr]
        if number < len(order):
            nxt = sessions[order[number]][0]
            if session < len(session_windows) and session + 1 < len(session_windows):
                lunch_from = session_windows[session].end
                lunch_to = session_windows[session + 1].start
            else:
                lunch_from, lunch_to = own[-1].end, nxt.start
            _label_row(
                sheet,
                f"Istirahat siang {lunch_from:%H.%M}-{lunch_to:%H.%M}; "
                f"sesi {number + 1} mulai {nxt.start:%H.%M}",
                len(tables),
                grey,
                border,
            )
        sheet.column_dimensions["A"].width = 13
        for index in range(len(tables)):
            sheet.column_dimensions[get_column_letter(index + 2)].width = 26
        sheet.freeze_panes = f"B{_HEADER_ROW + 1}"
        sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
        sheet.print_title_cols = "A:A"
        sheet.print_area = f"A1:{last_col}{sheet.max_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 1
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6
        header, footer = sheet.oddHeader, sheet.oddFooter  # always there on a new sheet
        if header is not None and footer is not None:
            header.center.text = " - ".join(p for p in (title, day, zone) if p).replace("&", "&&")
            header.center.size = 10
            footer.left.text = f"Sesi {number}, {span} {zone}".strip()
            footer.right.text = "Halaman &P dari &N"
        text_only(sheet.iter_rows())  # names are shown, never run as formulas
    if not order:  # a day without slots still gives a workbook with its header
        sheet = workbook.create_sheet("Grid")
        sheet.append([title])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _label_row(sheet: Worksheet, label: str, n_tables: int, fill: object, border: object) -> None:
    """A grey row across the grid saying what happens then (a break, lunch)."""
    from openpyxl.styles import Alignment, Font

    sheet.append([label])
    r = sheet.max_row
    sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n_tables + 1)
    for cell in sheet[r]:
        cell.fill = fill  # type: ignore[assignment]
        cell.border = border  # type: ignore[assignment]
    first = sheet.cell(row=r, column=1)
    first.font = Font(bold=True, italic=True)
    first.alignment = Alignment(horizontal="left", vertical="center")
    sheet.row_dimensions[r].height = 18
