"""Every notebook in ``notebooks/`` runs top to bottom, without an error, and draws at least one plot.

The notebooks run in this interpreter's own kernel (``python3``: ipykernel's built-in kernelspec starts
``sys.executable``) in name order, and share one data home (``MATCHING_HOME``): a copy of the session's
``demo_e5_home`` (``conftest.py``), the demo already indexed there with the real model, whose embedding cache
and index the notebooks reuse. Set ``MATCHING_TEST_NOTEBOOK_HOME`` to keep that home between runs (the
second run is then warm).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import copy_home

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A copy of the session's demo home (the demo indexed with e5-small), or the home that
    ``MATCHING_TEST_NOTEBOOK_HOME`` names (kept between runs: warm)."""
    given = os.environ.get("MATCHING_TEST_NOTEBOOK_HOME")
    if given:
        home = Path(given)
        home.mkdir(parents=True, exist_ok=True)
    else:
        home = copy_home(
            request.getfixturevalue("demo_e5_home"), tmp_path_factory.mktemp("notebook") / "home"
        )
    with pytest.MonkeyPatch.context() as patch:  # the kernels inherit this process's environment
        patch.setenv("MATCHING_HOME", str(home))
        patch.setenv("MPLBACKEND", "Agg")  # the notebooks ask for the inline backend themselves
        for name in ("MATCHING_DATABASE_URL", "MATCHING_ENCODER", "MATCHING_RANKER"):
            patch.delenv(name, raising=False)
        yield home


def execute(nb, workdir: Path) -> None:
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()


def outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_the_kernel_runs_this_python(shared_home: Path, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os, sys; print(sys.prefix); print(os.environ['MATCHING_HOME'])")
    ]
    execute(nb, tmp_path)
    printed = "".join(out.get("text", "") for out in outputs(nb)).split()
    assert printed == [sys.prefix, str(shared_home)]


def test_notebooks_are_committed_without_outputs() -> None:
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert not outputs(nb), f"{path.name}: clear the outputs before committing"
        assert all(cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_with_a_plot(path: Path, shared_home: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path)  # raises CellExecutionError, naming the cell, on the first error
    produced = outputs(nb)
    assert not [out for out in produced if out.get("output_type") == "error"]
    assert any("image/png" in out.get("data", {}) for out in produced), f"{path.name} drew no plot"
