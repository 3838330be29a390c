"""Query understanding: a buyer's free-text requirement, in English or Indonesian, as structured needs.

:func:`parse_needs` reads the materials, product types and techniques (lexicon concept ids), the quantity and
its period, required and explicitly waived certificates, preferred provinces (region words such as "Java" or
"Lombok" become provinces), a maximum unit price in rupiah and a deadline in days. Structured columns passed
as arguments win over the text; ``sources`` records where each value came from.

Numbers are read in context, one clause at a time: ``30x40 cm`` and ``diameter 20 cm`` are sizes, numbers
next to a currency or a price word are prices, ``dalam 2 bulan`` is a deadline, and a number with a unit
(``pcs``, ``buah``, ``units``), a period (``per bulan``, ``monthly``) or a product word after it is a
quantity. Foreign prices are converted with :data:`DEFAULT_RATES` (rupiah per unit of currency, rough
2024-25 averages), which callers override with ``rates=``. Nothing here raises on odd input: what cannot
be read stays ``None`` or empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from matching.common.regions import provinces as province_table
from matching.common.text import fold
from matching.retrieval.lexicon import Lexicon, lexicon

T = TypeVar("T")

__all__ = ["ANY_CERTIFICATION", "DEFAULT_RATES", "BuyerNeeds", "detect_language", "parse_needs"]

#: Rupiah per unit of each currency; approximate, for ranking only. Override per call with ``rates=``.
DEFAULT_RATES: dict[str, float] = {
    "IDR": 1.0, "USD": 16_000.0, "EUR": 17_500.0, "GBP": 20_500.0, "JPY": 105.0, "SGD": 12_000.0,
    "AUD": 10_500.0, "NZD": 9_600.0, "CAD": 11_700.0, "CHF": 18_300.0, "CNY": 2_200.0, "HKD": 2_050.0,
    "MYR": 3_500.0, "KRW": 11.7, "AED": 4_350.0, "SAR": 4_250.0,
}  # fmt: skip
#: Put in ``excluded_certifications`` when the buyer says no certificate at all is needed.
ANY_CERTIFICATION = "ANY"


def _table(spec: str, cast: Callable[[str], T]) -> dict[str, T]:
    """``"a b:X c:Y"`` -> ``{"a": X, "b": X, "c": Y}``: each word takes the value after the next colon."""
    table: dict[str, T] = {}
    pending: list[str] = []
    for item in spec.split():
        word, _, value = item.partition(":")
        pending.append(word)
        if value:
            table.update(dict.fromkeys(pending, cast(value)))
            pending = []
    return table


def _vocabulary(spec: str) -> dict[str, frozenset[str]]:
    """Word sets from ``name: words`` lines; indented lines continue the set above."""
    sets: dict[str, set[str]] = {}
    name = ""
    for line in spec.strip("\n").splitlines():
        head, colon, rest = line.partition(":")
        if colon and not line[:1].isspace():
            name, line = head.strip(), rest
        sets.setdefault(name, set()).update(line.split())
    return {key: frozenset(words) for key, words in sets.items()}


_CURRENCY = _table(
    """rp idr rupiah:IDR usd dollar dollars:USD eur euro euros:EUR gbp pound pounds:GBP jpy yen:JPY sgd:SGD
    aud:AUD nzd:NZD cad:CAD chf:CHF cny rmb yuan:CNY hkd:HKD myr ringgit:MYR krw:KRW aed:AED sar:SAR""",
    str,
)
_MULT = _table("k rb ribu thousand:1e3 hundred ratus:1e2 jt juta million mio:1e6", float)
_UNITS = _table(
    """pcs pc piece pieces unit units buah bh biji lembar lbr set sets pasang pair pairs item items ea nos
    roll rolls gulung bundle bundles paket:1 dozen dozens lusin:12 kodi:20 gross:144""",
    int,
)
_DURATION = _table("day days hari:1 week weeks minggu pekan wk wks:7 month months bulan bln:30", int)
_PERIOD_WORDS = _table(
    """month months bulan bln mo:month year years tahun thn yr annum:year week minggu pekan:week day hari:day
    quarter kuartal triwulan:quarter
    order pesanan po shipment pengiriman batch kiriman delivery pemesanan:order""",
    str,
)
_PERIOD_SINGLE = _table(
    """monthly perbulan sebulan bulanan:month yearly annually annual pertahun setahun tahunan:year
    weekly perminggu seminggu mingguan:week daily perhari sehari harian:day quarterly:quarter""",
    str,
)
_TO_MONTH = {"week": 52 / 12, "day": 30.0, "quarter": 1 / 3}
_WORD_NUMBERS = _table(
    """one satu:1 two dua:2 three tiga:3 four empat:4 five lima:5 six enam:6 seven tujuh:7 eight delapan:8
    nine sembilan:9 ten sepuluh:10 twelve:12 twenty:20 fifty:50 seratus:100 seribu:1000 sejuta:1e6""",
    float,
)
_V = _vocabulary(
    """
length: m meter meters metre metres yard yards
size_units: cm mm inch inches ft feet kg g gr gram grams gsm ml l liter litre ltr cc
size_cues: diameter dia ukuran size sizes dimension dimensions dimensi tinggi height lebar width length depth
    kedalaman tebal thickness berat weight
block: container containers kontainer ctn carton cartons karton pallet pallets truck trucks truk fcl lcl
    percent persen colour colours color colors warna design designs desain motif motifs model models variant
    variants varian type types jenis style styles year years tahun thn star stars bintang sku skus person
    people orang worker workers pekerja pengrajin artisans karyawan employees
deadline_cues: within in dalam lead leadtime delivery deliver delivered deadline tenggat waktu maks max
    maximum maksimal maksimum lambat selambatnya before sebelum by kirim dikirim pengiriman turnaround
    ready siap jangka need needed butuh dibutuhkan diperlukan under less kurang target production
    produksi pengerjaan time than later
deadline_after: lead delivery deadline turnaround leadtime pengiriman
price_cues: harga price prices priced pricing budget anggaran cost costs biaya fob exw cif ddp tarif
max_cues: under below max maks maksimal maksimum maximum most bawah lebih budget anggaran upto kurang
qty_cues: qty quantity quantities jumlah sebanyak volume moq order orders pesanan pesan minimal minimum min
    least atleast around about approximately approx sekitar kira lebih
per: per a an each every tiap setiap
period_leads: per a an each every tiap setiap se one first initial trial
range: to sampai hingga until and dan s d or atau
negators: no not without tidak tanpa tak bukan gak nggak ga non never don doesn isn aren excluding except
    kecuali neither nor avoid hindari jangan
fillers: need needed needs require required requires harus wajib necessary ada any a the use pakai menggunakan
    memakai bersertifikat sertifikat sertifikasi certification certificate certified memiliki punya have has
    having with dengan butuh membutuhkan diperlukan mandatory must is are be for untuk made of from dari
    bahan material materials using yang perlu berbahan synthetic sintetis artificial imitation imitasi faux
    fake palsu
ship_cues: ship ships shipping shipped shipment deliver delivers delivery delivered kirim dikirim kirimkan
    pengiriman antar diantar destination tujuan via
ship_between: to ke at di of the our kami into in port pelabuhan please pls tolong ya
connectors: or and atau dan nor maupun serta per
positive: required needed necessary must mandatory wajib harus perlu diperlukan dibutuhkan essential
    compulsory needs need requirement syarat
optional: optional opsional unnecessary unneeded
generic_cert: certification certifications certificate certificates certified certs cert sertifikat
    sertifikasi bersertifikat tersertifikasi
en: the and for with of we our need needs looking want from made month monthly pieces units please must
    should would like each order within weeks days based prefer preferred required price under at least
    about supplier suppliers are is in to a an by quality delivery not no buyer buying interested seeking
    sourcing hotel shop store retail wholesale
id: yang dan untuk dengan dari kami butuh membutuhkan mencari cari bulan buah harga di ke ini itu tidak perlu
    harus dalam hari minggu sebanyak minimal maks bawah atas produk bahan pesanan kirim diutamakan bisa ada
    mau ingin akan juga sudah ukuran jenis setiap tiap bulannya sertifikat bersertifikat kebutuhan pembeli
    toko kualitas warna sekitar lebih kurang
"""
)
_SIZE_UNITS = _V["size_units"] | _V["length"]
_COUNTED = [[w] for w in (*_MULT, *_UNITS, *_DURATION)]
_CLAUSES = re.compile(
    r"[;!?\n()]|[.,](?=\s|$)|\b(?:but|however|tapi|tetapi|namun|sedangkan|whereas|although|meskipun|walaupun)\b",
    re.IGNORECASE,
)
_SYMBOLS = [
    (re.compile(r"\bus\s*\$", re.I), " usd "), (re.compile(r"\bs\$", re.I), " sgd "),
    (re.compile(r"\ba\$", re.I), " aud "), (re.compile(r"\$"), " usd "), (re.compile("€"), " eur "),
    (re.compile("£"), " gbp "), (re.compile("[¥￥]"), " jpy "), (re.compile(r"~|±|≈|\+/-|\bca\."), " about "),
    (re.compile(r"<=|≤|<"), " under "), (re.compile(r">=|≥|>"), " over "), (re.compile("/"), " per "),
    (re.compile("%"), " percent "), (re.compile("@"), " at "),
]  # fmt: skip
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass
class BuyerNeeds:
    """What a buyer asks for, as the ranker and the explanations use it."""

    text: str = ""
    language: str = "en"  # 'en' | 'id'
    materials: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    quantity: int | None = None
    quantity_period: str | None = None  # 'month' | 'order' | 'year' | None (unstated)
    certifications: list[str] = field(default_factory=list)
    excluded_certifications: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    max_unit_price_idr: int | None = None
    deadline_days: int | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field -> 'column' | 'text'

    @property
    def monthly_quantity(self) -> int | None:
        """Quantity per month: a yearly quantity / 12; per-order and unstated quantities as they are."""
        if self.quantity is None:
            return None
        if self.quantity_period == "year":
            return max(1, math.ceil(self.quantity / 12))
        return self.quantity


@dataclass
class _Numbers:
    quantity: tuple[int, int, str | None] | None = None  # (strength, value, period); first strongest wins
    prices: list[tuple[bool, float]] = field(default_factory=list)  # (has a max cue, rupiah)
    deadline: int | None = None


def _number(words: list[str], i: int) -> tuple[float, int] | None:
    """The number starting at token ``i`` (with a multiplier word) and the index of its last token."""
    word = words[i]
    if _NUMBER.match(word):
        value = float(word)
    elif word in _WORD_NUMBERS and (word.startswith("se") or words[i + 1 : i + 2] in _COUNTED):
        value = float(_WORD_NUMBERS[word])
    else:
        return None
    if i + 1 < len(words) and words[i + 1] in _MULT:
        return value * _MULT[words[i + 1]], i + 1
    return value, i


def _period(words: list[str], start: int, stop: int) -> str | None:
    for k in range(max(0, start), min(stop, len(words))):
        w = words[k]
        if _NUMBER.match(w):
            return None
        if w in _PERIOD_SINGLE:
            return _PERIOD_SINGLE[w]
        if w in _PERIOD_WORDS and k > 0 and words[k - 1] in _V["period_leads"]:
            return _PERIOD_WORDS[w]
    return None


def _scan_numbers(
    words: list[str], starts: set[int], language: str, rates: Mapping[str, float], out: _Numbers
) -> None:
    """Classify every number of one clause as size, price, deadline or quantity (see the module docstring)."""
    n, i = len(words), 0
    while i < n:
        parsed = _number(words, i)
        if parsed is None:
            i += 1
            continue
        first, (value, j) = i, parsed
        k = j + 1 + (j + 1 < n and words[j + 1] in _V["range"])
        second = _number(words, k) if k < n else None
        high = value
        if second and second[0] >= value:
            high, j = second
        i = j + 1
        nxt, after = (words[j + 1] if j + 1 < n else ""), (words[j + 2] if j + 2 < n else "")
        prev = words[max(0, first - 4) : first]
        prev1 = prev[-1] if prev else ""
        near = prev[-2] if len(prev) > 1 and prev1 in {"about", "at", "around"} else ""
        currency = _CURRENCY.get(prev1) or _CURRENCY.get(near) or _CURRENCY.get(nxt)
        fabric_length = nxt in _V["length"] and _period(words, j + 2, j + 5)
        if (nxt in _SIZE_UNITS and not fabric_length) or nxt in _V["block"]:
            continue
        money_word = words[j] in {"rb", "jt", "juta"} and nxt not in _UNITS
        unit_price = nxt in _V["per"] and after in _UNITS
        price_cue = any(w in _V["price_cues"] for w in prev) and nxt not in _UNITS
        if currency or money_word or unit_price or price_cue:
            cur = currency or ("IDR" if high >= 1000 or language == "id" else "USD")
            idr = high * float(rates.get(cur, 0.0))
            if "total" in prev or nxt == "total" or (high < 1000 and cur == "IDR" and not currency):
                continue
            if 0 < idr <= 1e9:
                out.prices.append((any(w in _V["max_cues"] for w in prev), idr))
            continue
        if nxt in _DURATION:
            later = words[j + 2 : j + 5]
            cue = any(w in _V["deadline_cues"] for w in prev) or any(w in _V["deadline_after"] for w in later)
            if cue and out.deadline is None and 0 < high * _DURATION[nxt] <= 3650:
                out.deadline = round(high * _DURATION[nxt])
            continue
        if prev1 in _V["size_cues"] and nxt not in _UNITS:
            continue
        unit = _UNITS.get(nxt)
        period = _period(words, j + 1 + bool(unit), j + 7) or _period(words, first - 4, first)
        strength = 3 if unit or period or any(s in starts for s in range(j + 1, j + 4)) else 0
        if not strength and any(w in _V["qty_cues"] for w in prev[-3:]) and not 1900 <= value <= 2100:
            strength = 1
        quantity = value * (unit or 1)
        if strength and 1 <= quantity <= 1e7 and (out.quantity is None or strength > out.quantity[0]):
            if period in _TO_MONTH:
                quantity, period = quantity * _TO_MONTH[period], "month"
            out.quantity = (strength, round(quantity), period)


def _negated(
    words: list[str], mention: tuple[int, int], same_kind: list[tuple[int, int]], after: bool
) -> bool:
    """Is a mention negated: "no/tanpa/tidak perlu X" before it or (certificates) "X not needed" after it?"""
    inside = {k for s, e in same_kind for k in range(s, e)}
    k, steps = mention[0] - 1, 0
    while k >= 0 and steps < 6:
        w = words[k]
        if w in _V["negators"] and k not in inside:  # "lidi aren" is a palm, not "aren't"
            return True
        if not (k in inside or w in _V["connectors"] or w in _V["fillers"]):
            break
        k, steps = k - 1, steps + 1
    if not after:
        return False
    k, steps = mention[1], 0
    while k < len(words) and steps < 6:
        w = words[k]
        if w in _V["optional"]:
            return True
        if w in _V["negators"]:
            return any(x in _V["positive"] for x in words[k + 1 : k + 3])
        if w in _V["positive"] or not (k in inside or w in _V["connectors"] or w in _V["fillers"]):
            return False
        k, steps = k + 1, steps + 1
    return False


def _shipping_place(words: list[str], start: int) -> bool:
    """Is the place at ``start`` where the goods go ("ship via Jakarta", "kirim ke Jakarta"), not where the
    buyer wants them made? A port of loading ("FOB Surabaya") stays a preference: the IKM delivers there."""
    k = start - 1
    while k >= 0 and start - k <= 4:
        if words[k] in _V["ship_cues"]:
            return True
        if words[k] not in _V["ship_between"]:
            return False
        k -= 1
    return False


def _clauses(text: str) -> list[str]:
    for pattern, repl in _SYMBOLS:
        text = pattern.sub(repl, text)
    return [c for c in _CLAUSES.split(text) if c and c.strip()]


def detect_language(text: str, lex: Lexicon | None = None) -> str:
    """'id' or 'en' from function words and the language of lexicon forms; 'en' when nothing tells."""
    try:
        words = fold(str(text or "")).split()
        en = sum(w in _V["en"] for w in words)
        ind = sum(w in _V["id"] for w in words)
        for m in (lex or lexicon()).find(" ".join(words), kinds=("material", "product", "technique")):
            en, ind = en + (m.lang == "en"), ind + (m.lang == "id")
        if ind == en:
            ind += sum(w.endswith(("nya", "kan")) and len(w) > 5 for w in words)
        return "id" if ind > en else "en"
    except Exception:  # language detection must never fail a query
        return "en"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _positive(value: object) -> int | None:
    """A column value as a positive whole number, or None (blank, zero, negative or not a number)."""
    try:
        number = round(float(value))  # type: ignore[arg-type]  # any cell value; float() rejects the rest
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number > 0 else None


def _column_provinces(items: Sequence[str | None], lex: Lexicon) -> list[str]:
    table, out = province_table(), []
    for item in (str(i) for i in items if i is not None):
        province = table.lookup(item)
        if province:
            out.append(province.name)
            continue
        for m in lex.find(item, kinds="region"):
            out.extend(lex.provinces_for(m.concept))
    return _unique(out)


def parse_needs(
    text: str | None,
    *,
    quantity: int | None = None,
    certifications: Sequence[str | None] | None = None,
    provinces: Sequence[str | None] | None = None,
    max_unit_price_idr: int | None = None,
    deadline_days: int | None = None,
    rates: Mapping[str, float] | None = None,
    lex: Lexicon | None = None,
) -> BuyerNeeds:
    """Structured needs from a buyer's requirement text; the keyword arguments (import columns) win."""
    text = "" if text is None else str(text)
    lex = lex or lexicon()
    table = {**DEFAULT_RATES, **{str(k).upper(): float(v) for k, v in (rates or {}).items()}}
    needs = BuyerNeeds(text=text, language=detect_language(text, lex))
    found: dict[str, list[str]] = {
        k: [] for k in ("material", "product", "technique", "region", "cert", "nocert")
    }
    numbers = _Numbers()
    named: list[str] = []  # materials named as such; a product word's material counts only without them
    for clause in _clauses(text):
        words = fold(clause).split()
        mentions = lex.find(clause)
        cert_spans = [(o.start, o.end) for o in mentions if o.kind == "certification"]
        for m in mentions:
            if m.kind != "certification" and any(a < m.end and m.start < b for a, b in cert_spans):
                continue  # "timber legality" names a certificate, not a wanted material
            if m.kind == "region" and _shipping_place(words, m.start):
                continue  # a port or a delivery address says nothing of where the IKM should be
            same_kind = [(o.start, o.end) for o in mentions if o.kind == m.kind]
            is_cert = m.kind == "certification"
            negated = _negated(words, (m.start, m.end), same_kind, after=is_cert)
            if is_cert:
                found["nocert" if negated else "cert"].append(m.concept)
            elif not negated:
                found[m.kind].append(m.concept)
                if m.kind == "material" and not any(
                    o.kind == "product" and (o.start, o.end) == (m.start, m.end) for o in mentions
                ):
                    named.append(m.concept)  # not only implied by a product word ("lampit": a rattan mat)
        if not any(m.kind == "certification" for m in mentions):
            spans = [(k, k + 1) for k, w in enumerate(words) if w in _V["generic_cert"]]
            if any(_negated(words, s, spans, after=True) for s in spans):
                found["nocert"].append(ANY_CERTIFICATION)
        starts = {m.start for m in mentions if m.kind in ("product", "material")}
        _scan_numbers(words, starts, needs.language, table, numbers)
    needs.materials, needs.products = _unique(named or found["material"]), _unique(found["product"])
    needs.techniques = _unique(found["technique"])
    needs.sources.update({k: "text" for k in ("materials", "products", "techniques") if getattr(needs, k)})

    excluded = _unique(found["nocert"])
    given = lex.normalise_certifications([str(c) for c in certifications or [] if c is not None])
    required = given or [c for c in _unique(found["cert"]) if c not in excluded]
    needs.certifications, needs.excluded_certifications = required, [c for c in excluded if c not in required]
    if required:
        needs.sources["certifications"] = "column" if given else "text"
    if needs.excluded_certifications:
        needs.sources["excluded_certifications"] = "text"

    column_provinces = _column_provinces(provinces or [], lex)
    text_provinces = _unique([p for r in found["region"] for p in lex.provinces_for(r)])
    needs.provinces = column_provinces or text_provinces
    if needs.provinces:
        needs.sources["provinces"] = "column" if column_provinces else "text"

    text_qty, quantity = numbers.quantity, _positive(quantity)
    if quantity:
        needs.quantity, needs.sources["quantity"] = quantity, "column"
        if text_qty and text_qty[1] == quantity:
            needs.quantity_period = text_qty[2]
    elif text_qty:
        needs.quantity, needs.quantity_period = text_qty[1], text_qty[2]
        needs.sources["quantity"] = "text"
    if needs.quantity_period:
        needs.sources["quantity_period"] = "text"

    max_unit_price_idr, deadline_days = _positive(max_unit_price_idr), _positive(deadline_days)
    if max_unit_price_idr:
        needs.max_unit_price_idr, needs.sources["max_unit_price_idr"] = max_unit_price_idr, "column"
    elif numbers.prices:
        capped = [p for flag, p in numbers.prices if flag]
        needs.max_unit_price_idr = round(capped[0] if capped else max(p for _, p in numbers.prices))
        needs.sources["max_unit_price_idr"] = "text"

    if deadline_days:
        needs.deadline_days, needs.sources["deadline_days"] = deadline_days, "column"
    elif numbers.deadline:
        needs.deadline_days, needs.sources["deadline_days"] = numbers.deadline, "text"
    return needs
