#!/usr/bin/env python3
"""Generate the bundled demo catalogue and the labelled dev set, seeded and deterministic.

Writes ``<out-dir>/demo/{ikms,products,buyers}.csv`` and ``<out-dir>/dev/{qrels.txt,latent.jsonl,
ikm_latent.jsonl,README.md}``. Every IKM, product and buyer is drawn from latent attributes (materials,
product types, capacity, certificates, province; a buyer's target material/product type and constraints);
the free text is rendered from them with varied Indonesian and English wording. Graded relevance labels are
computed from the latent attributes only (rule in ``dev/README.md``), never by running a search engine.

The word tables (clusters, material and product words in both languages, phrases, companies, regions) are
data in ``scripts/vocab/demo.json``; the sampling and the labelling rule (families, related types) are
written here.

Usage: ``python scripts/generate_demo_data.py [--seed 42] [--out-dir matching/data]``. Stdlib only; the same
seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _vocab import vocab_reader  # scripts/_vocab.py: run as a script, this folder is on the path

REPO = Path(__file__).resolve().parent.parent
VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "demo.json"
vocab = vocab_reader(VOCAB_FILE)  # the word tables (JSON keeps their order), each read back as its type


# --------------------------------------------------------------------------------------------------------
# Codes and the labelling rule's families (kept here, beside the rule, not in the vocabulary file)
# --------------------------------------------------------------------------------------------------------

WOVEN = ("pandan", "mendong", "purun", "rotan", "bambu", "ketak", "tenun", "eceng_gondok", "lontar", "lidi")
DISTRACTOR_MATERIALS = ("kayu", "gerabah", "batik", "kulit", "logam", "plastik", "makanan")
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"pandan", "mendong", "purun", "lontar", "lidi"}),
    frozenset({"rotan", "bambu", "ketak", "eceng_gondok"}),
    frozenset({"tenun"}),
)
RELATED: tuple[frozenset[str], ...] = (
    frozenset({"tas", "dompet"}),
    frozenset({"keranjang", "kotak"}),
    frozenset({"kain", "syal", "sarung"}),
    frozenset({"kursi", "meja", "furnitur_lain"}),
    frozenset({"nampan", "tatakan"}),
)
CERTS = ("SVLK", "SNI", "ISO9001", "FAIR_TRADE", "INDIKASI_GEOGRAFIS", "NATURAL_DYES")

# Which product types each woven material is made into, with weights.
MATERIAL_CATEGORIES = vocab("MATERIAL_CATEGORIES", dict[str, dict[str, int]])

# Material words for free text: (Indonesian, English). Never the underscore tokens.
MAT_WORDS = vocab("MAT_WORDS", dict[str, tuple[list[str], list[str]]])

# Category words for product text: (Indonesian, English).
CAT_WORDS = vocab("CAT_WORDS", dict[str, tuple[list[str], list[str]]])
# Category words that only make sense for some materials.
RESTRICTED_WORDS = vocab("RESTRICTED_WORDS", dict[str, frozenset[str]])

# Local names used only by IKMs of one cluster: (cluster, category) -> word.
LOCAL_WORDS = vocab("LOCAL_WORDS", dict[tuple[str, str], str])

# Buyer-side category phrases (plural in English).
BUYER_CAT = vocab("BUYER_CAT", dict[str, tuple[list[str], list[str]]])

# Price ranges (IDR) per product type.
PRICE_RANGE = vocab("PRICE_RANGE", dict[str, tuple[int, int]])
PRICE_FACTOR = vocab("PRICE_FACTOR", dict[str, float])
CAPACITY_MEDIAN = vocab("CAPACITY_MEDIAN", dict[str, int])
# Shape of a product type for size text: "box" (w, d, h), "flat" (w, h), "round" (diameter, h).
SHAPE = vocab("SHAPE", dict[str, str])
# (min, max) cm for the first and second dimension; depth is derived.
DIMS = vocab("DIMS", dict[str, tuple[tuple[int, int], tuple[int, int]]])

USES_ID = vocab("USES_ID", dict[str, list[str]])
USES_EN = vocab("USES_EN", dict[str, list[str]])

TECH_ID = vocab("TECH_ID", dict[str, list[str]])
TECH_EN = vocab("TECH_EN", dict[str, list[str]])
COLOURS_ID = vocab("COLOURS_ID", list[str])
COLOURS_EN = vocab("COLOURS_EN", list[str])
FINISH_ID = vocab("FINISH_ID", list[str])
FINISH_EN = vocab("FINISH_EN", list[str])
COMMERCE_ID = vocab("COMMERCE_ID", list[str])
COMMERCE_EN = vocab("COMMERCE_EN", list[str])
ABBREV = vocab("ABBREV", tuple[tuple[str, ...], ...])

# Distractor products: (material, category, Indonesian names, English names).
DISTRACTOR_ITEMS = vocab("DISTRACTOR_ITEMS", dict[str, list[tuple[str, list[str], list[str]]]])
DISTRACTOR_PRICE = vocab("DISTRACTOR_PRICE", dict[str, tuple[int, int]])

# --------------------------------------------------------------------------------------------------------
# Clusters (real craft centres; villages real where known)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    key: str
    province: str
    regency: str
    villages: tuple[str, ...]
    materials: tuple[tuple[str, float], ...]
    n_ikms: int
    folk: str
    places: tuple[str, ...]  # short place words used in text
    ig_prob: float = 0.0
    distractors: tuple[str, ...] = ("makanan",)


CLUSTERS = vocab("CLUSTERS", tuple[Cluster, ...])

# IKMs that make no woven goods at all (hard negatives): (key, province, regency, villages, material, n).
DISTRACTOR_CLUSTERS = vocab(
    "DISTRACTOR_CLUSTERS", tuple[tuple[str, str, str, tuple[str, ...], str, int, str], ...]
)

NAME_WORDS = vocab("NAME_WORDS", list[str])
FOLK_NAME_WORDS = vocab("FOLK_NAME_WORDS", dict[str, list[str]])
CRAFT_WORDS = vocab("CRAFT_WORDS", dict[str, list[str]])
NAME_FORMS = vocab("NAME_FORMS", list[str])
PEOPLE = vocab("PEOPLE", dict[str, tuple[list[str], list[str]]])
EXPORT_MARKETS = vocab("EXPORT_MARKETS", list[str])

# --------------------------------------------------------------------------------------------------------
# Buyers: countries, companies, regions
# --------------------------------------------------------------------------------------------------------

# country, number of buyers, share writing Indonesian, kinds
COUNTRIES = vocab("COUNTRIES", tuple[tuple[str, int, float, tuple[str, ...]], ...])
COMPANY_FORMS = vocab("COMPANY_FORMS", dict[str, tuple[list[str], dict[str, list[str]]]])
ID_COMPANY_FORMS = vocab("ID_COMPANY_FORMS", dict[str, list[str]])
ID_COMPANY_WORDS = vocab("ID_COMPANY_WORDS", dict[str, list[str]])
KIND_CATEGORY_AFFINITY = vocab("KIND_CATEGORY_AFFINITY", dict[str, dict[str, float]])
CATEGORY_POPULARITY = vocab("CATEGORY_POPULARITY", dict[str, float])
# Region words a buyer may write: (provinces, English words, Indonesian words).
REGIONS = vocab("REGIONS", tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...])
PROVINCE_ORDER = vocab("PROVINCE_ORDER", tuple[str, ...])
USD_IDR = 16_000
# Certificates a buyer of a material may plausibly ask for.
CERT_RELEVANT: dict[str, frozenset[str]] = {
    m: frozenset({"SNI", "ISO9001", "FAIR_TRADE"})
    | ({"SVLK"} if m in ("rotan", "bambu") else set())
    | ({"INDIKASI_GEOGRAFIS", "NATURAL_DYES"} if m == "tenun" else set())
    | ({"NATURAL_DYES"} if m in ("pandan", "mendong") else set())
    for m in WOVEN
}


# --------------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------------


@dataclass
class ProductRec:
    material: str
    category: str
    name: str
    description: str
    price: int
    product_id: str = ""


@dataclass
class IkmRec:
    cluster: str
    folk: str
    province: str
    regency: str
    village: str
    places: tuple[str, ...]
    materials: list[str]
    ikm_id: str = ""
    name: str = ""
    ovop_stars: int = 0
    capacity: int = 0
    moq: int = 0
    lead_time: int = 0
    certs: list[str] = field(default_factory=list)
    markets: list[str] = field(default_factory=list)
    description: str = ""
    show_village: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    products: list[ProductRec] = field(default_factory=list)

    @property
    def pairs(self) -> set[tuple[str, str]]:
        return {(p.material, p.category) for p in self.products}


@dataclass
class BuyerRec:
    company: str
    country: str
    kind: str
    language: str
    materials: list[str]
    category: str
    quantity: int | None
    certs: list[str]
    provinces: list[str] | None
    region_words: tuple[str, ...]
    max_price: int | None
    deadline: int | None
    structured: bool
    buyer_id: str = ""
    requirement: str = ""
    price_in_usd: bool = False
    cells: dict[str, str] = field(default_factory=dict)
    in_text: list[str] = field(default_factory=list)
    contact_email: str = ""


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------


def weighted(rng: random.Random, options: dict[str, float] | dict[str, int]) -> str:
    keys = list(options)
    return rng.choices(keys, weights=[float(options[k]) for k in keys], k=1)[0]


def nice_round(value: float) -> int:
    """Round to a number people would write (2 significant figures, multiples of 5/10/50...)."""
    if value < 100:
        return max(10, round(value / 10.0) * 10)
    if value < 1000:
        return round(value / 50.0) * 50
    if value < 5000:
        return round(value / 100.0) * 100
    return round(value / 500.0) * 500


def nice_floor(value: int) -> int:
    """Round down to a number people would write."""
    if value < 100:
        return max(10, value // 10 * 10)
    if value < 1000:
        return value // 50 * 50
    if value < 5000:
        return value // 100 * 100
    return value // 500 * 500


def round_price(value: float) -> int:
    if value < 20_000:
        return max(1_000, round(value / 500.0) * 500)
    if value < 500_000:
        return round(value / 1_000.0) * 1_000
    return round(value / 5_000.0) * 5_000


def fmt_id(n: int) -> str:
    """2000 -> '2.000' (Indonesian thousands)."""
    return f"{n:,}".replace(",", ".")


def fmt_en(n: int) -> str:
    return f"{n:,}"


def decimal_id(x: float) -> str:
    """1.5 -> '1,5'; 2.0 -> '2'."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def decimal_en(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def title(text: str) -> str:
    small = {"x", "utk", "dan", "dgn", "dari", "and", "of", "with", "for", "di", "cm"}
    words = text.split()
    return " ".join(w if (w in small and i) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "", folded)


def word_ok(word: str, material: str) -> bool:
    allowed = RESTRICTED_WORDS.get(word)
    return allowed is None or material in allowed


def cat_word(rng: random.Random, category: str, material: str, lang: str, buyer: bool = False) -> str:
    table = BUYER_CAT if buyer else CAT_WORDS
    words = table[category][0 if lang == "id" else 1]
    choices = [w for w in words if word_ok(w, material)] or words[:1]
    return rng.choice(choices)


def mat_word(rng: random.Random, material: str, lang: str) -> str:
    return rng.choice(MAT_WORDS[material][0 if lang == "id" else 1])


def dedupe_words(text: str) -> str:
    """'kain tenun tenun ikat' -> 'kain tenun ikat'; 'tenun tenun' -> 'tenun'."""
    return re.sub(r"\b(\w+) \1\b", r"\1", text)


def abbreviate(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        for full, short in ABBREV:
            if rng.random() < 0.7:
                text = re.sub(rf"\b{full}\b", short, text)
    return text


def family_of(material: str) -> frozenset[str]:
    for fam in FAMILIES:
        if material in fam:
            return fam
    return frozenset({material})


def related_of(category: str) -> frozenset[str]:
    for group in RELATED:
        if category in group:
            return group
    return frozenset({category})


# --------------------------------------------------------------------------------------------------------
# IKMs and products
# --------------------------------------------------------------------------------------------------------


def size_text(rng: random.Random, category: str, lang: str) -> str:
    (a_lo, a_hi), (b_lo, b_hi) = DIMS[category]
    a, b = rng.randint(a_lo, a_hi), rng.randint(b_lo, b_hi)
    depth = max(3, int(a * rng.uniform(0.25, 0.6)))
    shape = SHAPE[category]
    if lang == "id":
        if shape == "round":
            forms = [f"diameter {a}cm", f"diameter {a} cm tinggi {b} cm", f"uk. D{a} x T{b} cm", f"{a}cm"]
        elif shape == "box":
            forms = [
                f"ukuran {a}x{depth}x{b}cm",
                f"uk. {a} x {depth} x {b} cm",
                f"P{a} L{depth} T{b}",
                f"lebar {a}cm, tinggi {b}cm",
            ]
        else:
            if category in ("tikar", "kain", "sarung", "syal") and a >= 150 and rng.random() < 0.4:
                forms = [f"{decimal_id(a / 100)} x {decimal_id(b / 100)} meter"]
            else:
                forms = [f"ukuran {a}x{b}cm", f"uk {a} x {b} cm", f"panjang {a}cm lebar {b}cm", f"{a}x{b}"]
    elif shape == "round":
        forms = [f"dia. {a} cm", f"{a} cm diameter, {b} cm high", f"D{a} x H{b} cm", f"approx. {a}cm across"]
    elif shape == "box":
        forms = [
            f"{a} x {depth} x {b} cm",
            f"size {a}x{depth}x{b}cm",
            f"W{a} D{depth} H{b} cm",
            f"approx. {a}cm wide",
        ]
    else:
        forms = [f"{a} x {b} cm", f"size {a}x{b}cm", f"approx. {a} by {b} cm"]
    return rng.choice(forms)


def product_text(rng: random.Random, ikm: IkmRec, material: str, category: str, lang: str) -> tuple[str, str]:
    """A product name and an informal description."""
    cw, mw = cat_word(rng, category, material, lang), mat_word(rng, material, lang)
    local = LOCAL_WORDS.get((ikm.cluster, category))
    if local and lang == "id" and rng.random() < 0.5:
        cw = local
    place = rng.choice([ikm.village, *ikm.places]) if ikm.show_village else rng.choice(ikm.places)
    natural_dyes = "NATURAL_DYES" in ikm.certs
    if lang == "id":
        qualifiers = [
            "Motif Kepang",
            "Premium",
            "Natural",
            "Model Bulat",
            "Model Kotak",
            "Set 3",
            "Jumbo",
            "Mini",
            "Size M",
            "Super",
            "Handmade",
            f"Khas {place}",
            "Warna Hitam",
            "Anyaman Halus",
            "",
        ]
        if material == "tenun":
            qualifiers = [
                "Motif Kuda",
                "Motif Bunga",
                "Ikat",
                "Songket",
                "Premium",
                "Handmade",
                f"Khas {place}",
                "Warna Merah",
                "Motif Tradisional",
                "",
            ]
        pattern = rng.choice(["{c} {m} {q}", "{c} {m}", "{c} Anyaman {m} {q}", "{c} {m} {q}"])
        if material == "tenun":
            pattern = rng.choice(["{c} {m} {q}", "{c} {m}"])
        name = title(dedupe_words(pattern.format(c=cw, m=mw, q=rng.choice(qualifiers)).strip()))
        intros = [
            f"{cw} {mw} buatan tangan pengrajin {place}",
            f"{cw} {mw} asli {place}, dikerjakan manual satu per satu",
            f"produk unggulan kami, {cw} dari {mw} pilihan",
            f"{cw} {mw} model terbaru",
            f"jual {cw} {mw} kualitas ekspor",
            f"{cw} {mw} handmade",
            f"kami produksi {cw} {mw} sendiri, langsung dari pengrajin",
            f"{cw} {mw} khas {place}",
        ]
        if material != "tenun":
            intros += [f"{cw} anyaman {mw} asli {place}", f"{cw} berbahan {mw} kering & kuat"]
        deals = rng.sample(COMMERCE_ID, 2)
        techs = [t for t in TECH_ID[material] if natural_dyes or "pewarna" not in t]
        if natural_dyes:
            techs += ["pewarna alam (mengkudu, nila)", "pakai pewarna alami"]
        frags = {
            "tech": rng.choice(techs),
            "size": size_text(rng, category, "id"),
            "colour": rng.choice(COLOURS_ID) if not (natural_dyes and rng.random() < 0.5) else "warna alam",
            "finish": rng.choice(FINISH_ID),
            "commerce": deals[0].format(moq=ikm.moq),
            "commerce2": deals[1].format(moq=ikm.moq),
            "use": f"cocok untuk {rng.choice(USES_ID[category])}",
        }
        intro = rng.choice(intros)
    else:
        qualifiers = [
            "Natural",
            "Large",
            "Set of 3",
            "Handmade",
            "Classic",
            "Round",
            "Square",
            "Mini",
            "Premium",
            "Boho",
            "",
        ]
        pattern = rng.choice(["{m} {c} {q}", "{m} {c}", "Handwoven {m} {c}", "{m} {c} - {q}"])
        if material == "tenun":
            pattern = rng.choice(["{m} {c} {q}", "{m} {c}"])
        name = title(pattern.format(c=cw, m=mw, q=rng.choice(qualifiers) or "Natural").strip())
        intros = [
            f"{mw} {cw} made by artisans in {place}",
            f"{mw} {cw}, handmade in {place}, Indonesia",
            f"our best-selling {mw} {cw}",
            f"{mw} {cw} - export quality",
            f"natural {mw} {cw}",
        ]
        if material != "tenun":
            intros += [f"eco-friendly {cw} woven from {mw}", f"{mw} {cw}, each piece hand-plaited"]
        deals = rng.sample(COMMERCE_EN, 2)
        techs = list(TECH_EN[material])
        if natural_dyes:
            techs += ["natural dyes (morinda, indigo)"]
        frags = {
            "tech": rng.choice(techs),
            "size": size_text(rng, category, "en"),
            "colour": rng.choice(COLOURS_EN),
            "finish": rng.choice(FINISH_EN),
            "commerce": deals[0].format(moq=ikm.moq),
            "commerce2": deals[1].format(moq=ikm.moq),
            "use": f"great for {rng.choice(USES_EN[category])}",
        }
        intro = rng.choice(intros)
    keys = list(frags)
    chosen = rng.sample(keys, rng.randint(2, 5))
    if material == "tenun" or category in ("kain", "syal", "sarung"):
        chosen = [k for k in chosen if k != "finish"]
    rng.shuffle(chosen)
    if cw != CAT_WORDS[category][0 if lang == "id" else 1][0]:
        chosen = [k for k in chosen if k != "use"]  # "fruit basket, great for laundry" would be odd
    parts = [dedupe_words(intro), *[frags[k] for k in chosen]]
    sep = rng.choice([". ", ", ", " | ", " - ", "; ", ". "])
    text = sep.join(parts)
    if lang == "id":
        text = abbreviate(rng, text)
    style = rng.random()
    if style < 0.15:
        text = text.lower()
    elif style < 0.2:
        text = text + "!!"
    else:
        text = cap_first(text) + ("." if sep.strip() in (".", "") and rng.random() < 0.6 else "")
    return name, text


def distractor_product(rng: random.Random, material: str, lang: str) -> tuple[str, str, str, int]:
    category, names_id, names_en = rng.choice(DISTRACTOR_ITEMS[material])
    lo, hi = DISTRACTOR_PRICE[material]
    price = round_price(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    if lang == "id":
        base = rng.choice(names_id)
        name = title(base + rng.choice(["", " Premium", " Motif Klasik", " Asli", " Khas Daerah"]))
        desc = rng.choice(
            [
                f"{base} buatan sendiri, ready stok",
                f"jual {base}, kualitas bagus harga terjangkau",
                f"{base} cocok utk oleh-oleh, bisa pesan partai",
                f"{base}. melayani grosir & eceran",
            ]
        )
    else:
        base = rng.choice(names_en)
        name = title(base)
        desc = rng.choice(
            [
                f"{base}, handmade, ready stock",
                f"quality {base} at a wholesale price",
                f"{base} - great as a souvenir",
            ]
        )
    return category, title(name), cap_first(desc), price


def phone(rng: random.Random) -> str:
    prefix = rng.choice(["812", "813", "821", "822", "852", "853", "857", "878", "819", "895"])
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    form = rng.random()
    if form < 0.4:
        return f"0{prefix}-{a}-{b}"
    if form < 0.65:
        return f"+62 {prefix} {a} {b}"
    if form < 0.85:
        return f"0{prefix}{a}{b}"
    return f"62{prefix}{a}{b}"


def make_name(rng: random.Random, material: str, folk: str, used: set[str], village: str) -> str:
    for attempt in range(30):
        pool = NAME_WORDS + FOLK_NAME_WORDS.get(folk, []) * 2
        nm = rng.choice(pool)
        form = rng.choice(NAME_FORMS)
        if material == "tenun" and rng.random() < 0.4:
            form = rng.choice(["Sanggar Tenun {n}", "Sanggar {c} {n}", "Kelompok Tenun {n}"])
        name = form.format(c=rng.choice(CRAFT_WORDS[material]), n=nm)
        if attempt > 20:
            name = f"{name} {village}"
        if name not in used:
            used.add(name)
            return name
    name = f"{name} {len(used)}"
    used.add(name)
    return name


def capacity_for(rng: random.Random, material: str) -> int:
    value = rng.lognormvariate(math.log(CAPACITY_MEDIAN[material]), 1.1)
    return nice_round(min(20_000.0, max(50.0, value)))


def ovop_stars(rng: random.Random, exporter: bool) -> int:
    weights = [52, 20, 15, 8, 3, 1] if not exporter else [36, 20, 20, 13, 8, 3]
    return rng.choices(range(6), weights=weights, k=1)[0]


def choose_certs(
    rng: random.Random, materials: list[str], exporter: bool, capacity: int, ig_prob: float, furniture: bool
) -> list[str]:
    certs: list[str] = []
    timber = any(m in ("rotan", "bambu", "kayu") for m in materials)
    if timber and rng.random() < (0.6 if exporter else 0.15):
        certs.append("SVLK")
    if rng.random() < (0.15 if furniture else 0.05):
        certs.append("SNI")
    if rng.random() < (0.3 if capacity >= 3000 else 0.05):
        certs.append("ISO9001")
    fair = (
        0.22
        if exporter and any(m in ("pandan", "ketak", "tenun", "eceng_gondok") for m in materials)
        else 0.05
    )
    if rng.random() < fair:
        certs.append("FAIR_TRADE")
    if "tenun" in materials and rng.random() < ig_prob:
        certs.append("INDIKASI_GEOGRAFIS")
    dye = (
        0.35 if "tenun" in materials else 0.07 if any(m in ("pandan", "mendong") for m in materials) else 0.0
    )
    if rng.random() < dye:
        certs.append("NATURAL_DYES")
    return certs


def ikm_description(rng: random.Random, ikm: IkmRec, year: int, workers: int) -> str:
    cats = sorted(
        {p.category for p in ikm.products if p.material in WOVEN},
        key=lambda c: (-sum(p.category == c for p in ikm.products), c),
    )
    woven = [m for m in ikm.materials if m in MAT_WORDS]
    place = ikm.village if ikm.show_village else ikm.places[0]
    if rng.random() < 0.12:  # English profile
        mats = " and ".join(mat_word(rng, m, "en") for m in woven) or "traditional"
        prods = ", ".join(cat_word(rng, c, woven[0] if woven else "", "en") for c in cats[:4]) or "crafts"
        parts = [
            f"Family workshop of {mats} crafts in {place}, {ikm.regency.replace('Kabupaten ', '')}",
            f"established {year}",
            f"{workers} artisans",
            f"we make {prods}",
        ]
        if ikm.markets:
            parts.append("exported to " + ", ".join(ikm.markets))
        if "SVLK" in ikm.certs:
            parts.append("SVLK certified")
        if rng.random() < 0.5:
            parts.append(f"capacity approx. {fmt_en(ikm.capacity)} pcs per month")
        return cap_first(". ".join(parts)) + "."
    mats = " & ".join(mat_word(rng, m, "id") for m in woven) or "kerajinan tradisional"
    prods = ", ".join(cat_word(rng, c, woven[0] if woven else "", "id") for c in cats[:4])
    opener = rng.choice(
        [
            f"Pengrajin {mats} di {place}, {ikm.regency}",
            f"Usaha keluarga kerajinan {mats} sejak {year}, lokasi {place}",
            f"Kami kelompok pengrajin {mats} dari {place}",
            f"Sentra {mats} {place}",
            f"IKM binaan Disperindag {ikm.regency.replace('Kabupaten ', 'Kab. ')}, bahan utama {mats}",
        ]
    )
    parts = [opener]
    if "sejak" not in opener and rng.random() < 0.6:
        parts.append(f"berdiri sejak {year}")
    if prods:
        parts.append(rng.choice([f"produk utama: {prods}", f"bikin {prods} dll", f"produksi {prods}"]))
    parts.append(
        rng.choice(
            [
                f"pengrajin {workers} orang (kebanyakan ibu-ibu sekitar)",
                f"tenaga kerja +/- {workers} org",
                f"{workers} perajin aktif",
            ]
        )
    )
    if ikm.markets:
        parts.append(
            rng.choice(["sudah ekspor ke ", "pernah kirim ke ", "pasar ekspor: "]) + ", ".join(ikm.markets)
        )
    elif rng.random() < 0.5:
        parts.append(
            rng.choice(["belum ekspor tapi siap", "pemasaran lokal & online", "jual ke pengepul & toko"])
        )
    if ikm.ovop_stars >= 3:
        parts.append(f"OVOP bintang {ikm.ovop_stars}")
    if "SVLK" in ikm.certs and rng.random() < 0.7:
        parts.append("sudah SVLK")
    if "INDIKASI_GEOGRAFIS" in ikm.certs and rng.random() < 0.7:
        parts.append("produk ber-Indikasi Geografis")
    if rng.random() < 0.45:
        parts.append(
            rng.choice(
                [
                    f"kapasitas sekitar {fmt_id(ikm.capacity)} pcs/bulan",
                    f"kapasitas produksi {fmt_id(ikm.capacity)} buah per bulan",
                ]
            )
        )
    text = rng.choice([". ", ", "]).join(parts)
    return abbreviate(rng, cap_first(text)) + "."


def build_ikm(rng: random.Random, cluster: Cluster, used_names: set[str]) -> IkmRec:
    mats_w = dict(cluster.materials)
    primary = weighted(rng, mats_w)
    materials = [primary]
    if rng.random() < 0.3:
        others = {m: w for m, w in mats_w.items() if m != primary}
        if others and rng.random() < 0.8:
            materials.append(weighted(rng, others))
        else:
            sisters = sorted(family_of(primary) - {primary})
            if sisters:
                materials.append(rng.choice(sisters))
    village = rng.choice(cluster.villages)
    ikm = IkmRec(
        cluster.key, cluster.folk, cluster.province, cluster.regency, village, cluster.places, materials
    )
    ikm.show_village = rng.random() > 0.12
    ikm.name = make_name(rng, primary, cluster.folk, used_names, village)
    ikm.capacity = capacity_for(rng, primary)
    exporter = rng.random() < min(0.75, 0.12 + 0.22 * math.log10(ikm.capacity / 50 + 1))
    if exporter:
        pool = list(EXPORT_MARKETS)
        markets = rng.sample(pool, rng.randint(1, 4))
        if primary == "ketak" and not any(m in ("Jepang", "Japan") for m in markets) and rng.random() < 0.6:
            markets.insert(0, rng.choice(["Jepang", "Japan"]))
        ikm.markets = markets
    ikm.ovop_stars = ovop_stars(rng, exporter)
    furniture_maker = primary in ("rotan", "bambu", "eceng_gondok")
    ikm.certs = choose_certs(rng, materials, exporter, ikm.capacity, cluster.ig_prob, furniture_maker)
    moq_base = ikm.capacity * rng.uniform(0.01, 0.12)
    ikm.moq = (
        1
        if primary == "tenun" and rng.random() < 0.4
        else nice_round(max(5.0, moq_base))
        if moq_base > 10
        else rng.choice([5, 10, 12, 20, 24])
    )
    ikm.moq = min(ikm.moq, ikm.capacity)
    lo, hi = (30, 120) if primary == "tenun" else (14, 60) if furniture_maker else (7, 45)
    ikm.lead_time = rng.choice([d for d in (7, 10, 14, 21, 30, 45, 60, 90, 120) if lo <= d <= hi])

    # product types: (material, category) pairs, then 3-6 products spread over them
    types: list[tuple[str, str]] = []
    for i, m in enumerate(materials):
        k = rng.randint(2, 4) if i == 0 else rng.randint(1, 2)
        cats = dict(MATERIAL_CATEGORIES[m])
        for _ in range(k):
            if not cats:
                break
            c = weighted(rng, cats)
            del cats[c]
            types.append((m, c))
    n_products = rng.randint(3, 6)
    types = types[:n_products]
    slots = list(types) + [rng.choice(types) for _ in range(n_products - len(types))]
    distractor = None
    if rng.random() < 0.15 and n_products >= 4 and len(set(slots[:-1])) == len(set(slots)) >= 2:
        distractor = rng.choice(cluster.distractors)  # replaces a repeated slot: still 3-6 products
        slots = slots[:-1]
    id_share = 0.8
    for m, c in slots:
        lang = "id" if rng.random() < id_share else "en"
        name, desc = product_text(rng, ikm, m, c, lang)
        lo_p, hi_p = PRICE_RANGE[c]
        price = round_price(math.exp(rng.uniform(math.log(lo_p), math.log(hi_p))) * PRICE_FACTOR[m])
        ikm.products.append(ProductRec(m, c, name, desc, price))
    if distractor is not None:
        lang = "id" if rng.random() < id_share else "en"
        c, name, desc, price = distractor_product(rng, distractor, lang)
        ikm.products.insert(rng.randint(0, len(ikm.products)), ProductRec(distractor, c, name, desc, price))
    rng.shuffle(ikm.products)
    ikm.materials = [m for m in materials if any(p.material == m for p in ikm.products)]  # as listed
    year = rng.randint(1975, 2020)
    workers = (
        nice_round(max(3.0, ikm.capacity / rng.uniform(20, 60))) if ikm.capacity > 300 else rng.randint(3, 15)
    )
    ikm.description = ikm_description(rng, ikm, year, workers)
    fill_contacts(rng, ikm)
    return ikm


def fill_contacts(rng: random.Random, ikm: IkmRec) -> None:
    firsts, lasts = PEOPLE[ikm.folk]
    if rng.random() < 0.9:
        ikm.contact_name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
    if rng.random() < 0.88:
        ikm.contact_phone = phone(rng)
    if rng.random() < 0.6:
        base = slug(
            re.sub(
                r"^(UD|CV|KUB|PT|Koperasi|Kelompok Perajin|Sanggar|Galeri|Rumah|Industri|Sentra) ",
                "",
                ikm.name,
            )
        )
        local = rng.choice([base, f"{base}{rng.randint(1, 99)}", f"{base[:12]}.{slug(ikm.places[0])[:8]}"])
        ikm.contact_email = f"{local}@{rng.choice(['gmail.com', 'gmail.com', 'yahoo.co.id', 'yahoo.com'])}"


def build_distractor_ikm(
    rng: random.Random, spec: tuple[str, str, str, tuple[str, ...], str, int, str], used_names: set[str]
) -> IkmRec:
    key, province, regency, villages, material, _, folk = spec
    village = rng.choice(villages)
    places = (village, regency.replace("Kabupaten ", "").replace("Kota ", ""))
    ikm = IkmRec(key, folk, province, regency, village, places, [material])
    ikm.name = make_name(rng, material, folk, used_names, village)
    ikm.capacity = capacity_for(rng, material)
    ikm.ovop_stars = ovop_stars(rng, False)
    ikm.markets = rng.sample(EXPORT_MARKETS, rng.randint(1, 2)) if rng.random() < 0.3 else []
    ikm.certs = ["SVLK"] if material == "kayu" and rng.random() < 0.6 else []
    ikm.moq = rng.choice([5, 10, 20, 50])
    ikm.lead_time = rng.choice([7, 14, 21, 30])
    for _ in range(rng.randint(3, 5)):
        lang = "id" if rng.random() < 0.8 else "en"
        c, name, desc, price = distractor_product(rng, material, lang)
        ikm.products.append(ProductRec(material, c, name, desc, price))
    craft = CRAFT_WORDS[material][0].lower()
    ikm.description = (
        abbreviate(
            rng,
            cap_first(
                rng.choice(
                    [
                        f"Sentra {craft} di {village}, produksi sendiri sejak {rng.randint(1970, 2015)}",
                        f"Usaha {craft} turun temurun, lokasi {village} {places[1]}. melayani grosir",
                        f"Pengrajin {craft} {places[1]}, terima pesanan partai besar maupun eceran",
                    ]
                )
            ),
        )
        + "."
    )
    fill_contacts(rng, ikm)
    return ikm


# --------------------------------------------------------------------------------------------------------
# Labelling
# --------------------------------------------------------------------------------------------------------


def grade(ikm: IkmRec, buyer: BuyerRec) -> int:
    """The labelling rule of dev/README.md, from latent attributes only."""
    pairs = ikm.pairs
    exact = any((m, buyer.category) in pairs for m in buyer.materials)
    if exact:
        feasible = (buyer.quantity is None or ikm.capacity >= buyer.quantity) and set(buyer.certs) <= set(
            ikm.certs
        )
        if not feasible:
            return 1
        if buyer.provinces is None or ikm.province in buyer.provinces:
            return 3
        return 2
    sisters = set().union(*(family_of(m) for m in buyer.materials)) - set(buyer.materials)
    if any((m, buyer.category) in pairs for m in sisters):
        return 1
    related = related_of(buyer.category) - {buyer.category}
    if any((m, c) in pairs for m in buyer.materials for c in related):
        return 1
    return 0


# --------------------------------------------------------------------------------------------------------
# Buyers
# --------------------------------------------------------------------------------------------------------


def company_name(rng: random.Random, country: str, kind: str, used: set[str]) -> str:
    for _ in range(50):
        if country == "Indonesia":
            form = rng.choice(ID_COMPANY_FORMS[kind])
            name = form.format(**{k: rng.choice(v) for k, v in ID_COMPANY_WORDS.items()})
        else:
            forms, words = COMPANY_FORMS[country]
            name = rng.choice(forms).format(**{k: rng.choice(v) for k, v in words.items()})
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("could not make a unique company name")


def qty_text(rng: random.Random, q: int, lang: str) -> str:
    forms: list[str]
    if lang == "en":
        forms = [
            f"{fmt_en(q)} pcs/month",
            f"~{q} pieces a month",
            f"around {fmt_en(q)} units per month",
            f"{fmt_en(q)} pcs per month",
            f"at least {fmt_en(q)} pieces every month",
            f"monthly volume {fmt_en(q)} pcs",
            f"an order of {fmt_en(q)} pcs",
            f"qty {fmt_en(q)}/month",
        ]
        if q >= 1000 and q % 100 == 0:
            forms += [f"{decimal_en(q / 1000)}k units monthly", f"{decimal_en(q / 1000)}k pcs a month"]
    else:
        forms = [
            f"{fmt_id(q)} buah per bulan",
            f"{fmt_id(q)} pcs/bln",
            f"sekitar {fmt_id(q)} unit tiap bulan",
            f"kebutuhan {fmt_id(q)} pcs sebulan",
            f"minimal {fmt_id(q)} pcs/bulan",
            f"order {fmt_id(q)} pcs",
            f"jumlah {fmt_id(q)} buah per bulan",
        ]
        if q >= 1000 and q % 100 == 0:
            forms += [f"{decimal_id(q / 1000)} ribu pcs per bulan", f"{decimal_id(q / 1000)} rb buah/bulan"]
    return rng.choice(forms)


CERT_TEXT_EN = vocab("CERT_TEXT_EN", dict[str, list[str]])
CERT_TEXT_ID = vocab("CERT_TEXT_ID", dict[str, list[str]])
NO_CERT_EN = vocab("NO_CERT_EN", list[str])
NO_CERT_ID = vocab("NO_CERT_ID", list[str])
DEADLINE_WORDS = vocab("DEADLINE_WORDS", dict[int, tuple[list[str], list[str]]])
WHO_EN = vocab("WHO_EN", dict[str, list[str]])
WHO_ID = vocab("WHO_ID", dict[str, list[str]])
EXTRA_EN = vocab("EXTRA_EN", list[str])
EU = vocab("EU", tuple[str, ...])
EXTRA_EU = vocab("EXTRA_EU", list[str])
EXTRA_ID = vocab("EXTRA_ID", list[str])


def product_phrase(rng: random.Random, materials: list[str], category: str, lang: str) -> tuple[str, bool]:
    """The product asked for, and whether its category word is the plain, generic one."""
    cw = cat_word(rng, category, materials[0], lang, buyer=True)
    generic = cw == BUYER_CAT[category][0 if lang == "id" else 1][0]
    mws = [mat_word(rng, m, lang) for m in materials]
    if lang == "en":
        if len(mws) == 2:
            form = rng.choice(
                ["{a} or {b} {c}", "{c} in {a} or {b}", "{c} made of {a} or {b}", "{a}/{b} {c}"]
            )
            return form.format(a=mws[0], b=mws[1], c=cw), generic
        forms = ["{m} {c}", "{m} {c}"]
        if materials[0] != "tenun":
            forms += ["{c} made of {m}", "{c} woven from {m}"]
            if "woven" not in mws[0]:
                forms.append("hand-woven {m} {c}")
        return rng.choice(forms).format(m=mws[0], c=cw), generic
    if len(mws) == 2:
        form = rng.choice(["{c} {a} atau {b}", "{c} dari {a}/{b}", "{c} bahan {a} atau {b}"])
        return dedupe_words(form.format(a=mws[0], b=mws[1], c=cw)), generic
    forms = ["{c} {m}"]
    if materials[0] != "tenun":
        forms += ["{c} dari {m}", "{c} berbahan {m}", "{c} anyaman {m}"]
    return dedupe_words(rng.choice(forms).format(m=mws[0], c=cw)), generic


def price_text(rng: random.Random, b: BuyerRec) -> str:
    assert b.max_price is not None
    p = b.max_price
    if b.language == "en":
        if b.price_in_usd:
            usd = p // USD_IDR
            return rng.choice(
                [
                    f"target price max USD {usd}/pc",
                    f"budget up to ${usd} per unit",
                    f"unit price under US${usd}",
                ]
            )
        return rng.choice(
            [
                f"max IDR {fmt_en(p)} per piece",
                f"unit price below Rp {fmt_id(p)}",
                f"budget Rp {fmt_id(p)}/pc max",
            ]
        )
    forms = [f"harga maks Rp {fmt_id(p)}/pcs", f"harga maksimal Rp{fmt_id(p)} per buah"]
    if p % 1000 == 0 and p < 1_000_000:
        forms.append(f"budget {p // 1000}rb per buah")
    if p >= 1_000_000 and p % 100_000 == 0:
        forms.append(f"maksimal {decimal_id(p / 1_000_000)} juta per unit")
    return rng.choice(forms)


def deadline_text(rng: random.Random, days: int, lang: str) -> str:
    en, idn = DEADLINE_WORDS[days]
    if lang == "en":
        return rng.choice(
            ["delivery within ", "shipment within ", "needed within ", "first shipment in "]
        ) + rng.choice(en)
    return rng.choice(["dikirim paling lambat ", "tenggat ", "harus siap dalam ", "deadline "]) + rng.choice(
        idn
    )


def region_text(rng: random.Random, words: str, lang: str) -> str:
    if lang == "en":
        return rng.choice(
            [
                f"prefer suppliers in {words}",
                f"ideally based in {words}",
                f"{words} makers preferred",
                f"sourcing from {words}",
                f"preferably from {words}",
            ]
        )
    return rng.choice(
        [
            f"diutamakan dari {words}",
            f"pengrajin {words} lebih disukai",
            f"lokasi {words}",
            f"prefer daerah {words}",
            f"khusus wilayah {words}",
            f"kalau bisa dari {words}",
        ]
    )


def render_requirement(rng: random.Random, b: BuyerRec) -> str:
    """The buyer's free-text requirement, tidied."""
    text = _render_requirement(rng, b)
    text = re.sub(r"\?[.,]", "?", text)
    return re.sub(r"\s+", " ", text).strip()


def _render_requirement(rng: random.Random, b: BuyerRec) -> str:
    lang = b.language
    prod, generic = product_phrase(rng, b.materials, b.category, lang)
    bits: list[str] = []
    if "quantity" in b.in_text and b.quantity is not None:
        bits.append(qty_text(rng, b.quantity, lang))
    if "certs" in b.in_text and b.certs:
        table = CERT_TEXT_EN if lang == "en" else CERT_TEXT_ID
        bits.append((" and " if lang == "en" else " dan ").join(rng.choice(table[c]) for c in b.certs))
    elif not b.certs and rng.random() < 0.1:
        bits.append(rng.choice(NO_CERT_EN if lang == "en" else NO_CERT_ID))
    if "provinces" in b.in_text and b.region_words:
        bits.append(region_text(rng, rng.choice(b.region_words), lang))
    if "max_price" in b.in_text and b.max_price is not None:
        bits.append(price_text(rng, b))
    if "deadline" in b.in_text and b.deadline is not None:
        bits.append(deadline_text(rng, b.deadline, lang))
    if rng.random() < 0.55:
        extras = EXTRA_EN + (EXTRA_EU if b.country in EU else []) if lang == "en" else EXTRA_ID
        if b.country != "Indonesia":
            extras = [x for x in extras if "Jakarta" not in x]
        bits.append(rng.choice(extras))
    head_bits, tail_bits = bits[:1], bits[1:]
    rng.shuffle(tail_bits)
    bits = head_bits + tail_bits
    style = rng.choice(["formal", "casual", "terse", "rfq"])
    n = rng.choice([3, 5, 12, 40, 85, 120])
    if lang == "en":
        use = f" for {rng.choice(USES_EN[b.category])}" if generic and rng.random() < 0.5 else ""
        if style == "formal":
            who = rng.choice(WHO_EN[b.kind]).format(n=n)
            verb = rng.choice(
                ["are sourcing", "are looking for", "would like to buy", "need", "seek a supplier of"]
            )
            head = f"{rng.choice(['Dear supplier, w', 'W', 'Hello, w'])}e are {who} and {verb} {prod}{use}."
            rest = " ".join(cap_first(x) + "." for x in bits)
            return f"{head} {rest}".strip()
        if style == "casual":
            opener = rng.choice(
                ["Hi! Need", "Looking for", "Hey, we want", "Searching for", "Interested in", "Wanted:"]
            )
            return (
                f"{opener} {prod}{use}"
                + ("" if not bits else ", " + ", ".join(bits))
                + rng.choice([". Thanks!", ".", " - thx", ""])
            )
        if style == "terse":
            return " / ".join([prod, *bits]) if rng.random() < 0.5 else ", ".join([prod, *bits])
        return ("RFQ: " + cap_first(prod) + use + ". " + " ".join(cap_first(x) + "." for x in bits)).strip()
    use = f" untuk {rng.choice(USES_ID[b.category])}" if generic and rng.random() < 0.5 else ""
    if style == "formal":
        who = rng.choice(WHO_ID[b.kind])
        head = rng.choice(
            [
                f"Dengan hormat, {who} membutuhkan {prod}{use}.",
                f"Kami dari {b.company} sedang mencari {prod}{use}.",
                f"Mohon penawaran {prod}{use}.",
            ]
        )
        rest = " ".join(cap_first(x) + "." for x in bits)
        text = f"{head} {rest}".strip()
    elif style == "casual":
        opener = rng.choice(
            [
                "Halo kak, cari",
                "Butuh",
                "Dicari",
                "Cari",
                "Perlu",
                "Dibutuhkan segera",
                "Halo, kami sedang mencari",
                "Ada yg bisa supply",
            ]
        )
        text = (
            f"{opener} {prod}{use}"
            + ("" if not bits else ", " + ", ".join(bits))
            + rng.choice([". Terima kasih", ". Makasih", "", " ya", "?" if opener.startswith("Ada") else "."])
        )
    elif style == "terse":
        text = " - ".join([prod, *bits]) if rng.random() < 0.5 else ", ".join([prod, *bits])
    else:
        text = f"Pengadaan {prod}{use}. " + " ".join(cap_first(x) + "." for x in bits)
    text = re.sub(r"\s+", " ", text)
    return abbreviate(rng, text.strip())


def feasible_exact(
    ikms: Sequence[IkmRec], materials: list[str], category: str, quantity: int | None, certs: list[str]
) -> list[IkmRec]:
    out = []
    for ikm in ikms:
        if not any((m, category) in ikm.pairs for m in materials):
            continue
        if quantity is not None and ikm.capacity < quantity:
            continue
        if not set(certs) <= set(ikm.certs):
            continue
        out.append(ikm)
    return out


def build_buyer(
    rng: random.Random,
    ikms: Sequence[IkmRec],
    country: str,
    lang: str,
    kind: str,
    used: set[str],
    combo_counts: Counter[tuple[str, str]],
    structured: bool,
    usage: Counter[str],
) -> BuyerRec:
    """Draw a buyer's latent need; ``usage`` damps types and materials already drawn (a balanced dev set)."""
    company = company_name(rng, country, kind, used)
    affinity = KIND_CATEGORY_AFFINITY.get(kind, {})
    cat_weights = {c: w * affinity.get(c, 1.0) * 0.8 ** usage[c] for c, w in CATEGORY_POPULARITY.items()}
    for _ in range(500):
        category = weighted(rng, cat_weights)
        mats = {
            m: math.sqrt(n) * 0.85 ** usage[m]
            for (m, c), n in sorted(combo_counts.items())
            if c == category and n >= 5
        }
        if not mats:
            continue
        materials = [weighted(rng, mats)]
        if rng.random() < 0.2:
            sisters = family_of(materials[0])
            others = {m: w for m, w in mats.items() if m != materials[0] and m in sisters}
            if others:
                materials.append(weighted(rng, others))
        exact = feasible_exact(ikms, materials, category, None, [])
        quantity: int | None = None
        if rng.random() < 0.65:
            caps = sorted((i.capacity for i in exact), reverse=True)
            idx = rng.randint(2, max(2, int(len(caps) * 0.6)))
            quantity = nice_floor(caps[min(idx, len(caps) - 1)])
            if quantity >= caps[0] * 0.95 or quantity < 10:
                quantity = None
        certs: list[str] = []
        if rng.random() < 0.35:
            pool = feasible_exact(ikms, materials, category, quantity, [])
            counts = Counter(c for i in pool for c in i.certs)
            relevant = set().union(*(CERT_RELEVANT[m] for m in materials))
            options = sorted(c for c, n in counts.items() if n >= 3 and c in relevant)
            if options:
                certs = [rng.choice(options)]
                if rng.random() < 0.15:
                    more = [
                        c
                        for c in options
                        if c != certs[0]
                        and len(feasible_exact(ikms, materials, category, quantity, [*certs, c])) >= 3
                    ]
                    if more:
                        certs.append(rng.choice(more))
        feasible = feasible_exact(ikms, materials, category, quantity, certs)
        if len(feasible) < 3:
            continue
        provinces: list[str] | None = None
        region_words: tuple[str, ...] = ()
        if rng.random() < 0.4:
            inside = [r for r in REGIONS if any(i.province in r[0] for i in feasible)]
            both = [r for r in inside if any(i.province not in r[0] for i in feasible)]
            candidates = both or inside
            if candidates:
                region = rng.choice(candidates)
                provinces = [p for p in PROVINCE_ORDER if p in region[0]]
                region_words = region[1] if lang == "en" else region[2]
        buyer = BuyerRec(
            company,
            country,
            kind,
            lang,
            materials,
            category,
            quantity,
            certs,
            provinces,
            region_words,
            None,
            None,
            structured,
        )
        grades = [grade(i, buyer) for i in ikms]
        n3, n2, n1 = grades.count(3), grades.count(2), grades.count(1)
        if n3 < 1 or n3 + n2 < 3 or n1 < 3:
            continue
        return buyer
    raise RuntimeError("could not draw a buyer with enough relevant IKMs")


def finish_buyer(rng: random.Random, b: BuyerRec, ikms: Sequence[IkmRec]) -> None:
    """Price and deadline, which constraints go into columns and which into text, and the text itself."""
    if rng.random() < 0.5:
        prices = sorted(
            p.price
            for i in ikms
            for p in i.products
            if p.category == b.category and p.material in b.materials
        )
        median = statistics.median(prices) if prices else 100_000
        b.price_in_usd = b.language == "en" and b.country != "Indonesia" and rng.random() < 0.5
        raw = median * rng.uniform(1.1, 2.0)
        if b.price_in_usd:
            b.max_price = max(1, round(raw / USD_IDR)) * USD_IDR
        else:
            b.max_price = round_price(raw)
    if rng.random() < 0.45:
        b.deadline = rng.choice(sorted(DEADLINE_WORDS))
    present = {
        "quantity": b.quantity is not None,
        "certs": bool(b.certs),
        "provinces": b.provinces is not None,
        "max_price": b.max_price is not None,
        "deadline": b.deadline is not None,
    }
    for key, has in present.items():
        if not has:
            continue
        if not b.structured or rng.random() < 0.4:
            b.in_text.append(key)
    cells = {
        "quantity": "",
        "max_unit_price_idr": "",
        "required_certifications": "",
        "preferred_provinces": "",
        "deadline_days": "",
    }
    if b.structured:
        cells["quantity"] = str(b.quantity) if b.quantity is not None else ""
        cells["max_unit_price_idr"] = str(b.max_price) if b.max_price is not None else ""
        cells["required_certifications"] = ";".join(b.certs)
        cells["preferred_provinces"] = ";".join(b.provinces or [])
        cells["deadline_days"] = str(b.deadline) if b.deadline is not None else ""
    b.cells = cells
    b.requirement = render_requirement(rng, b)
    if rng.random() < 0.75:
        b.contact_email = (
            f"{rng.choice(['purchasing', 'sourcing', 'info', 'buyer', 'procurement', 'admin'])}@"
            f"{slug(b.company)[:20]}.{'co.id' if b.country == 'Indonesia' else 'com'}"
        )


# --------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------

IKM_COLUMNS = [
    "ikm_id",
    "name",
    "province",
    "regency",
    "village",
    "ovop_stars",
    "capacity_per_month",
    "min_order_qty",
    "lead_time_days",
    "certifications",
    "export_markets",
    "description",
    "contact_name",
    "contact_phone",
    "contact_email",
]
PRODUCT_COLUMNS = ["product_id", "ikm_id", "name", "description", "material", "category", "price_idr"]
BUYER_COLUMNS = [
    "buyer_id",
    "company",
    "country",
    "requirement",
    "quantity",
    "max_unit_price_idr",
    "required_certifications",
    "preferred_provinces",
    "deadline_days",
    "contact_email",
    "language",
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


README = """# Dev set: graded buyer -> IKM relevance

Made by `scripts/generate_demo_data.py --seed {seed}` together with the demo catalogue in `../demo/`
(re-running it reproduces every file byte for byte). Nothing here comes from running the engine. The
generator's words (clusters, material and product words, phrases, companies) are in `scripts/vocab/demo.json`.

## How it was made
1. IKMs are drawn per real craft cluster (province, regency, village) with latent attributes: 1-2 main
   materials, product types, `capacity_per_month`, certificates, province. Products are drawn from the
   IKM's (material, product type) pairs; a few IKMs also list non-woven distractor products (batik, wood,
   pottery, leather, metal, synthetic "rotan sintetis" = material `plastik`, food), and {n_distractor} IKMs
   make only such goods. "IKM makes type X in material M" means it has a product row with `material`=M and
   `category`=X (`ikm_latent.jsonl` lists those pairs).
2. Each buyer has a latent need (`latent.jsonl`): one product type, one or two acceptable materials, and
   optionally quantity per month, required certificates, preferred provinces (from a region word such as
   "Jawa", "Lombok", "Kalimantan"), max unit price and deadline. Constraints were chosen so that every buyer
   has >= 1 grade-3, >= 3 grade>=2 and >= 3 grade-1 IKMs. About half the buyers carry their constraints in the
   structured columns (sometimes also in the text); the rest state them only in the free-text requirement.
3. The requirement text is rendered from the latent need in English or Indonesian (`language`).

## Labelling rule (per buyer b, IKM i; materials M_b, product type c_b)
- exact = i has a product (m, c_b) with m in M_b.
- feasible = (no quantity or capacity_per_month(i) >= quantity(b)) and required_certs(b) subset of certs(i).
- **3**: exact and feasible and (no preferred provinces or province(i) in preferred_provinces(b)).
- **2**: exact and feasible but province(i) outside the stated preference.
- **1**: exact but not feasible (capacity short or a required certificate missing); or a sister material
  with c_b (a material of the same family, not in M_b); or a material in M_b with a related product type.
- **0**: everything else (unlisted pairs in `qrels.txt` are 0).

Fibre families: {families} (`lidi`, palm midrib, is put with the leaf/palm family).
Related product types: {related}.
Max unit price and deadline are NOT used for grading (they are context only). The quantity is compared with
`capacity_per_month` whether the text says "per month" or "per order".

## Files
- `qrels.txt`: `buyer_id 0 ikm_id grade`, every pair with grade >= 1.
- `latent.jsonl`: per buyer: materials, category, quantity, required_certifications, preferred_provinces,
  region_words, max_unit_price_idr, deadline_days, language, structured (constraints in columns),
  in_text (constraints stated in the requirement text).
- `ikm_latent.jsonl`: per IKM: cluster, province, regency, materials, product_types, capacity_per_month,
  certifications.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=Path, default=REPO / "matching" / "data")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    used_names: set[str] = set()
    ikms: list[IkmRec] = []
    for cluster in CLUSTERS:
        ikms.extend(build_ikm(rng, cluster, used_names) for _ in range(cluster.n_ikms))
    n_distractor = 0
    for spec in DISTRACTOR_CLUSTERS:
        for _ in range(spec[5]):
            ikms.append(build_distractor_ikm(rng, spec, used_names))
            n_distractor += 1
    rng.shuffle(ikms)
    pid = 0
    for n, ikm in enumerate(ikms, start=1):
        ikm.ikm_id = f"I{n:04d}"
        for p in ikm.products:
            pid += 1
            p.product_id = f"P{pid:05d}"

    combo_counts: Counter[tuple[str, str]] = Counter(
        pair for i in ikms for pair in i.pairs if pair[0] in WOVEN
    )
    used_companies: set[str] = set()
    slots: list[tuple[str, str, str, bool]] = []
    for country, count, id_share, kinds in COUNTRIES:
        n_id = round(count * id_share)
        slots += [(country, "id" if k < n_id else "en", rng.choice(kinds), False) for k in range(count)]
    rng.shuffle(slots)
    buyers: list[BuyerRec] = []
    half = set(rng.sample(range(len(slots)), len(slots) // 2))  # constraints in columns for half the buyers
    slots = [(c, lang, kind, k in half) for k, (c, lang, kind, _) in enumerate(slots)]
    usage: Counter[str] = Counter()
    for n, (country, lang, kind, structured) in enumerate(slots, start=1):
        b = build_buyer(rng, ikms, country, lang, kind, used_companies, combo_counts, structured, usage)
        usage.update([b.category, *b.materials])
        b.buyer_id = f"B{n:03d}"
        finish_buyer(rng, b, ikms)
        buyers.append(b)

    out: Path = args.out_dir
    write_csv(
        out / "demo" / "ikms.csv",
        IKM_COLUMNS,
        [
            [
                i.ikm_id,
                i.name,
                i.province,
                i.regency,
                i.village if i.show_village else "",
                str(i.ovop_stars),
                str(i.capacity),
                str(i.moq),
                str(i.lead_time),
                ";".join(i.certs),
                ";".join(i.markets),
                i.description,
                i.contact_name,
                i.contact_phone,
                i.contact_email,
            ]
            for i in ikms
        ],
    )
    write_csv(
        out / "demo" / "products.csv",
        PRODUCT_COLUMNS,
        [
            [p.product_id, i.ikm_id, p.name, p.description, p.material, p.category, str(p.price)]
            for i in ikms
            for p in i.products
        ],
    )
    write_csv(
        out / "demo" / "buyers.csv",
        BUYER_COLUMNS,
        [
            [
                b.buyer_id,
                b.company,
                b.country,
                b.requirement,
                b.cells["quantity"],
                b.cells["max_unit_price_idr"],
                b.cells["required_certifications"],
                b.cells["preferred_provinces"],
                b.cells["deadline_days"],
                b.contact_email,
                b.language,
            ]
            for b in buyers
        ],
    )

    qrel_lines: list[str] = []
    per_grade: dict[int, list[int]] = {3: [], 2: [], 1: []}
    for b in buyers:
        grades = {i.ikm_id: grade(i, b) for i in ikms}
        for g in (3, 2, 1):
            per_grade[g].append(sum(v == g for v in grades.values()))
        qrel_lines += [f"{b.buyer_id} 0 {k} {v}" for k, v in sorted(grades.items()) if v >= 1]
    (out / "dev").mkdir(parents=True, exist_ok=True)
    (out / "dev" / "qrels.txt").write_text("\n".join(qrel_lines) + "\n", encoding="utf-8")
    write_jsonl(
        out / "dev" / "latent.jsonl",
        [
            {
                "buyer_id": b.buyer_id,
                "materials": b.materials,
                "category": b.category,
                "quantity": b.quantity,
                "required_certifications": b.certs,
                "preferred_provinces": b.provinces,
                "region_words": list(b.region_words),
                "max_unit_price_idr": b.max_price,
                "deadline_days": b.deadline,
                "language": b.language,
                "country": b.country,
                "kind": b.kind,
                "structured": b.structured,
                "in_text": b.in_text,
            }
            for b in buyers
        ],
    )
    write_jsonl(
        out / "dev" / "ikm_latent.jsonl",
        [
            {
                "ikm_id": i.ikm_id,
                "cluster": i.cluster,
                "province": i.province,
                "regency": i.regency,
                "materials": i.materials,
                "product_types": [list(p) for p in sorted(i.pairs)],
                "capacity_per_month": i.capacity,
                "certifications": i.certs,
            }
            for i in ikms
        ],
    )
    families = "; ".join("{" + ", ".join(sorted(f)) + "}" for f in FAMILIES)
    related = "; ".join("{" + ", ".join(sorted(r)) + "}" for r in RELATED)
    (out / "dev" / "README.md").write_text(
        README.format(seed=args.seed, n_distractor=n_distractor, families=families, related=related),
        encoding="utf-8",
    )

    n_products = sum(len(i.products) for i in ikms)
    langs = Counter(b.language for b in buyers)
    prod_langs = Counter("structured" if b.structured else "text-only" for b in buyers)
    print(
        f"IKMs {len(ikms)} ({len(CLUSTERS)} woven clusters + {len(DISTRACTOR_CLUSTERS)} distractor "
        f"clusters), products {n_products}, buyers {len(buyers)}"
    )
    print("countries:", ", ".join(f"{c} {n}" for c, n in Counter(b.country for b in buyers).most_common()))
    print("clusters:", ", ".join(f"{c.key} {sum(i.cluster == c.key for i in ikms)}" for c in CLUSTERS))
    print(
        f"buyer language: en {langs['en']}, id {langs['id']}; constraints: {dict(sorted(prod_langs.items()))}"
    )
    print(
        "mean IKMs per buyer: "
        + ", ".join(f"grade {g} {statistics.mean(v):.1f} (min {min(v)})" for g, v in per_grade.items())
    )
    print(f"qrels lines {len(qrel_lines)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
