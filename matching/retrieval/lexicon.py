"""The craft lexicon: materials, product types, techniques, certificates and regions as data.

The vocabulary lives in ``resources/lexicon.tsv`` (format and how to extend it: ``resources/LEXICON.md``):
one row per (concept, surface form) in Indonesian, English or both. :class:`Lexicon` finds concept mentions
in free text by greedy longest match over folded and stemmed tokens (:mod:`matching.common.text`), so "rattan
baskets", "keranjang rotan", "tas-tas anyaman" and "Anyaman PANDAN" all resolve to the same concept ids.
Matching is independent per kind: "kain tenun ikat" yields the product ``kain``, the material ``tenun``
and the technique ``ikat``; within one kind mentions never overlap. Forms written ``=form`` in the file, and
all region forms (place names), are matched exactly, without stemming.

People misspell: a word the lexicon does not know, that is not a word of English or Indonesian either
(``wordfreq``), is read as the one lexicon word one edit away (``rapidfuzz``'s Damerau-Levenshtein distance:
"keranjag", "pirnig", "natrual", "Kaliamntan"), when it has at least five letters, keeps its first letter
and exactly one such word exists. :meth:`Lexicon.corrections` shows what was read how.

Besides the rows of the file, every one of Indonesia's 38 provinces
(:func:`matching.common.regions.provinces`)
becomes a region concept with its canonical name and aliases, unless the file already defines that id.

Load errors raise :class:`~matching.errors.ConfigError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from matching.common.parsing import normalise_header
from matching.common.regions import provinces
from matching.common.text import fold, stem
from matching.errors import ConfigError

__all__ = ["KINDS", "LANGS", "Concept", "Lexicon", "Mention", "lexicon"]

KINDS: tuple[str, ...] = ("material", "product", "technique", "certification", "region")
LANGS: tuple[str, ...] = ("id", "en", "any")

_CONCEPT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TRAILING_TWO = re.compile(r"^([a-z]{3,})2$")  # informal reduplication: "tas2" = "tas-tas"
_MIN_TYPO_LENGTH = 5  # shorter words are too close to too many others ("meja" / "mesa" / "maja")
_REAL_WORD_ZIPF = 1.5  # wordfreq: about once in 30 million words, in English or Indonesian


def _is_real_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    return max(zipf_frequency(word, "en"), zipf_frequency(word, "id")) >= _REAL_WORD_ZIPF


@dataclass(frozen=True, slots=True)
class Concept:
    """One concept: its kind, stable id, a label per language, its group and all its surface forms."""

    kind: str
    id: str
    labels: dict[str, str] = field(hash=False)
    group: str
    forms: tuple[str, ...]
    form_langs: tuple[str, ...] = ()  # the language of each form: id | en | any

    def forms_in(self, lang: str) -> list[str]:
        """The forms usable in ``lang`` ('id' or 'en'): those of that language and those marked ``any``."""
        return [f for f, lg in zip(self.forms, self.form_langs, strict=True) if lg in (lang, "any")]


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in a text; ``start``/``end`` are token offsets in ``fold(text).split()``."""

    kind: str
    concept: str
    form: str  # the lexicon form that matched
    start: int
    end: int
    lang: str  # language of the matched form: id | en | any
    surface: str = ""  # the folded words of the text that matched


@dataclass(slots=True)
class _Row:
    kind: str
    concept: str
    lang: str
    form: str
    group: str
    line: int
    exact: bool
    source: str = ""


def _parse(text: str, source: str) -> list[_Row]:
    rows: list[_Row] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not header_seen and cells[:2] == ["kind", "concept"]:
            header_seen = True
            continue
        header_seen = True
        where = f"{source}, line {number}"
        if len(cells) < 4 or len(cells) > 5:
            raise ConfigError(f"{where}: expected 4 or 5 tab-separated columns, found {len(cells)}: {line!r}")
        kind, concept, lang, form = cells[:4]
        group = cells[4] if len(cells) == 5 else ""
        if kind not in KINDS:
            raise ConfigError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if not _CONCEPT_ID.match(concept):
            raise ConfigError(f"{where}: concept id {concept!r} must be ASCII letters, digits and _")
        if lang not in LANGS:
            raise ConfigError(f"{where}: unknown lang {lang!r}; expected one of {', '.join(LANGS)}")
        exact = form.startswith("=")
        form = form.removeprefix("=").strip()
        if not fold(form):
            raise ConfigError(f"{where}: the form {form!r} has no letters or digits")
        rows.append(_Row(kind, concept, lang, form, group, number, exact, source))
    return rows


def _expand_group(row: _Row) -> str:
    """Region groups name canonical provinces (``;``-joined); ``@Jawa`` means every province of an island."""
    table = provinces()
    names: list[str] = []
    for item in (part.strip() for part in row.group.split(";")):
        if not item:
            continue
        if item.startswith("@"):
            members = [p.name for p in table.provinces if p.region == item[1:]]
            if not members:
                raise ConfigError(f"{row.source}, line {row.line}: no province lies in region {item[1:]!r}")
            names.extend(members)
            continue
        province = table.lookup(item)
        if province is None or province.name != item:
            hint = f" (did you mean {province.name!r}?)" if province else ""
            raise ConfigError(
                f"{row.source}, line {row.line}: {item!r} is not a canonical province name{hint}"
            )
        names.append(item)
    return ";".join(dict.fromkeys(names))


class Lexicon:
    """Concepts and their surface forms, with a fast greedy longest-match finder."""

    def __init__(
        self, rows: Iterable[_Row], *, source: str = "<lexicon>", with_provinces: bool = True
    ) -> None:
        self._concepts: dict[str, Concept] = {}
        # key -> {kind: (concept, form, lang, line)}; stemmed keys and exact (unstemmed) keys kept apart
        self._stemmed: dict[tuple[str, ...], dict[str, tuple[str, str, str, int]]] = {}
        self._exact: dict[tuple[str, ...], dict[str, tuple[str, str, str, int]]] = {}
        self._first: dict[str, int] = {}  # first token of a key -> longest key starting with it
        self._spelling = lru_cache(maxsize=1 << 18)(self._read_as)  # a catalogue's words are few
        rows = list(rows)
        if with_provinces:
            rows += self._province_rows(rows)
        self._build(rows, source)
        # the words of all forms, by first letter: what a misspelt word may be read as
        self._vocabulary: dict[str, list[str]] = {}
        for concept in self._concepts.values():
            for form in concept.forms:
                for word in fold(form.lstrip("=")).split():
                    if len(word) >= _MIN_TYPO_LENGTH - 1 and word.isalpha():
                        self._vocabulary.setdefault(word[0], []).append(word)
        self._vocabulary = {k: sorted(set(v)) for k, v in self._vocabulary.items()}

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>", with_provinces: bool = True) -> Lexicon:
        """A lexicon from TSV text (see ``resources/LEXICON.md``)."""
        return cls(_parse(text, source), source=source, with_provinces=with_provinces)

    @classmethod
    def from_files(cls, *paths: str | Path, with_provinces: bool = True) -> Lexicon:
        """A lexicon from one or more TSV files; later files may add forms to concepts of earlier ones."""
        rows: list[_Row] = []
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read lexicon file {path}: {exc}") from exc
            rows += _parse(text, str(path))
        return cls(rows, source=", ".join(map(str, paths)), with_provinces=with_provinces)

    @staticmethod
    def _province_rows(rows: list[_Row]) -> list[_Row]:
        taken_ids = {r.concept for r in rows}
        taken_forms = {fold(r.form) for r in rows if r.kind == "region"}
        extra: list[_Row] = []
        for province in provinces().provinces:
            concept = normalise_header(province.name)
            if concept in taken_ids:
                continue
            forms = [
                f for f in dict.fromkeys((province.name, *province.aliases)) if fold(f) not in taken_forms
            ]
            for i, form in enumerate(forms):
                extra.append(_Row("region", concept, "any", form, province.name if i == 0 else "", 0, False))
        return extra

    def _build(self, rows: list[_Row], source: str) -> None:
        kinds: dict[str, str] = {}
        groups: dict[str, str] = {}
        forms: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            where = f"{row.source or source}, line {row.line}" if row.line else "province table"
            if kinds.setdefault(row.concept, row.kind) != row.kind:
                raise ConfigError(f"{where}: concept {row.concept!r} is already a {kinds[row.concept]}")
            group = _expand_group(row) if row.kind == "region" and row.group else row.group
            if group and groups.setdefault(row.concept, group) != group:
                raise ConfigError(
                    f"{where}: group {row.group!r} of {row.concept!r} differs from an earlier row"
                )
            exact = row.exact or row.kind == "region"  # place names are never stemmed ("ende" != "end")
            index = self._exact if exact else self._stemmed
            words = fold(row.form).split()
            key = tuple(words) if exact else tuple(stem(w) for w in words)
            slot = index.setdefault(key, {})
            previous = slot.get(row.kind)
            if previous and previous[0] != row.concept:
                raise ConfigError(
                    f"{where}: form {row.form!r} of {row.concept!r} matches the same words as {previous[1]!r}"
                    f" of {previous[0]!r} (line {previous[3]}); make one of them longer or exact ('=')"
                )
            lang = row.lang if not previous or previous[2] == row.lang else "any"
            slot[row.kind] = (row.concept, previous[1] if previous else row.form, lang, row.line)
            self._first[key[0]] = max(self._first.get(key[0], 0), len(key))
            forms.setdefault(row.concept, []).append((row.lang, row.form))
        for concept, pairs in forms.items():
            labels: dict[str, str] = {}
            for lang in ("id", "en"):
                label = next((f for lg, f in pairs if lg in (lang, "any")), None)
                labels[lang] = label or pairs[0][1]
            merged: dict[str, str] = {}
            for lang, form in pairs:
                merged[form] = lang if merged.get(form, lang) == lang else "any"
            self._concepts[concept] = Concept(
                kinds[concept],
                concept,
                labels,
                groups.get(concept, ""),
                tuple(merged),
                tuple(merged.values()),
            )

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return len(self._concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._concepts

    def get(self, concept_id: str) -> Concept | None:
        """The concept with this id, or None."""
        return self._concepts.get(concept_id)

    def concepts(self, kind: str | None = None) -> list[Concept]:
        """All concepts (of one kind), in file order."""
        return [c for c in self._concepts.values() if kind is None or c.kind == kind]

    def group(self, concept_id: str) -> str:
        """The concept's group ('' when it has none or is unknown); for regions, ``;``-joined provinces."""
        concept = self._concepts.get(concept_id)
        return concept.group if concept else ""

    def related(self, a: str, b: str) -> bool:
        """True when two different concepts of one kind share a group (sister materials, related products)."""
        ca, cb = self._concepts.get(a), self._concepts.get(b)
        return bool(ca and cb and a != b and ca.kind == cb.kind and ca.group and ca.group == cb.group)

    def label(self, concept_id: str, lang: str = "en") -> str:
        """The concept's display name in ``lang`` ('id' or 'en'); the id itself when unknown."""
        concept = self._concepts.get(concept_id)
        if concept is None:
            return concept_id
        return concept.labels.get(lang) or concept.labels.get("en") or concept_id

    def provinces_for(self, region_concept: str) -> list[str]:
        """Canonical province names a region concept stands for ([] when unknown or not a region)."""
        concept = self._concepts.get(region_concept)
        if concept is None or concept.kind != "region":
            return []
        return [p for p in concept.group.split(";") if p]

    # ------------------------------------------------------------------ matching
    def find(self, text: str, kinds: Iterable[str] | str | None = None) -> list[Mention]:
        """Concept mentions in ``text`` by greedy longest match, non-overlapping within each kind."""
        if not text:
            return []
        selected = set(KINDS) if kinds is None else {kinds} if isinstance(kinds, str) else set(kinds)
        typed = [(_TRAILING_TWO.sub(r"\1", w) if w[-1] == "2" else w) for w in fold(text).split()]
        words = [self._spelling(w) for w in typed]
        stems = [stem(w) for w in words]
        first = self._first
        free_from = dict.fromkeys(selected, 0)
        found: list[Mention] = []
        for i in range(len(words)):
            longest = max(first.get(stems[i], 0), first.get(words[i], 0))
            if not longest:
                continue
            done: set[str] = set()
            for length in range(min(longest, len(words) - i), 0, -1):
                for index, seq in ((self._exact, words), (self._stemmed, stems)):
                    slot = index.get(tuple(seq[i : i + length]))
                    if not slot:
                        continue
                    for kind, (concept, form, lang, _) in slot.items():
                        if kind in done or kind not in selected or free_from[kind] > i:
                            continue
                        done.add(kind)
                        free_from[kind] = i + length
                        surface = " ".join(typed[i : i + length])
                        found.append(Mention(kind, concept, form, i, i + length, lang, surface))
        return found

    def _read_as(self, word: str) -> str:
        """``word``, or the lexicon word it is a misspelling of (module docstring)."""
        if (
            len(word) < _MIN_TYPO_LENGTH
            or not word.isalpha()
            or word in self._first
            or stem(word) in self._first
            or self._is_form_word(word)
            or _is_real_word(word)
        ):
            return word
        from rapidfuzz.distance import DamerauLevenshtein
        from rapidfuzz.process import extract

        near = extract(
            word,
            self._vocabulary.get(word[0], []),
            scorer=DamerauLevenshtein.distance,
            score_cutoff=1,
            limit=None,
        )
        # one word ("basket" or "baskets"), not two ("pakan" or "pandan")
        return near[0][0] if near and len({stem(w) for w, _, _ in near}) == 1 else word

    def _is_form_word(self, word: str) -> bool:
        return word in self._vocabulary.get(word[0], ())

    def corrections(self, text: str) -> dict[str, str]:
        """The misspelt words of ``text`` and what they are read as."""
        out: dict[str, str] = {}
        for word in fold(text).split():
            read = self._spelling(word)
            if read != word:
                out[word] = read
        return out

    def concept_terms(self, text: str, kinds: Iterable[str] | None = None) -> list[str]:
        """One term per mention, ``c_<kind>_<concept>`` in lower case: extra BM25 terms across languages."""
        return [f"c_{m.kind}_{m.concept.lower()}" for m in self.find(text, kinds)]

    def expand(self, text: str) -> str:
        """``text`` followed by one canonical term per mention (``c_material_rotan c_product_keranjang``).

        Note that :func:`matching.common.text.fold` splits these terms at ``_``; an analyser that folds should
        add :meth:`concept_terms` to its tokens instead.
        """
        terms = self.concept_terms(text)
        return f"{text} {' '.join(terms)}" if terms else text

    def normalise_certifications(self, items: Iterable[str]) -> list[str]:
        """Free-text certificate names to concept ids ("V-Legal" -> "SVLK"); unknown ones kept upper-cased."""
        out: list[str] = []
        by_id = {normalise_header(c.id).replace("_", ""): c.id for c in self.concepts("certification")}
        for item in items:
            text = str(item or "").strip()
            if not text:
                continue
            known = by_id.get(normalise_header(text).replace("_", ""))
            if known:
                out.append(known)
                continue
            mentions = self.find(text, kinds={"certification"})
            out.extend(m.concept for m in mentions) if mentions else out.append(text.upper())
        return list(dict.fromkeys(out))


@cache
def lexicon() -> Lexicon:
    """The bundled lexicon (``matching/resources/lexicon.tsv``), read once."""
    text = resources.files("matching").joinpath("resources/lexicon.tsv").read_text(encoding="utf-8")
    return Lexicon.from_text(text, source="lexicon.tsv")
