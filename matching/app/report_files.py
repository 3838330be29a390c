"""The event report as files: XLSX (one sheet per table) and PDF (for the ministry), in Indonesian or English.

:func:`report_tables` turns an :class:`~matching.app.report.EventReport` into titled tables (the same rows
for both files); :func:`write_report_xlsx` writes one sheet per table (bold frozen header row, column widths,
numbers as numbers, rates as percentages); :func:`write_report_pdf` writes a title page (event, date, venue,
time zone, plan) and then each figure as a bar chart drawn with rectangles followed by its table (fpdf2 core
fonts: characters outside Latin-1 become ``?``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matching.app.report import EventReport

__all__ = ["ReportTable", "report_tables", "write_report_pdf", "write_report_xlsx"]

Cell = str | int | float | None

_ZONES = {"WIB": "UTC+7", "WITA": "UTC+8", "WIT": "UTC+9"}
LABELS: dict[str, dict[str, str]] = {
    "id": {
        "report": "Laporan acara",
        "summary": "Ringkasan",
        "event": "Acara",
        "date": "Tanggal",
        "venue": "Tempat",
        "zone": "Zona waktu",
        "plan": "Rencana yang berlaku",
        "plan_made": "Rencana dibuat",
        "scheduled": "Pertemuan terjadwal",
        "rated": "Pertemuan yang sudah dinilai",
        "floor": "Batas minimum pertemuan per IKM",
        "ikms": "IKM",
        "at_floor": "IKM pada atau di bawah batas minimum",
        "item": "Keterangan",
        "value": "Nilai",
        "per_ikm": "Pertemuan per IKM",
        "ikm_id": "ID IKM",
        "name": "Nama",
        "province": "Provinsi",
        "meetings": "Pertemuan",
        "below": "Di bawah batas",
        "reason": "Alasan",
        "yes": "ya",
        "no": "tidak",
        "distribution": "Sebaran pertemuan per IKM",
        "ikm_count": "Jumlah IKM",
        "per_province": "Pertemuan per provinsi",
        "per_material": "Pertemuan per bahan",
        "material": "Bahan",
        "no_material": "(bahan tidak disebut)",
        "unknown_province": "(provinsi tidak diketahui)",
        "attendance": "Kehadiran",
        "side": "Pihak",
        "side_buyers": "Pembeli",
        "side_ikms": "IKM",
        "side_all": "Semua",
        "participants": "Peserta",
        "arrived": "Hadir",
        "late": "Terlambat",
        "absent": "Tidak hadir",
        "not_recorded": "Belum dicatat",
        "check_in_rate": "Tingkat kehadiran",
        "no_show_rate": "Tingkat ketidakhadiran",
        "funnel": "Corong hasil pertemuan",
        "stage": "Tahap",
        "share": "Dari yang terjadwal",
        "stage_scheduled": "Terjadwal",
        "stage_rated": "Dinilai",
        "stage_held": "Berlangsung",
        "stage_interest": "Ada minat",
        "stage_sample_order": "Sampel / pesanan",
        "stage_deal": "Kesepakatan",
        "deals": "Kesepakatan per provinsi",
        "deal_count": "Kesepakatan",
        "funnel_note": "Berlangsung: dinilai selain 'tidak berlangsung'. Ada minat: 'kerja sama mungkin' "
        "atau lebih. Sampel/pesanan: negosiasi dimulai atau kesepakatan. Kesepakatan: perjanjian "
        "tercapai, atau kesepakatan di hari acara yang tidak berakhir tanpa kontak lanjutan.",
        "none": "Belum ada data.",
        "page": "Halaman",
    },
    "en": {
        "report": "Event report",
        "summary": "Summary",
        "event": "Event",
        "date": "Date",
        "venue": "Venue",
        "zone": "Time zone",
        "plan": "Plan in force",
        "plan_made": "Plan made",
        "scheduled": "Scheduled meetings",
        "rated": "Meetings rated",
        "floor": "Minimum meetings per IKM",
        "ikms": "IKMs",
        "at_floor": "IKMs at or below the minimum",
        "item": "Item",
        "value": "Value",
        "per_ikm": "Meetings per IKM",
        "ikm_id": "IKM id",
        "name": "Name",
        "province": "Province",
        "meetings": "Meetings",
        "below": "Below minimum",
        "reason": "Reason",
        "yes": "yes",
        "no": "no",
        "distribution": "Distribution of meetings per IKM",
        "ikm_count": "IKMs",
        "per_province": "Meetings per province",
        "per_material": "Meetings per material",
        "material": "Material",
        "no_material": "(no material stated)",
        "unknown_province": "(province unknown)",
        "attendance": "Attendance",
        "side": "Side",
        "side_buyers": "Buyers",
        "side_ikms": "IKMs",
        "side_all": "Everyone",
        "participants": "Participants",
        "arrived": "Arrived",
        "late": "Late",
        "absent": "Absent",
        "not_recorded": "Not recorded",
        "check_in_rate": "Check-in rate",
        "no_show_rate": "No-show rate",
        "funnel": "Outcomes funnel",
        "stage": "Stage",
        "share": "Of scheduled",
        "stage_scheduled": "Scheduled",
        "stage_rated": "Rated",
        "stage_held": "Held",
        "stage_interest": "Interest",
        "stage_sample_order": "Sample / order",
        "stage_deal": "Deal",
        "deals": "Deals by province",
        "deal_count": "Deals",
        "funnel_note": "Held: rated other than 'not held'. Interest: 'cooperation possible' or better. "
        "Sample/order: negotiation started or a deal. Deal: agreement reached, or a deal on the day not "
        "followed by 'no further contact'.",
        "none": "No data yet.",
        "page": "Page",
    },
}


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: a sheet of the XLSX, a section of the PDF."""

    key: str  # summary, per_ikm, distribution, per_province, per_material, attendance, funnel, deals
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    percent: set[int] = field(default_factory=set)  # columns holding rates (0..1)
    chart: tuple[int, int] | None = None  # (label column, value column) drawn as bars in the PDF
    widths: tuple[int, ...] = ()  # relative column widths in the PDF (equal when empty)
    chart_from: int = 0  # the first row drawn in the chart
    note: str = ""


def _date(report: EventReport) -> str:
    return report.event.date.isoformat() if report.event.date else "-"


def report_tables(report: EventReport, lang: str = "id") -> list[ReportTable]:
    """The report's tables in ``lang`` (``id`` or ``en``), in the order of the dashboard."""
    w = LABELS[lang]
    event = report.event
    made = event.local_time(report.plan_created_at).strftime("%Y-%m-%d %H:%M ") + event.time_zone
    summary: list[list[Cell]] = [
        [w["event"], event.name],
        [w["date"], _date(report)],
        [w["venue"], event.venue or "-"],
        [w["zone"], f"{event.time_zone} ({_ZONES.get(event.time_zone, '')})"],
        [w["plan"], report.plan_no],
        [w["plan_made"], made],
        [w["ikms"], len(report.per_ikm)],
        [w["scheduled"], report.scheduled],
        [w["rated"], report.rated],
        [w["floor"], report.floor],
        [w["at_floor"], len(report.at_floor)],
    ]

    def province(name: str) -> str:
        return name or w["unknown_province"]

    per_ikm: list[list[Cell]] = [
        [
            i.ikm_id,
            i.name,
            province(i.province),
            i.meetings,
            w["yes"] if i.below_floor else w["no"],
            "; ".join(filter(None, [w["absent"] if i.absent else "", i.note])),
        ]
        for i in report.per_ikm
    ]
    attendance: list[list[Cell]] = [
        [
            w[f"side_{a.side}"],
            a.participants,
            a.arrived if a.check_ins_known else None,
            a.late if a.check_ins_known else None,
            a.absent,
            a.not_recorded if a.check_ins_known else None,
            a.check_in_rate,
            a.no_show_rate,
        ]
        for a in report.attendance
    ]
    scheduled = report.scheduled or 0
    funnel: list[list[Cell]] = [
        [w[f"stage_{stage}"], n, n / scheduled if scheduled else None] for stage, n in report.funnel
    ]
    return [
        ReportTable("summary", w["summary"], [w["item"], w["value"]], summary, widths=(2, 3)),
        ReportTable(
            "per_ikm",
            w["per_ikm"],
            [w["ikm_id"], w["name"], w["province"], w["meetings"], w["below"], w["reason"]],
            per_ikm,
            widths=(12, 30, 24, 12, 12, 40),
        ),
        ReportTable(
            "distribution",
            w["distribution"],
            [w["meetings"], w["ikm_count"]],
            [[k, n] for k, n in report.distribution],
            chart=(0, 1),
        ),
        ReportTable(
            "per_province",
            w["per_province"],
            [w["province"], w["meetings"]],
            [[province(p), n] for p, n in report.per_province],
            chart=(0, 1),
        ),
        ReportTable(
            "per_material",
            w["per_material"],
            [w["material"], w["meetings"]],
            [[m or w["no_material"], n] for m, n in report.per_material],
            chart=(0, 1),
        ),
        ReportTable(
            "attendance",
            w["attendance"],
            [
                w["side"],
                w["participants"],
                w["arrived"],
                w["late"],
                w["absent"],
                w["not_recorded"],
                w["check_in_rate"],
                w["no_show_rate"],
            ],
            attendance,
            percent={6, 7},
        ),
        ReportTable(
            "funnel",
            w["funnel"],
            [w["stage"], w["meetings"], w["share"]],
            funnel,
            percent={2},
            chart=(0, 1),
            chart_from=1,  # the funnel drawn from the rated meetings down
            note=w["funnel_note"],
        ),
        ReportTable(
            "deals",
            w["deals"],
            [w["province"], w["deal_count"]],
            [[province(p), n] for p, n in report.deals_by_province],
            chart=(0, 1),
        ),
    ]


# -- XLSX ---------------------------------------------------------------------------------------------------


def write_report_xlsx(report: EventReport, path: Path, lang: str = "id") -> Path:
    """One sheet per table: bold header row frozen, widths from the longest value, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from matching.common.spreadsheet import text_only

    def clean(value: Cell) -> Cell:
        return str(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # a new workbook has one empty sheet
    for table in report_tables(report, lang):
        sheet = workbook.create_sheet(_sheet_name(table.title))
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([clean(v) for v in row])
        for index, title in enumerate(table.columns):
            values = [title, *(_shown(r[index], index in table.percent) for r in table.rows)]
            width = min(60, max(8, *(len(v) for v in values)) + 2)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
            if index in table.percent:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "A2"
        text_only(sheet.iter_rows())  # names are shown, never run as formulas
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _sheet_name(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join("-" if c in "[]:*?/\\" else c for c in title)[:31]


def _shown(value: Cell, percent: bool = False) -> str:
    if value is None:
        return "-"
    if percent and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- PDF ----------------------------------------------------------------------------------------------------


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _bars(pdf: Any, rows: Sequence[tuple[str, float]]) -> None:
    """Horizontal bars: the label on the left, a bar as long as the value, the value at its end."""
    label_w, bar_h, gap = 60.0, 5.0, 2.0
    top = max((v for _, v in rows), default=0) or 1
    room = pdf.epw - label_w - 15
    pdf.set_font("Helvetica", "", 9)
    for label, value in rows:
        if pdf.will_page_break(bar_h + gap):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        text = _latin(label)
        while pdf.get_string_width(text) > label_w - 2 and len(text) > 4:
            text = text[:-2].rstrip() + "~"
        pdf.set_xy(x, y)
        pdf.cell(label_w - 2, bar_h, text, align="R")
        length = room * value / top
        if length > 0:
            pdf.set_fill_color(31, 95, 140)
            pdf.rect(x + label_w, y + 0.5, length, bar_h - 1, style="F")
            pdf.set_fill_color(255, 255, 255)
        pdf.set_xy(x + label_w + length + 1.5, y)
        pdf.cell(14, bar_h, _shown(value))
        pdf.set_xy(x, y + bar_h + gap)
    pdf.ln(3)


def write_report_pdf(report: EventReport, path: Path, lang: str = "id", *, max_rows: int = 60) -> Path:
    """A title page, then per figure its bar chart and table (long tables cut to ``max_rows`` rows, the
    whole of them being in the XLSX)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    w = LABELS[lang]
    event = report.event
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin(f"{w['report']}: {event.name}"))

    pdf.add_page()
    pdf.set_y(60)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, _latin(w["report"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 11, _latin(event.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 13)
    for label, value in (
        (w["date"], _date(report)),
        (w["venue"], event.venue or "-"),
        (w["zone"], f"{event.time_zone} ({_ZONES.get(event.time_zone, '')})"),
        (w["plan"], str(report.plan_no)),
    ):
        pdf.cell(0, 8, _latin(f"{label}: {value}"), align="C", new_x="LMARGIN", new_y="NEXT")

    for table in report_tables(report, lang):
        pdf.add_page() if table.key in ("summary", "per_ikm") else pdf.ln(4)
        shown = min(len(table.rows), max_rows)
        needed = 12 + (7 * shown if table.chart else 0) + 6 * (shown + 1) + (10 if table.note else 0)
        if pdf.will_page_break(min(needed, 120)):  # a section starts on a new page unless it fits
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 9, _latin(table.title), new_x="LMARGIN", new_y="NEXT")
        if not table.rows:
            pdf.set_font("Helvetica", "", 10)
            pdf.cell(0, 6, _latin(w["none"]), new_x="LMARGIN", new_y="NEXT")
            continue
        if table.chart is not None:
            name_col, value_col = table.chart
            numbers = [
                (str(r[name_col]), float(r[value_col] or 0)) for r in table.rows[table.chart_from : max_rows]
            ]
            _bars(pdf, numbers)
        if table.note:
            pdf.set_font("Helvetica", "I", 8)
            pdf.multi_cell(0, 4, _latin(table.note), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.set_font("Helvetica", "", 8 if len(table.columns) > 4 else 9)
        numeric = [
            all(isinstance(r[i], int | float) or r[i] is None for r in table.rows)
            for i in range(len(table.columns))
        ]
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD", fill_color=(225, 233, 242)),
            col_widths=table.widths or None,
            text_align=["RIGHT" if n else "LEFT" for n in numeric],
            line_height=5,
            first_row_as_headings=True,
        ) as grid:
            grid.row([_latin(c) for c in table.columns])
            for r in table.rows[:max_rows]:
                grid.row([_latin(_shown(v, i in table.percent)) for i, v in enumerate(r)])
        if len(table.rows) > max_rows:
            pdf.set_font("Helvetica", "I", 8)
            pdf.cell(0, 6, f"... (+{len(table.rows) - max_rows})", new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
