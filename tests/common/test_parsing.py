from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.common.parsing import (
    CellError,
    normalise_header,
    parse_email,
    parse_list,
    parse_number,
    parse_whole_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.000", 2000),
        ("2,000", 2000),
        ("Rp 150.000", 150_000),
        ("Rp150.000,-", 150_000),
        ("Rp. 150.000,00", 150_000),
        ("IDR 25,000", 25_000),
        ("1,5 juta", 1_500_000),
        ("1.5jt", 1_500_000),
        ("2 rb", 2_000),
        ("2k", 2_000),
        ("1,5 ribu", 1_500),
        ("1.234.567,89", 1_234_567.89),
        ("1,234,567.89", 1_234_567.89),
        ("12.5", 12.5),
        ("1,5", 1.5),
        ("0,125", 0.125),
        ("800 pcs/bulan", 800),
        ("  7 ", 7),
        (42, 42),
        (3.5, 3.5),
    ],
)
def test_numbers_as_people_write_them(text: object, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["abc", "", "1..2", "3 apples", "Rp", "12,34,5", "1.2.3,4.5"])
def test_non_numbers_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(CellError) as info:
        parse_number(text)
    assert str(info.value)


def test_whole_numbers_refuse_huge_values() -> None:
    with pytest.raises(CellError, match="too large"):
        parse_whole_number("9223372036854775296")


def test_whole_numbers_refuse_negative_and_fractions() -> None:
    assert parse_whole_number("2.000") == 2000
    with pytest.raises(CellError, match="negative"):
        parse_whole_number("-5")
    with pytest.raises(CellError, match="whole"):
        parse_whole_number("1,5")


@given(st.integers(min_value=0, max_value=10**15))
def test_thousands_grouping_round_trips_in_both_locales(n: int) -> None:
    english = f"{n:,}"
    indonesian = english.replace(",", ".")
    assert parse_whole_number(english) == n
    assert parse_whole_number(indonesian) == n
    assert parse_whole_number(f"Rp {indonesian}") == n


@given(st.text(max_size=40))
def test_any_cell_text_either_parses_or_raises_cell_error(text: str) -> None:
    try:
        value = parse_number(text)
    except CellError:
        return
    assert isinstance(value, float)


@given(st.text(max_size=40))
def test_header_normalisation_is_idempotent_and_case_blind(header: str) -> None:
    once = normalise_header(header)
    assert normalise_header(once) == once
    assert normalise_header(header.upper()) == normalise_header(header.lower()) or not header.isascii()
    assert all(c.isascii() and (c.isalnum() or c == "_") for c in once)


def test_headers_fold_case_spaces_and_punctuation() -> None:
    assert normalise_header(" Kapasitas per Bulan ") == "kapasitas_per_bulan"
    assert normalise_header("E-mail") == "e_mail"
    assert normalise_header("Bintang OVOP (0-5)") == "bintang_ovop_0_5"


def test_lists_split_on_semicolon_or_comma() -> None:
    assert parse_list("SVLK; SNI") == ["SVLK", "SNI"]
    assert parse_list("SVLK, SNI,") == ["SVLK", "SNI"]
    assert parse_list("Jepang; Belanda, Amsterdam") == ["Jepang", "Belanda, Amsterdam"]
    assert parse_list("a, A, b") == ["a", "b"]
    assert parse_list("") == []


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=";,\n\r"), min_size=1), max_size=6))
def test_list_items_survive_a_semicolon_join(items: list[str]) -> None:
    parsed = parse_list("; ".join(items))
    assert all(";" not in p and p == p.strip() and p for p in parsed)
    expected = [i.strip() for i in items if i.strip()]
    assert [p.casefold() for p in parsed] == list(dict.fromkeys(e.casefold() for e in expected))


@pytest.mark.parametrize("good", ["a@b.co", "sri.rahayu+ikm@desa-wisata.id"])
def test_emails_accepted(good: str) -> None:
    assert parse_email(f" {good} ") == good


@pytest.mark.parametrize("bad", ["x@", "@b.co", "a b@c.id", "a@b", "a..b@c.id", "a@-b.id"])
def test_malformed_emails_refused(bad: str) -> None:
    with pytest.raises(CellError):
        parse_email(bad)
