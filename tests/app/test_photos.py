"""Product photos: accepted by their content only, cleaned of EXIF, thumbnailed, stored per IKM, deleted by
their own IKM only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from matching import Engine, Settings
from matching.app.photos import MAX_BYTES, MAX_PER_PRODUCT, THUMB_SIDE, clean_image
from matching.catalogue.schema import Entity
from matching.errors import NotFoundError, PhotoRejected

GPS_IFD = 0x8825
MAKE, ORIENTATION = 0x010F, 0x0112


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (640, 480), *, exif: bool = True) -> bytes:
    """An image with a gradient (so it does not compress to nothing) and, unless told, EXIF that names a
    camera and a GPS position."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    params = {}
    if exif:
        data = Image.Exif()
        data[MAKE] = "SpyCam"
        data.get_ifd(GPS_IFD)[2] = (8.0, 35.0, 0.0)  # a latitude
        params["exif"] = data.tobytes()
    image.save(out, kind, **params)
    return out.getvalue()


@pytest.fixture
def catalogue(engine: Engine, canonical_files: list[Path]) -> Engine:
    engine.import_files(canonical_files)
    return engine


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_an_image_is_stored_without_exif_and_with_a_thumbnail(catalogue: Engine, kind: str) -> None:
    upload = image_bytes(kind, (1000, 500))
    assert Image.open(io.BytesIO(upload)).getexif().get(MAKE) == "SpyCam"  # the upload carries EXIF
    photo = catalogue.photos.upload("I0001", "P001", upload, uploaded_by="u1")
    stored, thumb = catalogue.photos.path(photo), catalogue.photos.path(photo, thumb=True)
    assert stored.is_relative_to(catalogue.settings.home / "photos" / "I0001")
    assert stored.suffix == {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}[kind]
    with Image.open(stored) as image:
        assert image.format == kind and image.size == (1000, 500)
        assert not dict(image.getexif()) and "exif" not in image.info
    assert b"SpyCam" not in stored.read_bytes()
    with Image.open(thumb) as small:
        assert small.format == kind and small.size == (THUMB_SIDE, THUMB_SIDE // 2)
    assert photo.content_type == f"image/{kind.lower()}" and photo.size_bytes == stored.stat().st_size
    assert [p.photo_id for p in catalogue.photos.of_ikm("I0001")] == [photo.photo_id]
    assert catalogue.photos.first_of(["I0001", "I0002"]) == {"I0001": photo}


def test_exif_orientation_is_applied_before_it_is_dropped() -> None:
    image = Image.new("RGB", (300, 100), (10, 20, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show rotated by 90 degrees
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    kind, data, _thumb, size = clean_image(out.getvalue())
    assert kind == "JPEG" and size == (100, 300)
    assert not dict(Image.open(io.BytesIO(data)).getexif())


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"just text, named photo.jpg by its sender", "not a JPEG, PNG or WebP"),
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 50, "not a JPEG, PNG or WebP"),
    ],
)
def test_what_is_not_an_accepted_image_is_refused(data: bytes, says: str) -> None:
    with pytest.raises(PhotoRejected, match=says):
        clean_image(data)


def test_a_gif_is_refused_even_though_pillow_reads_it() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(PhotoRejected, match="not a JPEG, PNG or WebP"):
        clean_image(out.getvalue())


def test_too_large_in_bytes_or_pixels_is_refused() -> None:
    with pytest.raises(PhotoRejected, match=r"at most 5\.0 MB"):
        clean_image(b"\x89PNG" + b"\0" * MAX_BYTES)
    wide = image_bytes("PNG", (6001, 10), exif=False)
    with pytest.raises(PhotoRejected, match="6001 x 10 pixels"):
        clean_image(wide)


def test_a_truncated_image_is_refused() -> None:
    data = image_bytes("PNG", (400, 400), exif=False)
    with pytest.raises(PhotoRejected, match="damaged or incomplete"):
        clean_image(data[: len(data) // 2])


def test_only_the_ikms_own_products_and_photos(catalogue: Engine) -> None:
    with pytest.raises(NotFoundError):
        catalogue.photos.upload("I0001", "P002", image_bytes(), uploaded_by="u1")  # I0002's product
    photo = catalogue.photos.upload("I0001", "P001", image_bytes(), uploaded_by="u1")
    with pytest.raises(NotFoundError):
        catalogue.photos.delete("I0002", photo.photo_id)
    assert catalogue.photos.get(photo.photo_id) is not None
    catalogue.photos.delete("I0001", photo.photo_id)
    assert catalogue.photos.get(photo.photo_id) is None
    assert not catalogue.photos.path(photo).exists() and not catalogue.photos.path(photo, thumb=True).exists()


def test_a_product_holds_a_limited_number_of_photos(catalogue: Engine) -> None:
    small = image_bytes("PNG", (20, 20), exif=False)
    for _ in range(MAX_PER_PRODUCT):
        catalogue.photos.upload("I0001", "P001", small, uploaded_by="u1")
    with pytest.raises(PhotoRejected, match="delete one first"):
        catalogue.photos.upload("I0001", "P001", small, uploaded_by="u1")


def test_search_results_show_no_photo_of_a_product_gone_from_the_catalogue(catalogue: Engine) -> None:
    photo = catalogue.photos.upload("I0001", "P001", image_bytes("PNG", (40, 40)), uploaded_by="u1")
    assert catalogue.photos.first_of(["I0001"]) == {"I0001": photo}
    catalogue.store.delete(Entity.PRODUCTS, "P001")  # an organiser's change, not the IKM's own page
    assert catalogue.photos.first_of(["I0001"]) == {}


def test_photos_are_in_a_backup_and_come_back_with_a_restore(catalogue: Engine, tmp_path: Path) -> None:
    from matching.app.backup import backup, restore

    photo = catalogue.photos.upload("I0001", "P001", image_bytes("PNG", (80, 60)), uploaded_by="u1")
    kept = catalogue.photos.path(photo).read_bytes()
    backup(catalogue.settings, tmp_path / "copy")
    again = Engine(Settings(home=tmp_path / "restored"))
    try:
        restore(again.settings, tmp_path / "copy")
        back = again.photos.get(photo.photo_id)
        assert back == photo and again.photos.path(back).read_bytes() == kept
        assert again.photos.path(back, thumb=True).is_file()
    finally:
        again.close()
