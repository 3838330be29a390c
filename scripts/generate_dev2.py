"""Generate the second evaluation set ("dev2"): a catalogue of IKMs, products and buyers with graded qrels.

The set is written independently of the engine: other craft clusters, other wording, free-text material and
category columns, and requirements phrased as search boxes, e-mails, RFQs, bullet lists and WhatsApp
messages. Every file comes from the latent attributes drawn here with one seeded ``random.Random``; the
grades are computed from those latent attributes with the labelling rule in ``matching/data/dev2/README.md``
(the same rule as the first dev set). Nothing here runs, imports or consults the engine.

    python scripts/generate_dev2.py [--seed 7] [--out matching/data/dev2]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROVINCES_TSV = ROOT / "matching" / "resources" / "provinces.tsv"

# fmt: off
MATERIALS = (
    "pandan", "mendong", "purun", "lidi", "lontar", "bambu", "rotan", "ketak", "eceng_gondok", "tenun",
)
# fmt: on
# fmt: off
FAMILIES = (
    ("lidi", "lontar", "mendong", "pandan", "purun"),
    ("bambu", "eceng_gondok", "ketak", "rotan"),
    ("tenun",),
)
# fmt: on
# fmt: off
RELATED = (
    ("dompet", "tas"),
    ("keranjang", "kotak"),
    ("kain", "sarung", "syal"),
    ("furnitur_lain", "kursi", "meja"),
    ("nampan", "tatakan"),
)
# fmt: on
CERTS = ("SVLK", "FAIR_TRADE", "SNI", "ISO9001", "NATURAL_DYES", "INDIKASI_GEOGRAFIS", "GPSR", "REACH")
FURNITURE = ("kursi", "meja", "furnitur_lain")
TEXTILE = ("kain", "sarung", "syal")

N_BUYERS_PER_LANGUAGE = 60

# ---------------------------------------------------------------------------------------------------------
# The grading rule (restated in README.md and re-implemented independently in tests/test_dev2_data.py)
# ---------------------------------------------------------------------------------------------------------


def family_of(material: str) -> tuple[str, ...]:
    for family in FAMILIES:
        if material in family:
            return family
    return (material,)


def related_of(category: str) -> tuple[str, ...]:
    for group in RELATED:
        if category in group:
            return tuple(c for c in group if c != category)
    return ()


def grade(need: dict, ikm: dict) -> int:
    """The graded relevance of one IKM for one buyer's latent need (0-3)."""
    pairs = {tuple(p) for p in ikm["product_types"]}
    wanted = need["materials"]
    category = need["category"]
    exact = any((m, category) in pairs for m in wanted)
    quantity = need["quantity"]
    feasible = (quantity is None or ikm["capacity_per_month"] >= quantity) and set(
        need["required_certifications"]
    ) <= set(ikm["certifications"])
    if exact and feasible:
        preferred = need["preferred_provinces"]
        return 3 if not preferred or ikm["province"] in preferred else 2
    sisters = {s for m in wanted for s in family_of(m)} - set(wanted)
    if exact or any((s, category) in pairs for s in sisters):
        return 1
    if any((m, c) in pairs for m in wanted for c in related_of(category)):
        return 1
    return 0


# ---------------------------------------------------------------------------------------------------------
# Provinces and region words
# ---------------------------------------------------------------------------------------------------------


def read_provinces() -> dict[str, str]:
    """Canonical province name -> island region, from the engine's bundled provinces.tsv."""
    out: dict[str, str] = {}
    for line in PROVINCES_TSV.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("kemendagri_code"):
            continue
        cells = line.split("\t")
        out[cells[1]] = cells[2]
    return out


PROVINCE_REGION = read_provinces()


def region_provinces(region: str) -> tuple[str, ...]:
    return tuple(p for p, r in PROVINCE_REGION.items() if r == region)


NUSA_TENGGARA = ("Nusa Tenggara Barat", "Nusa Tenggara Timur")
# region word -> (english spellings, indonesian spellings, provinces it covers)
REGION_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "jawa": (("Java",), ("Jawa", "P. Jawa"), region_provinces("Jawa")),
    "sumatera": (("Sumatra", "Sumatera"), ("Sumatera", "Sumatra"), region_provinces("Sumatera")),
    "kalimantan": (("Kalimantan", "Borneo (Kalimantan)"), ("Kalimantan",), region_provinces("Kalimantan")),
    "sulawesi": (("Sulawesi",), ("Sulawesi",), region_provinces("Sulawesi")),
    "bali": (("Bali",), ("Bali",), ("Bali",)),
    "nusa_tenggara": (
        ("Nusa Tenggara (NTB/NTT)", "Nusa Tenggara"),
        ("Nusa Tenggara", "NTB/NTT"),
        NUSA_TENGGARA,
    ),
    "bali_nusra": (
        ("Bali or Nusa Tenggara",),
        ("Bali & Nusa Tenggara", "Bali-Nusra"),
        ("Bali", *NUSA_TENGGARA),
    ),
}
# fmt: off
PROVINCE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Sulawesi Tengah": (("Central Sulawesi",), ("Sulteng", "Sulawesi Tengah")),
    "Sulawesi Selatan": (("South Sulawesi",), ("Sulsel", "Sulawesi Selatan")),
    "Kalimantan Tengah": (("Central Kalimantan",), ("Kalteng", "Kalimantan Tengah")),
    "Kalimantan Selatan": (("South Kalimantan",), ("Kalsel", "Kalimantan Selatan")),
    "Kalimantan Barat": (("West Kalimantan",), ("Kalbar", "Kalimantan Barat")),
    "Sumatera Barat": (("West Sumatra",), ("Sumbar", "Sumatera Barat")),
    "Sumatera Utara": (("North Sumatra",), ("Sumut", "Sumatera Utara")),
    "Jawa Barat": (("West Java",), ("Jabar", "Jawa Barat")),
    "Jawa Tengah": (("Central Java",), ("Jateng", "Jawa Tengah")),
    "Jawa Timur": (("East Java",), ("Jatim", "Jawa Timur")),
    "DI Yogyakarta": (("Yogyakarta",), ("Jogja", "DIY")),
    "Nusa Tenggara Timur": (("East Nusa Tenggara (NTT)",), ("NTT", "Nusa Tenggara Timur")),
    "Nusa Tenggara Barat": (("West Nusa Tenggara",), ("NTB",)),
    "Gorontalo": (("Gorontalo",), ("Gorontalo",)),
    "Bali": (("Bali",), ("Bali",)),
}
# fmt: on

# ---------------------------------------------------------------------------------------------------------
# Craft clusters (none of them is a cluster of the first dev set)
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    key: str
    province: str
    regency: str
    villages: tuple[str, ...]
    materials: dict[str, float]
    n: int
    flavour: tuple[str, ...]  # local words for business names
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per-material override of product types
    distractors: tuple[str, ...] = ()  # non-woven goods some IKMs here also make


KAB = "Kabupaten "
# fmt: off
CLUSTERS: tuple[Cluster, ...] = (
    Cluster("palu", "Sulawesi Tengah", "Kota Palu", ("Tondo", "Kawatuna", "Layana Indah", "Talise"),
        {"rotan": 1.0}, 12, ("Tadulako", "Kaili", "Nosarara", "Sintuvu"), {"rotan": ("kursi", "meja",
        "furnitur_lain", "keranjang", "kap_lampu", "nampan")}, ("plastik",)),
    Cluster("sigi", "Sulawesi Tengah", KAB + "Sigi", ("Kalukubula", "Sidera", "Pombewe"), {"rotan": 0.7,
        "bambu": 0.3}, 7, ("Sintuvu", "Palu Ngata", "Lore")),
    Cluster("donggala", "Sulawesi Tengah", KAB + "Donggala", ("Towale", "Limboro", "Watusampu"),
        {"tenun": 1.0}, 7, ("Buya Sabe", "Donggala Kodi", "Towale")),
    Cluster("luwu_utara", "Sulawesi Selatan", KAB + "Luwu Utara", ("Baebunta", "Sabbang", "Masamba"),
        {"rotan": 1.0}, 7, ("Tana Luwu", "Sipakainge", "Lamaranginang")),
    Cluster("toraja_utara", "Sulawesi Selatan", KAB + "Toraja Utara", ("Sa'dan", "Rantepao", "Tikala"),
        {"tenun": 0.6, "bambu": 0.4}, 8, ("Tongkonan", "Pa'tannun", "Lembang")),
    Cluster("jeneponto", "Sulawesi Selatan", KAB + "Jeneponto", ("Bangkala", "Tamalatea", "Binamu"),
        {"lontar": 1.0}, 7, ("Turatea", "Butta", "Sipakatau")),
    Cluster("selayar", "Sulawesi Selatan", KAB + "Kepulauan Selayar", ("Bontomatene", "Benteng"),
        {"pandan": 0.8, "tenun": 0.2}, 5, ("Tana Doang", "Bonto", "Silajara")),
    Cluster("gorontalo", "Gorontalo", KAB + "Gorontalo", ("Limboto", "Iluta", "Hutadaa", "Batudaa"),
        {"eceng_gondok": 0.8, "rotan": 0.2}, 8, ("Huyula", "Limboto", "Duluwo")),
    Cluster("minahasa", "Sulawesi Utara", KAB + "Minahasa", ("Woloan", "Tondano", "Kakas"), {"bambu": 1.0}, 5,
        ("Mapalus", "Torang Samua", "Tou")),
    Cluster("polewali_mandar", "Sulawesi Barat", KAB + "Polewali Mandar", ("Tenggelang", "Karama",
        "Pambusuang"), {"tenun": 1.0}, 6, ("Mandar", "Sure' Pangulu", "Lipa Saqbe")),
    Cluster("kapuas", "Kalimantan Tengah", KAB + "Kapuas", ("Selat Hulu", "Mandomai", "Pulau Telo"),
        {"rotan": 0.6, "purun": 0.4}, 8, ("Huma Betang", "Tambun Bungai", "Handep")),
    Cluster("pulang_pisau", "Kalimantan Tengah", KAB + "Pulang Pisau", ("Kahayan Hilir", "Bahaur", "Pilang"),
        {"purun": 1.0}, 8, ("Handep Hapakat", "Kahayan", "Pahari")),
    Cluster("banjarbaru", "Kalimantan Selatan", "Kota Banjarbaru", ("Palam", "Guntung Manggis", "Cempaka"),
        {"purun": 1.0}, 6, ("Galuh", "Bubuhan", "Palam Lestari")),
    Cluster("barito_kuala", "Kalimantan Selatan", KAB + "Barito Kuala", ("Anjir Pasar", "Tabunganen"),
        {"purun": 0.6, "eceng_gondok": 0.4}, 5, ("Batola", "Bakumpai", "Paman")),
    Cluster("sintang", "Kalimantan Barat", KAB + "Sintang", ("Ensaid Panjang", "Kelam", "Baning"),
        {"tenun": 0.6, "rotan": 0.4}, 8, ("Kebun Sayong", "Dara", "Menua")),
    Cluster("sambas", "Kalimantan Barat", KAB + "Sambas", ("Sumber Harapan", "Jagur", "Tanjung Mekar"),
        {"tenun": 1.0}, 6, ("Benang Emas", "Sambas Berseri", "Serumpun")),
    Cluster("kutai_barat", "Kalimantan Timur", KAB + "Kutai Barat", ("Eheng", "Tanjung Isuy", "Melak"),
        {"rotan": 1.0}, 6, ("Benuaq", "Lou", "Sendawar")),
    Cluster("samarinda", "Kalimantan Timur", "Kota Samarinda", ("Sengkang Seberang", "Baqa", "Masjid"),
        {"tenun": 1.0}, 6, ("Sutera Mahakam", "Tepian", "Samarendah"), {"tenun": ("sarung", "kain", "syal",
        "dompet")}),
    Cluster("malinau", "Kalimantan Utara", KAB + "Malinau", ("Setulang", "Long Loreh", "Malinau Kota"),
        {"rotan": 0.6, "bambu": 0.4}, 4, ("Lepo Tau", "Intimung", "Kenyah")),
    Cluster("tanah_datar", "Sumatera Barat", KAB + "Tanah Datar", ("Pandai Sikek", "Lima Kaum", "Koto Baru"),
        {"tenun": 1.0}, 7, ("Saiyo Sakato", "Bundo", "Luhak Nan Tuo"), {"tenun": ("kain", "syal", "sarung",
        "tas", "dompet")}),
    Cluster("padang_pariaman", "Sumatera Barat", KAB + "Padang Pariaman", ("Sungai Sariak", "Kayu Tanam"),
        {"pandan": 1.0}, 6, ("Piaman", "Saiyo", "Sakato")),
    Cluster("pesisir_selatan", "Sumatera Barat", KAB + "Pesisir Selatan", ("Painan", "Salido", "Kambang"),
        {"pandan": 1.0}, 5, ("Rang Pasisia", "Bayang", "Mandeh")),
    Cluster("tapanuli_utara", "Sumatera Utara", KAB + "Tapanuli Utara", ("Muara", "Sipoholon", "Tarutung"),
        {"tenun": 1.0}, 6, ("Horas", "Dalihan Natolu", "Silindung"), {"tenun": ("kain", "syal", "sarung",
        "tas")}),
    Cluster("toba", "Sumatera Utara", KAB + "Toba", ("Balige", "Laguboti", "Porsea"), {"eceng_gondok": 0.6,
        "tenun": 0.4}, 6, ("Toba Nauli", "Horas", "Samosir Jaya")),
    Cluster("banyuasin", "Sumatera Selatan", KAB + "Banyuasin", ("Pangkalan Balai", "Talang Kelapa"),
        {"purun": 1.0}, 5, ("Sedulang Setudung", "Serasan", "Bumi Sedulang")),
    Cluster("tanjabbar", "Jambi", KAB + "Tanjung Jabung Barat", ("Kuala Tungkal", "Teluk Nilau"),
        {"lidi": 0.7, "pandan": 0.3}, 5, ("Serengkuh Dayung", "Tungkal", "Pelita")),
    Cluster("bengkalis", "Riau", KAB + "Bengkalis", ("Bantan", "Meskom", "Selat Baru"), {"pandan": 0.7,
        "lidi": 0.3}, 4, ("Junjungan", "Negeri Junjungan", "Lancang Kuning")),
    Cluster("pandeglang", "Banten", KAB + "Pandeglang", ("Cibaliung", "Labuan", "Menes"), {"pandan": 0.6,
        "bambu": 0.4}, 6, ("Berkah", "Kawasan Selatan", "Pandeglang Berkah")),
    Cluster("ciamis", "Jawa Barat", KAB + "Ciamis", ("Pasirtamiang", "Kawali", "Sadananya", "Panjalu"),
        {"mendong": 0.5, "bambu": 0.3, "lidi": 0.2}, 8, ("Galuh", "Someah", "Tresna")),
    Cluster("bandung_barat", "Jawa Barat", KAB + "Bandung Barat", ("Cisarua", "Lembang", "Cililin"),
        {"bambu": 1.0}, 6, ("Awi", "Pasundan", "Cipta Karya")),
    Cluster("bandung", "Jawa Barat", KAB + "Bandung", ("Majalaya", "Dayeuhkolot", "Baleendah"),
        {"eceng_gondok": 1.0}, 4, ("Citarum", "Harum", "Ngariung")),
    Cluster("pangandaran", "Jawa Barat", KAB + "Pangandaran", ("Cimerak", "Parigi", "Cijulang"), {"lidi": 0.6,
        "pandan": 0.4}, 5, ("Pesisir", "Karya Sawargi", "Ombak")),
    Cluster("magelang", "Jawa Tengah", KAB + "Magelang", ("Muntilan", "Borobudur", "Salaman", "Ngluwar"),
        {"bambu": 1.0}, 8, ("Guyub Rukun", "Ngudi Rejeki", "Menoreh"), {}, ("kayu",)),
    Cluster("cilacap", "Jawa Tengah", KAB + "Cilacap", ("Kroya", "Adipala", "Binangun"), {"pandan": 1.0}, 5,
        ("Segara Anakan", "Maju Makmur", "Sekar")),
    Cluster("klaten", "Jawa Tengah", KAB + "Klaten", ("Pedan", "Cawas", "Trucuk", "Bayat"), {"tenun": 0.5,
        "eceng_gondok": 0.5}, 8, ("Lurik", "Ngudi Makmur", "Sido Mulyo"), {"tenun": ("kain", "syal", "tas",
        "dompet", "sarung")}, ("gerabah", "plastik")),
    Cluster("kulon_progo", "DI Yogyakarta", KAB + "Kulon Progo", ("Sentolo", "Nanggulan", "Pengasih"),
        {"mendong": 0.6, "pandan": 0.4}, 7, ("Binangun", "Menoreh", "Mulyo")),
    Cluster("gunungkidul", "DI Yogyakarta", KAB + "Gunungkidul", ("Semin", "Bobung", "Playen", "Wonosari"),
        {"pandan": 0.4, "bambu": 0.4, "lidi": 0.2}, 7, ("Handayani", "Sekar Arum", "Rejeki"), {}, ("kayu",)),
    Cluster("malang", "Jawa Timur", KAB + "Malang", ("Pakis", "Turen", "Dampit"), {"bambu": 0.6,
        "rotan": 0.4}, 5, ("Arema", "Kanjuruhan", "Tumapel"), {}, ("plastik",)),
    Cluster("sumenep", "Jawa Timur", KAB + "Sumenep", ("Pakandangan", "Lenteng", "Gapura"), {"lontar": 1.0},
        6, ("Sumekar", "Madura Jaya", "Keraton")),
    Cluster("tuban", "Jawa Timur", KAB + "Tuban", ("Kerek", "Gaji", "Jenu"), {"tenun": 0.6, "lontar": 0.4}, 6,
        ("Gedog", "Ronggolawe", "Bumi Wali"), {"tenun": ("kain", "syal", "tas", "sarung")}),
    Cluster("bangli", "Bali", KAB + "Bangli", ("Belega", "Kubu", "Susut", "Penglipuran"), {"bambu": 1.0}, 7,
        ("Tiying Sari", "Santhi", "Giri Kencana")),
    Cluster("tabanan", "Bali", KAB + "Tabanan", ("Marga", "Kediri", "Penebel"), {"lidi": 0.6, "bambu": 0.4},
        4, ("Jagaraga", "Sekar Jepun", "Mertha")),
    Cluster("klungkung", "Bali", KAB + "Klungkung", ("Gelgel", "Kamasan", "Dawan"), {"tenun": 1.0}, 7,
        ("Endek Sari", "Semarapura", "Sekar Jagat"), {"tenun": ("kain", "syal", "sarung", "tas", "dompet")}),
    Cluster("lombok_utara", "Nusa Tenggara Barat", KAB + "Lombok Utara", ("Tanjung", "Gangga", "Bayan"),
        {"ketak": 0.7, "bambu": 0.3}, 8, ("Tioq Tata Tunaq", "Gumi Dayan", "Bayan Asri")),
    Cluster("mataram", "Nusa Tenggara Barat", "Kota Mataram", ("Karang Pule", "Sekarbela", "Ampenan"),
        {"ketak": 0.6, "tenun": 0.4}, 6, ("Patut Patuh", "Selaparang", "Tastura"), {}, ("gerabah",)),
    Cluster("bima", "Nusa Tenggara Barat", KAB + "Bima", ("Ntobo", "Raba", "Sila"), {"tenun": 1.0}, 6,
        ("Maja Labo Dahu", "Tembe Nggoli", "Dana Mbojo")),
    Cluster("sikka", "Nusa Tenggara Timur", KAB + "Sikka", ("Nita", "Sikka", "Watublapi", "Ladogahar"),
        {"tenun": 1.0}, 8, ("Lepo", "Sikka Krowe", "Gawi"), {"tenun": ("kain", "sarung", "syal", "tas",
        "dompet")}),
    Cluster("tts", "Nusa Tenggara Timur", KAB + "Timor Tengah Selatan", ("Niki-Niki", "Boti", "Kapan"),
        {"tenun": 1.0}, 6, ("Atoin Meto", "Mollo", "Amanuban")),
    Cluster("kupang", "Nusa Tenggara Timur", KAB + "Kupang", ("Oelnasi", "Babau", "Camplong"),
        {"lontar": 1.0}, 7, ("Flobamora", "Koli", "Nekaf")),
    Cluster("sabu_raijua", "Nusa Tenggara Timur", KAB + "Sabu Raijua", ("Seba", "Menia", "Mesara"),
        {"lontar": 0.6, "tenun": 0.4}, 5, ("Rai Hawu", "Do Hawu", "Wini")),
    Cluster("ngada", "Nusa Tenggara Timur", KAB + "Ngada", ("Bena", "Bajawa", "Langa"), {"bambu": 0.6,
        "tenun": 0.4}, 5, ("Reba", "Inerie", "Bajawa Permai")),
    Cluster("jayapura", "Papua", KAB + "Jayapura", ("Sentani", "Asei", "Doyo Baru"), {"rotan": 1.0}, 3,
        ("Isasai", "Khena Mbai", "Phuyakha"), {}, ("serat_kayu",)),
)
# fmt: on
# fmt: off
DISTRACTOR_ONLY = (  # (cluster key, distractor material, how many IKMs make nothing but that)
    ("magelang", "kayu", 3),
    ("gunungkidul", "kayu", 3),
    ("klaten", "gerabah", 3),
    ("sumenep", "batik", 3),
    ("tuban", "batik", 2),
    ("malang", "plastik", 2),
    ("mataram", "gerabah", 2),
    ("jayapura", "serat_kayu", 2),
    ("minahasa", "kayu", 2),
    ("bandung_barat", "kulit", 2),
)
# fmt: on

# fmt: off
DEFAULT_TYPES: dict[str, tuple[tuple[str, float], ...]] = {
    "pandan": (("tas", 3), ("dompet", 2), ("tikar", 2), ("topi", 2), ("kotak", 1.5), ("keranjang", 1),
        ("tatakan", 1), ("tempat_tisu", 1), ("tudung_saji", 0.5)),
    "mendong": (("tikar", 3), ("tas", 2), ("tatakan", 2), ("keranjang", 1.5), ("kotak", 1.5), ("dompet", 1),
        ("keset", 1), ("topi", 0.5)),
    "purun": (("tikar", 3), ("tas", 3), ("topi", 2), ("dompet", 1.5), ("keranjang", 1), ("tatakan", 1)),
    "lidi": (("nampan", 3), ("keranjang", 2), ("tatakan", 2), ("kotak", 1), ("tudung_saji", 1.5), ("vas", 1),
        ("tempat_tisu", 1)),
    "lontar": (("topi", 3), ("kotak", 2), ("tas", 2), ("keranjang", 1.5), ("tatakan", 1), ("nampan", 1),
        ("tempat_tisu", 0.5)),
    "bambu": (("kap_lampu", 3), ("keranjang", 2.5), ("nampan", 1.5), ("kursi", 1.5), ("meja", 1),
        ("furnitur_lain", 1), ("tudung_saji", 1), ("vas", 1), ("tempat_tisu", 0.5), ("tatakan", 0.5)),
    "rotan": (("keranjang", 3), ("kursi", 2.5), ("meja", 1.5), ("furnitur_lain", 1.5), ("kap_lampu", 1.5),
        ("nampan", 1.5), ("tas", 1), ("tudung_saji", 0.5), ("vas", 0.5), ("kotak", 0.5)),
    "ketak": (("tas", 2.5), ("kotak", 2.5), ("nampan", 1.5), ("tempat_tisu", 1.5), ("tatakan", 1),
        ("keranjang", 1), ("dompet", 1), ("vas", 0.5)),
    "eceng_gondok": (("keranjang", 3), ("kotak", 2), ("tas", 2), ("keset", 1), ("tempat_tisu", 1), ("kursi",
        1), ("furnitur_lain", 0.5), ("tatakan", 1), ("nampan", 0.5)),
    "tenun": (("kain", 3), ("syal", 2.5), ("sarung", 2), ("tas", 1.5), ("dompet", 1)),
}
# fmt: on

# ---------------------------------------------------------------------------------------------------------
# Words: how IKM catalogues write materials and product types
# ---------------------------------------------------------------------------------------------------------

# fmt: off
MATERIAL_CELL: dict[str, tuple[str, ...]] = {
    "pandan": ("Pandan", "pandan duri", "daun pandan", "Pandan laut", "PANDAN", "pandan (warna alam)"),
    "mendong": ("Mendong", "mendong kering", "rumput mendong", "Mendong + lapis kain", "MENDONG"),
    "purun": ("Purun", "purun danau", "purun tikus", "Purun (Lepironia)", "purun kering", "PURUN"),
    "lidi": ("Lidi", "lidi kelapa", "lidi sawit", "lidi nipah", "Lidi daun kelapa"),
    "lontar": ("Lontar", "daun lontar", "daun siwalan", "Daun koli (lontar)", "lontar kering"),
    "bambu": ("Bambu", "bambu apus", "bambu tali", "bambu wulung", "Bamboo", "bambu petung", "bambu hitam"),
    "rotan": ("Rotan", "rotan manau", "rotan pitrit", "rotan sega", "mix rotan + kayu", "Rattan",
        "rotan alam", "rotan tohiti"),
    "ketak": ("Ketak", "ketak hitam", "Ketak (Lygodium)", "ketak asli lombok", "KETAK"),
    "eceng_gondok": ("Eceng gondok", "Enceng gondok", "eceng", "water hyacinth", "eceng gondok kering"),
    "tenun": ("Tenun ikat", "kain tenun", "Songket", "Tenun ATBM", "tenun gedogan", "Tenun sutera",
        "benang katun, tenun tangan"),
}
# fmt: on
# fmt: off
MATERIAL_WORD: dict[str, tuple[str, ...]] = {  # as written inside names and descriptions
    "pandan": ("pandan", "Pandan", "pandan duri", "daun pandan"),
    "mendong": ("mendong", "Mendong"),
    "purun": ("purun", "Purun", "purun danau"),
    "lidi": ("lidi", "Lidi", "lidi kelapa", "lidi nipah"),
    "lontar": ("lontar", "Lontar", "daun lontar", "siwalan"),
    "bambu": ("bambu", "Bambu", "bamboo", "bambu apus"),
    "rotan": ("rotan", "Rotan", "rattan", "rotan manau"),
    "ketak": ("ketak", "Ketak"),
    "eceng_gondok": ("eceng gondok", "Enceng Gondok", "eceng", "water hyacinth"),
    "tenun": ("tenun ikat", "Tenun", "songket", "tenun"),
}
# fmt: on
# fmt: off
CATEGORY_CELL: dict[str, tuple[str, ...]] = {
    "tas": ("Tas", "tas wanita", "Fashion", "Bag", "Aksesoris", ""),
    "dompet": ("Dompet", "Aksesoris", "fashion", "pouch", ""),
    "keranjang": ("Keranjang", "Home decor", "Storage", "perlengkapan rumah", "Kerajinan", ""),
    "kotak": ("Kotak", "Box", "souvenir", "Storage", "Kerajinan", ""),
    "tikar": ("Tikar", "Karpet & Tikar", "perlengkapan rumah", ""),
    "topi": ("Topi", "Fashion", "aksesoris", ""),
    "nampan": ("Nampan", "baki", "Peralatan makan", "Dapur", "Home decor"),
    "tatakan": ("Tatakan", "Table ware", "Peralatan makan", "alas", ""),
    "kap_lampu": ("Lampu", "Kap lampu", "Home decor", "Lighting", ""),
    "kursi": ("Kursi", "Furniture", "perabot", "Mebel", ""),
    "meja": ("Meja", "Furniture", "mebel", "perabot", ""),
    "furnitur_lain": ("Furniture", "Mebel", "perabot", "Interior", ""),
    "kain": ("Kain", "Kain tenun", "Wastra", "Tekstil", ""),
    "sarung": ("Sarung", "Kain", "Wastra", "Fashion", ""),
    "syal": ("Syal", "Selendang", "Fashion", "Aksesoris", ""),
    "tempat_tisu": ("Tempat tisu", "Home decor", "Kerajinan", ""),
    "vas": ("Vas", "Home decor", "Dekorasi", ""),
    "keset": ("Keset", "perlengkapan rumah", "Home decor", ""),
    "tudung_saji": ("Tudung saji", "Dapur", "Peralatan makan", "Kerajinan"),
}
# fmt: on
# fmt: off
TYPE_NOUN_ID: dict[str, tuple[str, ...]] = {
    "tas": ("Tas Jinjing", "Tas Selempang", "Tas Pantai", "Totebag", "Tas Belanja", "tas bahu", "Tas Tangan"),
    "dompet": ("Dompet", "Dompet Koin", "Clutch", "Pouch", "dompet kartu"),
    "keranjang": ("Keranjang Cucian", "Keranjang Bulat", "Keranjang Parsel", "Bakul", "keranjang serbaguna",
        "Keranjang Buah", "Keranjang Tutup"),
    "kotak": ("Kotak Serbaguna", "Box", "Kotak Perhiasan", "kotak penyimpanan", "Kotak Tutup", "Besek"),
    "tikar": ("Tikar", "Tikar Lipat", "tikar gulung", "Tikar Sholat", "Lampit"),
    "topi": ("Topi Pantai", "Topi", "topi koboi", "Caping", "Topi Lebar"),
    "nampan": ("Nampan", "Talam", "Baki Saji", "nampan oval"),
    "tatakan": ("Tatakan Gelas", "Alas Piring", "Placemat", "tatakan gelas", "Tatakan Piring"),
    "kap_lampu": ("Kap Lampu", "Lampu Gantung", "kap lampu gantung", "Cover Lampu"),
    "kursi": ("Kursi Teras", "Kursi Makan", "kursi santai", "Stool", "Kursi Malas", "Kursi Tamu"),
    "meja": ("Meja Tamu", "Meja Kopi", "meja samping", "Meja Makan"),
    "furnitur_lain": ("Lemari", "Rak Susun", "Sekat Ruangan", "Sofa", "Headboard", "Nakas", "Partisi"),
    "kain": ("Kain", "Kain Tenun", "kain lembaran", "Wastra"),
    "sarung": ("Sarung", "Lipa", "sarung tenun", "Sarung Sutera"),
    "syal": ("Syal", "Selendang", "Scarf", "selendang"),
    "tempat_tisu": ("Tempat Tisu", "Kotak Tisu", "tempat tissue"),
    "vas": ("Vas Bunga", "Vas", "Cover Pot", "vas bunga"),
    "keset": ("Keset", "Keset Kaki", "keset"),
    "tudung_saji": ("Tudung Saji", "tudung saji", "Tutup Saji"),
}
# fmt: on
# fmt: off
TYPE_NOUN_EN: dict[str, tuple[str, ...]] = {
    "tas": ("Tote Bag", "Beach Bag", "Shoulder Bag", "Handbag"),
    "dompet": ("Clutch", "Coin Purse", "Wallet", "Pouch"),
    "keranjang": ("Laundry Basket", "Storage Basket", "Basket", "Picnic Basket"),
    "kotak": ("Storage Box", "Gift Box", "Box with Lid"),
    "tikar": ("Floor Mat", "Sleeping Mat", "Picnic Mat"),
    "topi": ("Sun Hat", "Fedora Hat", "Beach Hat"),
    "nampan": ("Serving Tray", "Tray"),
    "tatakan": ("Placemat", "Coaster Set"),
    "kap_lampu": ("Lampshade", "Pendant Lamp Shade"),
    "kursi": ("Lounge Chair", "Dining Chair", "Bar Stool", "Armchair"),
    "meja": ("Coffee Table", "Side Table"),
    "furnitur_lain": ("Room Divider", "Shelf", "Cabinet", "Daybed"),
    "kain": ("Fabric", "Handwoven Cloth"),
    "sarung": ("Sarong",),
    "syal": ("Scarf", "Shawl"),
    "tempat_tisu": ("Tissue Box", "Tissue Holder"),
    "vas": ("Vase",),
    "keset": ("Doormat",),
    "tudung_saji": ("Food Cover",),
}
# fmt: on
# fmt: off
DISTRACTOR_GOODS: dict[str, tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]] = {
    "kayu": (("ukiran", "Ukiran", ("Topeng Kayu Pule", "Patung Kayu Loro Blonyo", "ukiran kayu jati"),
        ("Kayu pule", "kayu jati", "Kayu")), ("nampan", "Dapur", ("Nampan Kayu Jati",
        "Talenan + nampan kayu mahoni"), ("Kayu jati", "mahoni")), ("kursi", "Mebel",
        ("Kursi Kayu Jati Minimalis", "Kursi Teras Kayu Mahoni"), ("kayu jati",))),
    "gerabah": (("vas", "Home decor", ("Vas Gerabah Tanah Liat", "Pot gerabah motif"), ("Gerabah",
        "tanah liat")), ("peralatan_dapur", "Dapur", ("Cobek Gerabah", "Kendi tanah liat"), ("Tanah liat",))),
    "batik": (("kain", "Kain", ("Kain Batik Tulis", "Batik cap motif kawung"), ("Batik", "katun primisima")),
        ("syal", "Fashion", ("Selendang Batik Tulis", "scarf batik sutra"), ("batik",)), ("pakaian",
        "Fashion", ("Kemeja Batik Pria",), ("katun",))),
    "kulit": (("dompet", "Aksesoris", ("Dompet Kulit Sapi Asli", "dompet kulit domba"), ("Kulit sapi",
        "kulit")), ("tas", "Fashion", ("Tas Kulit Wanita", "Sling bag kulit"), ("Kulit asli",))),
    "plastik": (("kursi", "Furniture", ("Kursi Rotan Sintetis Outdoor", "Kursi Teras Rotan Sintetis"),
        ("Rotan sintetis", "synthetic rattan (PE)")), ("keranjang", "Storage", ("Keranjang Rotan Sintetis",
        "keranjang anyam plastik"), ("rotan sintetis", "Plastik PE"))),
    "serat_kayu": (("tas", "Tas", ("Noken Kulit Kayu", "Noken serat kayu asli"), ("Serat kulit kayu",
        "kulit kayu")),),
}
# fmt: on
# fmt: off
TEXTILE_BITS = (
    "ready stock", "bisa PO", "PO 1 bulan", "benang katun", "motif bs request",
    "pewarna alam (akar mengkudu, nila)", "dikerjakan mama2 penenun", "1 lembar butuh 2-3 minggu",
    "export quality", "cocok utk seragam & souvenir", "harga nego utk partai besar",
    "warna bisa luntur sedikit krn alami",
)
# fmt: on
# fmt: off
COLOURS = (
    "natural", "hitam", "coklat tua", "putih gading", "mix warna", "merah marun", "hijau army", "salem",
    "abu2", "tosca", "warna alam", "krem",
)
# fmt: on
# fmt: off
DESC_BITS = (
    "ready stock", "bisa PO", "PO 2 minggu", "bs custom ukuran", "harga grosir utk pembelian banyak",
    "handmade", "export quality", "dikerjakan ibu2 pengrajin desa", "finishing melamin doff",
    "tanpa pewarna kimia", "free logo min 100pcs", "anyaman rapat", "kuat & awet", "best seller",
    "cocok utk souvenir", "cocok buat hampers", "bisa kirim ke luar pulau", "tersedia berbagai ukuran",
    "dijemur matahari bukan oven", "ada sedikit perbedaan warna krn handmade", "nego utk partai besar",
)
# fmt: on

# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------


def weighted(rng: random.Random, items: Sequence[tuple[str, float]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def nice(x: float) -> int:
    """Round to a number a person would write (2 significant digits, 5s and 10s)."""
    if x < 20:
        return max(5, int(round(x / 5) * 5))
    magnitude = 10 ** int(math.floor(math.log10(x)) - 1)
    step = magnitude * 5 if x >= 1000 else magnitude
    return int(round(x / step) * step)


def round_quantity(x: float) -> int:
    """A buyer's order quantity: rounder than a capacity (10s below 100, 50s below 1,000, else 500s)."""
    step = 10 if x < 100 else 50 if x < 1000 else 500
    return max(step, int(round(x / step) * step))


def id_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def en_number(n: int) -> str:
    return f"{n:,}"


def typo(rng: random.Random, text: str, p: float) -> str:
    """Now and then swap or drop one letter of a longer word (never the first one)."""
    if rng.random() >= p:
        return text
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(2, len(w) - 1)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.5 else w[:j] + w[j + 1 :]
    return " ".join(words)


# ---------------------------------------------------------------------------------------------------------
# IKMs and products
# ---------------------------------------------------------------------------------------------------------

# fmt: off
NAME_PREFIX = (
    "UD", "CV", "KUB", "Kelompok Pengrajin", "Sanggar", "Galeri", "Koperasi", "PT", "Rumah Anyam", "Griya",
    "UMKM", "Workshop", "IKM", "Bengkel Kriya", "Pondok",
)
# fmt: on
# fmt: off
MATERIAL_NAME = {
    "pandan": ("Pandan", "Anyaman Pandan", "Pandan Craft"),
    "mendong": ("Mendong", "Anyaman Mendong"),
    "purun": ("Purun", "Anyaman Purun", "Purun Craft"),
    "lidi": ("Lidi", "Anyaman Lidi", "Lidi Art"),
    "lontar": ("Lontar", "Anyaman Lontar", "Siwalan"),
    "bambu": ("Bambu", "Bamboo", "Bambu Craft"),
    "rotan": ("Rotan", "Rattan", "Rotan Furniture"),
    "ketak": ("Ketak", "Ketak Art", "Anyaman Ketak"),
    "eceng_gondok": ("Eceng Gondok", "Enceng", "Hyacinth Craft"),
    "tenun": ("Tenun", "Wastra", "Tenun Ikat"),
}
# fmt: on
# fmt: off
DISTRACTOR_NAME = {
    "kayu": ("Ukir", "Kayu Jati", "Woodcraft"),
    "gerabah": ("Gerabah", "Keramik"),
    "batik": ("Batik", "Batik Tulis"),
    "kulit": ("Kulit", "Leather"),
    "plastik": ("Furniture Outdoor", "Synthetic Rattan"),
    "serat_kayu": ("Noken",),
}
# fmt: on
# fmt: off
FIRST_NAMES = (
    "Siti", "Nurhayati", "Made", "Ketut", "Yohana", "Maria", "Hasanuddin", "Rahmat", "Wayan", "Sri",
    "Yuliana", "Fransiska", "Abdul", "Dewi", "Herlina", "Agustinus", "Nyoman", "Baiq", "Lalu", "Marlina",
    "Rusdi", "Yosef", "Hendrik", "Fatimah", "Rosmini", "Ahmad", "Kornelis",
)
# fmt: on
# fmt: off
LAST_NAMES = (
    "Lamba", "Daeng", "Sitompul", "Harahap", "Wulan", "Koten", "Nggadas", "Suryani", "Pratama", "Rahayu",
    "Hidayat", "Tamba", "Sulistyo", "Bria", "Ama", "Gani", "Mokoginta", "Lumban Gaol", "Saputra", "Arifin",
    "Wahyuni", "Lado", "Ndun", "Kaunang",
)
# fmt: on
# fmt: off
MARKETS = (
    "Jepang", "Korea Selatan", "Belanda", "Australia", "Amerika", "Malaysia", "Singapura", "Jerman",
    "Perancis", "UEA", "Taiwan", "Inggris",
)
# fmt: on


def capacity_for(rng: random.Random, pairs: list[tuple[str, str]]) -> int:
    categories = {c for _, c in pairs}
    if categories & set(FURNITURE):
        low, high = 15, 400
    elif categories <= set(TEXTILE) | {"tas", "dompet"} and any(m == "tenun" for m, _ in pairs):
        low, high = 20, 600
    else:
        low, high = 60, 6000
    return nice(math.exp(rng.uniform(math.log(low), math.log(high))))


def certs_for(rng: random.Random, cluster: Cluster, materials: list[str]) -> list[str]:
    out: set[str] = set()
    if {"rotan", "bambu"} & set(materials) and rng.random() < 0.3:
        out.add("SVLK")
    if "tenun" in materials:
        if rng.random() < 0.4:
            out.add("NATURAL_DYES")
        if (
            cluster.key in ("sikka", "sambas", "tanah_datar", "klungkung", "tts", "donggala")
            and rng.random() < 0.4
        ):
            out.add("INDIKASI_GEOGRAFIS")
    elif rng.random() < 0.06:
        out.add("NATURAL_DYES")
    for cert, p in (("FAIR_TRADE", 0.1), ("SNI", 0.1), ("ISO9001", 0.06), ("GPSR", 0.05), ("REACH", 0.05)):
        if rng.random() < p:
            out.add(cert)
    return [c for c in CERTS if c in out]


# fmt: off
CERT_CELL = {
    "SVLK": ("SVLK", "SVLK/V-Legal", "sertifikat SVLK"),
    "FAIR_TRADE": ("Fair Trade", "Fairtrade (WFTO)"),
    "SNI": ("SNI",),
    "ISO9001": ("ISO 9001", "ISO 9001:2015"),
    "NATURAL_DYES": ("Pewarna alami", "Natural dyes"),
    "INDIKASI_GEOGRAFIS": ("Indikasi Geografis", "IG terdaftar"),
    "GPSR": ("GPSR",),
    "REACH": ("REACH", "uji REACH"),
}
# fmt: on


def ikm_name(rng: random.Random, cluster: Cluster, materials: list[str], used: set[str]) -> str:
    while True:
        prefix = rng.choice(NAME_PREFIX)
        local = rng.choice(cluster.flavour)
        mat = rng.choice(
            MATERIAL_NAME[materials[0]] if materials[0] in MATERIAL_NAME else DISTRACTOR_NAME[materials[0]]
        )
        style = rng.randrange(4)
        if style == 0:
            name = f"{prefix} {mat} {local}"
        elif style == 1:
            name = f"{prefix} {local}"
        elif style == 2:
            name = f"{local} {mat}"
        else:
            name = f"{rng.choice(('CV.', 'UD.', 'PT.'))} {local} {mat}"
        if rng.random() < 0.15:
            name = name.upper()
        if name not in used:
            used.add(name)
            return name


# fmt: off
DISTRACTOR_OPENERS = {
    "kayu": ("Pengrajin ukir kayu (topeng, patung, peralatan dapur kayu jati) dr {village}, {regency}.",
        "Usaha kerajinan kayu sejak {year}, bahan jati & mahoni, semua dikerjakan tangan."),
    "gerabah": ("Sentra gerabah tanah liat di {village}, {regency}. Vas, pot, kendi, cobek.",
        "Pengrajin keramik & gerabah putaran miring khas {village} sejak {year}."),
    "batik": ("Produksi batik tulis & cap khas {regency} sejak {year}. Kain, selendang, kemeja.",
        "Rumah batik di {village}, pewarna sintetis & alam. Terima pesanan seragam."),
    "kulit": ("Pengrajin tas & dompet kulit asli (sapi, domba) dr {regency}.",
        "Workshop leather goods di {village} sejak {year}, jahit tangan."),
    "plastik": ("Produsen furniture outdoor rotan sintetis (PE, BUKAN rotan alam), tahan hujan & panas.",
        "Pabrik kecil anyaman plastik/rotan sintetis di {village}, {regency}, utk kursi & keranjang."),
    "serat_kayu": ("Mama-mama pengrajin noken kulit kayu dr {village}, {regency}.",
        "Noken asli serat kulit kayu & anggrek hutan, dirajut tangan sejak {year}."),
}
# fmt: on


def distractor_description(
    rng: random.Random, material: str, village: str, regency: str, year: int, capacity: int
) -> str:
    opener = rng.choice(DISTRACTOR_OPENERS[material]).format(village=village, regency=regency, year=year)
    tail = rng.choice(
        (f"kapasitas {id_number(capacity)} pcs/bln", "WA utk katalog", "bisa kirim ke luar kota", "")
    )
    return typo(rng, f"{opener} {tail}".strip(), 0.15)


def ikm_description(
    rng: random.Random,
    cluster: Cluster,
    village: str,
    materials: list[str],
    pairs: list[tuple[str, str]],
    capacity: int,
    distractors: list[str],
) -> str:
    regency = cluster.regency.replace(KAB, "")
    year = rng.randrange(1998, 2022)
    if materials[0] not in MATERIALS:
        return distractor_description(rng, materials[0], village, regency, year, capacity)
    mat = " & ".join(rng.choice(MATERIAL_WORD[m]) for m in materials)
    goods = [rng.choice(TYPE_NOUN_ID[c]).lower() for m, c in pairs if m in MATERIALS]
    goods = list(dict.fromkeys(goods))[:4]
    craft = "tenun" if materials == ["tenun"] else "anyaman"
    openers = (
        f"Kami pengrajin {mat} dr desa {village}, {regency}.",
        f"usaha keluarga sejak {year}, produksi kerajinan {mat} khas {regency}",
        f"IKM {mat} binaan dinas, lokasi di {village} kec. {rng.choice(cluster.villages)}.",
        f"Sentra {craft} {mat} di {village}. Pengrajin kebanyakan ibu rumah tangga.",
        f"Handmade {mat} from {village}, {regency}. Melayani pesanan partai besar & kecil.",
    )
    parts = [rng.choice(openers)]
    if goods:
        goods_text = ", ".join(goods)
        parts.append(
            rng.choice(
                (
                    f"Produk: {goods_text}.",
                    f"bikin {goods_text} dll",
                    f"produk kami antara lain {goods_text}",
                    f"Best seller: {goods_text}.",
                )
            )
        )
    if distractors:
        extra = {
            "kayu": "ukiran kayu",
            "gerabah": "gerabah",
            "batik": "batik tulis",
            "kulit": "produk kulit",
            "plastik": "furniture rotan sintetis (outdoor)",
            "serat_kayu": "noken kulit kayu",
        }
        parts.append(f"Selain itu jg terima pesanan {', '.join(extra[d] for d in distractors)}.")
    cap = rng.choice(
        (
            f"kapasitas +/- {id_number(capacity)} pcs/bln",
            f"sebulan bisa {id_number(capacity)} pcs",
            f"produksi max {id_number(capacity)}/bulan",
            "",
        )
    )
    if cap:
        parts.append(cap)
    parts.append(
        rng.choice(
            (
                "WA aja kak",
                "Bisa custom warna & ukuran.",
                "sdh pernah ikut pameran INACRAFT",
                "Terima reseller.",
                "open order utk hotel & resort",
                "utk ekspor hubungi pengurus",
                "",
            )
        )
    )
    text = " ".join(p for p in parts if p)
    return typo(rng, text, 0.2)


def product_rows(
    rng: random.Random, ikm_id: str, pairs: list[tuple[str, str]], clustername: str, counter: list[int]
) -> list[dict[str, str]]:
    rows = []
    for material, category in pairs:
        for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 1))[0]):
            rows.append(woven_product(rng, material, category, clustername))
    rng.shuffle(rows)
    out = []
    for row in rows:
        counter[0] += 1
        out.append({"product_id": f"Q{counter[0]:05d}", "ikm_id": ikm_id, **row})
    return out


def woven_product(rng: random.Random, material: str, category: str, place: str) -> dict[str, str]:
    mat_cell = rng.choice(MATERIAL_CELL[material]) if rng.random() > 0.12 else ""
    mat_word = rng.choice(MATERIAL_WORD[material])
    english = rng.random() < 0.18
    colour = rng.choice(COLOURS)
    size = rng.choice(
        (
            f"{rng.randrange(15, 60)}x{rng.randrange(10, 45)}cm",
            f"d{rng.randrange(20, 60)} cm",
            f"uk. {rng.randrange(20, 50)} x {rng.randrange(20, 50)}",
            "set 3",
            "set isi 3",
            "jumbo",
            "size M",
            "",
        )
    )
    if category in TEXTILE:
        size = rng.choice(("2 x 1 m", "180x60cm", "1,8 m x 70 cm", "200 x 110", ""))
    if category in FURNITURE:
        size = rng.choice(("set 1+2", "uk 60x60", "tinggi 75cm", "minimalis", "model bulat", ""))
    need_material_in_name = not mat_cell or rng.random() < 0.75
    if english:
        noun = rng.choice(TYPE_NOUN_EN[category])
        mat_en = {
            "rotan": "Rattan",
            "bambu": "Bamboo",
            "eceng_gondok": "Water Hyacinth",
            "tenun": "Ikat",
            "lidi": "Lidi Stick",
            "lontar": "Lontar Palm",
        }.get(material, material.capitalize())
        name = f"{mat_en} {noun}" if need_material_in_name else noun
        name += f" {size}" if size and rng.random() < 0.5 else ""
        desc_parts = [
            f"Handwoven {mat_en.lower()} {noun.lower()}",
            rng.choice(("natural colour", colour)),
            rng.choice(TEXTILE_BITS if material == "tenun" else DESC_BITS),
        ]
    else:
        noun = rng.choice(TYPE_NOUN_ID[category])
        style = rng.randrange(4)
        if not need_material_in_name:
            shapes = (
                ("Motif Klasik", "Premium", "Motif Etnik") if category in TEXTILE else ("Model Bulat", "Mini")
            )
            name = f"{noun} {rng.choice((*shapes, 'Motif Kotak', 'Klasik', colour))}"
        elif style == 0:
            name = f"{noun} {mat_word} {rng.choice(('Motif Garis', 'Motif Etnik', 'Premium', colour))}"
        elif style == 1:
            name = f"{noun} {'tenun' if material == 'tenun' else 'anyaman'} {mat_word}".replace(
                "tenun tenun", "tenun"
            )
        elif style == 2:
            name = f"{noun} {mat_word} - {size or colour}"
        else:
            name = f"{noun} {mat_word} {place}"
        if rng.random() < 0.12:
            name = name.upper()
        crafted = "ditenun manual (ATBM)" if material == "tenun" else "dianyam manual"
        bits = TEXTILE_BITS if material == "tenun" else DESC_BITS
        desc_parts = [
            rng.choice(
                (
                    f"{noun.lower()} dr {mat_word} asli {place}",
                    f"{'Tenunan' if material == 'tenun' else 'Anyaman'} {mat_word} {colour}",
                    f"{mat_word} pilihan, {crafted}",
                    f"bahan {mat_word} kualitas A",
                )
            ),
            size,
            rng.choice(bits),
            rng.choice(bits),
            rng.choice(("", f"warna {colour}", "harga per pcs", "min order 12")),
        ]
    description = typo(rng, ". ".join(p for p in desc_parts if p), 0.12)
    return {
        "name": typo(rng, name, 0.05),
        "description": description,
        "material": mat_cell,
        "category": rng.choice(CATEGORY_CELL[category]),
        "price": price_cell(rng, category),
    }


# fmt: off
BASE_PRICE = {
    "kursi": 900000,
    "meja": 1200000,
    "furnitur_lain": 2000000,
    "kain": 650000,
    "sarung": 450000,
    "syal": 200000,
    "tikar": 120000,
    "kap_lampu": 180000,
}
# fmt: on


def typical_price(rng: random.Random, category: str) -> int:
    base = BASE_PRICE.get(category, 70_000)
    return nice(base * math.exp(rng.uniform(-0.9, 0.9)) / 1000) * 1000


def price_cell(rng: random.Random, category: str) -> str:
    value = typical_price(rng, category)
    style = rng.randrange(5)
    if style == 0:
        return f"Rp {id_number(value)}"
    if style == 1:
        return ""
    return str(value)


def distractor_rows(
    rng: random.Random, material: str, how_many: int
) -> list[tuple[tuple[str, str], dict[str, str]]]:
    out = []
    for _ in range(how_many):
        category, cat_cell, names, mat_cells = rng.choice(DISTRACTOR_GOODS[material])
        name = rng.choice(names)
        desc = (
            rng.choice(
                (
                    "produk unggulan kami",
                    "handmade, bisa custom",
                    "ready stock banyak",
                    "kualitas ekspor",
                    "harga nego",
                )
            )
            + ". "
            + rng.choice(COLOURS)
        )
        price = str(nice(rng.uniform(50, 900)) * 1000)
        out.append(
            (
                (material, category),
                {
                    "name": name,
                    "description": desc,
                    "material": rng.choice(mat_cells),
                    "category": cat_cell,
                    "price": price,
                },
            )
        )
    return out


def make_ikms(rng: random.Random) -> tuple[list[dict], list[dict[str, str]], list[dict[str, str]]]:
    latents: list[dict] = []
    ikm_rows: list[dict[str, str]] = []
    product_out: list[dict[str, str]] = []
    used_names: set[str] = set()
    counter = [0]
    plan: list[tuple[Cluster, str | None]] = []
    for cluster in CLUSTERS:
        plan += [(cluster, None)] * cluster.n
    by_key = {c.key: c for c in CLUSTERS}
    for key, material, k in DISTRACTOR_ONLY:
        plan += [(by_key[key], material)] * k
    rng.shuffle(plan)
    for number, (cluster, only) in enumerate(plan, start=1):
        ikm_id = f"K{number:04d}"
        village = rng.choice(cluster.villages)
        pairs: list[tuple[str, str]] = []
        if only is None:
            mats = sorted(cluster.materials)
            first = weighted(rng, [(m, cluster.materials[m]) for m in mats])
            materials = [first]
            if len(mats) > 1 and rng.random() < 0.3:
                materials.append(next(m for m in mats if m != first))
            for m in materials:
                allowed = cluster.types.get(m)
                options = [(c, w) for c, w in DEFAULT_TYPES[m] if allowed is None or c in allowed]
                k = rng.choice((1, 2, 2, 3, 3, 4)) if len(materials) == 1 else rng.choice((1, 2, 2, 3))
                chosen: list[str] = []
                while len(chosen) < min(k, len(options)):
                    c = weighted(rng, options)
                    if c not in chosen:
                        chosen.append(c)
                pairs += [(m, c) for c in chosen]
            distractors = [d for d in cluster.distractors if rng.random() < 0.35]
        else:
            materials = [only]
            distractors = []
        capacity = capacity_for(rng, pairs) if pairs else nice(rng.uniform(30, 800))
        certs = certs_for(rng, cluster, materials) if only is None else []
        rows = product_rows(rng, ikm_id, pairs, village, counter)
        extra = []
        for d in [only] if only else distractors:
            extra += distractor_rows(rng, d, rng.randrange(2, 5) if only else rng.randrange(1, 3))
        for pair, row in extra:
            counter[0] += 1
            rows.append({"product_id": f"Q{counter[0]:05d}", "ikm_id": ikm_id, **row})
            if pair not in pairs:
                pairs.append(pair)
        product_out += rows
        latents.append(
            {
                "ikm_id": ikm_id,
                "cluster": cluster.key,
                "province": cluster.province,
                "regency": cluster.regency,
                "village": village,
                "materials": materials + [d for d in distractors if d not in materials],
                "product_types": [list(p) for p in pairs],
                "capacity_per_month": capacity,
                "certifications": certs,
                "distractor_only": only is not None,
            }
        )
        regency_cell = cluster.regency
        if regency_cell.startswith(KAB) and rng.random() < 0.3:
            regency_cell = "Kab. " + regency_cell[len(KAB) :]
        contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        phone = f"08{rng.choice(('12', '13', '52', '53', '21', '77', '81'))}" + "".join(
            str(rng.randrange(10)) for _ in range(8)
        )
        phone = rng.choice((phone, f"{phone[:4]}-{phone[4:8]}-{phone[8:]}", "+62 " + phone[1:]))
        markets = rng.sample(MARKETS, rng.choice((0, 0, 0, 1, 2, 3)))
        ikm_rows.append(
            {
                "ikm_id": ikm_id,
                "name": ikm_name(rng, cluster, materials, used_names),
                "province": cluster.province,
                "regency": regency_cell,
                "village": village if rng.random() < 0.8 else "",
                "ovop_stars": rng.choice(("", "", "", "1", "2", "3", "4")),
                "capacity_per_month": id_number(capacity) if rng.random() < 0.3 else str(capacity),
                "min_order_qty": rng.choice(("", "", "10", "12", "24", "50", "100")),
                "lead_time_days": rng.choice(("", "7", "14", "21", "30", "45", "60")),
                "certifications": "; ".join(rng.choice(CERT_CELL[c]) for c in certs),
                "export_markets": ", ".join(markets),
                "description": ikm_description(
                    rng, cluster, village, materials, pairs, capacity, distractors
                ),
                "contact_name": contact,
                "contact_phone": phone,
            }
        )
    return latents, ikm_rows, product_out


# ---------------------------------------------------------------------------------------------------------
# Buyers: latent needs
# ---------------------------------------------------------------------------------------------------------


def counts(need: dict, ikms: list[dict]) -> tuple[int, int, int]:
    grades = [grade(need, i) for i in ikms]
    return grades.count(3), sum(g >= 2 for g in grades), grades.count(1)


def draw_need(rng: random.Random, ikms: list[dict], language: str, used: Counter[str]) -> dict:
    """One buyer's latent need, redrawn until the per-buyer guarantees hold (grades from the latent data)."""
    makers = Counter((m, c) for i in ikms for m, c in i["product_types"] if m in MATERIALS)
    woven = sorted(makers)
    # common pairs are asked for more often; categories already asked for by many buyers less often
    weights = [math.sqrt(makers[p]) / (1 + used[p[1]]) for p in woven]
    while True:
        material, category = rng.choices(woven, weights=weights)[0]
        materials = [material]
        if rng.random() < 0.35:
            others = sorted({m for m, c in woven if c == category and m != material})
            sisters = [m for m in others if m in family_of(material)]
            if sisters and rng.random() < 0.7:
                others = sisters
            if others:
                materials.append(rng.choice(others))
        materials = [m for m in MATERIALS if m in materials]
        need = {
            "materials": materials,
            "category": category,
            "quantity": None,
            "required_certifications": [],
            "preferred_provinces": None,
            "region_words": [],
        }
        exact = [i for i in ikms if any([m, category] in i["product_types"] for m in materials)]
        if len(exact) < 3 or counts(need, ikms)[2] < 1:
            continue
        for _ in range(40):
            trial = dict(need)
            if rng.random() < 0.55:
                anchor = rng.choice(exact)["capacity_per_month"]
                trial["quantity"] = round_quantity(anchor * rng.uniform(0.5, 1.3))
            if rng.random() < 0.6:
                held = sorted({c for i in exact for c in i["certifications"]})
                if held:
                    trial["required_certifications"] = [rng.choice(held)]
            if rng.random() < 0.45:
                pick_region(rng, trial, exact, language)
            three, two_plus, one = counts(trial, ikms)
            if three >= 1 and two_plus >= 3 and one >= 3:
                return trial
        three, two_plus, one = counts(need, ikms)
        if three >= 1 and two_plus >= 3 and one >= 3:
            return need


def pick_region(rng: random.Random, need: dict, exact: list[dict], language: str) -> None:
    anchor = rng.choice(exact)["province"]
    keys = [k for k in sorted(REGION_WORDS) if anchor in REGION_WORDS[k][2]]
    if keys and rng.random() < 0.55:
        key = rng.choice(keys)
        en, ind, provinces = REGION_WORDS[key]
        need["preferred_provinces"] = [p for p in PROVINCE_REGION if p in provinces]
        need["region_words"] = [rng.choice(en if language == "en" else ind)]
        return
    chosen = [anchor]
    others = sorted({i["province"] for i in exact} - {anchor})
    if others and rng.random() < 0.35:
        chosen.append(rng.choice(others))
    words = []
    for p in chosen:
        en, ind = PROVINCE_WORDS.get(p, ((p,), (p,)))
        words.append(rng.choice(en if language == "en" else ind))
    need["preferred_provinces"] = [p for p in PROVINCE_REGION if p in chosen]
    need["region_words"] = words


# ---------------------------------------------------------------------------------------------------------
# Buyers: companies
# ---------------------------------------------------------------------------------------------------------

# fmt: off
EN_COMPANIES = (  # (company, country, kind, e-mail domain or "")
    ("Halden & Birch Interiors", "United Kingdom", "interior", "haldenbirch.co.uk"),
    ("Okapi Living GmbH", "Germany", "importer", "okapi-living.de"),
    ("Nordlys Hjem ApS", "Denmark", "concept_store", "nordlys-hjem.dk"),
    ("Casa Sal Lisboa Lda", "Portugal", "concept_store", ""),
    ("Bluewattle Trading Pty Ltd", "Australia", "importer", "bluewattle.com.au"),
    ("The Kelp & Clay Store", "New Zealand", "concept_store", "kelpandclay.nz"),
    ("Marlowe Hotel Group", "United States", "hotel", "marlowehotels.com"),
    ("Sandpiper Resorts Maldives", "Maldives", "resort", "sandpiperresorts.mv"),
    ("Kinfolk Basket Co.", "United States", "ecommerce", "kinfolkbasket.com"),
    ("Atelier Verre et Fibre", "France", "interior", "atelier-vf.fr"),
    ("Studio Tarn Architects", "Netherlands", "interior", ""),
    ("Kyoto Hinoki Zakka", "Japan", "concept_store", "hinoki-zakka.jp"),
    ("Hanbit Home Goods", "South Korea", "importer", "hanbithome.kr"),
    ("Lumen Lane Lighting", "Canada", "importer", "lumenlane.ca"),
    ("Saffron Dunes Hospitality LLC", "United Arab Emirates", "hotel", "saffrondunes.ae"),
    ("Merlion Craft Hub Pte Ltd", "Singapore", "souvenir", "merlioncrafthub.sg"),
    ("Fjordhus AS", "Norway", "importer", ""),
    ("Oakbarrel Outfitters", "United States", "ecommerce", "oakbarrel.shop"),
    ("Velluto Home S.r.l.", "Italy", "importer", "vellutohome.it"),
    ("Ruta Natural S.L.", "Spain", "concept_store", "rutanatural.es"),
    ("Greenhollow Wedding Co.", "United Kingdom", "events", ""),
    ("Palmgrove Villas Seminyak", "Indonesia", "resort", "palmgrovevillas.com"),
    ("Amanara Retreat Lombok", "Indonesia", "resort", ""),
    ("Wabi Textiles", "Japan", "importer", "wabitextiles.jp"),
    ("Tidewater Goods LLC", "United States", "importer", "tidewatergoods.com"),
    ("Maple & Loom", "Canada", "concept_store", "mapleandloom.ca"),
    ("Zuiderzee Wonen B.V.", "Netherlands", "importer", "zuiderzeewonen.nl"),
    ("Kaleido Kids Ltd", "United Kingdom", "ecommerce", ""),
    ("Brisbane Boutique Stays", "Australia", "hotel", "bnestays.com.au"),
    ("Alpenrose Hotel Innsbruck", "Austria", "hotel", ""),
    ("Desert Bloom Interiors", "Qatar", "interior", "desertbloom.qa"),
    ("Corallo Beach Club", "Italy", "resort", ""),
    ("Sol y Fibra Importaciones", "Mexico", "importer", "solyfibra.mx"),
    ("Hutan Collective", "Australia", "ecommerce", "hutancollective.com"),
    ("Baltic Linen House", "Lithuania", "importer", ""),
    ("Cedar & Sage Market", "United States", "concept_store", "cedarsage.market"),
    ("Gothenburg Design Depot AB", "Sweden", "importer", "gbgdesigndepot.se"),
    ("Lantern Row Restaurants", "Singapore", "restaurant", ""),
    ("Pacific Rim Gifts Inc.", "United States", "souvenir", "pacrimgifts.com"),
    ("Chez Manon Boutique", "Belgium", "concept_store", ""),
    ("Takumi Select Co., Ltd.", "Japan", "importer", "takumiselect.jp"),
    ("Harbour Lights Hotel Hobart", "Australia", "hotel", ""),
    ("Verdant Office Fitouts", "Singapore", "interior", "verdantfitouts.sg"),
    ("Evermore Bridal Boutique", "United States", "events", "evermorebridal.com"),
    ("Mistral Maison", "France", "ecommerce", "mistralmaison.fr"),
    ("Kowloon Lifestyle Trading", "Hong Kong", "importer", "kowloonlifestyle.hk"),
    ("Sunbird Eco Lodge", "Kenya", "resort", ""),
    ("Woodland Nursery Supplies", "United Kingdom", "importer", ""),
    ("Taipei Loom Gallery", "Taiwan", "concept_store", "loomgallery.tw"),
    ("Ubud Soul Yoga Retreat", "Indonesia", "resort", "ubudsoul.com"),
    ("Rhine Valley Homeware KG", "Germany", "importer", ""),
    ("Copperleaf Cafe Group", "Australia", "restaurant", "copperleafcafes.com.au"),
    ("Aster & Fern Florists", "United States", "concept_store", ""),
    ("Kauri Coast Homestore", "New Zealand", "importer", "kauricoast.nz"),
    ("Blue Lotus Spa Chain", "Thailand", "hotel", "bluelotusspa.co.th"),
    ("Marrakech Riad Collection", "Morocco", "hotel", ""),
    ("Pinecrest Gift Baskets", "Canada", "ecommerce", "pinecrestgifts.ca"),
    ("Seoul Forest Select Shop", "South Korea", "concept_store", ""),
    ("Lagoon Bay Resort Fiji", "Fiji", "resort", "lagoonbayfiji.com"),
    ("Hollowell Museum Shop", "United States", "souvenir", ""),
    ("Emerald Isle Interiors", "Ireland", "interior", "emeraldisleinteriors.ie"),
    ("Sakura Home Trading", "Japan", "importer", ""),
)
# fmt: on
# fmt: off
ID_COMPANIES = (
    ("Toko Kado Manis Makassar", "Indonesia", "souvenir", ""),
    ("CV Bintang Terang Abadi", "Indonesia", "wholesale", "bintangterang.id"),
    ("Hotel Santika Permai Kendari", "Indonesia", "hotel", ""),
    ("Dinas Pariwisata Kab. Banyuwangi", "Indonesia", "government", "disparbwi.go.id"),
    ("Bagian Umum Setda Kota Bekasi", "Indonesia", "government", ""),
    ("Wedding Organizer Sekar Arum", "Indonesia", "events", ""),
    ("PT Nusa Dekorindo", "Indonesia", "interior", "nusadekorindo.co.id"),
    ("Galeri Oleh-oleh Khas Borneo", "Indonesia", "souvenir", ""),
    ("Rumah Hampers Ny. Lestari", "Indonesia", "ecommerce", ""),
    ("Toko Online AnyamanKita", "Indonesia", "ecommerce", "anyamankita.com"),
    ("Kafe Kopi Seduh Bandung", "Indonesia", "restaurant", ""),
    ("Villa Tirta Gangga Sanur", "Indonesia", "resort", "villatirtagangga.com"),
    ("PT Cahaya Ritel Nusantara", "Indonesia", "wholesale", "cahayaritel.co.id"),
    ("Yayasan Pendidikan Al Falah", "Indonesia", "government", ""),
    ("Butik Kain Nusantara Ibu Ratna", "Indonesia", "concept_store", ""),
    ("UPT Museum Daerah Kab. Sleman", "Indonesia", "government", ""),
    ("Resto Dapur Nenek Semarang", "Indonesia", "restaurant", ""),
    ("PT Griya Interior Mandiri", "Indonesia", "interior", "griyainterior.co.id"),
    ("Toko Souvenir Pantai Kuta Indah", "Indonesia", "souvenir", ""),
    ("CV Sumber Rejeki Grosir", "Indonesia", "wholesale", ""),
    ("Sekretariat DPRD Prov. Riau", "Indonesia", "government", ""),
    ("Hotel Grand Kartika Balikpapan", "Indonesia", "hotel", "grandkartika.com"),
    ("Shopee Store Rumah Rotan Kita", "Indonesia", "ecommerce", ""),
    ("Gerai Dekranas Mall Sarinah", "Indonesia", "souvenir", ""),
    ("PT Sinar Glamping Indonesia", "Indonesia", "resort", "sinarglamping.id"),
    ("Kantor Bank BPD Cabang Mataram", "Indonesia", "government", ""),
    ("Toko Perlengkapan Rumah Berkah", "Indonesia", "wholesale", ""),
    ("Wisma Tamu Universitas Negeri", "Indonesia", "government", ""),
    ("Studio Desain Ruang Teduh", "Indonesia", "interior", "ruangteduh.studio"),
    ("Koperasi Karyawan PT Semen Tonasa", "Indonesia", "wholesale", ""),
    ("Hampers Lebaran Bu Dewi", "Indonesia", "ecommerce", ""),
    ("Hotel Syariah Al-Madinah Padang", "Indonesia", "hotel", ""),
    ("Pusat Oleh-oleh Jogja Istimewa", "Indonesia", "souvenir", "jogjaistimewa.shop"),
    ("PT Arsitek Lanskap Hijau", "Indonesia", "interior", ""),
    ("Dinas Koperasi & UKM Kota Medan", "Indonesia", "government", "dinkopukm.medankota.go.id"),
    ("Kedai Teh Tjap Dua Tang", "Indonesia", "restaurant", ""),
    ("Butik Etnik Kirana Surabaya", "Indonesia", "concept_store", ""),
    ("CV Mitra Parsel Jakarta", "Indonesia", "ecommerce", "mitraparsel.co.id"),
    ("Resort Pulau Seribu Asri", "Indonesia", "resort", ""),
    ("PT Pesona Ekspor Indonesia", "Indonesia", "wholesale", "pesonaekspor.co.id"),
    ("Syarikat Anyaman Melaka Sdn Bhd", "Malaysia", "wholesale", ""),
    ("Kedai Kraftangan Kota Kinabalu", "Malaysia", "souvenir", ""),
    ("Toko Sembilan Bintang Dili", "Timor-Leste", "wholesale", ""),
    ("Panitia Munas Ikatan Dokter", "Indonesia", "events", ""),
    ("Homestay Desa Wisata Pentingsari", "Indonesia", "hotel", ""),
    ("Dekorasi Pengantin Mak Ijah", "Indonesia", "events", ""),
    ("Toko Bunga Anggrek Ungu", "Indonesia", "concept_store", ""),
    ("PT Logistik Amanah (CSR)", "Indonesia", "government", ""),
    ("Outlet Tokopedia AnyamNusa", "Indonesia", "ecommerce", ""),
    ("Hotel Melati Asri Bukittinggi", "Indonesia", "hotel", ""),
    ("Bumdes Maju Bersama", "Indonesia", "wholesale", ""),
    ("Sanggar Tari Cahaya Nusantara", "Indonesia", "events", ""),
    ("PT Sentosa Furnitur Ekspor", "Indonesia", "wholesale", "sentosafurnitur.co.id"),
    ("Kantor Imigrasi Kelas I Denpasar", "Indonesia", "government", ""),
    ("Beach Club Pantai Mandalika", "Indonesia", "resort", ""),
    ("Toko Perabot Pak Haji Umar", "Indonesia", "wholesale", ""),
    ("Gift Shop Bandara Internasional", "Indonesia", "souvenir", ""),
    ("Dharma Wanita Persatuan Kemenkeu", "Indonesia", "government", ""),
    ("PT Aneka Kado Korporat", "Indonesia", "ecommerce", "anekakado.co.id"),
    ("Rumah Makan Padang Sederhana Jaya", "Indonesia", "restaurant", ""),
    ("Galeri Batik & Wastra Lestari", "Indonesia", "concept_store", ""),
    ("CV Anugrah Mebel Ekspor", "Indonesia", "wholesale", ""),
)
# fmt: on

# ---------------------------------------------------------------------------------------------------------
# Buyers: how they write
# ---------------------------------------------------------------------------------------------------------

# fmt: off
MATERIAL_EN: dict[str, tuple[str, ...]] = {
    "pandan": ("pandan", "pandanus leaf", "screwpine (pandan)", "pandan leaf"),
    "mendong": ("mendong grass", "mendong", "mendong sedge"),
    "purun": ("purun", "purun grass", "purun sedge", "swamp-grass (purun)"),
    "lidi": ("coconut midrib (lidi)", "lidi sticks", "palm-leaf rib (lidi)", "coconut leaf stick"),
    "lontar": ("lontar palm leaf", "palmyra leaf", "lontar", "palmyra palm (lontar)"),
    "bambu": ("bamboo", "natural bamboo", "split bamboo"),
    "rotan": ("rattan", "natural cane (rattan)", "rattan wicker", "manau rattan", "rattan/cane"),
    "ketak": ("ketak vine", "ketak", "ketak fern (Lygodium)"),
    "eceng_gondok": ("water hyacinth", "water-hyacinth", "hyacinth fibre (water hyacinth)", "eceng gondok"),
    "tenun": ("ikat", "handwoven ikat", "songket", "hand-loomed tenun", "traditional ikat weaving"),
}
# fmt: on
# fmt: off
MATERIAL_ID: dict[str, tuple[str, ...]] = {
    "pandan": ("pandan", "daun pandan", "pandan duri"),
    "mendong": ("mendong", "rumput mendong"),
    "purun": ("purun", "purun danau"),
    "lidi": ("lidi", "lidi kelapa", "lidi sawit"),
    "lontar": ("lontar", "daun lontar", "daun siwalan (lontar)"),
    "bambu": ("bambu", "bambu apus", "awi/bambu"),
    "rotan": ("rotan", "rotan asli", "penjalin (rotan)", "rotan manau"),
    "ketak": ("ketak", "ketak lombok"),
    "eceng_gondok": ("eceng gondok", "enceng gondok", "eceng"),
    "tenun": ("tenun ikat", "songket", "kain tenun", "tenun"),
}
# fmt: on
# fmt: off
TYPE_EN: dict[str, tuple[str, ...]] = {
    "tas": ("tote bags", "beach bags", "handbags", "shoulder bags", "shopping totes", "market bags"),
    "dompet": ("clutches", "coin purses", "wallets", "zip pouches", "evening clutch bags"),
    "keranjang": ("laundry baskets", "storage baskets", "baskets", "hampers (baskets)", "picnic baskets",
        "bread baskets"),
    "kotak": ("storage boxes", "lidded boxes", "gift boxes", "boxes with lids", "jewelry boxes"),
    "tikar": ("floor mats", "sleeping mats", "picnic mats", "woven mats (tikar)", "yoga/floor mats"),
    "topi": ("sun hats", "beach hats", "wide-brim hats", "fedoras"),
    "nampan": ("serving trays", "trays", "breakfast trays", "tea trays"),
    "tatakan": ("placemats", "coasters", "table mats", "placemats & coasters"),
    "kap_lampu": ("lampshades", "pendant light shades", "lamp shades", "ceiling lamp covers"),
    "kursi": ("lounge chairs", "dining chairs", "armchairs", "bar stools", "chairs"),
    "meja": ("coffee tables", "side tables", "dining tables", "tables"),
    "furnitur_lain": ("room dividers", "headboards", "shelving units", "cabinets", "daybeds"),
    "kain": ("fabric (by the piece)", "handwoven cloth", "textile lengths", "fabric yardage"),
    "sarung": ("sarongs", "sarongs/lipa"),
    "syal": ("scarves", "shawls", "stoles", "scarves/shawls"),
    "tempat_tisu": ("tissue box covers", "tissue holders", "tissue boxes"),
    "vas": ("vases", "flower vases", "vase covers"),
    "keset": ("doormats", "door mats", "entrance mats"),
    "tudung_saji": ("food covers", "dome food covers", "food covers (tudung saji)"),
}
# fmt: on
# fmt: off
TYPE_ID: dict[str, tuple[str, ...]] = {
    "tas": ("tas", "tas jinjing", "tote bag", "tas belanja", "tas selempang", "tas pantai"),
    "dompet": ("dompet", "pouch", "dompet koin", "clutch"),
    "keranjang": ("keranjang", "keranjang parsel", "keranjang cucian", "keranjang buah", "bakul"),
    "kotak": ("kotak", "box serbaguna", "kotak penyimpanan", "kotak seserahan", "besek"),
    "tikar": ("tikar", "tikar lipat", "tikar gulung", "lampit"),
    "topi": ("topi", "topi pantai", "caping", "topi lebar"),
    "nampan": ("nampan", "talam", "nampan saji"),
    "tatakan": ("tatakan gelas", "alas piring", "placemat", "tatakan piring"),
    "kap_lampu": ("kap lampu", "lampu gantung", "kap lampu gantung", "cover lampu"),
    "kursi": ("kursi", "kursi teras", "kursi makan", "kursi santai"),
    "meja": ("meja", "meja tamu", "meja kopi", "meja samping"),
    "furnitur_lain": ("rak", "lemari", "partisi / sekat ruangan", "sofa", "headboard ranjang"),
    "kain": ("kain", "kain lembaran", "kain tenun lembaran", "wastra (kain)"),
    "sarung": ("sarung", "sarung tenun", "lipa"),
    "syal": ("syal", "selendang", "scarf"),
    "tempat_tisu": ("tempat tisu", "kotak tisu"),
    "vas": ("vas bunga", "vas"),
    "keset": ("keset", "keset kaki"),
    "tudung_saji": ("tudung saji", "tutup saji"),
}
# fmt: on
# fmt: off
CERT_EN = {
    "SVLK": ("SVLK certified", "V-Legal/SVLK documents", "legal timber docs (SVLK)", "SVLK timber legality"),
    "FAIR_TRADE": ("fair-trade certified", "Fair Trade (WFTO) certification", "fairtrade certified"),
    "SNI": ("SNI certified", "must carry SNI", "SNI (Indonesian national standard) certification"),
    "ISO9001": ("ISO 9001", "ISO 9001 certified workshop", "ISO 9001 quality system"),
    "NATURAL_DYES": ("certified natural dyes", "natural-dye certification", "natural dyes only (certified)"),
    "INDIKASI_GEOGRAFIS": ("registered Geographical Indication", "GI-registered (Indikasi Geografis)"),
    "GPSR": ("GPSR compliant", "must meet EU GPSR product safety", "EU GPSR documentation"),
    "REACH": ("must comply with EU REACH", "REACH compliant", "REACH test report"),
}
# fmt: on
# fmt: off
CERT_ID = {
    "SVLK": ("wajib SVLK", "dokumen SVLK / V-Legal", "sdh punya SVLK"),
    "FAIR_TRADE": ("bersertifikat fair trade", "sertifikat Fair Trade"),
    "SNI": ("bersertifikat SNI", "sdh SNI", "wajib SNI"),
    "ISO9001": ("sertifikat ISO 9001", "ISO 9001:2015"),
    "NATURAL_DYES": ("sertifikat pewarna alam", "pewarna alami bersertifikat"),
    "INDIKASI_GEOGRAFIS": ("bersertifikat Indikasi Geografis", "sdh terdaftar IG (Indikasi Geografis)"),
    "GPSR": ("memenuhi GPSR (keamanan produk UE)",),
    "REACH": ("lolos uji REACH", "sesuai REACH Uni Eropa"),
}
# fmt: on
# fmt: off
CERT_COLUMN = {  # how a buyer's form writes a certificate in the structured column
    "SVLK": ("SVLK", "V-Legal"),
    "FAIR_TRADE": ("Fair Trade", "FAIR_TRADE"),
    "SNI": ("SNI",),
    "ISO9001": ("ISO 9001", "ISO9001"),
    "NATURAL_DYES": ("Natural dyes", "NATURAL_DYES"),
    "INDIKASI_GEOGRAFIS": ("Indikasi Geografis",),
    "GPSR": ("GPSR",),
    "REACH": ("REACH",),
}
# fmt: on
# fmt: off
USE_EN = {
    "hotel": ("for our guest rooms", "for the lobby and restaurant", "for a refurbishment of 120 rooms"),
    "resort": ("for our villas", "for the spa and beach club", "for the new wing opening next season"),
    "importer": ("for our wholesale catalogue", "for EU distribution", "for our spring collection"),
    "concept_store": ("for our shop", "for a small capsule collection", "to sell in our two stores"),
    "ecommerce": ("for our online store", "to list on Amazon and our webshop", "for gift sets"),
    "interior": ("for a client project", "for a boutique hotel fit-out", "for an office project"),
    "events": ("as wedding favours", "for guest gifts at an event", "for table decoration"),
    "souvenir": ("for the gift shop", "as souvenirs", "for the museum store"),
    "restaurant": ("for our restaurants", "for table setting in our cafes", "for a new outlet"),
}
# fmt: on
# fmt: off
USE_ID = {
    "hotel": ("utk kamar hotel", "buat dekor resto", "utk kebutuhan kamar tamu"),
    "resort": ("utk villa kami", "buat area spa", "utk renovasi cottage"),
    "souvenir": ("utk dijual lagi di toko", "buat oleh2", "utk souvenir"),
    "wholesale": ("utk stok gudang", "utk dijual grosir", "utk reseller kami"),
    "government": ("utk cinderamata tamu dinas", "utk kegiatan kantor", "utk souvenir acara"),
    "events": ("utk souvenir nikahan", "buat seserahan", "utk dekorasi acara"),
    "ecommerce": ("utk jualan online", "buat hampers", "utk toko online kami"),
    "interior": ("utk proyek klien", "utk proyek interior kafe", "utk fit-out kantor"),
    "concept_store": ("utk butik kami", "utk dipajang & dijual di toko", "utk koleksi toko"),
    "restaurant": ("utk resto kami", "buat dekor kafe", "utk outlet baru"),
}
# fmt: on


def phrase_materials(rng: random.Random, materials: list[str], language: str) -> str:
    words = [rng.choice((MATERIAL_EN if language == "en" else MATERIAL_ID)[m]) for m in materials]
    if len(words) == 1:
        return words[0]
    joiner = rng.choice(
        (" atau ", " / ", " ato ") if language == "id" else (" or ", " / ", " or ", " and/or ")
    )
    return joiner.join(words)


def product_phrase(rng: random.Random, need: dict, language: str) -> str:
    materials, category = need["materials"], need["category"]
    mat = phrase_materials(rng, materials, language)
    if language == "en":
        noun = rng.choice(TYPE_EN[category])
        style = rng.randrange(4)
        if style == 0 and len(materials) == 1:
            return f"{mat} {noun}"
        if style == 1:
            return f"{noun} made of {mat}"
        if style == 2:
            return f"{noun} in {mat}"
        return f"{noun} ({mat})"
    noun = rng.choice(TYPE_ID[category])
    style = rng.randrange(4)
    if style == 0:
        return f"{noun} {mat}"
    if style == 1:
        return f"{noun} dr {mat}"
    if style == 2:
        return f"{noun} anyaman {mat}" if "tenun" not in materials else f"{noun} {mat}"
    return f"{noun} bahan {mat}"


def quantity_phrase(rng: random.Random, q: int, language: str) -> str:
    per = rng.random() < 0.6
    if language == "en":
        number = rng.choice((en_number(q), str(q)))
        if q >= 1000 and q % 1000 == 0 and rng.random() < 0.4:
            number = f"{q // 1000}k"
        unit = rng.choice(("pcs", "units", "pieces", "pcs"))
        if per:
            return rng.choice(
                (
                    f"{number} {unit}/month",
                    f"{number} {unit} per month",
                    f"approx. {number} {unit} a month",
                    f"monthly volume around {number} {unit}",
                )
            )
        return rng.choice((f"{number} {unit}", f"{number} {unit} per order", f"first order {number} {unit}"))
    words = {1000: "seribu", 2000: "dua ribu", 3000: "tiga ribu", 5000: "lima ribu", 500: "lima ratus"}
    number = rng.choice((id_number(q), str(q)))
    if q in words and rng.random() < 0.4:
        number = words[q]
    elif q >= 1000 and q % 500 == 0 and q % 1000 and rng.random() < 0.4:
        number = f"{q // 1000},5 ribu"
    unit = rng.choice(("pcs", "buah", "unit", "pcs"))
    if per:
        return rng.choice(
            (
                f"{number} {unit}/bulan",
                f"{number} {unit} per bulan",
                f"kurleb {number} {unit} sebulan",
                f"sebanyak {number} {unit} tiap bulan",
            )
        )
    return rng.choice((f"{number} {unit}", f"jumlah {number} {unit}", f"order pertama {number} {unit}"))


def cert_phrase(rng: random.Random, certs: list[str], language: str) -> str:
    table = CERT_EN if language == "en" else CERT_ID
    return (
        " and ".join(rng.choice(table[c]) for c in certs)
        if language == "en"
        else " & ".join(rng.choice(table[c]) for c in certs)
    )


def region_phrase(rng: random.Random, words: list[str], language: str) -> str:
    joined = (" or " if language == "en" else " atau ").join(words)
    if language == "en":
        return rng.choice(
            (
                f"makers based in {joined} preferred",
                f"prefer suppliers from {joined}",
                f"sourcing region: {joined}",
                f"ideally produced in {joined}",
            )
        )
    return rng.choice(
        (
            f"diutamakan pengrajin dr {joined}",
            f"lokasi IKM di {joined}",
            f"pengrajin {joined} aja",
            f"prioritas dr {joined}",
        )
    )


def price_phrase(rng: random.Random, price: int, language: str) -> str:
    if language == "en":
        usd = max(1, round(price / 16000))
        return rng.choice(
            (
                f"target price max USD {usd}/pc",
                f"budget up to IDR {en_number(price)} per unit",
                f"unit price under ${usd}",
            )
        )
    return rng.choice(
        (
            f"harga max Rp{id_number(price)}/pcs",
            f"budget {id_number(price)} per buah",
            f"harga di bawah {id_number(price)}",
        )
    )


def deadline_phrase(rng: random.Random, days: int, language: str) -> str:
    if language == "en":
        return rng.choice(
            (f"delivery within {days} days", f"need goods in {days // 7} weeks", f"lead time max {days} days")
        )
    return rng.choice((f"harus jadi dlm {days} hari", f"waktu {days // 7} minggu", f"deadline {days} hari"))


# fmt: off
EXTRAS_EN = (
    "Samples first please.", "Natural colour, no bleach.", "Custom sizes possible?",
    "Please quote FOB Surabaya.", "We ship via Jakarta.", "No synthetic/plastic look-alikes.",
    "Packed in cartons, no plastic.", "Open to long-term partnership.", "Please send catalogue + price list.",
    "Colour: natural or black.",
)
# fmt: on
# fmt: off
EXTRAS_ID = (
    "bisa kirim sampel dulu?", "warna natural aja", "bs custom logo ga?", "kirim ke Jakarta ya",
    "mohon kirim katalog & pricelist", "bukan yg sintetis ya", "utk jangka panjang",
    "tolong info harga grosir", "packing dus aman", "mohon dibantu", "",
)
# fmt: on


# fmt: off
KIND_NOUN = {
    "hotel": "hotel",
    "resort": "resort",
    "importer": "company",
    "concept_store": "store",
    "ecommerce": "online shop",
    "interior": "studio",
    "events": "events team",
    "souvenir": "gift shop",
    "restaurant": "restaurant group",
}
# fmt: on


def render_requirement(rng: random.Random, need: dict, kind: str, language: str) -> str:
    """The free-text requirement: the product, the materials and the constraints listed in ``in_text``."""
    product = product_phrase(rng, need, language)
    bits: list[str] = []
    if "quantity" in need["in_text"]:
        bits.append(quantity_phrase(rng, need["quantity"], language))
    if "certs" in need["in_text"]:
        bits.append(cert_phrase(rng, need["required_certifications"], language))
    if "provinces" in need["in_text"]:
        bits.append(region_phrase(rng, need["region_words"], language))
    if "max_price" in need["in_text"]:
        bits.append(price_phrase(rng, need["max_unit_price_idr"], language))
    if "deadline" in need["in_text"]:
        bits.append(deadline_phrase(rng, need["deadline_days"], language))
    rng.shuffle(bits)
    style = rng.randrange(7)
    if language == "en":
        use = rng.choice(USE_EN.get(kind, ("for resale",)))
        extra = rng.choice(EXTRAS_EN)
        if style == 0:  # a search box
            text = " ".join([product, *bits])
        elif style == 1:  # an e-mail
            body = f"We are looking for {product} {use}."
            if bits:
                body += " Requirements: " + "; ".join(bits) + "."
            text = (
                f"{rng.choice(('Dear team,', 'Hello,', 'Hi there,', 'Good morning,'))} {body} {extra} "
                + rng.choice(("Best regards", "Kind regards", "Thanks", "Cheers"))
            )
        elif style == 2:  # a bullet list
            lines = [f"- Product: {product}", *(f"- {b}" for b in bits), f"- Note: {extra}"]
            text = "\n".join(lines)
        elif style == 3:  # an RFQ
            ref = f"Request for quotation #{rng.randrange(100, 999)}: {product}. "
            text = ref + " | ".join(bits or ["qty tbc"]) + f". {extra}"
        elif style == 4:  # a chat message
            text = (
                f"hi! need {product} {use}"
                + (", " + ", ".join(bits) if bits else "")
                + rng.choice((" thx", " :)", "", " - can you help?"))
            )
        elif style == 5:  # a question to a trade office
            text = f"Do you know Indonesian workshops that make {product}? " + ", ".join(bits)
        else:  # a narrative brief
            text = (
                f"Our {KIND_NOUN[kind]} is sourcing {product} {use}. "
                + " ".join(b[0].upper() + b[1:] + "." for b in bits)
                + f" {extra}"
            ).strip()
        return typo(rng, text.strip(), 0.15)
    use = rng.choice(USE_ID.get(kind, ("utk dijual lagi",)))
    extra = rng.choice(EXTRAS_ID)
    if style == 0:  # WhatsApp
        text = (
            f"{rng.choice(('Kak', 'Pak/Bu', 'Halo min', 'Permisi'))}, butuh {product} {use}"
            + (", " + ", ".join(bits) if bits else "")
            + f". {extra}"
        )
    elif style == 1:  # a formal letter
        text = (
            f"Dengan hormat, kami bermaksud memesan {product} {use}."
            + (" Ketentuan: " + "; ".join(bits) + "." if bits else "")
            + " Atas perhatiannya kami ucapkan terima kasih."
        )
    elif style == 2:  # a list
        text = "\n".join([f"Kebutuhan: {product}", *(f"* {b}" for b in bits), f"Catatan: {extra or '-'}"])
    elif style == 3:  # a marketplace search
        text = " ".join([product, *bits])
    elif style == 4:  # procurement
        text = (
            f"{rng.choice(('Rencana belanja', 'Rencana pembelian', 'Pesanan'))} {product} {use}. "
            + ". ".join(b[0].upper() + b[1:] for b in bits)
            + ("." if bits else "")
        )
    elif style == 5:  # a forum post
        text = f"Cari supplier {product} {use}" + ("; " + "; ".join(bits) if bits else "") + ". Tks"
    else:  # a chat question
        text = f"ada yg bisa bikin {product}? {use}" + (" - " + ", ".join(bits) if bits else "") + f" {extra}"
    return typo(rng, " ".join(text.split(" ")).strip(), 0.15)


MAILBOXES = ("sourcing", "info", "purchasing", "hello", "admin")


def make_buyers(rng: random.Random, ikms: list[dict]) -> tuple[list[dict], list[dict[str, str]]]:
    en = rng.sample(EN_COMPANIES, N_BUYERS_PER_LANGUAGE)
    ind = rng.sample(ID_COMPANIES, N_BUYERS_PER_LANGUAGE)
    plan = [(c, "en") for c in en] + [(c, "id") for c in ind]
    rng.shuffle(plan)
    latents, rows = [], []
    used: Counter[str] = Counter()
    for number, ((company, country, kind, domain), language) in enumerate(plan, start=1):
        buyer_id = f"D{number:03d}"
        need = draw_need(rng, ikms, language, used)
        used[need["category"]] += 1
        need["max_unit_price_idr"] = typical_price(rng, need["category"]) if rng.random() < 0.25 else None
        need["deadline_days"] = rng.choice((14, 21, 30, 45, 60)) if rng.random() < 0.25 else None
        constrained = [
            k
            for k, v in (
                ("quantity", need["quantity"]),
                ("certs", need["required_certifications"]),
                ("provinces", need["preferred_provinces"]),
            )
            if v
        ]
        structured = rng.random() < 0.5
        in_text = [k for k in constrained if rng.random() < 0.3] if structured else list(constrained)
        in_text += [
            k
            for k in ("max_price", "deadline")
            if need["max_unit_price_idr" if k == "max_price" else "deadline_days"] and rng.random() < 0.7
        ]
        need["in_text"] = in_text
        need["structured"] = structured
        requirement = render_requirement(rng, need, kind, language)
        latents.append(
            {
                "buyer_id": buyer_id,
                "materials": need["materials"],
                "category": need["category"],
                "quantity": need["quantity"],
                "required_certifications": need["required_certifications"],
                "preferred_provinces": need["preferred_provinces"],
                "region_words": need["region_words"],
                "max_unit_price_idr": need["max_unit_price_idr"],
                "deadline_days": need["deadline_days"],
                "language": language,
                "country": country,
                "kind": kind,
                "structured": structured,
                "in_text": in_text,
            }
        )
        in_columns = structured
        rows.append(
            {
                "buyer_id": buyer_id,
                "company": company,
                "country": country,
                "requirement": requirement,
                "quantity": str(need["quantity"]) if in_columns and need["quantity"] else "",
                "max_unit_price_idr": str(need["max_unit_price_idr"])
                if in_columns and need["max_unit_price_idr"]
                else "",
                "required_certifications": "; ".join(
                    rng.choice(CERT_COLUMN[c]) for c in need["required_certifications"]
                )
                if in_columns
                else "",
                "preferred_provinces": "; ".join(need["preferred_provinces"] or []) if in_columns else "",
                "deadline_days": str(need["deadline_days"]) if in_columns and need["deadline_days"] else "",
                "contact_email": f"{rng.choice(MAILBOXES)}@{domain}" if domain else "",
            }
        )
    return latents, rows


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------

# fmt: off
IKM_HEADER = (
    "ikm_id", "name", "province", "regency", "village", "ovop_stars", "capacity_per_month", "min_order_qty",
    "lead_time_days", "certifications", "export_markets", "description", "contact_name", "contact_phone",
)
# fmt: on
# the product file is written with Indonesian header aliases, as a ministry spreadsheet would be
# fmt: off
PRODUCT_HEADER = (
    ("product_id", "kode_produk"),
    ("ikm_id", "kode_ikm"),
    ("name", "nama_produk"),
    ("description", "deskripsi"),
    ("material", "bahan"),
    ("category", "kategori"),
    ("price", "harga"),
)
# fmt: on
# fmt: off
BUYER_HEADER = (
    "buyer_id", "company", "country", "requirement", "quantity", "max_unit_price_idr",
    "required_certifications", "preferred_provinces", "deadline_days", "contact_email",
)
# fmt: on


def to_csv(header: Sequence[str], keys: Sequence[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[k] for k in keys])
    return buffer.getvalue()


def to_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def qrels(buyers: list[dict], ikms: list[dict]) -> str:
    lines = []
    for b in buyers:
        for i in ikms:
            g = grade(b, i)
            if g:
                lines.append(f"{b['buyer_id']} 0 {i['ikm_id']} {g}\n")
    return "".join(lines)


def generate(seed: int) -> dict[str, str]:
    """Every file of the set, by name, as text."""
    rng = random.Random(seed)
    ikm_latent, ikm_rows, product_rows_ = make_ikms(rng)
    buyer_latent, buyer_rows = make_buyers(rng, ikm_latent)
    return {
        "ikms.csv": to_csv(IKM_HEADER, IKM_HEADER, ikm_rows),
        "products.csv": to_csv([a for _, a in PRODUCT_HEADER], [k for k, _ in PRODUCT_HEADER], product_rows_),
        "buyers.csv": to_csv(BUYER_HEADER, BUYER_HEADER, buyer_rows),
        "qrels.txt": qrels(buyer_latent, ikm_latent),
        "latent.jsonl": to_jsonl(buyer_latent),
        "ikm_latent.jsonl": to_jsonl(ikm_latent),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "matching" / "data" / "dev2")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in generate(args.seed).items():
        (args.out / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
