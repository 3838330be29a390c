"""Blank import templates: canonical headers plus one example row, as CSV files and one XLSX workbook."""

from __future__ import annotations

import csv
from pathlib import Path

from matching.catalogue.schema import COLUMNS, Entity

__all__ = ["EXAMPLE_ROWS", "write_templates"]

EXAMPLE_ROWS: dict[Entity, dict[str, str]] = {
    Entity.IKMS: {
        "ikm_id": "I0001",
        "name": "KUB Ketak Lestari",
        "province": "Nusa Tenggara Barat",
        "regency": "Lombok Barat",
        "village": "Nyurbaya Gawah",
        "ovop_stars": "4",
        "capacity_per_month": "1.200",
        "min_order_qty": "50",
        "lead_time_days": "21",
        "certifications": "SVLK; SNI",
        "export_markets": "Jepang; Belanda",
        "description": "Kerajinan anyaman ketak: tas, kotak tisu, nampan. Bisa custom motif.",
        "contact_name": "Ibu Sri",
        "contact_phone": "+62 812 3456 7890",
        "contact_email": "ketaklestari@example.com",
    },
    Entity.PRODUCTS: {
        "product_id": "P00001",
        "ikm_id": "I0001",
        "name": "Tas anyaman ketak bulat",
        "description": "Tas bulat diameter 20 cm, anyaman rapat, finishing vernis, warna natural",
        "material": "ketak",
        "category": "tas",
        "price_idr": "Rp 250.000",
    },
    Entity.BUYERS: {
        "buyer_id": "B001",
        "company": "Sakura Zakka Trading",
        "country": "Japan",
        "requirement": "Round ketak bags, 500 pcs/month, natural colour",
        "quantity": "500",
        "max_unit_price_idr": "300.000",
        "required_certifications": "",
        "preferred_provinces": "Nusa Tenggara Barat",
        "deadline_days": "60",
        "contact_email": "buying@example.jp",
    },
}


def write_templates(out_dir: Path, *, formats: tuple[str, ...] = ("csv", "xlsx")) -> list[Path]:
    """Write ``ikms.csv``, ``products.csv``, ``buyers.csv`` and/or ``matching-template.xlsx``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "csv" in formats:
        for entity, specs in COLUMNS.items():
            path = out_dir / f"{entity.value}.csv"
            with path.open("w", newline="", encoding="utf-8-sig") as handle:
                writer = csv.writer(handle)
                writer.writerow([s.name for s in specs])
                writer.writerow([EXAMPLE_ROWS[entity][s.name] for s in specs])
            written.append(path)
    if "xlsx" in formats:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook()
        workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
        for entity, specs in COLUMNS.items():
            sheet = workbook.create_sheet(entity.value)
            sheet.append([s.name for s in specs])
            sheet.append([EXAMPLE_ROWS[entity][s.name] for s in specs])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for spec, column in zip(specs, sheet.iter_cols(min_row=1, max_row=1), strict=True):
                width = max(len(spec.name), min(40, len(EXAMPLE_ROWS[entity][spec.name]))) + 2
                sheet.column_dimensions[column[0].column_letter].width = width
        path = out_dir / "matching-template.xlsx"
        workbook.save(path)
        written.append(path)
    return written
