"""Single-record access of the store (the service's CRUD), the catalogue revision, and how the engine's
searcher follows catalogue changes without blocking searches."""

from __future__ import annotations

import threading
import time

import pytest

from matching import IKM, Buyer, Engine, Product, Settings
from matching.catalogue.schema import Entity
from matching.errors import ConflictError, NotFoundError


@pytest.fixture
def fast(tmp_path) -> Engine:
    engine = Engine(Settings(home=tmp_path / "home", encoder="hashing", ranker="weights"))
    engine.import_demo()
    yield engine
    engine.close()


def _ikm(ikm_id: str = "I9001", **changes: object) -> IKM:
    data = {
        "ikm_id": ikm_id,
        "name": "KUB Purun Baru",
        "province": "Kalimantan Selatan",
        "regency": "Amuntai",
    }
    return IKM.model_validate(data | changes)


def test_import_raises_the_revision_only_when_something_changed(engine: Engine) -> None:
    assert engine.store.revision() == 0
    engine.import_demo()
    assert engine.store.revision() == 1
    engine.import_demo()  # every row unchanged
    assert engine.store.revision() == 1
    engine.import_demo(dry_run=True)
    assert engine.store.revision() == 1


def test_create_get_update_delete_round_trip(fast: Engine) -> None:
    store = fast.store
    before = store.revision()
    store.put(Entity.IKMS, _ikm(), create=True)
    assert store.get(Entity.IKMS, "I9001").name == "KUB Purun Baru"
    store.put(Entity.PRODUCTS, Product(product_id="P9001", ikm_id="I9001", name="Tikar purun"), create=True)
    store.put(Entity.IKMS, _ikm(name="KUB Purun Sejahtera"), create=False)
    assert store.get(Entity.IKMS, "I9001").name == "KUB Purun Sejahtera"
    store.delete(Entity.IKMS, "I9001")
    with pytest.raises(NotFoundError, match="ikm 'I9001'"):
        store.get(Entity.IKMS, "I9001")
    with pytest.raises(NotFoundError, match="product 'P9001'"):  # the IKM's products went with it
        store.get(Entity.PRODUCTS, "P9001")
    assert store.revision() == before + 4


def test_single_record_errors_name_the_record(fast: Engine) -> None:
    store = fast.store
    with pytest.raises(ConflictError, match="I0001"):
        store.put(Entity.IKMS, _ikm("I0001"), create=True)
    with pytest.raises(NotFoundError, match="I9002"):
        store.put(Entity.IKMS, _ikm("I9002"), create=False)
    with pytest.raises(NotFoundError, match="ikm_id 'I404'"):
        store.put(Entity.PRODUCTS, Product(product_id="P9", ikm_id="I404", name="x"), create=True)
    with pytest.raises(NotFoundError):
        store.delete(Entity.BUYERS, "B999")


def test_pages_filter_case_insensitively_and_count_all_matches(fast: Engine) -> None:
    everyone = [i for i in fast.store.ikms() if i.province == "Bali"]
    first, total = fast.store.page(Entity.IKMS, offset=0, limit=3, filters={"province": "BALI"})
    rest, _ = fast.store.page(Entity.IKMS, offset=3, limit=1000, filters={"province": "bali"})
    assert total == len(everyone) > 3
    assert [i.ikm_id for i in first + rest] == [i.ikm_id for i in everyone]
    with pytest.raises(ValueError, match="contact_phone"):
        fast.store.page(Entity.IKMS, filters={"contact_phone": "0812"})


def test_searcher_follows_catalogue_changes(fast: Engine) -> None:
    assert not any(e.ikm_id == "I9001" for e in fast.search("tikar purun anyaman halus", k=50))
    fast.store.put(Entity.IKMS, _ikm(), create=True)
    fast.store.put(
        Entity.PRODUCTS,
        Product(product_id="P9001", ikm_id="I9001", name="Tikar purun anyaman halus", material="purun"),
        create=True,
    )
    assert fast.search("tikar purun anyaman halus", k=5)[0].ikm_id == "I9001"


def test_a_background_refresh_never_blocks_searches(fast: Engine) -> None:
    """With wait=False a changed catalogue is indexed in the background; searches meanwhile use the old
    index, and the new one takes over when it is ready."""
    old = fast.searcher()
    fast.store.put(Entity.BUYERS, Buyer(buyer_id="B9001", company="X", requirement="rattan"), create=True)
    release = threading.Event()
    build = fast._build_searcher

    def slow_build():  # hold the rebuild until the searches below are done
        release.wait(30)
        return build()

    fast._build_searcher = slow_build  # type: ignore[method-assign]
    started = time.perf_counter()
    for _ in range(3):
        assert fast.searcher(wait=False) is old
        assert fast.search_many([("rattan basket", {})], k=3, wait=False)[0]
    assert time.perf_counter() - started < 10
    release.set()
    fast.wait_for_refresh(30)
    assert fast.searcher(wait=False) is not old
    assert fast.searcher_revision == fast.store.revision()
