"""Fixtures shared by the whole suite (helpers that are not fixtures live in :mod:`tests.helpers`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matching import Engine, Settings
from tests.helpers import (
    BUYER_HEADER,
    BUYER_ROWS,
    IKM_HEADER,
    IKM_ROWS,
    PRODUCT_HEADER,
    PRODUCT_ROWS,
    write_csv,
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = Engine(Settings(home=tmp_path / "home"))
    yield eng
    eng.close()


@pytest.fixture
def canonical_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "canonical"
    folder.mkdir()
    return [
        write_csv(folder / "ikms.csv", [IKM_HEADER, *IKM_ROWS]),
        write_csv(folder / "products.csv", [PRODUCT_HEADER, *PRODUCT_ROWS]),
        write_csv(folder / "buyers.csv", [BUYER_HEADER, *BUYER_ROWS]),
    ]
