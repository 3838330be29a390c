"""Texts of the search page: one sentence per requirement checked, certificates in words, the score
breakdown's words, the hard/soft switch and the weak-match notice.

Sentences take ``{wanted}`` and ``{actual}`` already formatted for the language (numbers, rupiah, lists).
Certificates are named from :data:`CERTIFICATES`, the one table of their names, as ``search_cert_<CODE>``.
"""

from __future__ import annotations

__all__ = ["CERTIFICATES", "EN", "FEATURES", "ID"]

# certificate code (the lexicon's id) -> (Indonesian, English) name
CERTIFICATES: dict[str, tuple[str, str]] = {
    "SVLK": ("SVLK (legalitas kayu)", "SVLK (timber legality)"),
    "SNI": ("SNI (Standar Nasional Indonesia)", "SNI (Indonesian National Standard)"),
    "ISO9001": ("ISO 9001 (manajemen mutu)", "ISO 9001 (quality management)"),
    "FAIR_TRADE": ("Fair Trade (perdagangan adil)", "Fair Trade"),
    "INDIKASI_GEOGRAFIS": ("Indikasi Geografis", "Geographical Indication (Indikasi Geografis)"),
    "NATURAL_DYES": ("Pewarna alami", "Natural dyes"),
    "REACH": ("REACH (bahan kimia, Uni Eropa)", "REACH (chemicals, EU)"),
    "GPSR": ("GPSR (keamanan produk, Uni Eropa)", "GPSR (product safety, EU)"),
    "EUDR": ("EUDR (bebas deforestasi, Uni Eropa)", "EUDR (deforestation-free, EU)"),
    "FSC": ("FSC (hutan lestari)", "FSC (responsible forestry)"),
    "OEKO_TEX": ("OEKO-TEX (tekstil aman)", "OEKO-TEX (safe textiles)"),
    "GOTS": ("GOTS (tekstil organik)", "GOTS (organic textiles)"),
    "BSCI": ("amfori BSCI (kepatuhan sosial)", "amfori BSCI (social compliance)"),
    "SEDEX": ("Sedex (audit etika)", "Sedex (ethical audit)"),
    "HAKI": ("HAKI (hak kekayaan intelektual)", "HAKI (intellectual property)"),
}

# what the ranker weighs (feature or component name) -> (Indonesian, English) words for the breakdown
FEATURES: dict[str, tuple[str, str]] = {
    "dense_max": ("Kemiripan makna produk terbaik", "Closeness in meaning of the best product"),
    "dense_gap": ("Selisih dengan hasil teratas", "Gap to the top result"),
    "dense_top3": ("Kemiripan makna tiga produk terbaik", "Closeness of the three best products"),
    "bm25_max": ("Kata yang sama dengan kebutuhan", "Words shared with the requirement"),
    "joint_max": ("Bahan dan jenis produk cocok", "Material and product type match"),
    "joint_exact": ("Produk tepat: jenis dan bahan yang diminta", "Exact product: the type in the material"),
    "material_max": ("Bahan cocok", "Material matches"),
    "type_max": ("Jenis produk cocok", "Product type matches"),
    "coverage": ("Banyaknya produk yang tepat", "Number of exact products"),
    "materials_stated": ("Bahan disebut", "A material is named"),
    "types_stated": ("Jenis produk disebut", "A product type is named"),
    "quantity_stated": ("Jumlah disebut", "A quantity is stated"),
    "capacity_ok": ("Kapasitas", "Capacity"),
    "capacity_ratio": ("Kapasitas dibanding jumlah", "Capacity against the quantity"),
    "moq_ok": ("Pesanan minimum", "Minimum order"),
    "certs_stated": ("Sertifikat diminta", "Certificates asked for"),
    "certs_ok": ("Sertifikat", "Certificates"),
    "province_stated": ("Provinsi dipilih", "Provinces chosen"),
    "province_ok": ("Provinsi", "Province"),
    "price_ok": ("Harga", "Price"),
    "lead_time_ok": ("Waktu produksi", "Lead time"),
    "feasible": ("Kapasitas dan sertifikat terpenuhi", "Capacity and certificates met"),
    "ovop_stars": ("Bintang OVOP", "OVOP stars"),
    "exporter": ("Pengalaman ekspor", "Export experience"),
    "learned_score": ("Penilaian model terlatih", "The trained model's judgement"),
    "fallback_score": ("Penilaian dasar", "The base judgement"),
    "learned_correction": ("Koreksi model terlatih", "The trained model's correction"),
}

ID: dict[str, str] = {
    # the hard/soft switch
    "search_mode": "IKM yang tidak memenuhi syarat",
    "search_mode_soft": "Tetap tampilkan, di urutan bawah",
    "search_mode_hard": "Sembunyikan",
    # badges and the lists under each result
    "search_meets_all": "Memenuhi semua syarat",
    "search_fails_n": "Tidak memenuhi {n} syarat",
    "search_some_unknown": "Sebagian syarat belum diketahui",
    "search_what_fails": "Yang tidak terpenuhi",
    "search_what_unknown": "Yang belum diketahui",
    "search_matched_on": "Cocok pada: {what}",
    "search_lowers": "menurunkan",
    "search_weight": "Pengaruh",
    "search_weak_match": "Kebutuhan Anda tidak menyebut bahan atau jenis produk yang kami kenal, dan hasil "
    "di bawah hanya sedikit mirip. Sebutkan bahannya (mis. rotan, pandan, bambu) atau jenis produknya "
    "(mis. tas, keranjang, tikar) agar hasilnya lebih tepat.",
    "search_none_pass": "Tidak ada IKM yang memenuhi semua syarat. Pilih “Tetap tampilkan” untuk melihat "
    "yang paling mendekati.",
    "search_not_a_number": "{field}: “{value}” bukan angka bulat.",
    "search_bad_value": "{field}: nilai tidak diterima.",
    "search_unit_pieces": "buah",
    # one sentence per requirement checked
    "search_reason_capacity_met": "Kapasitas {actual} buah/bulan, cukup untuk {wanted} yang diminta.",
    "search_reason_capacity_unmet": "Kapasitas {actual} buah/bulan, kurang dari {wanted} yang diminta.",
    "search_reason_capacity_unknown": "Kapasitas per bulan belum diketahui; yang diminta {wanted} buah.",
    "search_reason_moq_met": "Pesanan minimum {actual} buah, terpenuhi oleh {wanted} yang diminta.",
    "search_reason_moq_unmet": "Pesanan minimum {actual} buah, lebih banyak dari {wanted} yang diminta.",
    "search_reason_moq_unknown": "Pesanan minimum belum diketahui.",
    "search_reason_certifications_met": "Memiliki sertifikat yang diminta: {wanted}.",
    "search_reason_certifications_unmet": "Belum memiliki sertifikat {actual}.",
    "search_reason_certifications_unknown": "Sertifikat belum diketahui; yang diminta: {wanted}.",
    "search_reason_province_met": "Berlokasi di {actual}, provinsi yang dipilih.",
    "search_reason_province_unmet": "Berlokasi di {actual}, bukan di provinsi yang dipilih ({wanted}).",
    "search_reason_province_unknown": "Provinsi belum diketahui; yang dipilih: {wanted}.",
    "search_reason_price_met": "Harga mulai {actual} per buah, masih dalam batas {wanted}.",
    "search_reason_price_unmet": "Harga mulai {actual} per buah, di atas batas {wanted}.",
    "search_reason_price_unknown": "Harga produk belum tercantum; batas Anda {wanted} per buah.",
    "search_reason_lead_time_met": "Waktu produksi {actual} hari, selesai dalam tenggat {wanted} hari.",
    "search_reason_lead_time_unmet": "Waktu produksi {actual} hari, melewati tenggat {wanted} hari.",
    "search_reason_lead_time_unknown": "Waktu produksi belum diketahui; tenggat Anda {wanted} hari.",
    "search_feat_other": "Faktor lain",
}

EN: dict[str, str] = {
    "search_mode": "IKMs that miss a requirement",
    "search_mode_soft": "Still show them, lower down",
    "search_mode_hard": "Hide them",
    "search_meets_all": "Meets every requirement",
    "search_fails_n": "Misses {n} requirement(s)",
    "search_some_unknown": "Some requirements not known",
    "search_what_fails": "Not met",
    "search_what_unknown": "Not known yet",
    "search_matched_on": "Matches on: {what}",
    "search_lowers": "lowers",
    "search_weight": "Weight",
    "search_weak_match": "Your requirement names no material or product type we know, and the results "
    "below are only loosely similar. Name the material (e.g. rattan, pandan, bamboo) or the product "
    "(e.g. bags, baskets, mats) for better matches.",
    "search_none_pass": "No IKM meets every requirement. Choose “Still show them” to see the closest ones.",
    "search_not_a_number": "{field}: “{value}” is not a whole number.",
    "search_bad_value": "{field}: this value is not accepted.",
    "search_unit_pieces": "pieces",
    "search_reason_capacity_met": "Capacity {actual} pieces a month, enough for the {wanted} requested.",
    "search_reason_capacity_unmet": "Capacity {actual} pieces a month, less than the {wanted} requested.",
    "search_reason_capacity_unknown": "Monthly capacity not known yet; {wanted} pieces requested.",
    "search_reason_moq_met": "Minimum order {actual} pieces, met by the {wanted} requested.",
    "search_reason_moq_unmet": "Minimum order {actual} pieces, more than the {wanted} requested.",
    "search_reason_moq_unknown": "Minimum order not known yet.",
    "search_reason_certifications_met": "Holds the certificates asked for: {wanted}.",
    "search_reason_certifications_unmet": "Does not hold {actual}.",
    "search_reason_certifications_unknown": "Certificates not known yet; asked for: {wanted}.",
    "search_reason_province_met": "Located in {actual}, a chosen province.",
    "search_reason_province_unmet": "Located in {actual}, not in a chosen province ({wanted}).",
    "search_reason_province_unknown": "Province not known yet; chosen: {wanted}.",
    "search_reason_price_met": "Price from {actual} a piece, within the {wanted} limit.",
    "search_reason_price_unmet": "Price from {actual} a piece, above the {wanted} limit.",
    "search_reason_price_unknown": "No product price listed yet; your limit is {wanted} a piece.",
    "search_reason_lead_time_met": "Lead time {actual} days, within the {wanted}-day deadline.",
    "search_reason_lead_time_unmet": "Lead time {actual} days, past the {wanted}-day deadline.",
    "search_reason_lead_time_unknown": "Lead time not known yet; your deadline is {wanted} days.",
    "search_feat_other": "Another factor",
}

for _code, (_id, _en) in CERTIFICATES.items():
    ID[f"search_cert_{_code}"], EN[f"search_cert_{_code}"] = _id, _en
for _name, (_id, _en) in FEATURES.items():
    ID[f"search_feat_{_name}"], EN[f"search_feat_{_name}"] = _id, _en
