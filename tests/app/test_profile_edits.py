"""A participant's own record: judged like an import row, only the editable fields change, a saved change is
searchable without a restart, and an IKM reaches only its own products. The public profile shows no
contact."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from matching import Engine, Settings
from matching.app.public_profiles import public_profile
from matching.catalogue.schema import Entity
from matching.errors import NotFoundError, ValidationFailed


@pytest.fixture
def catalogue(tmp_path: Path, canonical_files: list[Path]) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    eng.import_files(canonical_files)
    yield eng
    eng.wait_for_refresh(30)
    eng.close()


def problems(exc: ValidationFailed) -> dict[str, tuple[str | None, str]]:
    return {str(i.column): (i.value, i.message) for i in exc.report.issues if i.severity == "error"}


def test_the_buyer_changes_its_needs_as_typed_in_indonesian(catalogue: Engine) -> None:
    before = catalogue.store.get(Entity.BUYERS, "B001")
    saved = catalogue.profile_edits.update_buyer(
        "B001",
        {
            "requirement": "Tikar pandan 2x3 m untuk hotel",
            "quantity": "1.200",
            "max_unit_price_idr": "Rp 1,5 juta",
            "required_certifications": "SVLK; SNI",
            "preferred_provinces": "jawa barat; Bali",
            "deadline_days": "45",
            "company": "Another name",  # not editable here: ignored
        },
    )
    stored = catalogue.store.get(Entity.BUYERS, "B001")
    assert stored == saved
    assert (stored.quantity, stored.max_unit_price_idr, stored.deadline_days) == (1200, 1_500_000, 45)
    assert stored.required_certifications == ["SVLK", "SNI"]
    assert stored.preferred_provinces == ["Jawa Barat", "Bali"]
    assert stored.company == before.company and stored.contact_email == before.contact_email


def test_refused_values_name_their_field_and_value_and_nothing_is_written(catalogue: Engine) -> None:
    before = catalogue.store.get(Entity.IKMS, "I0001")
    revision = catalogue.store.revision()
    with pytest.raises(ValidationFailed) as caught:
        catalogue.profile_edits.update_ikm(
            "I0001", {"capacity_per_month": "banyak", "contact_email": "ibu@", "description": "Baru"}
        )
    found = problems(caught.value)
    assert found["capacity_per_month"][0] == "banyak" and "number" in found["capacity_per_month"][1]
    assert found["contact_email"][0] == "ibu@"
    assert catalogue.store.get(Entity.IKMS, "I0001") == before
    assert catalogue.store.revision() == revision
    with pytest.raises(ValidationFailed) as caught:
        catalogue.profile_edits.update_buyer(
            "B001", {"preferred_provinces": "Jawa Barta", "requirement": " "}
        )
    found = problems(caught.value)
    assert "did you mean 'Jawa Barat'" in found["preferred_provinces"][1]
    assert "requirement" in found


def test_an_unchanged_form_leaves_the_revision(catalogue: Engine) -> None:
    revision = catalogue.store.revision()
    catalogue.profile_edits.update_ikm("I0001", {})
    assert catalogue.store.revision() == revision


def test_a_new_product_is_found_by_search_without_a_restart(catalogue: Engine) -> None:
    assert catalogue.search("lampu gantung eceng gondok", k=3)  # the searcher is built before the change
    built = catalogue.searcher_revision
    product = catalogue.profile_edits.save_product(
        "I0002",
        {
            "name": "Lampu gantung eceng gondok",
            "material": "eceng gondok",
            "category": "lampu",
            "price_idr": "95.000",
        },
    )
    assert product.ikm_id == "I0002" and product.price_idr == 95_000
    catalogue.wait_for_refresh(60)  # the change started a background re-index
    assert catalogue.searcher_revision > built
    top = catalogue.search_many([("lampu gantung eceng gondok", {})], k=3, wait=False)[0][0]
    assert top.ikm_id == "I0002" and "Lampu gantung eceng gondok" in [p["name"] for p in top.products]


def test_an_ikm_reaches_only_its_own_products(catalogue: Engine) -> None:
    edits = catalogue.profile_edits
    with pytest.raises(NotFoundError):
        edits.save_product("I0001", {"name": "Diganti"}, product_id="P002")  # I0002's
    with pytest.raises(NotFoundError):
        edits.remove_product("I0001", "P002")
    assert catalogue.store.get(Entity.PRODUCTS, "P002").name == "Tikar pandan"
    with pytest.raises(ValidationFailed) as caught:
        edits.save_product("I0001", {"name": "", "price_idr": "-5"})
    assert {"name", "price_idr"} <= set(problems(caught.value))
    changed = edits.save_product(
        "I0001", {"name": "Tas ketak besar", "material": "", "price_idr": "300000"}, "P001"
    )
    assert changed.name == "Tas ketak besar" and changed.material is None  # a field sent empty is cleared
    assert changed.category == "tas"  # a field not sent stays


def test_removing_a_product_removes_its_photos(catalogue: Engine) -> None:
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (1, 2, 3)).save(out, "PNG")
    photo = catalogue.photos.upload("I0001", "P001", out.getvalue(), uploaded_by="u1")
    catalogue.profile_edits.remove_product("I0001", "P001")
    assert catalogue.photos.get(photo.photo_id) is None and not catalogue.photos.path(photo).exists()
    with pytest.raises(NotFoundError):
        catalogue.store.get(Entity.PRODUCTS, "P001")


def test_the_public_profile_has_no_contact(catalogue: Engine) -> None:
    ikm = catalogue.store.get(Entity.IKMS, "I0001")
    profile = public_profile(catalogue, "I0001")
    assert profile is not None and profile.kind == "ikm" and profile.name == ikm.name
    assert [p.product_id for p in profile.products] == ["P001"]
    shown = repr(profile)
    for secret in (ikm.contact_name, ikm.contact_phone, ikm.contact_email):
        assert secret and secret not in shown
    buyer = catalogue.store.get(Entity.BUYERS, "B001")
    seen = public_profile(catalogue, "B001", "buyer")
    assert seen is not None and seen.requirement == buyer.requirement
    assert buyer.contact_email and buyer.contact_email not in repr(seen)
    assert public_profile(catalogue, "B001", "ikm") is None and public_profile(catalogue, "nobody") is None


def test_a_change_saved_while_the_index_is_rebuilt_is_not_lost(
    catalogue: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue.searcher()
    building, go_on = threading.Event(), threading.Event()
    build = catalogue._build_searcher

    def slow_build() -> Any:  # built from the catalogue as it was, then slow to hand over
        built = build()
        building.set()
        go_on.wait(30)
        return built

    monkeypatch.setattr(catalogue, "_build_searcher", slow_build)
    catalogue.store.put(Entity.PRODUCTS, catalogue.store.get(Entity.PRODUCTS, "P003"), create=False)
    catalogue.refresh(background=True)  # an import's re-index, say
    assert building.wait(30)
    saved = catalogue.profile_edits.save_product("I0002", {"name": "Tatakan gelas pandan"})  # meanwhile
    go_on.set()
    catalogue.wait_for_refresh(60)
    assert catalogue.searcher_revision == catalogue.store.revision()
    assert saved.product_id in catalogue.searcher(wait=False).catalogue.products  # the one in hand
