"""Planning the demo event end to end: match list, schedule, checker and every export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matching import Engine, Settings, demo_data_dir
from matching.app.planning import PlanResult, plan_event, write_exports
from matching.events.model import load_event
from matching.ranking.pair_scores import candidate_pairs

EVENT = demo_data_dir() / "event.yaml"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanResult, Path]:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("home"), encoder="hashing", ranker="weights"))
    engine.import_demo()
    result = plan_event(load_event(EVENT), engine, engine.participants(), time_limit=3)
    out = tmp_path_factory.mktemp("exports")
    write_exports(result, out)
    return result, out


def test_plan_is_valid_and_near_optimal(planned: tuple[PlanResult, Path]) -> None:
    result, _ = planned
    event = result.event
    assert result.violations == []
    assert result.meetings and not result.schedule.unplaced
    assert result.match.objective >= 0.99 * result.match.lp_bound
    kinds = event.preference_kinds()
    pairs = {m.pair for m in result.meetings}
    assert not {p for p, k in kinds.items() if k == "no_thanks"} & pairs
    assert {p for p, k in kinds.items() if k == "must_meet"} <= pairs
    for fixed in event.fixed_meetings:
        (meeting,) = [m for m in result.meetings if m.pair == (fixed.buyer, fixed.ikm)]
        assert (meeting.slot, meeting.table) == (event.fixed_slot(fixed).index, fixed.table_name)
    counts = {i: 0 for i in result.ikms}
    for m in result.meetings:
        counts[m.ikm] += 1
    assert min(counts.values()) >= event.min_meetings_per_ikm


def test_exports(planned: tuple[PlanResult, Path]) -> None:
    result, out = planned
    with (out / "meetings.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["slot_start", "slot_end", "table", "buyer_id", "ikm_id", "score", "reason"]
    assert len(rows) == len(result.meetings)
    with (out / "scores.csv").open() as handle:
        scores = list(csv.DictReader(handle))
    assert len(scores) == len(result.scores) and list(scores[0]) == ["buyer_id", "ikm_id", "score", "reason"]
    assert all(row["reason"] for row in scores)
    assert (out / "master-grid.xlsx").stat().st_size > 0
    assert (out / "agendas-id.pdf").read_bytes().startswith(b"%PDF")
    buyer = result.buyers[0]
    indonesian = (out / "agendas" / f"{buyer}-id.txt").read_text()
    english = (out / "agendas" / f"{buyer}-en.txt").read_text()
    assert "Agenda untuk" in indonesian and "Maret" in indonesian and "Meja" in indonesian
    assert "Agenda for" in english and "March" in english
    mine = [m for m in result.meetings if buyer in m.pair]
    assert sum(line[:1].isdigit() and " WITA  Meja " in line for line in indonesian.splitlines()) == len(mine)
    assert "Semua waktu dalam WITA (UTC+8)" in indonesian
    assert all(f"({m.ikm})" in indonesian for m in mine)
    ics = (out / "calendars" / f"{buyer}.ics").read_text()
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == sum(
        m.buyer == buyer for m in result.meetings
    )


def test_every_ikm_gets_candidate_buyers(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path, encoder="hashing", ranker="weights"))
    engine.import_demo()
    event = load_event(EVENT)
    buyers, ikms = list(event.buyers)[:8], list(event.ikms)
    stored = {b.buyer_id: b for b in engine.store.buyers()}
    chosen = [stored[b] for b in buyers]
    own, _ = candidate_pairs(engine.searcher(), engine.encode_buyers(chosen), ikms, top=5, per_ikm=0)
    scores, reasons = candidate_pairs(engine.searcher(), engine.encode_buyers(chosen), ikms, top=5, per_ikm=2)
    assert set(own) <= set(scores) and set(reasons) == set(scores)
    added = set(scores) - set(own)
    per_ikm = {i: sum(p[1] == i for p in scores) for i in ikms}
    assert min(per_ikm.values()) >= 2
    share = 2 * -(-sum(max(0, 2 - sum(p[1] == i for p in own)) for i in ikms) // len(buyers))
    assert max(sum(p[0] == b for p in added) for b in buyers) <= max(1, share)  # spread
    # added pairs carry the score the buyer's ranking over all the event's IKMs gives them
    records = {b.buyer_id: b for b in engine.store.buyers()}
    searcher = engine.searcher()
    for b in buyers:
        full = {m.ikm_id: m.score for m in searcher.score(engine.buyer_needs(records[b]), ikms)}
        for pair in (p for p in added if p[0] == b):
            assert scores[pair] == round(max(full[pair[1]], 0.0) + 1e-3, 6)
    engine.close()


def test_exports_never_crash_on_control_characters_stored_earlier(tmp_path: Path) -> None:
    """Regression: text with control characters stored before imports refused them made the master grid
    raise openpyxl's IllegalCharacterError halfway through the exports."""
    from matching.catalogue.report import ValidatedBatch
    from matching.catalogue.schema import Entity

    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    event = load_event(EVENT)
    met = plan_event(event, engine, engine.participants(), time_limit=3).meetings[0].ikm
    ikm = next(i for i in engine.store.ikms() if i.ikm_id == met)
    dirty = ikm.model_copy(update={"name": "Rotan\x0bJaya\x01 Sejahtera"})
    batch = ValidatedBatch()
    batch.records[Entity.IKMS].append(dirty)
    engine.store.write(batch)
    result = plan_event(event, engine, engine.participants(), time_limit=3)
    assert result.names[met] == "Rotan\x0bJaya\x01 Sejahtera" and any(m.ikm == met for m in result.meetings)
    written = write_exports(result, tmp_path / "out")
    assert (tmp_path / "out" / "master-grid.xlsx") in written
    engine.close()


def test_exports_of_a_hostile_stored_id_stay_inside_the_folder(tmp_path: Path) -> None:
    """Regression: a buyer id such as ../../x/PWN made `event plan` write agenda and calendar files outside
    the output folder. Ids are refused at import now; a file name is made safe whatever the store holds."""
    from matching.catalogue.report import ValidatedBatch
    from matching.catalogue.schema import Buyer, Entity

    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    buyer = engine.store.buyers()[0]
    hostile = Buyer.model_construct(**{**buyer.model_dump(), "buyer_id": "../../x/PWN"})  # skips validation
    batch = ValidatedBatch()
    batch.records[Entity.BUYERS].append(hostile)
    engine.store.write(batch)
    event = load_event(EVENT).model_copy(update={"buyers": "all"})
    result = plan_event(event, engine, engine.participants(), time_limit=3)
    assert "../../x/PWN" in result.buyers
    out = tmp_path / "deep" / "out"
    written = write_exports(result, out)
    assert all(path.resolve().is_relative_to(out.resolve()) for path in written)
    assert not (tmp_path / "deep" / "x").exists() and not (tmp_path / "x").exists()
    engine.close()


def test_changed_meetings_are_highlighted_in_agendas_and_grid(
    planned: tuple[PlanResult, Path], tmp_path: Path
) -> None:
    """write_exports(changed=...) marks moved/added meetings (a marker and a colour); default: none."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    result, plain = planned
    moved, added = result.meetings[0], result.meetings[1]
    changed = {moved.pair: "moved", added.pair: "added"}
    out = tmp_path / "changed"
    write_exports(result, out, changed=changed)

    text = (out / "agendas" / f"{moved.buyer}-id.txt").read_text()
    (line,) = [row for row in text.splitlines() if f"({moved.ikm})" in row]
    assert line.endswith("*DIPINDAH*")
    english = (out / "agendas" / f"{added.ikm}-en.txt").read_text()
    (line,) = [row for row in english.splitlines() if f"({added.buyer})" in row]
    assert line.endswith("*NEW*")
    assert "DIPINDAH" not in (plain / "agendas" / f"{moved.buyer}-id.txt").read_text()

    sheets = load_workbook(out / "master-grid.xlsx").worksheets
    cells = {c.value: c for s in sheets for row in s.iter_rows() for c in row if isinstance(c.value, str)}
    marked = {v: c for v, c in cells.items() if v.endswith(("\nDIPINDAH", "\nBARU")) and "(" in v}
    assert len(marked) == 2
    for value, cell in marked.items():
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb != "00000000"
        assert (f"({moved.ikm})" in value) == value.endswith("DIPINDAH")
    plain_sheets = load_workbook(plain / "master-grid.xlsx").worksheets
    assert not any(
        isinstance(c.value, str) and "DIPINDAH" in c.value
        for s in plain_sheets
        for row in s.iter_rows()
        for c in row
    )

    pdf = "\n".join(page.extract_text() for page in PdfReader(out / "agendas-id.pdf").pages)
    # each meeting is on two agendas: a tag on its row and the legend below
    assert pdf.count("DIPINDAH: waktu atau meja berubah") == 2 and pdf.count("DIPINDAH") == 4
    assert pdf.count("BARU: pertemuan baru") == 2 and pdf.count("BARU") == 4


def test_each_qr_code_is_made_once_per_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With an agenda link, plan_event makes the codes in a background process and the four PDFs, written by
    two worker processes, print them without making any again; a later export (a re-schedule in the same
    process) finds them kept. Calls are counted in a file, which every forked process appends to."""
    import multiprocessing
    from dataclasses import replace
    from urllib.parse import quote

    from pypdf import PdfReader

    from matching.events import agenda_pdf, qr_codes

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("counts the calls of forked processes")
    fork = multiprocessing.get_context("fork")  # even beside a progress bar's thread left by another test
    monkeypatch.setattr(qr_codes, "process_context", lambda: fork)
    monkeypatch.setattr(agenda_pdf, "process_context", lambda: fork)
    calls = tmp_path / "calls.txt"
    make = qr_codes._make_qr

    def counted(url: str) -> tuple[int, str]:
        with calls.open("a", encoding="utf-8") as handle:
            handle.write(url + "\n")
        return make(url)

    monkeypatch.setattr(qr_codes, "_make_qr", counted)
    monkeypatch.setattr(qr_codes, "_QR", {})
    monkeypatch.setattr(qr_codes, "BACKGROUND_MIN_LINKS", 1)
    monkeypatch.setattr(agenda_pdf, "PARALLEL_MIN_PARTICIPANTS", 1)  # a pool of workers, as for a big event
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    link = "http://venue.example:8000/events/demo-2027/agenda/"
    result = plan_event(load_event(EVENT), engine, engine.participants(), time_limit=3, agenda_link=link)
    people = [*result.buyers, *result.ikms]
    urls = [link + quote(p, safe="") for p in people]
    assert result.agenda_link == link and len(people) == 80
    write_exports(result, tmp_path / "out")
    assert sorted(calls.read_text().splitlines()) == sorted(urls)
    for name in ("agendas-id.pdf", "agendas-organiser-en.pdf"):
        first = PdfReader(tmp_path / "out" / name).pages[0].get_contents()
        assert first is not None and qr_codes.qr_path(urls[0])[1].encode() in first.get_data()

    calls.write_text("")
    again = replace(result, qr_codes=None)  # as a re-schedule's plan: the same links, no codes of its own
    write_exports(again, tmp_path / "again")
    assert calls.read_text() == ""
    engine.close()
