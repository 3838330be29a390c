"""Product photos an IKM uploads: checked by their content, cleaned, thumbnailed, stored under the data home.

An upload is accepted only when Pillow reads it as a JPEG, PNG or WebP image (the file's name and the
browser's content type are not trusted), of at most :data:`MAX_BYTES` and :data:`MAX_SIDE` pixels a side.
It is then decoded and written again from its pixels alone: EXIF (camera, GPS position, time), XMP, ICC
and text chunks are dropped, after the EXIF orientation has been applied so a phone photo stays upright.
A thumbnail of at most :data:`THUMB_SIDE` pixels a side is made beside it::

    <home>/photos/<ikm>/<photo_id>.jpg|png|webp
    <home>/photos/<ikm>/<photo_id>_thumb.jpg|png|webp

(``<ikm>`` is the IKM id as a safe file name, :func:`matching.common.file_names.file_stem`.) Photo ids are
random, so a photo's URL never changes meaning: pages may cache them for long.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Collection
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from matching.catalogue.schema import Entity
from matching.common.file_names import file_stem, inside
from matching.errors import NotFoundError, PhotoRejected
from matching.store.database import Store
from matching.store.photos import Photo, PhotoRepository
from matching.store.tables import utc_now

__all__ = [
    "CONTENT_TYPES",
    "MAX_BYTES",
    "MAX_PER_PRODUCT",
    "MAX_SIDE",
    "THUMB_SIDE",
    "Photos",
    "clean_image",
]

MAX_BYTES = 5 * 1024 * 1024  # an upload's size
MAX_SIDE = 6000  # pixels, each side
THUMB_SIDE = 320  # a thumbnail's longest side, pixels
MAX_PER_PRODUCT = 6
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SUFFIXES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=88)
    elif kind == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def clean_image(data: bytes) -> tuple[str, bytes, bytes, tuple[int, int]]:
    """Check an upload and re-encode it: (format, the photo's bytes, the thumbnail's bytes, (width, height)).

    :class:`PhotoRejected` says why an upload is refused (not an image of an accepted type, damaged, too
    large in bytes or pixels)."""
    if not data:
        raise PhotoRejected("the file is empty")
    if len(data) > MAX_BYTES:
        raise PhotoRejected(f"the file is {_mb(len(data))}; a photo may be at most {_mb(MAX_BYTES)}")
    try:
        image = Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoRejected("the file is not a JPEG, PNG or WebP image") from exc
    kind = str(image.format)
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise PhotoRejected(
            f"the image is {width} x {height} pixels; at most {MAX_SIDE} x {MAX_SIDE} are accepted"
        )
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PhotoRejected(f"the {kind} image is damaged or incomplete") from exc
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if kind == "JPEG":
        mode = "L" if upright.mode == "L" else "RGB"
    else:
        mode = "RGBA" if has_alpha else ("L" if upright.mode == "L" else "RGB")
    pixels = upright.convert(mode) if upright.mode != mode else upright
    clean = Image.new(mode, pixels.size)  # a new image: none of the upload's metadata comes along
    clean.paste(pixels)
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return kind, _encoded(clean, kind), _encoded(thumb, kind), clean.size


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class Photos:
    """The product photos of the catalogue: files under ``folder``, records in the store."""

    def __init__(self, folder: Path, repository: PhotoRepository, store: Store) -> None:
        self.folder = folder
        self._repository = repository
        self._store = store

    def _own_product(self, ikm_id: str, product_id: str) -> None:
        """:class:`NotFoundError` unless ``product_id`` is a product of ``ikm_id``."""
        try:
            product = self._store.get(Entity.PRODUCTS, product_id)
        except NotFoundError:
            product = None
        if product is None or product.ikm_id != ikm_id:
            raise NotFoundError(f"product {product_id!r} is not a product of IKM {ikm_id!r}")

    def upload(self, ikm_id: str, product_id: str, data: bytes, *, uploaded_by: str) -> Photo:
        """Check, clean and store a photo of the IKM's product (see the module docstring)."""
        self._own_product(ikm_id, product_id)
        if self._repository.count_of_product(ikm_id, product_id) >= MAX_PER_PRODUCT:
            raise PhotoRejected(
                f"product {product_id!r} has {MAX_PER_PRODUCT} photos already; delete one first"
            )
        kind, photo_bytes, thumb_bytes, (width, height) = clean_image(data)
        photo_id = secrets.token_hex(12)
        stem, suffix = file_stem(ikm_id), _SUFFIXES[kind]
        photo = Photo(
            photo_id=photo_id,
            ikm_id=ikm_id,
            product_id=product_id,
            file_name=f"{stem}/{photo_id}.{suffix}",
            thumb_name=f"{stem}/{photo_id}_thumb.{suffix}",
            content_type=CONTENT_TYPES[kind],
            width=width,
            height=height,
            size_bytes=len(photo_bytes),
            uploaded_by=uploaded_by,
            uploaded_at=utc_now(),
        )
        _write(self.path(photo), photo_bytes)
        _write(self.path(photo, thumb=True), thumb_bytes)
        try:
            return self._repository.add(photo)
        except Exception:
            self._unlink(photo)
            raise

    def path(self, photo: Photo, *, thumb: bool = False) -> Path:
        """Where the photo's file (or its thumbnail) is."""
        return inside(self.folder, photo.thumb_name if thumb else photo.file_name)

    def get(self, photo_id: str) -> Photo | None:
        return self._repository.get(photo_id)

    def of_ikm(self, ikm_id: str) -> list[Photo]:
        """The IKM's photos, oldest first."""
        return self._repository.of_ikm(ikm_id)

    def of_products(self, ikm_id: str) -> dict[str, list[Photo]]:
        """The IKM's photos by product, oldest first."""
        found: dict[str, list[Photo]] = {}
        for photo in self._repository.of_ikm(ikm_id):
            found.setdefault(photo.product_id or "", []).append(photo)
        return found

    def first_of(self, ikm_ids: Collection[str]) -> dict[str, Photo]:
        """The first photo of each of these IKMs that has one (for search results)."""
        return self._repository.first_of(ikm_ids)

    def delete(self, ikm_id: str, photo_id: str) -> None:
        """Delete one of the IKM's photos; :class:`NotFoundError` if the IKM has no such photo."""
        photo = self._repository.get(photo_id)
        if photo is None or photo.ikm_id != ikm_id:
            raise NotFoundError(f"IKM {ikm_id!r} has no photo {photo_id!r}")
        self._repository.remove(photo_id)
        self._unlink(photo)

    def delete_of_product(self, ikm_id: str, product_id: str) -> int:
        """Delete every photo of the IKM's product; how many there were."""
        photos = [p for p in self._repository.of_ikm(ikm_id) if p.product_id == product_id]
        for photo in photos:
            self._repository.remove(photo.photo_id)
            self._unlink(photo)
        return len(photos)

    def _unlink(self, photo: Photo) -> None:
        for thumb in (False, True):
            with contextlib.suppress(OSError, ValueError):  # a file unreadable: the record is what counts
                self.path(photo, thumb=thumb).unlink(missing_ok=True)
