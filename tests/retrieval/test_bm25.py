"""The lexical retriever keeps the retrieval contract shared with the dense index."""

from __future__ import annotations

from pathlib import Path

from matching.retrieval.bm25 import LexicalIndex
from matching.retrieval.lexicon import lexicon

DOCS = {
    "P3": "Keranjang rotan untuk laundry, anyaman rapat",
    "P1": "Tas-tas anyaman pandan warna natural",
    "P2": "rattan laundry baskets with lid",
    "P4": "Tikar mendong 2x3 m",
    "P5": "Tikar mendong 2x3 m",
}


def _index(**kwargs: object) -> LexicalIndex:
    return LexicalIndex(**kwargs).fit(list(DOCS), list(DOCS.values()))  # type: ignore[arg-type]


def test_contract_best_first_ties_by_id_and_k_beyond_size() -> None:
    index = _index()
    (hits,) = index.search(["tikar mendong"], 10)
    assert [d for d, _ in hits] == ["P4", "P5"]  # equal scores: ordered by id
    assert hits[0][1] == hits[1][1] > 0
    (many,) = index.search(["anyaman"], 100)
    assert [s for _, s in many] == sorted((s for _, s in many), reverse=True)
    assert index.search(["zzz unknown"], 5) == [[]]


def test_stemming_folding_and_reduplication() -> None:
    index = _index()
    assert index.search(["TAS ANYAMAN"], 1)[0][0][0] == "P1"  # case, tas-tas -> tas, anyaman -> anyam
    assert index.search(["basket"], 1)[0][0][0] == "P2"  # baskets -> basket


def test_lexicon_concepts_cross_languages() -> None:
    plain = _index()
    crossing = _index(concepts=lexicon().concept_terms)
    assert {d for d, _ in plain.search(["rattan basket"], 5)[0]} == {"P2"}
    assert {d for d, _ in crossing.search(["rattan basket"], 5)[0]} >= {"P2", "P3"}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = _index(concepts=lexicon().concept_terms)
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", concepts=lexicon().concept_terms)
    assert loaded.search(["keranjang rotan"], 3) == index.search(["keranjang rotan"], 3)


def test_a_fit_with_the_memo_ranks_the_same_and_keeps_only_current_texts() -> None:
    lex = lexicon()
    memo: dict[str, list[str]] = {}
    ids, texts = list(DOCS), list(DOCS.values())
    with_memo = LexicalIndex(concepts=lex.concept_terms).fit(ids, texts, memo=memo)
    plain = LexicalIndex(concepts=lex.concept_terms).fit(ids, texts)
    queries = ["keranjang rotan laundry", "tikar mendong", "tas pandan"]
    assert with_memo.search(queries, 5) == plain.search(queries, 5)
    texts[0] = "Keranjang bambu untuk pakaian kotor"
    again = LexicalIndex(concepts=lex.concept_terms).fit(ids, texts, memo=memo)
    fresh = LexicalIndex(concepts=lex.concept_terms).fit(ids, texts)
    assert again.search(queries, 5) == fresh.search(queries, 5)
    assert set(memo) == set(texts)  # the replaced text is forgotten
