from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from matching import Engine, Entity, ImportFileError, Settings, ValidationFailed
from tests.helpers import (
    BUYER_ROWS,
    IKM_HEADER,
    IKM_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
    snapshot,
    write_csv,
)


def test_canonical_csv_imports_every_record(engine: Engine, canonical_files: list[Path]) -> None:
    report = engine.import_files(canonical_files)
    assert report.ok and report.committed
    assert [report.counts[e].created for e in Entity] == [3, 3, 2]
    ikm = engine.store.ikms()[0]
    assert ikm.certifications == ["SVLK", "SNI"]
    assert ikm.capacity_per_month == 1200 and ikm.ovop_stars == 4
    buyer = {b.buyer_id: b for b in engine.store.buyers()}["B002"]
    assert buyer.quantity == 2000 and buyer.preferred_provinces == ["Jawa Barat", "Jawa Tengah"]


def _five_planted_errors(folder: Path) -> Path:
    rows = [list(r) for r in IKM_ROWS]
    extra = [list(IKM_ROWS[0]) for _ in range(3)]
    extra[0][0], extra[1][0], extra[2][0] = "I0010", "I0011", "I0012"
    rows += extra
    rows[1][1] = ""  # 1. missing required name (row 3)
    rows[2][2] = "Jawa Barrat"  # 2. unknown province (row 4)
    rows[3][0] = "I0001"  # 3. duplicate id (row 5)
    rows[4][5] = "7"  # 4. stars outside 0-5 (row 6)
    rows[5][6] = "-300"  # 5. negative capacity (row 7)
    return write_csv(folder / "ikms.csv", [IKM_HEADER, *rows])


def test_planted_errors_are_all_reported_and_nothing_is_written(
    engine: Engine, canonical_files: list[Path], tmp_path: Path
) -> None:
    engine.import_files(canonical_files)
    before = snapshot(engine)
    bad = _five_planted_errors(tmp_path)
    with pytest.raises(ValidationFailed) as info:
        engine.import_files([bad])
    errors = info.value.report.errors
    found = {(e.row, e.column, e.value) for e in errors}
    assert found == {
        (3, "name", ""),
        (4, "province", "Jawa Barrat"),
        (5, "ikm_id", "I0001"),
        (6, "ovop_stars", "7"),
        (7, "capacity_per_month", "-300"),
    }
    assert "did you mean 'Jawa Barat'" in next(e.message for e in errors if e.row == 4)
    assert snapshot(engine) == before


def test_keep_valid_writes_only_the_valid_rows(engine: Engine, tmp_path: Path) -> None:
    bad = _five_planted_errors(tmp_path)
    report = engine.import_files([bad], keep_valid=True)
    assert report.committed and len(report.errors) == 5
    assert report.counts[Entity.IKMS].created == 1  # I0001; I0002-I0003 and I0010-12 hold the errors
    assert report.counts[Entity.IKMS].rejected == 5
    assert [i.ikm_id for i in engine.store.ikms()] == ["I0001"]


def test_dry_run_counts_but_writes_nothing(engine: Engine, canonical_files: list[Path]) -> None:
    report = engine.import_files(canonical_files, dry_run=True)
    assert report.counts[Entity.IKMS].created == 3 and not report.committed
    assert snapshot(engine) == {"ikms": [], "products": [], "buyers": []}


def test_reimport_counts_created_updated_unchanged(
    engine: Engine, canonical_files: list[Path], tmp_path: Path
) -> None:
    engine.import_files(canonical_files)
    rows = [list(r) for r in IKM_ROWS]
    rows[0][6] = "1500"
    rows.append(
        [
            "I0004",
            "Sanggar Tenun Sukarara",
            "NTB",
            "Lombok Tengah",
            "Sukarara",
            "5",
            "",
            "",
            "",
            "Indikasi Geografis",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    report = engine.import_files([write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])])
    counts = report.counts[Entity.IKMS]
    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 2)
    ikms = {i.ikm_id: i for i in engine.store.ikms()}
    assert ikms["I0001"].capacity_per_month == 1500
    assert ikms["I0004"].province == "Nusa Tenggara Barat"


INDONESIAN_IKM_HEADER = [
    "ID IKM",
    "Nama",
    "Provinsi",
    "Kabupaten/Kota",
    "Desa",
    "Bintang OVOP",
    "Kapasitas per Bulan",
    "MOQ",
    "Lama Produksi",
    "Sertifikasi",
    "Pasar Ekspor",
    "Deskripsi",
    "Narahubung",
    "No HP",
    "E-mail",
]
INDONESIAN_PRODUCT_HEADER = [
    "Kode Produk",
    "ID IKM",
    "Nama Produk",
    "Deskripsi",
    "Bahan",
    "Kategori",
    "Harga",
]
INDONESIAN_BUYER_HEADER = [
    "ID Pembeli",
    "Perusahaan",
    "Negara",
    "Kebutuhan",
    "Jumlah",
    "Harga Maks",
    "Sertifikasi Wajib",
    "Provinsi Pilihan",
    "Tenggat Hari",
    "Email",
]


def _indonesian_format(rows: list[list[str]], money_columns: set[int]) -> list[list[object]]:
    out: list[list[object]] = []
    for row in rows:
        new: list[object] = []
        for i, cell in enumerate(row):
            if i in money_columns and cell.isdigit():
                new.append(f"Rp {int(cell):,}".replace(",", "."))
            else:
                new.append(cell)
        out.append(new)
    return out


def test_xlsx_with_indonesian_headers_and_semicolon_csv_match_canonical_csv(
    tmp_path: Path, canonical_files: list[Path]
) -> None:
    canonical = Engine(Settings(home=tmp_path / "a"))
    canonical.import_files(canonical_files)

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {
        "IKM": (INDONESIAN_IKM_HEADER, IKM_ROWS, set()),
        "Produk": (INDONESIAN_PRODUCT_HEADER, PRODUCT_ROWS, {6}),
        "Pembeli": (INDONESIAN_BUYER_HEADER, BUYER_ROWS, {5}),
    }
    for title, (header, rows, money) in sheets.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in _indonesian_format(rows, money):
            # numbers as Excel stores them: capacity etc. as numeric cells
            sheet.append(
                [int(c) if isinstance(c, str) and c.isdigit() and not c.startswith("0") else c for c in row]
            )
    xlsx = tmp_path / "katalog.xlsx"
    workbook.save(xlsx)
    from_xlsx = Engine(Settings(home=tmp_path / "b"))
    from_xlsx.import_files([xlsx])

    folder = tmp_path / "semicolon"
    folder.mkdir()
    semi = [
        write_csv(
            folder / "data_ikm.csv", [INDONESIAN_IKM_HEADER, *IKM_ROWS], delimiter=";", encoding="utf-8-sig"
        ),
        write_csv(
            folder / "produk.csv",
            [INDONESIAN_PRODUCT_HEADER, *_indonesian_format(PRODUCT_ROWS, {6})],
            delimiter=";",
        ),
        write_csv(folder / "pembeli.csv", [INDONESIAN_BUYER_HEADER, *BUYER_ROWS], delimiter=";"),
    ]
    from_semicolon = Engine(Settings(home=tmp_path / "c"))
    from_semicolon.import_files(semi)

    expected = snapshot(canonical)
    assert expected["ikms"] and expected["products"] and expected["buyers"]
    assert snapshot(from_xlsx) == expected
    assert snapshot(from_semicolon) == expected


def test_extra_columns_are_kept_as_attributes(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ikms.csv",
        [[*IKM_HEADER, "Warna Favorit", "NIB"], [*IKM_ROWS[0], "hijau", "9120001234567"]],
    )
    engine.import_files([path])
    assert engine.store.ikms()[0].attributes == {"warna_favorit": "hijau", "nib": "9120001234567"}


def test_product_with_unknown_ikm_is_rejected(
    engine: Engine, canonical_files: list[Path], tmp_path: Path
) -> None:
    engine.import_files(canonical_files)
    path = write_csv(
        tmp_path / "products.csv",
        [PRODUCT_HEADER, ["P900", "I0999", "Tas", "", "", "", ""], ["P901", "I0001", "Tas", "", "", "", ""]],
    )
    with pytest.raises(ValidationFailed) as info:
        engine.import_files([path])
    (error,) = info.value.report.errors
    assert (error.row, error.column, error.value) == (2, "ikm_id", "I0999")


def test_missing_required_column_is_one_clear_error(engine: Engine, tmp_path: Path) -> None:
    header = [h for h in IKM_HEADER if h != "province"]
    rows = [[c for h, c in zip(IKM_HEADER, r, strict=True) if h != "province"] for r in IKM_ROWS]
    with pytest.raises(ValidationFailed) as info:
        engine.import_files([write_csv(tmp_path / "ikms.csv", [header, *rows])])
    (error,) = info.value.report.errors
    assert error.row == 1 and "required column 'province' is missing" in error.message


def test_empty_and_unknown_files_are_refused(engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "ikms.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        engine.import_files([empty])
    mystery = write_csv(tmp_path / "data.csv", [["foo", "bar"], ["1", "2"]])
    with pytest.raises(ImportFileError, match="cannot tell"):
        engine.import_files([mystery])
    old = tmp_path / "ikms.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match=r"\.xls"):
        engine.import_files([old])


def test_huge_cell_is_reported_not_crashed(engine: Engine, tmp_path: Path) -> None:
    row = list(IKM_ROWS[0])
    row[11] = "anyaman " * 3_000  # over the 20,000 of a field, within the reader's 32,767 per cell
    with pytest.raises(ValidationFailed) as info:
        engine.import_files([write_csv(tmp_path / "ikms.csv", [IKM_HEADER, row])])
    (error,) = info.value.report.errors
    assert error.column == "description" and "too long" in error.message


def test_windows_1252_csv_is_read_with_a_warning(engine: Engine, tmp_path: Path) -> None:
    row = list(IKM_ROWS[1])
    row[1] = "UD Pandan Café"
    path = write_csv(tmp_path / "ikms.csv", [IKM_HEADER, row], encoding="cp1252")
    report = engine.import_files([path])
    assert engine.store.ikms()[0].name == "UD Pandan Café"
    assert any("Windows-1252" in w.message for w in report.warnings)


NUMERIC_COLUMNS = ["ovop_stars", "capacity_per_month", "min_order_qty", "lead_time_days"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from([*NUMERIC_COLUMNS, "province", "contact_email"]), junk=st.text(max_size=30))
def test_malformed_cells_yield_a_record_or_an_issue_naming_the_cell(
    tmp_path_factory: pytest.TempPathFactory, column: str, junk: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    row = list(IKM_ROWS[0])
    row[IKM_HEADER.index(column)] = junk
    eng = Engine(Settings(home=folder / "home"))
    try:
        report = eng.import_files([write_csv(folder / "ikms.csv", [IKM_HEADER, row])])
        assert report.counts[Entity.IKMS].created == 1
    except ValidationFailed as exc:
        assert exc.report.errors
        assert all(e.row == 2 and e.column == column for e in exc.report.errors)
        assert eng.store.ikms() == []
    finally:
        eng.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6))
def test_random_headers_never_crash(tmp_path_factory: pytest.TempPathFactory, headers: list[str]) -> None:
    folder = tmp_path_factory.mktemp("headers")
    path = write_csv(folder / "ikms.csv", [headers, ["x"] * len(headers)])
    eng = Engine(Settings(home=folder / "home"))
    try:
        eng.import_files([path])
    except ValidationFailed as exc:
        assert exc.report.errors
    except ImportFileError:
        pass
    finally:
        eng.close()


def test_control_characters_are_removed_from_text_and_refused_in_ids(engine: Engine, tmp_path: Path) -> None:
    """Regression: a name holding \\x01 or \\x0b imported, then planning crashed (openpyxl's
    IllegalCharacterError) with partial output. Text loses them with a warning; an id keeps none."""
    rows = [list(r) for r in IKM_ROWS]
    rows[0][1] = "Anyaman\x01 Rotan\x0bSejahtera\x00"  # name
    rows[1][0] = "I\x0b0002"  # an id
    report = engine.import_files([write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])], keep_valid=True)
    warnings = [i for i in report.warnings if i.row == 2 and i.column == "name"]
    assert warnings and "U+0001" in warnings[0].message and "removed" in warnings[0].message
    errors = [i for i in report.errors if i.row == 3]
    assert errors and errors[0].column == "ikm_id" and "control character" in errors[0].message
    stored = {i.ikm_id: i.name for i in engine.store.ikms()}
    assert stored[rows[0][0]] == "Anyaman Rotan Sejahtera"
    assert not any("\x0b" in ikm_id for ikm_id in stored)


@pytest.mark.parametrize("hostile", ["../../x/PWN", "/abs/path", "a..b", "x" * 65, "I\u00e9"])
def test_ids_outside_the_documented_characters_are_refused(
    engine: Engine, tmp_path: Path, hostile: str
) -> None:
    """Regression: an id such as ../../x/PWN imported and then named agenda files outside the plan folder."""
    rows = [list(r) for r in IKM_ROWS]
    rows[0][0] = hostile
    with pytest.raises(ValidationFailed) as failed:
        engine.import_files([write_csv(tmp_path / "ikms.csv", [IKM_HEADER, *rows])])
    [issue] = failed.value.report.errors
    assert (issue.row, issue.column) == (2, "ikm_id") and "not a valid id" in issue.message
    assert engine.store.ikms() == []
