"""Product photos (``product_photos``): which files under the photo folder belong to which IKM and product.

The files themselves are written and removed by :mod:`matching.app.photos`; this repository keeps their
records: the file and thumbnail names (relative to the photo folder), the checked content type and size,
who uploaded them and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from matching.store.database import Store
from matching.store.tables import ProductPhotoRow, ProductRow, as_utc

__all__ = ["Photo", "PhotoRepository"]


@dataclass(frozen=True)
class Photo:
    """One stored product photo."""

    photo_id: str
    ikm_id: str
    product_id: str | None
    file_name: str  # relative to the photo folder
    thumb_name: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_by: str
    uploaded_at: dt.datetime

    @classmethod
    def from_row(cls, row: ProductPhotoRow) -> Photo:
        return cls(
            photo_id=row.photo_id,
            ikm_id=row.ikm_id,
            product_id=row.product_id,
            file_name=row.file_name,
            thumb_name=row.thumb_name,
            content_type=row.content_type,
            width=row.width,
            height=row.height,
            size_bytes=row.size_bytes,
            uploaded_by=row.uploaded_by,
            uploaded_at=as_utc(row.uploaded_at),
        )


class PhotoRepository:
    """The ``product_photos`` table of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, photo: Photo) -> Photo:
        with self._store.session() as session:
            session.add(
                ProductPhotoRow(
                    photo_id=photo.photo_id,
                    ikm_id=photo.ikm_id,
                    product_id=photo.product_id,
                    file_name=photo.file_name,
                    thumb_name=photo.thumb_name,
                    content_type=photo.content_type,
                    width=photo.width,
                    height=photo.height,
                    size_bytes=photo.size_bytes,
                    uploaded_by=photo.uploaded_by,
                    uploaded_at=photo.uploaded_at,
                )
            )
            session.commit()
        return photo

    def get(self, photo_id: str) -> Photo | None:
        with self._store.session() as session:
            row = session.get(ProductPhotoRow, photo_id)
            return None if row is None else Photo.from_row(row)

    def of_ikm(self, ikm_id: str) -> list[Photo]:
        """The IKM's photos, oldest first."""
        with self._store.session() as session:
            rows = session.scalars(
                select(ProductPhotoRow)
                .where(ProductPhotoRow.ikm_id == ikm_id)
                .order_by(ProductPhotoRow.uploaded_at, ProductPhotoRow.photo_id)
            )
            return [Photo.from_row(r) for r in rows]

    def count_of_product(self, ikm_id: str, product_id: str) -> int:
        with self._store.session() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(ProductPhotoRow)
                    .where(ProductPhotoRow.ikm_id == ikm_id, ProductPhotoRow.product_id == product_id)
                )
                or 0
            )

    def first_of(self, ikm_ids: Collection[str]) -> dict[str, Photo]:
        """The oldest photo of each of these IKMs that has one, of a product still in the catalogue."""
        if not ikm_ids:
            return {}
        found: dict[str, Photo] = {}
        with self._store.session() as session:
            rows = session.scalars(
                select(ProductPhotoRow)
                .join(ProductRow, ProductRow.product_id == ProductPhotoRow.product_id)
                .where(ProductPhotoRow.ikm_id.in_(list(ikm_ids)))
                .order_by(ProductPhotoRow.uploaded_at, ProductPhotoRow.photo_id)
            )
            for row in rows:
                found.setdefault(row.ikm_id, Photo.from_row(row))
        return found

    def remove(self, photo_id: str) -> None:
        with self._store.session() as session:
            session.execute(delete(ProductPhotoRow).where(ProductPhotoRow.photo_id == photo_id))
            session.commit()
