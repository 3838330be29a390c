"""Engine problem lines in the page's language (:mod:`service.web.messages`): every pattern, the import
validator's and the event checker's real problems, and the import page in Indonesian."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.catalogue.ingest import validate_tables
from matching.catalogue.readers import read_tables
from matching.catalogue.report import cap_issues
from matching.common.yaml_files import DataFileError
from service import create_app
from service.deps import COOKIE
from service.web.messages import PATTERNS, problem
from tests.helpers import IKM_HEADER, IKM_ROWS, PRODUCT_HEADER, PRODUCT_ROWS, write_csv

# (the engine's line, its Indonesian rendering): at least one per pattern
EXAMPLES = [
    ("required field 'name' is empty", "kolom wajib 'name' kosong"),
    (
        "required column 'ikm_id' is missing (accepted headers: ikm_id, id_ikm, kode_ikm)",
        "kolom wajib 'ikm_id' tidak ada (judul kolom yang diterima: ikm_id, id_ikm, kode_ikm)",
    ),
    (
        "two columns mean 'name' (column 2 and 5); keep one",
        "dua kolom berarti 'name' (kolom 2 dan 5); pertahankan satu saja",
    ),
    ("control character (TAB) in an id; remove it", "ada karakter kendali (TAB) dalam ID; hapuslah"),
    ("control character(s) TAB removed", "karakter kendali TAB dihapus"),
    (
        "cell too long (5,000 characters; at most 2,000)",
        "isi sel terlalu panjang (5,000 karakter; paling banyak 2,000)",
    ),
    ("duplicate ikm_id; first seen at ikms.csv row 2", "ikm_id ganda; pertama muncul di ikms.csv baris 2"),
    (
        "ikm_id matches no IKM in this import or in the database",
        "ikm_id tidak cocok dengan IKM mana pun, di impor ini maupun di basis data",
    ),
    ("its IKM (ikms.csv row 3) was rejected", "IKM-nya (ikms.csv baris 3) ditolak"),
    ("OVOP stars must be a whole number from 0 to 5", "bintang OVOP harus bilangan bulat dari 0 sampai 5"),
    (
        "unknown province 'Jabar'; did you mean 'Jawa Barat'?",
        "provinsi 'Jabar' tidak dikenal; maksud Anda 'Jawa Barat'?",
    ),
    (
        "unknown province 'Atlantis'; use one of the 38 provinces",
        "provinsi 'Atlantis' tidak dikenal; gunakan salah satu dari 38 provinsi",
    ),
    ("the digit groups do not form a number", "kelompok digit tidak membentuk angka"),
    ("a separator stands without digits beside it", "ada pemisah tanpa digit di sampingnya"),
    ("expected a number, not a yes/no value", "seharusnya angka, bukan nilai ya/tidak"),
    ("the cell is empty", "sel kosong"),
    ("not a number", "bukan angka"),
    ("unknown unit word 'lusin'", "satuan 'lusin' tidak dikenal"),
    ("must not be negative", "tidak boleh negatif"),
    ("too large (at most 1,000,000,000)", "terlalu besar (paling banyak 1,000,000,000)"),
    ("must be a whole number", "harus bilangan bulat"),
    ("not a valid e-mail address", "alamat e-mail tidak valid"),
    ("Value error, not a valid id: use letters ...", None),
    (
        "ikms.csv: not UTF-8 (byte 12); read as Windows-1252. Save as 'CSV UTF-8' to be sure.",
        "ikms.csv: bukan UTF-8 (byte ke-12); dibaca sebagai Windows-1252. "
        "Simpan sebagai 'CSV UTF-8' agar pasti.",
    ),
    (
        "data.xlsx: sheet(s) Notes hold no known entity; skipped",
        "data.xlsx: lembar Notes tidak berisi jenis data yang dikenal; dilewati",
    ),
    ("and 1,234 more problems of other kinds", "dan 1,234 masalah lain dari jenis lain"),
    (
        "and 40 more 'not a number' in column 'price_idr'",
        "dan 40 lagi seperti 'bukan angka' di kolom 'price_idr'",
    ),
    ("and 3 more 'must be a whole number'", "dan 3 lagi seperti 'harus bilangan bulat'"),
    ("Field required", "wajib diisi"),
    ("Input should be less than or equal to 5", "paling besar 5"),
    ("Input should be greater than or equal to 1", "paling kecil 1"),
    ("Input should be less than 100", "harus kurang dari 100"),
    ("Input should be greater than 0", "harus lebih dari 0"),
    ("String should have at most 120 characters", "paling banyak 120 karakter"),
    ("String should have at least 1 character", "paling sedikit 1 karakter"),
    ("Input should be a valid integer, unable to parse string as an integer", "harus bilangan bulat"),
    ("Input should be a valid number, unable to parse string as a number", "harus angka"),
    ("Input should be a valid string", "harus berupa teks"),
    ("Input should be a valid list", "harus berupa daftar"),
    ("Input should be a valid date or datetime, invalid character", "harus tanggal (TTTT-BB-HH)"),
    ("Input should be a valid time format", "harus jam (JJ:MM)"),
    ("Input should be a valid boolean, unable to interpret input", "harus ya atau tidak (true/false)"),
    ("Input should be 'WIB', 'WITA' or 'WIT'", "harus salah satu dari 'WIB', 'WITA' atau 'WIT'"),
    ("Extra inputs are not permitted", "isian ini tidak dikenal"),
    (
        "buyers: 2 unknown id(s) (value: ['B998', 'B999'])",
        "buyers: 2 ID tidak dikenal (nilai: ['B998', 'B999'])",
    ),
    (
        "availability.X1: not a buyer or IKM of this event (value: X1)",
        "availability.X1: bukan pembeli atau IKM acara ini (nilai: X1)",
    ),
    (
        "preferences[0].buyer: not a buyer of this event (value: B9)",
        "preferences[0].buyer: bukan pembeli acara ini (nilai: B9)",
    ),
    (
        "preferences[0].ikm: not an IKM of this event (value: I9)",
        "preferences[0].ikm: bukan IKM acara ini (nilai: I9)",
    ),
    (
        "tables: ikm_fixed_tables needs one table per IKM (12 IKMs) (value: 10)",
        "tables: ikm_fixed_tables butuh satu meja per IKM (12 IKM) (nilai: 10)",
    ),
    (
        "sessions[1]: overlaps sessions[0] (09:00-12:00) (value: 11:00-13:00)",
        "sessions[1]: bertumpang tindih dengan sessions[0] (09:00-12:00) (nilai: 11:00-13:00)",
    ),
    (
        "breaks[0]: a break must lie inside one session (value: 12:00-13:00)",
        "breaks[0]: jeda harus berada di dalam satu sesi (nilai: 12:00-13:00)",
    ),
    (
        "slot_minutes: no whole slot fits in the sessions outside breaks (value: 90)",
        "slot_minutes: tidak ada slot utuh yang muat di sesi, di luar jeda (nilai: 90)",
    ),
    (
        "min_meetings_per_ikm: is more than max_meetings_per_ikm (3) (value: 4)",
        "min_meetings_per_ikm: lebih dari max_meetings_per_ikm (3) (nilai: 4)",
    ),
    (
        "min_meetings_per_ikm: is more than the 9 slots of the day (value: 10)",
        "min_meetings_per_ikm: lebih dari 9 slot dalam sehari (nilai: 10)",
    ),
    (
        "availability.B001: covers no whole slot (value: 12:00-12:10)",
        "availability.B001: tidak mencakup satu slot pun secara utuh (nilai: 12:00-12:10)",
    ),
    ("booth_map.Z9: no such table (value: Z9)", "booth_map.Z9: meja ini tidak ada (nilai: Z9)"),
    (
        "fixed_meetings[0].table: no such table (tables: 1, 2, 3) (value: 9)",
        "fixed_meetings[0].table: meja ini tidak ada (meja yang ada: 1, 2, 3) (nilai: 9)",
    ),
    (
        "booth_map.B: table A already stands at row 1, column 2 (value: 1,2)",
        "booth_map.B: meja A sudah berada di baris 1, kolom 2 (nilai: 1,2)",
    ),
    (
        'buyers: the list is empty (write "all" for everyone) (value: [])',
        'buyers: daftar kosong (tulis "all" untuk semua peserta) (nilai: [])',
    ),
    ("ikms: ids repeat (value: ['I0001'])", "ikms: ada ID yang berulang (nilai: ['I0001'])"),
    (
        "preferences[2].kind: B001-I0003 is already must_meet in preferences[0] (value: no_thanks)",
        "preferences[2].kind: B001-I0003 sudah must_meet di preferences[0] (nilai: no_thanks)",
    ),
    (
        "fixed_meetings[0].start: is not a slot start; nearest: 09:00, 09:20 (value: 09:05)",
        "fixed_meetings[0].start: bukan awal slot; yang terdekat: 09:00, 09:20 (nilai: 09:05)",
    ),
    (
        "fixed_meetings[0]: this pair is marked no_thanks (value: B001-I0003)",
        "fixed_meetings[0]: pasangan ini ditandai no_thanks (tidak berminat) (nilai: B001-I0003)",
    ),
    (
        "fixed_meetings[1]: I0003 is not available at 13:00-13:20 (value: 13:00)",
        "fixed_meetings[1]: I0003 tidak hadir pada 13:00-13:20 (nilai: 13:00)",
    ),
    (
        "fixed_meetings[1]: I0003 already meets in fixed_meetings[0] (value: 09:00)",
        "fixed_meetings[1]: I0003 sudah bertemu di fixed_meetings[0] (nilai: 09:00)",
    ),
    (
        "fixed_meetings[1].table: already used at 09:00-09:20 by fixed_meetings[0] (value: 1)",
        "fixed_meetings[1].table: sudah dipakai pada 09:00-09:20 oleh fixed_meetings[0] (nilai: 1)",
    ),
    (
        "event: the file must hold a mapping of fields (value: hello)",
        "event: file harus berisi pasangan kolom dan nilai (nilai: hello)",
    ),
    (
        "file: use a .yaml, .yml or .json file (value: .txt)",
        "file: gunakan file .yaml, .yml atau .json (nilai: .txt)",
    ),
    (
        "file: not valid YAML (mapping values are not allowed here)",
        "file: bukan YAML yang valid (mapping values are not allowed here)",
    ),
    ("file: cannot be read (permission denied)", "file: tidak dapat dibaca (permission denied)"),
    (
        "tables: a table is a table number or a table name (value: {})",
        "tables: meja ditulis sebagai nomor meja atau nama meja (nilai: {})",
    ),
    (
        "buyers: every id in buyers must be a non-empty text (value: [''])",
        "buyers: setiap ID di buyers harus berupa teks yang tidak kosong (nilai: [''])",
    ),
    (
        'ikms: ikms must be "all" or a list of ids (value: 3)',
        'ikms: ikms harus "all" atau daftar ID (nilai: 3)',
    ),
    (
        "tables: tables must be a number of tables or a list of table names (value: x)",
        "tables: tables harus berupa jumlah meja atau daftar nama meja (nilai: x)",
    ),
    ("tables: tables must be at least 1 (value: 0)", "tables: tables paling sedikit 1 (nilai: 0)"),
    (
        "tables: every table name must be a non-empty text or number (value: [''])",
        "tables: setiap nama meja harus berupa teks atau angka yang tidak kosong (nilai: [''])",
    ),
    ("tables: the list of table names is empty (value: [])", "tables: daftar nama meja kosong (nilai: [])"),
    (
        "tables: table names repeat: A, B (value: [A, A, B, B])",
        "tables: nama meja berulang: A, B (nilai: [A, A, B, B])",
    ),
    ("event 'temu-2027' does not exist", "acara 'temu-2027' tidak ada"),
    ("product 'P009' does not exist", "produk 'P009' tidak ada"),
    (
        "event 'temu' has no plan yet; plan it first",
        "acara 'temu' belum punya rencana; susun rencananya dulu",
    ),
    ("event 'temu' has no plan 4 (plans: 1..2)", "acara 'temu' tidak punya rencana 4 (rencana: 1..2)"),
    ("plan of event 'temu' has no file 'x.pdf'", "rencana acara 'temu' tidak punya file 'x.pdf'"),
]


@pytest.mark.parametrize(("english", "indonesian"), EXAMPLES)
def test_each_known_line_reads_in_indonesian(english: str, indonesian: str | None) -> None:
    rendered = problem(english, "id")
    assert rendered != english
    if indonesian is not None:
        assert rendered == indonesian
    assert problem(english, "en") == english  # English pages show the engine's line as it is


def test_every_pattern_has_an_example() -> None:
    lines = [e for e, _ in EXAMPLES]
    messages = lines + [m.split(": ", 1)[1].rsplit(" (value: ", 1)[0] for m in lines if ": " in m]
    unused = [p for p, _ in PATTERNS if not any(re.fullmatch(p, m) for m in messages)]
    assert unused == []


def test_an_unknown_line_falls_back_to_the_original() -> None:
    assert problem("the moon is made of cheese", "id") == "the moon is made of cheese"
    assert problem("x.y: a brand new check (value: 3)", "id") == "x.y: a brand new check (value: 3)"


def _indonesian(line: str) -> bool:
    return problem(line, "id") != line


def test_every_problem_of_the_import_validator_for_bad_rows_has_an_indonesian_rendering(
    tmp_path: Path,
) -> None:
    good = IKM_ROWS[0]
    bad_ikms = [
        IKM_HEADER,
        good,
        ["", *good[1:]],  # empty id
        ["I 0002\t", *good[1:]],  # control character in an id
        ["I0003", "", *good[2:]],  # required name empty
        ["I0004", "UD Satu", "Jabar", *good[3:]],  # province with a hint
        ["I0005", "UD Dua", "Atlantis", *good[3:]],  # unknown province
        ["I0006", "UD Tiga", *good[2:5], "7", *good[6:]],  # OVOP stars out of range
        ["I0007", "UD Empat", *good[2:6], "banyak", *good[7:]],  # capacity not a number
        ["I0008", "UD Lima", *good[2:6], "-5", *good[7:]],  # negative
        ["I0009", "UD Enam", *good[2:6], "12.5", *good[7:]],  # not whole
        ["I0010", "UD Tujuh", *good[2:6], "99999999999999", *good[7:]],  # too large
        ["I0011", "UD Delapan", *good[2:6], "1.2.3,4", *good[7:]],  # digit groups
        ["I0012", "UD Sembilan", *good[2:14], "bukan-email"],  # e-mail
        ["I0013", "UD Sepuluh", *good[2:6], "ya", *good[7:]],  # yes/no for a number
        ["I0014", "UD Sebelas", *good[2:6], "5 lusin", *good[7:]],  # unit word
        ["I0015", "x" * 3000, *good[2:]],  # cell too long
        ["I0001", *good[1:]],  # duplicate id
        ["I0016", "UD Dua Belas\x07", *good[2:]],  # control character removed (warning)
    ]
    products = [PRODUCT_HEADER, *PRODUCT_ROWS[:1], ["P009", "I9999", "Tas", "", "pandan", "tas", "1000"]]
    products.append(["P010", "I0003", "Tas", "", "pandan", "tas", "1000"])  # its IKM was rejected
    missing = [["ikm_id", "province"], ["I0100", "Bali"]]  # required columns missing
    tables = []
    for name, rows in (("ikms.csv", bad_ikms), ("products.csv", products), ("more_ikms.csv", missing)):
        tables += read_tables(write_csv(tmp_path / name, rows), None)
    latin1 = tmp_path / "latin.csv"
    latin1.write_bytes(
        ",".join(IKM_HEADER).encode()
        + b"\n"
        + ",".join(good).replace("Lestari", "L\xe9stari").encode("latin-1")
    )
    tables += read_tables(latin1, None)
    _, issues = validate_tables(tables, set())
    messages = {i.message for i in issues}
    assert len(messages) >= 15, messages
    assert [m for m in messages if not _indonesian(m)] == []
    capped, left_out = cap_issues(issues * 40)  # many of a kind: summary lines join
    assert left_out and [i.message for i in capped if not _indonesian(i.message)] == []


def test_every_problem_of_a_bad_event_has_an_indonesian_rendering(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    bad = """name: Temu
slot_minutes: 20
sessions: [{start: "09:00", end: "12:00"}, {start: "11:00", end: "13:00"}]
breaks: [{start: "14:00", end: "14:20"}]
tables: 2
buyers: [B001, B001, B999]
ikms: [I0003, I0035]
time_zone: CET
"""
    with pytest.raises(DataFileError) as raised:
        engine.events.create(bad, event_id="bad")
    problems = raised.value.problems
    assert problems and [p for p in problems if not _indonesian(p)] == []
    engine.close()


def test_the_import_page_shows_the_problems_in_the_page_language(tmp_path: Path) -> None:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    key = engine.keys.create("organiser", "Panitia")[1]
    rows = [IKM_HEADER, ["I0001", "", *IKM_ROWS[0][2:]]]
    body = "\n".join(",".join(r) for r in rows).encode()
    app = create_app(engine=engine)
    with TestClient(app, headers={"Origin": "http://testserver"}) as c:
        c.cookies.set(COOKIE, key)
        files = [("files", ("ikms.csv", body, "text/csv"))]
        indonesian = c.post("/import", data={"dry_run": "true"}, files=files)
        assert "kolom wajib &#39;name&#39; kosong" in indonesian.text
        english = c.post("/import?lang=en", data={"dry_run": "true"}, files=files)
        assert "required field &#39;name&#39; is empty" in english.text
    engine.close()
