"""Typed records (IKM, Product, Buyer) and the import columns that feed them.

Each entity has canonical column names; :data:`COLUMNS` lists them with their kind (how a cell is parsed),
whether they are required, and the Indonesian and English aliases accepted in headers. Headers are compared
after :func:`matching.common.parsing.normalise_header` (case, spaces, dashes and punctuation folded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo

__all__ = [
    "COLUMNS",
    "IKM",
    "RECORD_TYPES",
    "Buyer",
    "ColumnKind",
    "ColumnSpec",
    "Count",
    "Days",
    "Entity",
    "Product",
]

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# ids (ikm_id, product_id, buyer_id): letters and digits, spaces and . _ - /, at most 64 characters, starting
# with a letter or digit, no ".." (ids name export files and URLs; see matching.common.file_names)
ID_PATTERN = re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}")
ID_RULE = "use letters, digits, spaces and . _ - / (at most 64, starting with a letter or digit, no '..')"


def _record_id(value: str, info: ValidationInfo) -> str:
    # records read back from the store are not judged again: ids stored before this rule stay readable
    if not ID_PATTERN.fullmatch(value) and not (info.context or {}).get("stored"):
        raise ValueError(f"not a valid id: {ID_RULE}")
    return value


RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_record_id)]
# the largest values the store's BIGINT and INTEGER columns hold (SQLite and PostgreSQL alike)
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
Days = Annotated[int, Field(ge=0, le=2**31 - 1)]


class Entity(StrEnum):
    """The three kinds of record an import can carry, in the order they must be written."""

    IKMS = "ikms"
    PRODUCTS = "products"
    BUYERS = "buyers"

    @property
    def singular(self) -> str:
        """``ikm``, ``product`` or ``buyer``: for messages."""
        return self.value[:-1]


class ColumnKind(StrEnum):
    """How a cell is parsed."""

    TEXT = "text"
    INT = "int"  # a whole, non-negative number; Indonesian formatting accepted ("2.000", "1,5 ribu")
    MONEY = "money"  # like INT, with currency words ("Rp 150.000", "1,5 juta")
    STARS = "stars"  # OVOP stars, a whole number from 0 to 5
    LIST = "list"  # items separated by ";" or ","
    PROVINCES = "provinces"  # a list of province names, each checked against the 38 provinces
    PROVINCE = "province"  # one province name
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One canonical import column."""

    name: str
    kind: ColumnKind
    required: bool = False
    aliases: tuple[str, ...] = ()


_T, _I, _M = ColumnKind.TEXT, ColumnKind.INT, ColumnKind.MONEY
_EMAIL_ALIASES = ("email", "e_mail", "surel", "alamat_email")

COLUMNS: dict[Entity, tuple[ColumnSpec, ...]] = {
    Entity.IKMS: (
        ColumnSpec("ikm_id", _T, True, ("id", "id_ikm", "kode_ikm", "kode", "ikm", "no_ikm")),
        ColumnSpec("name", _T, True, ("nama", "nama_ikm", "nama_usaha", "nama_perusahaan", "company_name")),
        ColumnSpec("province", ColumnKind.PROVINCE, True, ("provinsi", "propinsi", "prov")),
        ColumnSpec(
            "regency",
            _T,
            True,
            ("kabupaten", "kota", "kabupaten_kota", "kab_kota", "kab", "kabupaten_atau_kota", "city"),
        ),
        ColumnSpec("village", _T, False, ("desa", "kelurahan", "desa_kelurahan", "sentra")),
        ColumnSpec("ovop_stars", ColumnKind.STARS, False, ("bintang_ovop", "bintang", "ovop", "stars")),
        ColumnSpec(
            "capacity_per_month",
            _I,
            False,
            ("kapasitas_per_bulan", "kapasitas", "kapasitas_produksi", "kapasitas_bulan", "capacity"),
        ),
        ColumnSpec(
            "min_order_qty",
            _I,
            False,
            ("minimal_order", "moq", "minimum_order", "min_order", "minimal_pemesanan", "min_pesanan"),
        ),
        ColumnSpec(
            "lead_time_days",
            _I,
            False,
            ("lama_produksi", "waktu_produksi", "lead_time", "lead_time_hari", "waktu_pengerjaan"),
        ),
        ColumnSpec("certifications", ColumnKind.LIST, False, ("sertifikasi", "sertifikat", "certification")),
        ColumnSpec(
            "export_markets",
            ColumnKind.LIST,
            False,
            ("pasar_ekspor", "negara_ekspor", "tujuan_ekspor", "ekspor"),
        ),
        ColumnSpec("description", _T, False, ("deskripsi", "keterangan", "uraian", "profil")),
        ColumnSpec(
            "contact_name", _T, False, ("nama_kontak", "kontak", "narahubung", "contact_person", "pic")
        ),
        ColumnSpec(
            "contact_phone",
            _T,
            False,
            ("telepon", "no_hp", "hp", "telp", "no_telp", "nomor_telepon", "phone", "whatsapp", "wa"),
        ),
        ColumnSpec("contact_email", ColumnKind.EMAIL, False, _EMAIL_ALIASES),
    ),
    Entity.PRODUCTS: (
        ColumnSpec("product_id", _T, True, ("id", "id_produk", "kode_produk", "kode", "no_produk")),
        ColumnSpec("ikm_id", _T, True, ("id_ikm", "kode_ikm", "ikm")),
        ColumnSpec("name", _T, True, ("nama", "nama_produk", "produk", "product", "product_name")),
        ColumnSpec("description", _T, False, ("deskripsi", "keterangan", "uraian")),
        ColumnSpec("material", _T, False, ("bahan", "bahan_baku", "bahan_utama")),
        ColumnSpec("category", _T, False, ("kategori", "jenis", "jenis_produk")),
        ColumnSpec("price_idr", _M, False, ("harga", "harga_idr", "harga_satuan", "harga_rp", "price")),
    ),
    Entity.BUYERS: (
        ColumnSpec("buyer_id", _T, True, ("id", "id_buyer", "id_pembeli", "kode_buyer", "kode_pembeli")),
        ColumnSpec(
            "company", _T, True, ("perusahaan", "nama_perusahaan", "nama", "company_name", "pembeli", "buyer")
        ),
        ColumnSpec("country", _T, False, ("negara", "asal_negara")),
        ColumnSpec(
            "requirement", _T, True, ("kebutuhan", "permintaan", "requirements", "kebutuhan_produk", "needs")
        ),
        ColumnSpec("quantity", _I, False, ("jumlah", "qty", "kuantitas", "volume", "jumlah_per_bulan")),
        ColumnSpec(
            "max_unit_price_idr",
            _M,
            False,
            ("harga_maks", "harga_maksimal", "harga_maksimum", "max_price", "max_price_idr"),
        ),
        ColumnSpec(
            "required_certifications",
            ColumnKind.LIST,
            False,
            ("sertifikasi", "sertifikasi_wajib", "sertifikat", "required_certs", "certifications"),
        ),
        ColumnSpec(
            "preferred_provinces",
            ColumnKind.PROVINCES,
            False,
            ("provinsi", "provinsi_pilihan", "preferred_province", "provinces"),
        ),
        ColumnSpec("deadline_days", _I, False, ("tenggat_hari", "tenggat", "deadline", "batas_waktu")),
        ColumnSpec("contact_email", ColumnKind.EMAIL, False, _EMAIL_ALIASES),
    ),
}


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attributes: dict[str, str] = Field(
        default_factory=dict, description="Extra import columns, kept by their normalised header."
    )


class IKM(_Record):
    """A small or medium industry (industri kecil dan menengah) and its production profile."""

    ikm_id: RecordId
    name: NonEmpty
    province: NonEmpty
    regency: NonEmpty
    village: str | None = None
    ovop_stars: Annotated[int, Field(ge=0, le=5)] | None = None
    capacity_per_month: Count | None = None
    min_order_qty: Count | None = None
    lead_time_days: Days | None = None
    certifications: list[str] = Field(default_factory=list)
    export_markets: list[str] = Field(default_factory=list)
    description: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class Product(_Record):
    """A product an IKM makes."""

    product_id: RecordId
    ikm_id: RecordId
    name: NonEmpty
    description: str | None = None
    material: str | None = None
    category: str | None = None
    price_idr: Count | None = None


class Buyer(_Record):
    """A buyer: a free-text requirement plus the structured needs stated in columns."""

    buyer_id: RecordId
    company: NonEmpty
    country: str | None = None
    requirement: NonEmpty
    quantity: Count | None = None
    max_unit_price_idr: Count | None = None
    required_certifications: list[str] = Field(default_factory=list)
    preferred_provinces: list[str] = Field(default_factory=list)
    deadline_days: Days | None = None
    contact_email: str | None = None


RECORD_TYPES: dict[Entity, type[IKM] | type[Product] | type[Buyer]] = {
    Entity.IKMS: IKM,
    Entity.PRODUCTS: Product,
    Entity.BUYERS: Buyer,
}
