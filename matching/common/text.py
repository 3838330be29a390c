"""Text normalisation shared by lexical retrieval, the lexicon and query understanding.

:func:`fold` lowercases, strips diacritics, joins thousand-grouped numbers (``2.000`` -> ``2000``), splits
numbers from their units (``800pcs`` -> ``800 pcs``, ``30x40cm`` -> ``30x40 cm``) and collapses
reduplication (``tas-tas`` -> ``tas``). :func:`tokens` then drops stop words and stems: Indonesian with
Sastrawi (``anyaman`` -> ``anyam``), English words that are not Indonesian roots with Snowball
(``baskets`` -> ``basket``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

__all__ = ["STOPWORDS", "fold", "stem", "tokens"]

STOPWORDS = frozenset(
    """
    a an and are as at be by for from has have i in is it its of on or our per the this that to we with
    you your looking look need needs want wants would like please can could us
    ada adalah akan atau bisa buat dan dari dengan di ini itu juga ke kami kita mau pada per saya
    sangat secara serta tersebut untuk utk yang yg dgn dg sdh sudah tsb butuh perlu cari mencari
    """.split()
)

_GROUPED = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,]\d{3})+)(?![\d]|[.,]\d)")
_REDUP = re.compile(r"\b(\w+)-\1\b")
_NUM_UNIT = re.compile(r"(\d)([a-z]{1,6})\b")
_CURRENCY = re.compile(r"\b(rp|idr|usd|us|eur|jpy|aud|sgd)\.?(?=\d)")


def fold(text: str) -> str:
    """Lowercase ASCII words and numbers separated by single spaces; see the module docstring."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = _REDUP.sub(r"\1", text)
    text = _GROUPED.sub(lambda m: m.group(1) + re.sub(r"[.,]", "", m.group(2)), text)
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)  # Indonesian decimal comma
    text = _NUM_UNIT.sub(r"\1 \2", text)
    text = re.sub(r"(?<=\d)\s*[x\u00d7*]\s*(?=\d)", "x", text)
    text = _CURRENCY.sub(r"\1 ", text)
    text = re.sub(r"[^a-z0-9.]+|(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


@cache
def _stemmers() -> tuple[Any, Any]:  # PySastrawi and PyStemmer ship no types
    import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer(), Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem a folded word: Sastrawi for Indonesian, Snowball for English words that are no Indonesian root."""
    if not word.isalpha() or len(word) <= 3:
        return word
    indonesian, english = _stemmers()
    stemmed: str = indonesian.stem(word)
    if stemmed != word:
        return stemmed
    if indonesian.delegatedStemmer.dictionary.contains(word):
        return word
    return str(english.stemWord(word))


def tokens(text: str, *, stemmed: bool = True, keep_stopwords: bool = False) -> list[str]:
    """Folded (and stemmed) tokens of ``text`` without stop words."""
    words = fold(text).split()
    if not keep_stopwords:
        words = [w for w in words if w not in STOPWORDS]
    return [stem(w) for w in words] if stemmed else words
