"""Export file names made from ids never leave their folder and never collide."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.common.file_names import file_stem, inside


def test_plain_ids_are_kept() -> None:
    assert [file_stem(i) for i in ("B001", "I0001-r1", "P_1.2")] == ["B001", "I0001-r1", "P_1.2"]


@pytest.mark.parametrize(
    "hostile", ["../../x/PWN", "/abs/path", "..", ".hidden", "a/b", "C:\\x", "é", "x" * 300]
)
def test_hostile_ids_become_plain_names_inside_the_folder(tmp_path: Path, hostile: str) -> None:
    stem = file_stem(hostile)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".") and len(stem) <= 80
    assert inside(tmp_path, f"{stem}.ics").parent == tmp_path


@given(st.text(min_size=1), st.text(min_size=1))
def test_different_ids_never_share_a_file(first: str, second: str) -> None:
    if first != second:
        assert file_stem(first) != file_stem(second)


def test_inside_refuses_a_way_out(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a file name inside"):
        inside(tmp_path, "../escape.txt")
