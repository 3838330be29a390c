from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matching.events.calendars import _fold


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=400))
def test_folded_lines_hold_at_most_75_octets_and_unfold_to_the_line(line: str) -> None:
    pieces = _fold(line).split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line


def test_a_long_ascii_line_is_cut_at_75_then_74_octets() -> None:
    pieces = _fold("x" * 200).split("\r\n")
    assert [len(p) for p in pieces] == [75, 75, 52]  # 75, then a space and 74, then a space and 51
