from __future__ import annotations

import time
from pathlib import Path

import pytest

from matching.common.text import fold
from matching.errors import ConfigError
from matching.retrieval.lexicon import Lexicon, lexicon

DOMAIN_MATERIALS = [
    "pandan",
    "mendong",
    "purun",
    "rotan",
    "bambu",
    "ketak",
    "tenun",
    "eceng_gondok",
    "lontar",
    "lidi",
]
DISTRACTORS = ["kayu", "gerabah", "batik", "kulit", "logam"]
PRODUCTS = [
    "tas", "tikar", "keranjang", "topi", "kotak", "nampan", "kap_lampu", "kursi", "meja", "kain", "syal",
    "sarung", "dompet", "tatakan", "hiasan_dinding", "furnitur_lain",
]  # fmt: skip
CERTIFICATIONS = [
    "SVLK",
    "SNI",
    "ISO9001",
    "FAIR_TRADE",
    "INDIKASI_GEOGRAFIS",
    "NATURAL_DYES",
    "REACH",
    "GPSR",
    "EUDR",
]


def concepts(text: str, kind: str) -> list[str]:
    return [m.concept for m in lexicon().find(text, kinds={kind})]


def test_bundled_lexicon_has_every_required_concept() -> None:
    lex = lexicon()
    for concept_id in DOMAIN_MATERIALS + DISTRACTORS:
        assert lex.get(concept_id) is not None and lex.get(concept_id).kind == "material", concept_id
    for concept_id in PRODUCTS:
        assert lex.get(concept_id) is not None and lex.get(concept_id).kind == "product", concept_id
    for concept_id in CERTIFICATIONS:
        assert lex.get(concept_id) is not None and lex.get(concept_id).kind == "certification", concept_id
    assert {"anyam", "ikat", "songket", "lurik", "wicker", "sulam"} <= {
        c.id for c in lex.concepts("technique")
    }


@pytest.mark.parametrize("concept_id", DOMAIN_MATERIALS + PRODUCTS)
def test_more_than_one_form_per_language(concept_id: str) -> None:
    concept = lexicon().get(concept_id)
    assert concept is not None
    assert len(concept.forms_in("id")) > 1, concept.forms
    assert len(concept.forms_in("en")) > 1, concept.forms
    for form in concept.forms:  # every form finds its own concept
        assert concept_id in concepts(form, concept.kind), form


@pytest.mark.parametrize(
    ("english", "indonesian"),
    [
        ("rattan basket", "keranjang rotan"),
        ("pandanus bag", "tas pandan"),
        ("screwpine sleeping mat", "tikar pandan duri"),
        ("water hyacinth storage box", "kotak eceng gondok"),
        ("bamboo lamp shade", "kap lampu bambu"),
        ("palmyra leaf tray", "baki daun lontar"),
        ("coconut midrib placemat", "tatakan lidi kelapa"),
        ("ikat scarf", "selendang tenun ikat"),
        ("sedge grass table mat", "tatakan mendong"),
        ("swamp grass hat", "topi purun"),
        ("fern vine tissue box", "tempat tisu ketak"),
        ("cane armchair", "kursi rotan"),
        ("wall hanging", "hiasan dinding"),
        ("sarong", "sarung"),
        ("wallet", "dompet"),
        ("coffee table", "meja kopi"),
        ("laundry hamper", "keranjang cucian"),
    ],
)
def test_cross_lingual_equivalence(english: str, indonesian: str) -> None:
    for kind in ("material", "product"):
        assert concepts(english, kind) == concepts(indonesian, kind)
    assert concepts(english, "product")


@pytest.mark.parametrize(
    ("text", "kind", "concept"),
    [
        ("Rattan BASKETS", "product", "keranjang"),
        ("Tas-tas anyaman", "product", "tas"),
        ("tas2 murah", "product", "tas"),
        ("dianyam dengan rapi", "technique", "anyam"),
        ("anyaman", "technique", "anyam"),
        ("lampshades", "product", "kap_lampu"),
        ("Éceng gondok", "material", "eceng_gondok"),
        ("tenunan", "material", "tenun"),
        ("rattans", "material", "rotan"),
        ("placemats", "product", "tatakan"),
    ],
)
def test_plurals_affixes_case_and_diacritics(text: str, kind: str, concept: str) -> None:
    assert concepts(text, kind) == [concept]


def test_longest_match_wins_and_mentions_do_not_overlap() -> None:
    assert concepts("table mat and coffee table", "product") == ["tatakan", "meja"]
    assert concepts("synthetic rattan chair", "material") == ["rotan_sintetis"]
    assert concepts("sarung bantal", "product") == ["sarung_bantal"]
    mentions = lexicon().find("laundry basket", kinds="product")
    assert [(m.start, m.end, m.surface) for m in mentions] == [(0, 2, "laundry basket")]


def test_kinds_are_matched_independently() -> None:
    lex = lexicon()
    found = {(m.kind, m.concept) for m in lex.find("kain tenun ikat dari Sumba Timur")}
    assert {
        ("product", "kain"),
        ("material", "tenun"),
        ("technique", "ikat"),
        ("region", "sumba_timur"),
    } <= found


def test_stemming_does_not_invent_concepts() -> None:
    assert lexicon().find("diikat dengan tali, bisa pakai tutup, kapasitas dan kualitas") == []
    assert concepts("delivery by end of March", "region") == []


def test_distractor_materials_are_recognised_as_not_woven() -> None:
    lex = lexicon()
    assert concepts("teak wood chair", "material") == ["kayu"]
    assert set(concepts("gerabah tanah liat, batik tulis, tas kulit, besi tempa", "material")) == {
        "gerabah", "batik", "kulit", "logam",
    }  # fmt: skip
    assert not lex.group("kayu") and not lex.related("kayu", "rotan")


def test_families_and_related() -> None:
    lex = lexicon()
    assert lex.group("pandan") == lex.group("mendong") == lex.group("purun") == "leaf_fibre"
    assert lex.group("rotan") == lex.group("bambu") == "cane_fibre"
    assert lex.related("pandan", "mendong")
    assert lex.related("rotan", "bambu")
    assert not lex.related("rotan", "rotan")
    assert not lex.related("pandan", "rotan")
    assert lex.related("tas", "dompet") and lex.related("keranjang", "kotak") and lex.related("kursi", "meja")
    assert not lex.related("tas", "kursi")
    assert not lex.related("unknown", "tas")


def test_labels_per_language() -> None:
    lex = lexicon()
    assert lex.label("rotan", "id") == "rotan"
    assert lex.label("rotan", "en") == "rattan"
    assert lex.label("keranjang", "en") == "basket"
    assert lex.label("no_such_concept", "en") == "no_such_concept"


def test_regions_map_to_provinces() -> None:
    lex = lexicon()
    assert lex.provinces_for("lombok") == ["Nusa Tenggara Barat"]
    assert set(lex.provinces_for("jawa")) == {
        "DKI Jakarta", "Jawa Barat", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur", "Banten",
    }  # fmt: skip
    assert lex.provinces_for("hulu_sungai_utara") == ["Kalimantan Selatan"]
    assert lex.provinces_for("rotan") == [] and lex.provinces_for("nowhere") == []
    regions = {m.concept for m in lex.find("Tasikmalaya, Java, Borneo, West Nusa Tenggara", kinds="region")}
    assert regions == {"tasikmalaya", "jawa", "kalimantan", "nusa_tenggara_barat"}


def test_expand_adds_language_neutral_concept_terms() -> None:
    lex = lexicon()
    english, indonesian = lex.expand("rattan basket"), lex.expand("keranjang rotan")
    assert english.startswith("rattan basket")
    assert (
        set(english.split()[2:]) == set(indonesian.split()[2:]) == {"c_material_rotan", "c_product_keranjang"}
    )
    assert lex.expand("nothing here") == "nothing here"


def test_normalise_certifications() -> None:
    lex = lexicon()
    items = [
        "V-Legal",
        "svlk",
        "ISO 9001:2015",
        "Fair Trade",
        "indikasi geografis",
        "Halal",
        "",
        "SVLK dan SNI",
    ]
    assert lex.normalise_certifications(items) == [
        "SVLK",
        "ISO9001",
        "FAIR_TRADE",
        "INDIKASI_GEOGRAFIS",
        "HALAL",
        "SNI",
    ]
    assert lex.normalise_certifications(["natural dyes", "pewarna alam", "reach"]) == [
        "NATURAL_DYES",
        "REACH",
    ]


def test_find_is_fast() -> None:
    lex = lexicon()
    text = (
        "Keranjang anyaman rotan alami buatan pengrajin Cirebon, ukuran 30x40 cm, cocok untuk laundry basket."
    )
    lex.find(text)
    start, runs = time.perf_counter(), 300
    for _ in range(runs):
        lex.find(text)
    assert (time.perf_counter() - start) / runs < 2e-3  # ~50 us on a laptop; generous for shared CI


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lex.tsv"
    path.write_text("kind\tconcept\tlang\tform\tgroup\n" + body, encoding="utf-8")
    return path


def test_custom_file_and_merging(tmp_path: Path) -> None:
    path = write(tmp_path, "# comment\nmaterial\tserat_nanas\tid\tserat nanas\tleaf_fibre\n"
                           "material\tserat_nanas\ten\tpineapple fibre\t\n")  # fmt: skip
    lex = Lexicon.from_files(path, with_provinces=False)
    assert [m.concept for m in lex.find("pineapple fibre bag")] == ["serat_nanas"]
    assert lex.label("serat_nanas", "en") == "pineapple fibre"
    assert len(lex) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour\tx\tid\tx\t\n", "line 2: unknown kind"),
        ("material\tx\tfr\tx\t\n", "line 2: unknown lang"),
        ("material\trotan\tid\trotan\n\nmaterial\tbambu\ten\trotans\t\n", "line 4: form 'rotans'"),
        ("material\tx y\tid\tx\t\n", "line 2: concept id"),
        (
            "region\tsomewhere\tid\tsomewhere\tJava Barat\n",
            "line 2: 'Java Barat' is not a canonical province",
        ),
        ("material\tx\tid\tx\ta\nmaterial\tx\tid\ty\tb\n", "line 3: group"),
        ("material\tx\tid\n", "line 2: expected 4 or 5"),
        ("material\tx\tid\t--\t\n", "line 2: the form"),
    ],
)
def test_load_errors_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Lexicon.from_files(write(tmp_path, body))


def test_every_form_finds_its_own_concept() -> None:
    lex = lexicon()
    for concept in lex.concepts():
        for form in concept.forms:
            assert [m.concept for m in lex.find(form, kinds={concept.kind})] == [concept.id], (
                concept.id,
                form,
            )


@pytest.mark.parametrize(
    ("text", "kind", "concept"),
    [
        ("Pesanan keranjag dr ketak", "product", "keranjang"),  # a letter left out
        ("alas pirnig bahan pandan", "product", "tatakan"),  # two letters swapped, inside a two-word form
        ("natural bamboo baskest", "product", "keranjang"),  # "basket" and "baskets": one word
        ("makers based in Kaliamntan preferred", "region", "kalimantan"),  # place names too
        ("tas selmpang anymaan", "technique", "anyam"),
    ],
)
def test_misspelt_words_are_read_as_the_lexicon_word_one_edit_away(
    text: str, kind: str, concept: str
) -> None:
    found = lexicon().find(text, kinds={kind})
    assert concept in {m.concept for m in found}
    assert all(m.surface in fold(text) for m in found)  # the mention shows what was typed


@pytest.mark.parametrize(
    "text",
    [
        "butuh dalam waktu sedang",  # real Indonesian words one edit from buluh, talam, serang
        "no bleach in our rooms, supply chains",  # real English words one edit from beach, brooms, chairs
        "lampit daun panan",  # "pakan" or "pandan": two readings, none taken
        "Sofa Tenganan",  # a place name, two edits from anything
    ],
)
def test_real_words_and_ambiguous_typos_are_left_alone(text: str) -> None:
    assert lexicon().corrections(text) == {}
