"""Printable agendas: one A4 page (or more) per participant, Indonesian or English, as one PDF.

Each page carries the event's name, venue and date written out, "all times in WITA (UTC+8)", the
participant's meetings (local time, table, the counterpart's company and what it makes or needs), a QR
code to the participant's agenda page and the booth map with the participant's table(s) marked. Meetings in
``changed`` are drawn on a coloured band with a DIPINDAH / BARU (MOVED / NEW) tag. An organiser copy adds
each counterpart's contact details (:attr:`~matching.events.agendas.Profile.contacts`); participant copies
never carry them.

Text is set in DejaVu Sans Condensed (vendored under ``matching/resources/fonts``, Unicode, so names keep
their accents). Speed matters (2,500 participants x 2 languages x 2 copies = 10,000 pages): text is placed
by :class:`_Canvas` (``FPDF.text``'s output at a fraction of its cost), the booth map is drawn once per
document as an image the PDF embeds once and every page refers to, and each QR code is made once per
export (:mod:`matching.events.qr_codes`) and drawn as a vector path.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.common.processes import process_context
from matching.events.agendas import (
    CHANGE_COLOURS,
    WORDS,
    Changed,
    Profile,
    long_date,
    meetings_by_participant,
    zone_line,
)
from matching.events.meetings import Meeting
from matching.events.model import Event, Slot
from matching.events.qr_codes import Code, cached_codes, keep_codes, qr_path

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["font_file", "qr_path", "start_agenda_pdfs", "write_agenda_pdf"]

_FONT = "DejaVu"
_MARGIN = 15.0
_PAGE_W, _PAGE_H = 210.0, 297.0
_QR_MM = 30.0
_MAP_W, _MAP_H = 180.0, 58.0  # the booth map's largest box
_GREY = (90, 90, 90)


def font_file(bold: bool = False) -> Path:
    """The vendored Unicode font (see ``matching/resources/fonts/README.md``)."""
    name = "DejaVuSansCondensed-Bold.ttf" if bold else "DejaVuSansCondensed.ttf"
    return Path(str(resources.files("matching") / "resources" / "fonts" / name))


@dataclass(frozen=True)
class _BoothMap:
    """The booth map drawn once: where each table's cell lies (mm, from the map's top left) and its image."""

    cells: dict[str, tuple[float, float, float, float]]  # table -> (x, y, width, height)
    width: float
    height: float
    image: Image
    key: str  # how fpdf2 names the image once embedded


@cache
def _label_font(size_px: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(font_file()), size_px)


def _booth_map(layout: Mapping[str, tuple[int, int]]) -> _BoothMap | None:
    """Every table as a light box with its name, on a grid as the event's booth map places them."""
    if not layout:
        return None
    from PIL import Image, ImageDraw

    rows = max(r for r, _ in layout.values())
    cols = max(c for _, c in layout.values())
    cw, ch = min(_MAP_W / cols, 20.0), min(_MAP_H / rows, 10.0)
    scale = 8  # pixels per mm: sharp enough for print, small enough to embed once
    image = Image.new("L", (round(cols * cw * scale) + 1, round(rows * ch * scale) + 1), 255)
    draw = ImageDraw.Draw(image)
    font = _label_font(max(8, round(min(ch * 0.5, cw * 0.3) * scale)))
    cells: dict[str, tuple[float, float, float, float]] = {}
    gap = min(cw, ch) * 0.12
    for table, (r, c) in layout.items():
        x, y = (c - 1) * cw + gap / 2, (r - 1) * ch + gap / 2
        w, h = cw - gap, ch - gap
        cells[table] = (x, y, w, h)
        box = (round(x * scale), round(y * scale), round((x + w) * scale), round((y + h) * scale))
        draw.rectangle(box, fill=238, outline=150, width=max(1, scale // 4))
        draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), table, fill=70, font=font, anchor="mm")
    key = hashlib.md5(image.tobytes(), usedforsecurity=False).hexdigest()  # as fpdf2 names a PIL image
    return _BoothMap(cells, cols * cw, rows * ch, image, key)


class _Canvas:
    """Text on an FPDF document, placed the fast way.

    ``FPDF.text`` spends most of its time per character (glyph subset lookups in Python) and in checks;
    agendas place ~1,500 characters on each of 10,000 pages. Here each character is looked up in the font's
    subset once per document and strings are mapped with ``str.translate``; widths are summed from the
    font's width table. The content written is what ``FPDF.text`` writes (``BT x y Td (...) Tj ET``),
    wrapped in ``q``/``Q`` with its colour so that fpdf2's own colour state is left as it was.
    """

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.k = pdf.k
        self.fonts = {style: pdf.fonts[_FONT.lower() + style] for style in ("", "B")}
        self.tables: dict[str, dict[int, str | None]] = {style: {} for style in self.fonts}
        self.seen: dict[str, set[str]] = {style: set() for style in self.fonts}
        self.style, self.size = "", 10.0
        self.widths: Any = self.fonts[""].cw
        self.tf: dict[tuple[int, str, float], str] = {}  # (page, style, size) -> "/F1 10.00 Tf"

    def set_font(self, style: str, size: float) -> None:
        self.style, self.size = style, size
        self.widths = self.fonts[style].cw

    def width(self, text: str) -> float:
        """Width of ``text`` in mm in the current font."""
        return float(sum(map(self.widths.__getitem__, map(ord, text))) * self.size * 0.001 / self.k)

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis so that it fits ``width`` mm."""
        limit = width * self.k / (self.size * 0.001)
        ends = list(accumulate(map(self.widths.__getitem__, map(ord, text))))
        if not ends or ends[-1] <= limit:
            return text
        return text[: bisect_right(ends, limit - self.widths[ord("…")])].rstrip() + "…"

    def text(self, x: float, y: float, text: str, colour: tuple[int, int, int] | int = 0) -> None:
        """``text`` with its baseline's left end at (x, y) mm from the top left, in ``colour``."""
        pdf, font, table = self.pdf, self.fonts[self.style], self.tables[self.style]
        seen = self.seen[self.style]
        new = set(text) - seen
        if new:  # each character's glyph is added to the font's subset once per document
            for c in new:
                mapped = font.subset.pick(ord(c))
                table[ord(c)] = chr(mapped) if mapped is not None else None
            seen |= new
        if isinstance(colour, int):
            paint = f"{colour / 255:.3f} g"
        else:
            paint = "{:.3f} {:.3f} {:.3f} rg".format(*(v / 255 for v in colour))
        key = (pdf.page, self.style, self.size)
        size = self.tf.get(key)
        if size is None:  # once per page and font: the operator, and the font listed in the page's resources
            if len(self.tf) > 64:
                self.tf.clear()
            size = self.tf[key] = pdf._set_font_for_page(font, self.size, wrap_in_text_object=False)
        encoded = font.escape_text(text.translate(table))
        pdf._out(f"q {paint} BT {size} {x * self.k:.2f} {(_PAGE_H - y) * self.k:.2f} Td ({encoded}) Tj ET Q")

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """The QR code of ``url`` as a ``size`` mm square with its top left at (x, y)."""
        modules, path = qr_path(url)
        scale = size / modules * self.k
        bottom = (_PAGE_H - y - size) * self.k
        self.pdf._out(f"q 0 g {scale:.4f} 0 0 {scale:.4f} {x * self.k:.2f} {bottom:.2f} cm {path} f Q")


class _Writer:
    """Lays out agenda pages on one FPDF document."""

    def __init__(
        self,
        event: Event,
        slots: list[Slot],
        names: Mapping[str, str],
        *,
        lang: str,
        changed: Changed,
        profiles: Mapping[str, Profile],
        organiser: bool,
        links: Mapping[str, str],
        booth: _BoothMap | None,
    ) -> None:
        from fpdf import FPDF

        self.pdf = pdf = FPDF(format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(_MARGIN, _MARGIN)
        pdf.add_font(_FONT, "", font_file())
        pdf.add_font(_FONT, "B", font_file(bold=True))
        pdf.set_title(f"Agenda - {event.name}")
        pdf.set_creator("ikm-matching")
        pdf.set_draw_color(200)
        self.c = _Canvas(pdf)
        self.event, self.names, self.lang = event, names, lang
        self.words = WORDS[lang]
        self.by_index = {s.index: s for s in slots}
        self.changed, self.profiles, self.organiser = changed, profiles, organiser
        self.links, self.booth = links, booth
        self.booth_used = False
        self.place = " - ".join(p for p in (long_date(event.date, lang, weekday=True), event.venue) if p)
        self.zone = zone_line(event.time_zone, lang)
        self.row_h = 15.0 if organiser else 11.0

    def page(self, participant: str, mine: list[Meeting]) -> None:
        c, words = self.c, self.words
        y = self.header(participant, continued=False)
        if not mine:
            c.set_font("", 11)
            c.text(_MARGIN, y + 6, words["none"])
            y += 12
        else:
            y = self.table_head(y)
        shown: set[str] = set()
        for m in mine:
            if y + self.row_h > _PAGE_H - _MARGIN:
                y = self.table_head(self.header(participant, continued=True))
            y = self.row(participant, m, y)
            kind = self.changed.get(m.pair)
            if kind in CHANGE_COLOURS:
                shown.add(str(kind))
        if mine:
            c.set_font("", 9)
            c.text(_MARGIN, y + 5, f"{len(mine)} {words['meetings']}", _GREY)
            y += 7
        if shown:
            y = self.legend(y, sorted(shown, reverse=True))
        tables = sorted({m.table for m in mine if m.table}, key=lambda t: (len(t), t))
        if self.booth is not None:
            self.booth_map(participant, tables, y)

    def header(self, participant: str, *, continued: bool) -> float:
        pdf, c, words = self.pdf, self.c, self.words
        pdf.add_page()
        text_w = _PAGE_W - 2 * _MARGIN - _QR_MM - 5
        c.set_font("B", 16)
        c.text(_MARGIN, _MARGIN + 6, c.fit(self.event.name, text_w))
        c.set_font("", 10)
        if self.place:
            c.text(_MARGIN, _MARGIN + 12.5, c.fit(self.place, text_w))
        c.text(_MARGIN, _MARGIN + 17.5, self.zone, _GREY)
        c.set_font("", 9)
        more = f" {words['continued']}" if continued else ""
        c.text(_MARGIN, _MARGIN + 25, words["agenda"] + more, _GREY)
        profile = self.profiles.get(participant)
        c.set_font("B", 13)
        who = f"{self.names.get(participant, participant)} ({participant})"
        c.text(_MARGIN, _MARGIN + 31, c.fit(who, text_w))
        y = _MARGIN + 33
        if profile is not None:
            c.set_font("", 9)
            c.text(_MARGIN, _MARGIN + 36.5, words[profile.kind], _GREY)
            y += 4
        link = self.links.get(participant)
        if link:
            right = _PAGE_W - _MARGIN
            c.qr(link, right - _QR_MM, _MARGIN - 3, _QR_MM)
            c.set_font("", 7)
            caption = words["scan"]
            c.text(right - c.width(caption), _MARGIN + 30, caption, _GREY)
        if self.organiser:
            c.set_font("B", 9)
            c.text(_MARGIN, y + 4.5, words["organiser"], (180, 20, 20))
            y += 6
        return y + 3

    def table_head(self, y: float) -> float:
        pdf, c, words = self.pdf, self.c, self.words
        pdf.set_fill_color(230, 230, 230)
        pdf.rect(_MARGIN, y, _PAGE_W - 2 * _MARGIN, 7, style="F")
        c.set_font("B", 9)
        c.text(_MARGIN + 1.5, y + 4.8, f"{words['time']} ({self.event.time_zone})")
        c.text(_MARGIN + 30, y + 4.8, words["table"])
        c.text(_MARGIN + 45, y + 4.8, words["counterpart"])
        return y + 7

    def row(self, participant: str, m: Meeting, y: float) -> float:
        pdf, c, words = self.pdf, self.c, self.words
        width = _PAGE_W - 2 * _MARGIN
        kind = self.changed.get(m.pair)
        marked = kind in CHANGE_COLOURS
        if marked:
            pdf.set_fill_color(*CHANGE_COLOURS[str(kind)])
            pdf.rect(_MARGIN, y, width, self.row_h, style="F")
        slot = self.by_index.get(m.slot) if m.slot is not None else None
        other = m.ikm if participant == m.buyer else m.buyer
        c.set_font("B", 10)
        c.text(_MARGIN + 1.5, y + 5, f"{slot.start:%H:%M}-{slot.end:%H:%M}" if slot else "--:--")
        tag_w = 0.0
        if marked:
            tag = words[str(kind)]
            c.set_font("B", 9)
            tag_w = c.width(tag) + 3
            c.text(_MARGIN + width - tag_w + 1.5, y + 5, tag)
        c.set_font("B", 12)
        c.text(_MARGIN + 30, y + 5.3, m.table or "-")
        c.set_font("B", 10)
        c.text(_MARGIN + 45, y + 5, c.fit(f"{self.names.get(other, other)} ({other})", width - 46.5 - tag_w))
        profile = self.profiles.get(other)
        if profile is not None:
            c.set_font("", 8.5)
            offer = profile.offer_in(self.lang)
            if offer:
                label = words["makes" if profile.kind == "ikm" else "needs"]
                c.text(_MARGIN + 45, y + 9, c.fit(f"{label}: {offer}", width - 46.5), _GREY)
            if self.organiser and profile.contacts:
                line = f"{words['contact']}: " + " · ".join(profile.contacts)
                c.text(_MARGIN + 45, y + 13, c.fit(line, width - 46.5), _GREY)
        pdf.line(_MARGIN, y + self.row_h, _MARGIN + width, y + self.row_h)
        return y + self.row_h

    def legend(self, y: float, kinds: Sequence[str]) -> float:
        pdf, c, words = self.pdf, self.c, self.words
        c.set_font("", 8.5)
        x = _MARGIN
        for kind in kinds:
            pdf.set_fill_color(*CHANGE_COLOURS[kind])
            pdf.rect(x, y + 1, 4, 4, style="F")
            text = f"{words[kind]}: {words[kind + '_note']}"
            c.text(x + 5.5, y + 4.3, text)
            x += 5.5 + c.width(text) + 8
        return y + 7

    def booth_map(self, participant: str, tables: list[str], y: float) -> None:
        pdf, c, booth, words = self.pdf, self.c, self.booth, self.words
        assert booth is not None
        if y + booth.height + 12 > _PAGE_H - _MARGIN:
            y = self.header(participant, continued=True)
        c.set_font("B", 10)
        mark = f"  ({words['your_tables']}: {', '.join(tables)})" if tables else ""
        c.text(_MARGIN, y + 6, c.fit(words["map"] + mark, _PAGE_W - 2 * _MARGIN))
        x0, y0 = _MARGIN, y + 9
        # embedded once: the first page gives the image, the others name it
        pdf.image(booth.key if self.booth_used else booth.image, x=x0, y=y0, w=booth.width, h=booth.height)
        self.booth_used = True
        pdf.set_fill_color(20, 20, 20)
        for table in tables:
            cell = booth.cells.get(table)
            if cell is None:
                continue
            x, top, w, h = cell
            pdf.rect(x0 + x, y0 + top, w, h, style="F")
            c.set_font("B", max(6.0, min(h * 1.6, 14.0)))
            c.text(x0 + x + w / 2 - c.width(table) / 2, y0 + top + h / 2 + h * 0.17, table, 255)


def write_agenda_pdf(
    path: Path,
    participants: Sequence[str],
    meetings: list[Meeting],
    slots: list[Slot],
    names: Mapping[str, str],
    *,
    event: Event,
    lang: str = "id",
    changed: Changed | None = None,
    profiles: Mapping[str, Profile] | None = None,
    organiser: bool = False,
    links: Mapping[str, str] | None = None,
    grouped: Mapping[str, list[Meeting]] | None = None,
) -> Path:
    """One page (more when the day is long) per participant, in ``lang`` ("id" or "en").

    ``links`` maps a participant to its agenda page (printed as a QR code); ``organiser`` adds contact
    details. ``grouped`` (:func:`meetings_by_participant` of ``meetings``) may be shared by the calls of one
    export.
    """
    writer = _Writer(
        event,
        slots,
        names,
        lang=lang,
        changed=changed or {},
        profiles=profiles or {},
        organiser=organiser,
        links=links or {},
        booth=_booth_map(event.booth_layout()),
    )
    grouped = grouped if grouped is not None else meetings_by_participant(meetings)
    for participant in participants:
        writer.page(participant, grouped.get(participant, []))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.pdf.output(str(path))
    return path


# -- several files of one export, in parallel -------------------------------------------------------------

PARALLEL_MIN_PARTICIPANTS = 200  # below this, starting processes costs more than it saves


def _write_one(
    path: Path, lang: str, organiser: bool, common: dict[str, Any], codes: Mapping[str, Code]
) -> Path:
    keep_codes(codes)
    return write_agenda_pdf(path, lang=lang, organiser=organiser, **common)


def start_agenda_pdfs(
    files: Sequence[tuple[Path, str, bool]],
    participants: Sequence[str],
    meetings: list[Meeting],
    slots: list[Slot],
    names: Mapping[str, str],
    *,
    event: Event,
    changed: Changed | None = None,
    profiles: Mapping[str, Profile] | None = None,
    links: Mapping[str, str] | None = None,
    grouped: Mapping[str, list[Meeting]] | None = None,
    codes: Mapping[str, Code] | None = None,
    workers: int | None = None,
    min_participants: int | None = None,
) -> Callable[[], list[Path]]:
    """Start writing several agenda PDFs, each (path, lang, organiser copy); call the result for the paths.

    With several files, several cores and at least ``min_participants`` participants (default
    :data:`PARALLEL_MIN_PARTICIPANTS`), a pool of ``workers`` processes (default: one per core, at most one
    per file) writes the files while the caller goes on with other exports. Otherwise the files are written
    one after the other when the result is called. Either way the files are the same.

    ``codes`` are QR codes of ``links`` already made (url -> :func:`qr_path`, e.g.
    :meth:`~matching.events.qr_codes.QrCodes.result`): they and those this process keeps are handed to the
    workers, which make only codes still missing (each worker its own, kept for its next file).
    """
    common: dict[str, Any] = {
        "participants": list(participants),
        "meetings": meetings,
        "slots": slots,
        "names": dict(names),
        "event": event,
        "changed": dict(changed or {}),
        "profiles": dict(profiles or {}),
        "links": dict(links or {}),
        "grouped": dict(grouped if grouped is not None else meetings_by_participant(meetings)),
    }
    known = dict(codes or {})
    known |= cached_codes(url for url in common["links"].values() if url not in known)
    size = min(len(files), workers or os.cpu_count() or 1)
    least = PARALLEL_MIN_PARTICIPANTS if min_participants is None else min_participants
    if size < 2 or len(participants) < least:
        return lambda: [_write_one(p, lang, org, common, known) for p, lang, org in files]
    from concurrent.futures import ProcessPoolExecutor

    # the codes go with each file's task, pickled by the pool's feeder thread: handed to a starting worker
    # (initargs) they would hold this thread until the worker reads them
    pool = ProcessPoolExecutor(size, mp_context=process_context())
    try:
        futures = [pool.submit(_write_one, p, lang, org, common, known) for p, lang, org in files]
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise

    def finish() -> list[Path]:
        try:
            return [future.result() for future in futures]
        finally:
            pool.shutdown()

    return finish
