from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.retrieval.query import (
    ANY_CERTIFICATION,
    DEFAULT_RATES,
    BuyerNeeds,
    detect_language,
    parse_needs,
)

JAVA = {"DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten"}


@pytest.mark.parametrize(
    ("text", "quantity", "period"),
    [
        ("800 pcs/month rattan baskets", 800, "month"),
        ("~800 pcs a month", 800, "month"),
        ("2.000 buah per bulan", 2000, "month"),
        ("2,000 pieces monthly", 2000, "month"),
        ("2k units of bamboo lampshades", 2000, None),
        ("1,5 ribu pcs tikar mendong", 1500, None),
        ("5000 pieces per order", 5000, "order"),
        ("at least 300 units monthly", 300, "month"),
        ("minimal 500 pcs", 500, None),
        ("We need 500 rattan baskets", 500, None),
        ("Kebutuhan per bulan 1.200 pcs keranjang bambu", 1200, "month"),
        ("annual volume 12000 pcs", 12000, "year"),
        ("sebanyak 1000 pcs tiap bulan", 1000, "month"),
        ("300 bh/bln", 300, "month"),
        ("10 dozen placemats per month", 120, "month"),
        ("tikar purun 2 kodi", 40, None),
        ("two thousand coasters per month", 2000, "month"),
        ("MOQ 200, but we need 800 pcs/month", 800, "month"),
    ],
)
def test_quantity_and_period(text: str, quantity: int, period: str | None) -> None:
    needs = parse_needs(text)
    assert (needs.quantity, needs.quantity_period) == (quantity, period)
    assert needs.sources["quantity"] == "text"


def test_weekly_quantities_become_monthly_and_yearly_ones_divide() -> None:
    weekly = parse_needs("100 pcs per week")
    assert weekly.quantity_period == "month" and weekly.quantity == 433
    yearly = parse_needs("12,000 pieces per year")
    assert yearly.quantity_period == "year" and yearly.monthly_quantity == 1000
    assert parse_needs("5000 pcs per order").monthly_quantity == 5000
    assert BuyerNeeds().monthly_quantity is None


@pytest.mark.parametrize(
    "text",
    [
        "rattan trays 30x40 cm",
        "keranjang diameter 20 cm",
        "size 40 rattan baskets",
        "tinggi 50 cm",
        "max $8 per piece",
        "harga di bawah 50 ribu",
        "1 x 40ft container per month",
        "6 colours, 3 designs",
        "established 2015, 20 years experience",
        "within 6 weeks",
    ],
)
def test_sizes_prices_and_durations_are_not_quantities(text: str) -> None:
    assert parse_needs(text).quantity is None


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("under USD 12", 12 * DEFAULT_RATES["USD"]),
        ("max $8 per piece", 8 * DEFAULT_RATES["USD"]),
        ("maks Rp150.000", 150_000),
        ("harga di bawah 50 ribu", 50_000),
        ("budget Rp 75.000/pcs", 75_000),
        ("harga 35rb", 35_000),
        ("EUR 7 per piece", 7 * DEFAULT_RATES["EUR"]),
        ("Price: IDR 45,000 - 60,000 per pc", 60_000),
        ("price not more than 5 dollars", 5 * DEFAULT_RATES["USD"]),
        ("Rp 1,5 juta per set", 1_500_000),
    ],
)
def test_max_unit_price_in_rupiah(text: str, price: float) -> None:
    needs = parse_needs(text)
    assert needs.max_unit_price_idr == round(price)
    assert needs.quantity is None


def test_rates_can_be_overridden() -> None:
    assert parse_needs("under USD 10", rates={"usd": 15_000}).max_unit_price_idr == 150_000


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("lead time 30 days", 30),
        ("dalam 2 bulan", 60),
        ("within 6 weeks", 42),
        ("dalam 30 hari", 30),
        ("kirim paling lambat 14 hari", 14),
        ("lead time: 30-45 days", 45),
        ("6-week lead time", 42),
    ],
)
def test_deadline(text: str, days: int) -> None:
    assert parse_needs(text).deadline_days == days


def test_durations_without_a_deadline_cue_are_ignored() -> None:
    needs = parse_needs("tas rotan 300 pcs per bulan selama 6 bulan; by end of March")
    assert needs.deadline_days is None and needs.quantity == 300 and needs.provinces == []


@pytest.mark.parametrize(
    ("text", "required", "excluded"),
    [
        ("need SVLK", ["SVLK"], []),
        ("harus bersertifikat SVLK", ["SVLK"], []),
        ("V-Legal documents required", ["SVLK"], []),
        ("SVLK not needed", [], ["SVLK"]),
        ("tidak perlu SVLK", [], ["SVLK"]),
        ("SVLK dan SNI tidak wajib", [], ["SVLK", "SNI"]),
        ("REACH compliant, GPSR, no EUDR", ["REACH", "GPSR"], ["EUDR"]),
        ("no certification required", [], [ANY_CERTIFICATION]),
        ("tanpa sertifikat", [], [ANY_CERTIFICATION]),
        ("natural dyes and fair trade certified", ["NATURAL_DYES", "FAIR_TRADE"], []),
        ("pewarna alam, indikasi geografis", ["NATURAL_DYES", "INDIKASI_GEOGRAFIS"], []),
    ],
)
def test_certifications_and_their_negation(text: str, required: list[str], excluded: list[str]) -> None:
    needs = parse_needs(text)
    assert needs.certifications == required
    assert needs.excluded_certifications == excluded


@pytest.mark.parametrize(
    ("text", "provinces"),
    [
        ("prefer Java", JAVA),
        ("dari Lombok", {"Nusa Tenggara Barat"}),
        ("diutamakan Jawa Barat", {"Jawa Barat"}),
        (
            "based in Kalimantan",
            {f"Kalimantan {x}" for x in ("Barat", "Tengah", "Selatan", "Timur", "Utara")},
        ),
        ("crafts from Tasikmalaya or Cirebon", {"Jawa Barat"}),
        ("tenun ikat Sumba Timur", {"Nusa Tenggara Timur"}),
        ("purun dari Amuntai", {"Kalimantan Selatan"}),
    ],
)
def test_regions_become_provinces(text: str, provinces: set[str]) -> None:
    assert set(parse_needs(text).provinces) == provinces


def test_products_materials_and_techniques_in_both_languages() -> None:
    english = parse_needs("Looking for handwoven rattan laundry baskets and pandanus bags")
    indonesian = parse_needs("Kami mencari keranjang cucian anyaman rotan dan tas pandan")
    assert english.materials == indonesian.materials == ["rotan", "pandan"]
    assert english.products == indonesian.products == ["keranjang", "tas"]
    assert english.techniques == indonesian.techniques == ["anyam"]
    assert (english.language, indonesian.language) == ("en", "id")


def test_negated_materials_are_dropped() -> None:
    assert parse_needs("rattan chairs, not plastic").materials == ["rotan"]
    assert parse_needs("tas pandan tanpa kulit").materials == ["pandan"]


def test_full_english_request() -> None:
    needs = parse_needs(
        "We are a Dutch retailer looking for water hyacinth storage boxes, ~800 pcs a month, "
        "max $8 per piece, prefer Java, SVLK not needed, lead time 30 days."
    )
    assert needs.language == "en"
    assert (needs.materials, needs.products) == (["eceng_gondok"], ["kotak"])
    assert (needs.quantity, needs.quantity_period, needs.monthly_quantity) == (800, "month", 800)
    assert needs.max_unit_price_idr == 8 * DEFAULT_RATES["USD"]
    assert set(needs.provinces) == JAVA
    assert (needs.certifications, needs.excluded_certifications) == ([], ["SVLK"])
    assert needs.deadline_days == 30


def test_full_indonesian_request() -> None:
    needs = parse_needs(
        "Butuh tas anyaman pandan 2.000 buah per bulan, ukuran 30x40 cm, harga maks Rp150.000, "
        "harus bersertifikat SVLK, diutamakan dari Tasikmalaya, dalam 2 bulan."
    )
    assert needs.language == "id"
    assert (needs.materials, needs.products, needs.techniques) == (["pandan"], ["tas"], ["anyam"])
    assert (needs.quantity, needs.quantity_period) == (2000, "month")
    assert needs.max_unit_price_idr == 150_000
    assert needs.certifications == ["SVLK"]
    assert needs.provinces == ["Jawa Barat"]
    assert needs.deadline_days == 60


def test_structured_columns_win_over_text() -> None:
    needs = parse_needs(
        "800 pcs/month, under USD 12, need SVLK, prefer Java, within 6 weeks",
        quantity=1000,
        certifications=["Fair Trade"],
        provinces=["Bali", "lombok"],
        max_unit_price_idr=90_000,
        deadline_days=20,
    )
    assert needs.quantity == 1000 and needs.quantity_period is None
    assert needs.certifications == ["FAIR_TRADE"]
    assert needs.provinces == ["Bali", "Nusa Tenggara Barat"]
    assert needs.max_unit_price_idr == 90_000 and needs.deadline_days == 20
    assert {needs.sources[k] for k in ("quantity", "certifications", "provinces", "max_unit_price_idr")} == {
        "column"
    }
    assert needs.sources["deadline_days"] == "column"


def test_text_period_kept_when_the_column_repeats_the_text_quantity() -> None:
    needs = parse_needs("5000 pieces per order", quantity=5000)
    assert (needs.quantity, needs.quantity_period, needs.sources["quantity"]) == (5000, "order", "column")


def test_empty_columns_fall_back_to_text() -> None:
    needs = parse_needs("need SVLK, dari Lombok", certifications=[], provinces=[])
    assert needs.certifications == ["SVLK"] and needs.provinces == ["Nusa Tenggara Barat"]
    assert needs.sources["certifications"] == needs.sources["provinces"] == "text"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("rattan basket", "en"),
        ("keranjang rotan", "id"),
        ("tas pandan", "id"),
        ("bamboo lampshades", "en"),
        ("Kami butuh tikar", "id"),
        ("We need mats", "en"),
        ("", "en"),
    ],
)
def test_detect_language_on_short_queries(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_unknown_stays_empty() -> None:
    needs = parse_needs("Hello, please contact us.")
    assert needs.quantity is None and needs.max_unit_price_idr is None and needs.deadline_days is None
    assert needs.materials == needs.products == needs.certifications == needs.provinces == []
    assert parse_needs("").text == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_needs_never_raises(text: str) -> None:
    needs = parse_needs(text)
    assert needs.language in ("en", "id")
    assert needs.quantity is None or needs.quantity > 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            "800 pcs per month / ~ $ Rp 2.000 1,5 ribu 2k x 30x40 cm harga maks tidak perlu SVLK "
            "no certification "
            "dalam 2 bulan within weeks Java dari Lombok rotan basket - , . ; 0 999999999999".split()
        ),
        max_size=25,
    )
)
def test_parse_needs_never_raises_on_jumbled_vocabulary(words: list[str]) -> None:
    parse_needs(" ".join(words))


@pytest.mark.parametrize(
    ("text", "provinces"),
    [
        ("rattan chairs, 200 pcs. We ship via Jakarta.", []),  # where the goods go, not where they are made
        ("butuh tikar pandan, kirim ke Jakarta ya", []),
        ("tikar pandan, pengrajin dr NTB, dikirim ke Jakarta", ["Nusa Tenggara Barat"]),
        ("rattan baskets from Lombok, delivered to Bali", ["Nusa Tenggara Barat"]),
        ("bamboo lampshades, FOB Surabaya", ["Jawa Timur"]),  # the port of loading: the IKM delivers there
        ("rattan baskets made in Cirebon", ["Jawa Barat"]),
    ],
)
def test_a_delivery_address_is_not_a_preferred_province(text: str, provinces: list[str]) -> None:
    assert parse_needs(text).provinces == provinces


@pytest.mark.parametrize(
    ("text", "materials"),
    [
        ("table mats made of mendong. No synthetic/plastic look-alikes.", ["mendong"]),
        ("box dari lidi aren/pandan", ["lidi", "pandan"]),  # "aren" is a palm here, not "aren't"
        ("ada yg bisa bikin lampit bahan pandan?", ["pandan"]),  # lampit: a mat, rattan unless said otherwise
        ("lampit 200 pcs", ["rotan"]),
        ("lampit rotan dan tikar pandan", ["rotan", "pandan"]),
    ],
)
def test_materials_named_negated_and_implied(text: str, materials: list[str]) -> None:
    assert parse_needs(text).materials == materials
