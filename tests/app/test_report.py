"""The event report: figures of a small hand-made event with known answers, and the XLSX and PDF read back."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from matching import Engine, Settings, demo_data_dir
from matching.app.report import EventReport, compute_report, funnel_stage
from matching.app.report_files import report_tables, write_report_pdf, write_report_xlsx
from matching.catalogue.schema import IKM, Product
from matching.errors import ConfigError, NotFoundError
from matching.events.model import parse_event
from matching.events.repair import Changes
from matching.store.outcomes import Outcome

EVENT = parse_event(
    {
        "name": "Temu Bisnis Ketak Lombok",
        "date": "2027-05-04",
        "venue": "Gedung Sangkareang, Mataram",
        "time_zone": "WITA",
        "slot_minutes": 20,
        "sessions": [{"start": "09:00", "end": "10:00"}],
        "tables": 2,
        "min_meetings_per_ikm": 1,
        "buyers": ["B1", "B2", "B3"],
        "ikms": ["I1", "I2", "I3"],
    },
    "test",
)
IKMS = [
    IKM(ikm_id="I1", name="Ketak Nyurbaya", province="Nusa Tenggara Barat", regency="Lombok Barat"),
    IKM(ikm_id="I2", name="Rotan Gianyar", province="Bali", regency="Gianyar"),
    IKM(ikm_id="I3", name="Anyaman Sepi", province="Nusa Tenggara Barat", regency="Lombok Timur"),
]
PRODUCTS = [
    Product(product_id="P1", ikm_id="I1", name="Tas ketak", material="ketak"),
    Product(product_id="P2", ikm_id="I1", name="Nampan", material="Bambu"),
    Product(product_id="P3", ikm_id="I1", name="Tas kecil", material="ketak"),
    Product(product_id="P4", ikm_id="I2", name="Kursi", material="rotan"),
    Product(product_id="P5", ikm_id="I3", name="Tikar"),
]


def _meeting(start: str, table: str, buyer: str, ikm: str) -> dict[str, str]:
    return {"slot_start": start, "slot_end": "", "table": table, "buyer_id": buyer, "ikm_id": ikm}


MEETINGS = [
    _meeting("09:00", "1", "B1", "I1"),
    _meeting("09:00", "2", "B2", "I2"),
    _meeting("09:20", "1", "B2", "I1"),
    _meeting("09:20", "2", "B1", "I2"),
    _meeting("09:40", "2", "B3", "I2"),
    _meeting("", "", "B3", "I1"),  # not placed: not counted
]
WHEN = dt.datetime(2027, 5, 4, 1, 30, tzinfo=dt.UTC)


def _outcome(buyer: str, ikm: str, day: str | None, followup: str | None = None) -> Outcome:
    return Outcome("e", buyer, ikm, 1, "weights", 0.5, day, followup, None, WHEN, WHEN)


OUTCOMES = [
    _outcome("B1", "I1", "deal_agreed"),  # deal
    _outcome("B2", "I1", "cooperation_possible", "negotiation_started"),  # sample/order
    _outcome("B1", "I2", "insufficient_interest"),  # held
    _outcome("B3", "I2", "not_held"),  # rated, not held
    _outcome("B2", "I2", "deal_agreed", "no_further_contact"),  # interest: the deal fell through
    _outcome("B3", "I1", None, "agreement_reached"),  # not in the plan in force: left out
]


def _report(**overrides: object) -> EventReport:
    values: dict[str, object] = {
        "event_id": "e",
        "plan_no": 2,
        "plan_kind": "reschedule",
        "plan_created_at": WHEN,
        "meetings": MEETINGS,
        "outcomes": OUTCOMES,
        "buyers": ["B1", "B2", "B3"],
        "ikms": IKMS,
        "products": PRODUCTS,
        "floor_notes": {"I3": "no buyer of the event lists this IKM among its candidates"},
        "changes": Changes(no_shows=["B3"]),
        "check_ins": {"B1": "arrived", "B2": "late", "I1": "arrived", "I2": "absent"},
        **overrides,
    }
    return compute_report(EVENT, **values)  # type: ignore[arg-type]


def test_meetings_per_ikm_their_distribution_and_who_sits_at_the_floor() -> None:
    report = _report()
    assert report.scheduled == 5
    assert [(i.ikm_id, i.meetings) for i in report.per_ikm] == [("I3", 0), ("I1", 2), ("I2", 3)]
    assert report.distribution == [(0, 1), (1, 0), (2, 1), (3, 1)]
    assert report.floor == 1
    (lonely,) = report.at_floor
    assert lonely.ikm_id == "I3" and lonely.below_floor
    assert lonely.note == "no buyer of the event lists this IKM among its candidates"
    assert [i.absent for i in report.per_ikm] == [False, False, True]  # I2 checked in as absent


def test_meetings_per_province_and_per_material() -> None:
    report = _report()
    assert report.per_province == [("Bali", 3), ("Nusa Tenggara Barat", 2)]
    # I1 makes ketak (twice) and bamboo: its 2 meetings count once under each material
    assert report.per_material == [("rotan", 3), ("bambu", 2), ("ketak", 2)]


def test_attendance_counts_no_shows_and_check_ins() -> None:
    buyers, ikms, everyone = _report().attendance
    assert (buyers.participants, buyers.arrived, buyers.late, buyers.absent) == (3, 1, 1, 1)
    assert buyers.check_in_rate == pytest.approx(2 / 3)
    assert buyers.no_show_rate == pytest.approx(1 / 3)
    assert (ikms.participants, ikms.arrived, ikms.late, ikms.absent, ikms.not_recorded) == (3, 1, 0, 1, 1)
    assert (everyone.participants, everyone.absent) == (6, 2)


def test_without_check_ins_only_no_shows_count() -> None:
    buyers, _, everyone = _report(check_ins=None).attendance
    assert not buyers.check_ins_known
    assert (buyers.absent, buyers.arrived, buyers.not_recorded) == (1, 0, 0)
    assert buyers.check_in_rate is None
    assert everyone.no_show_rate == pytest.approx(1 / 6)


def test_a_check_in_outside_the_scale_names_the_participant() -> None:
    with pytest.raises(ConfigError, match=r"'B1'.*'here'"):
        _report(check_ins={"B1": "here"})


def test_outcomes_funnel_and_deals_by_province() -> None:
    report = _report()
    assert report.funnel == [
        ("scheduled", 5),
        ("rated", 5),
        ("held", 4),
        ("interest", 3),
        ("sample_order", 2),
        ("deal", 1),
    ]
    assert report.rated == 5
    assert report.deals_by_province == [("Nusa Tenggara Barat", 1)]


@pytest.mark.parametrize(
    ("day", "followup", "stage"),
    [
        (None, None, 0),
        ("not_held", None, 0),
        ("not_held", "no_further_contact", 0),
        ("insufficient_interest", None, 1),
        ("insufficient_interest", "no_further_contact", 1),
        (None, "negotiation_started", 3),
        ("cooperation_possible", None, 2),
        ("cooperation_possible", "no_further_contact", 2),
        ("deal_agreed", "no_further_contact", 2),
        ("insufficient_interest", "negotiation_started", 3),
        ("deal_agreed", None, 4),
        ("deal_agreed", "negotiation_started", 4),
        ("not_held", "agreement_reached", 4),
    ],
)
def test_funnel_stage_follows_the_two_stage_scale(day: str | None, followup: str | None, stage: int) -> None:
    assert funnel_stage(day, followup) == stage


def test_walk_ins_join_the_participants() -> None:
    report = _report(changes=Changes(new_buyers=["B9"], new_ikms=["I9"]), check_ins=None)
    assert report.attendance[0].participants == 4
    assert "I9" in {i.ikm_id for i in report.per_ikm}


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(tmp_path: Path) -> None:
    path = write_report_xlsx(_report(), tmp_path / "report.xlsx")
    book = load_workbook(path)
    titles = [t.title for t in report_tables(_report())]
    assert book.sheetnames == titles
    assert len(titles) == 8
    per_province = book["Pertemuan per provinsi"]
    assert [c.value for c in per_province[1]] == ["Provinsi", "Pertemuan"]
    assert per_province["A1"].font.b
    assert per_province.freeze_panes == "A2"
    assert [(r[0].value, r[1].value) for r in per_province.iter_rows(min_row=2)] == [
        ("Bali", 3),
        ("Nusa Tenggara Barat", 2),
    ]
    assert per_province.column_dimensions["A"].width >= len("Nusa Tenggara Barat")
    attendance = book["Kehadiran"]
    assert attendance["G2"].value == pytest.approx(2 / 3)
    assert attendance["G2"].number_format == "0.0%"
    funnel = book["Corong hasil pertemuan"]
    assert [r[1].value for r in funnel.iter_rows(min_row=2)] == [5, 5, 4, 3, 2, 1]
    english = load_workbook(write_report_xlsx(_report(), tmp_path / "report-en.xlsx", "en"))
    assert "Outcomes funnel" in english.sheetnames


def _pdf_text(path: Path) -> str:
    """The text drawn in a PDF: its content streams, inflated."""
    data = path.read_bytes()
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            parts.append(stream.decode("latin-1"))
    return "".join(parts)


def test_pdf_report_for_the_ministry(tmp_path: Path) -> None:
    path = write_report_pdf(_report(), tmp_path / "report.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = _pdf_text(path)
    shown_texts = ("Temu Bisnis Ketak Lombok", "Gedung Sangkareang, Mataram", "Zona waktu: WITA", "UTC+8")
    for shown in (*shown_texts, "Corong hasil"):
        assert shown in text
    assert text.count(" re f") >= 5  # the bars are filled rectangles
    english = _pdf_text(write_report_pdf(_report(), tmp_path / "report-en.pdf", "en"))
    assert "Outcomes funnel" in english and "Deals by province" in english


def test_an_event_with_nothing_rated_still_reports(tmp_path: Path) -> None:
    report = _report(outcomes=[], changes=None, check_ins=None, meetings=[])
    assert report.funnel[0] == ("scheduled", 0) and report.deals_by_province == []
    assert report.distribution == [(0, 3)]
    assert write_report_pdf(report, tmp_path / "empty.pdf").stat().st_size > 0
    assert write_report_xlsx(report, tmp_path / "empty.xlsx").stat().st_size > 0


# -- a stored event, through the facade ---------------------------------------------------------------------

DEMO_ID = "temu-bisnis-anyaman-ntb-2027"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    home = tmp_path_factory.mktemp("report-home")
    engine = Engine(Settings(home=home, encoder="hashing", ranker="weights"))
    engine.import_demo()
    engine.events.create((demo_data_dir() / "event.yaml").read_text(encoding="utf-8"))
    yield engine
    engine.close()


def test_a_stored_event_reports_its_newest_plan(demo: Engine) -> None:
    with pytest.raises(NotFoundError, match="no plan"):
        demo.event_report(DEMO_ID)
    demo.events.plan(DEMO_ID, time_limit=2)
    first = demo.events.meetings(DEMO_ID)
    absent = first[-1]["ikm_id"]
    demo.events.record_outcome(DEMO_ID, first[0]["buyer_id"], first[0]["ikm_id"], day_outcome="deal_agreed")
    demo.events.reschedule(DEMO_ID, f"no_shows: [{absent}]\n")
    assert demo.events.changes(DEMO_ID) == Changes(no_shows=[absent])
    assert demo.events.changes(DEMO_ID, 1) is None

    report = demo.event_report(DEMO_ID, check_ins={first[0]["buyer_id"]: "arrived"})
    placed = [m for m in demo.events.meetings(DEMO_ID) if m["slot_start"]]
    assert report.plan_no == 2
    assert report.scheduled == len(placed) == report.funnel[0][1]
    assert sum(n for _, n in report.distribution) == len(report.per_ikm) == 60
    assert sum(i.meetings for i in report.per_ikm) == report.scheduled
    assert sum(n for _, n in report.per_province) == report.scheduled
    assert report.attendance[1].absent == 1 and report.attendance[0].arrived == 1
    assert next(i for i in report.per_ikm if i.ikm_id == absent).absent
    assert report.funnel[-1][1] <= 1


def test_the_report_reads_the_check_ins_of_the_event_day(demo: Engine) -> None:
    if not demo.events.plans(DEMO_ID):
        demo.events.plan(DEMO_ID, time_limit=2)
    assert not demo.event_report(DEMO_ID).check_ins_known  # none recorded yet: no-shows only
    buyer = demo.events.meetings(DEMO_ID)[0]["buyer_id"]
    demo.events.day.check_in(DEMO_ID, buyer, "late", who="Panitia")
    report = demo.event_report(DEMO_ID)
    assert report.check_ins_known and report.attendance[0].late == 1
