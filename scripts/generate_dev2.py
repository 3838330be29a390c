"""Generate the second evaluation set ("dev2"): a catalogue of IKMs, products and buyers with graded qrels.

The set is written independently of the engine: other craft clusters, other wording, free-text material and
category columns, and requirements phrased as search boxes, e-mails, RFQs, bullet lists and WhatsApp
messages. Every file comes from the latent attributes drawn here with one seeded ``random.Random``; the
grades are computed from those latent attributes with the labelling rule in ``matching/data/dev2/README.md``
(the same rule as the first dev set). Nothing here runs, imports or consults the engine.

The word tables (clusters, catalogue and buyer wording, companies) are data in ``scripts/vocab/dev2.json``,
this generator's own file, shared with neither the engine nor ``generate_demo_data.py``; the sampling and
the grading rule (families, related types) are written here.

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

from _vocab import vocab_reader  # scripts/_vocab.py: run as a script, this folder is on the path

ROOT = Path(__file__).resolve().parents[1]
PROVINCES_TSV = ROOT / "matching" / "resources" / "provinces.tsv"
VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "dev2.json"
vocab = vocab_reader(VOCAB_FILE)  # the word tables (JSON keeps their order), each read back as its type


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
# The grading rule (restated in README.md and re-implemented independently in tests/data/test_dev2_data.py)
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


# region word -> (english spellings, indonesian spellings, provinces it covers)
REGION_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # the provinces are a list, or an island region of provinces.tsv
    word: (english, indonesian, region_provinces(covers) if isinstance(covers, str) else tuple(covers))
    for word, (english, indonesian, covers) in vocab(
        "REGION_WORDS", dict[str, tuple[tuple[str, ...], tuple[str, ...], str | list[str]]]
    ).items()
}
PROVINCE_WORDS = vocab("PROVINCE_WORDS", dict[str, tuple[tuple[str, ...], tuple[str, ...]]])

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
CLUSTERS = vocab("CLUSTERS", tuple[Cluster, ...])
# (cluster key, distractor material, how many IKMs make nothing but that)
DISTRACTOR_ONLY = vocab("DISTRACTOR_ONLY", tuple[tuple[str, str, int], ...])

DEFAULT_TYPES = vocab("DEFAULT_TYPES", dict[str, tuple[tuple[str, float], ...]])

# ---------------------------------------------------------------------------------------------------------
# Words: how IKM catalogues write materials and product types
# ---------------------------------------------------------------------------------------------------------

MATERIAL_CELL = vocab("MATERIAL_CELL", dict[str, tuple[str, ...]])
# as written inside names and descriptions
MATERIAL_WORD = vocab("MATERIAL_WORD", dict[str, tuple[str, ...]])
CATEGORY_CELL = vocab("CATEGORY_CELL", dict[str, tuple[str, ...]])
TYPE_NOUN_ID = vocab("TYPE_NOUN_ID", dict[str, tuple[str, ...]])
TYPE_NOUN_EN = vocab("TYPE_NOUN_EN", dict[str, tuple[str, ...]])
DISTRACTOR_GOODS = vocab(
    "DISTRACTOR_GOODS", dict[str, tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]]
)
TEXTILE_BITS = vocab("TEXTILE_BITS", tuple[str, ...])
COLOURS = vocab("COLOURS", tuple[str, ...])
DESC_BITS = vocab("DESC_BITS", tuple[str, ...])

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

NAME_PREFIX = vocab("NAME_PREFIX", tuple[str, ...])
MATERIAL_NAME = vocab("MATERIAL_NAME", dict[str, tuple[str, ...]])
DISTRACTOR_NAME = vocab("DISTRACTOR_NAME", dict[str, tuple[str, ...]])
FIRST_NAMES = vocab("FIRST_NAMES", tuple[str, ...])
LAST_NAMES = vocab("LAST_NAMES", tuple[str, ...])
MARKETS = vocab("MARKETS", tuple[str, ...])


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


CERT_CELL = vocab("CERT_CELL", dict[str, tuple[str, ...]])


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


DISTRACTOR_OPENERS = vocab("DISTRACTOR_OPENERS", dict[str, tuple[str, ...]])


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


BASE_PRICE = vocab("BASE_PRICE", dict[str, int])


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

# (company, country, kind, e-mail domain or "")
EN_COMPANIES = vocab("EN_COMPANIES", tuple[tuple[str, str, str, str], ...])
ID_COMPANIES = vocab("ID_COMPANIES", tuple[tuple[str, str, str, str], ...])

# ---------------------------------------------------------------------------------------------------------
# Buyers: how they write
# ---------------------------------------------------------------------------------------------------------

MATERIAL_EN = vocab("MATERIAL_EN", dict[str, tuple[str, ...]])
MATERIAL_ID = vocab("MATERIAL_ID", dict[str, tuple[str, ...]])
TYPE_EN = vocab("TYPE_EN", dict[str, tuple[str, ...]])
TYPE_ID = vocab("TYPE_ID", dict[str, tuple[str, ...]])
CERT_EN = vocab("CERT_EN", dict[str, tuple[str, ...]])
CERT_ID = vocab("CERT_ID", dict[str, tuple[str, ...]])
# how a buyer's form writes a certificate in the structured column
CERT_COLUMN = vocab("CERT_COLUMN", dict[str, tuple[str, ...]])
USE_EN = vocab("USE_EN", dict[str, tuple[str, ...]])
USE_ID = vocab("USE_ID", dict[str, tuple[str, ...]])


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


EXTRAS_EN = vocab("EXTRAS_EN", tuple[str, ...])
EXTRAS_ID = vocab("EXTRAS_ID", tuple[str, ...])


KIND_NOUN = vocab("KIND_NOUN", dict[str, str])


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


MAILBOXES = vocab("MAILBOXES", tuple[str, ...])


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
