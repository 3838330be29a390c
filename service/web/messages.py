"""The engine's problem lines in the page's language.

The engine writes its problems in English, one line each: an import problem is a message about one cell
(``required field 'name' is empty``); an event problem is ``path: message (value: ...)`` (``sessions[1]:
overlaps sessions[0] (09:00-12:00) (value: 11:00-13:00)``). :func:`problem` recognises them by pattern
and renders them in Indonesian; in English, and for a line no pattern knows, it returns the line as it
is, so nothing is ever lost. Field names, ids, file names and values are kept as written: they name what
to fix. The Jinja filter ``problem`` (registered in :mod:`service.web.render`) calls it with the page's
language: ``{{ issue.message | problem(lang) }}``.
"""

from __future__ import annotations

import re

__all__ = ["PATTERNS", "problem"]

_Q = r"'(?P<{}>[^']*)'"  # a quoted name, kept as written


def _q(name: str) -> str:
    return _Q.format(name)


# (pattern of the English message, Indonesian template); the first full match wins. Values are named
# groups, put back as they are ({name}), or translated again ({name!p}: a message inside a message).
PATTERNS: list[tuple[str, str]] = [
    # -- import: headers and cells (matching/catalogue/ingest.py, readers.py, report.py) -------------
    (rf"required field {_q('f')} is empty", "kolom wajib '{f}' kosong"),
    (
        rf"required column {_q('c')} is missing \(accepted headers: (?P<a>.*)\)",
        "kolom wajib '{c}' tidak ada (judul kolom yang diterima: {a})",
    ),
    (
        rf"two columns mean {_q('n')} \(column (?P<a>\d+) and (?P<b>\d+)\); keep one",
        "dua kolom berarti '{n}' (kolom {a} dan {b}); pertahankan satu saja",
    ),
    (
        r"control character \((?P<c>[^)]*)\) in an id; remove it",
        "ada karakter kendali ({c}) dalam ID; hapuslah",
    ),
    (r"control character\(s\) (?P<c>.*) removed", "karakter kendali {c} dihapus"),
    (
        r"cell too long \((?P<n>[\d,]+) characters; at most (?P<m>[\d,]+)\)",
        "isi sel terlalu panjang ({n} karakter; paling banyak {m})",
    ),
    (
        r"duplicate (?P<f>\w+); first seen at (?P<s>.*) row (?P<r>\d+)",
        "{f} ganda; pertama muncul di {s} baris {r}",
    ),
    (
        r"ikm_id matches no IKM in this import or in the database",
        "ikm_id tidak cocok dengan IKM mana pun, di impor ini maupun di basis data",
    ),
    (r"its IKM \((?P<s>.*) row (?P<r>\d+)\) was rejected", "IKM-nya ({s} baris {r}) ditolak"),
    (r"OVOP stars must be a whole number from 0 to 5", "bintang OVOP harus bilangan bulat dari 0 sampai 5"),
    (
        rf"unknown province {_q('p')}; did you mean {_q('h')}\?",
        "provinsi '{p}' tidak dikenal; maksud Anda '{h}'?",
    ),
    (
        rf"unknown province {_q('p')}; use one of the 38 provinces",
        "provinsi '{p}' tidak dikenal; gunakan salah satu dari 38 provinsi",
    ),
    (r"the digit groups do not form a number", "kelompok digit tidak membentuk angka"),
    (r"a separator stands without digits beside it", "ada pemisah tanpa digit di sampingnya"),
    (r"expected a number, not a yes/no value", "seharusnya angka, bukan nilai ya/tidak"),
    (r"the cell is empty", "sel kosong"),
    (r"not a number", "bukan angka"),
    (rf"unknown unit word {_q('w')}", "satuan '{w}' tidak dikenal"),
    (r"must not be negative", "tidak boleh negatif"),
    (r"too large \(at most (?P<m>[\d,]+)\)", "terlalu besar (paling banyak {m})"),
    (r"must be a whole number", "harus bilangan bulat"),
    (r"not a valid e-mail address", "alamat e-mail tidak valid"),
    (
        r"(?:Value error, )?not a valid id: .*",
        "ID tidak valid: gunakan huruf, angka, spasi dan . _ - / (paling banyak 64 karakter, diawali huruf "
        "atau angka, tanpa '..')",
    ),
    (
        r"(?P<s>.*): not UTF-8 \(byte (?P<b>\d+)\); read as Windows-1252\. Save as 'CSV UTF-8' to be sure\.",
        "{s}: bukan UTF-8 (byte ke-{b}); dibaca sebagai Windows-1252. Simpan sebagai 'CSV UTF-8' agar pasti.",
    ),
    (
        r"(?P<f>.*): sheet\(s\) (?P<l>.*) hold no known entity; skipped",
        "{f}: lembar {l} tidak berisi jenis data yang dikenal; dilewati",
    ),
    (r"and (?P<n>[\d,]+) more problems of other kinds", "dan {n} masalah lain dari jenis lain"),
    (
        rf"and (?P<n>[\d,]+) more '(?P<m>.*)' in column {_q('c')}",
        "dan {n} lagi seperti '{m!p}' di kolom '{c}'",
    ),
    (r"and (?P<n>[\d,]+) more '(?P<m>.*)'", "dan {n} lagi seperti '{m!p}'"),
    # -- values checked by pydantic (import rows, event fields) ---------------------------------------
    (r"(?:field|Field) required", "wajib diisi"),
    (r"Input should be less than or equal to (?P<n>.+)", "paling besar {n}"),
    (r"Input should be greater than or equal to (?P<n>.+)", "paling kecil {n}"),
    (r"Input should be less than (?P<n>.+)", "harus kurang dari {n}"),
    (r"Input should be greater than (?P<n>.+)", "harus lebih dari {n}"),
    (r"String should have at most (?P<n>\d+) characters?", "paling banyak {n} karakter"),
    (r"String should have at least (?P<n>\d+) characters?", "paling sedikit {n} karakter"),
    (r"Input should be a valid integer.*", "harus bilangan bulat"),
    (r"Input should be a valid number.*", "harus angka"),
    (r"Input should be a valid string", "harus berupa teks"),
    (r"Input should be a valid list", "harus berupa daftar"),
    (r"Input should be a valid date.*", "harus tanggal (TTTT-BB-HH)"),
    (r"Input should be a valid time.*", "harus jam (JJ:MM)"),
    (r"Input should be a valid boolean.*", "harus ya atau tidak (true/false)"),
    (r"Input should be (?P<o>'.*)", "harus salah satu dari {o!or}"),
    (r"Extra inputs are not permitted", "isian ini tidak dikenal"),
    # -- the event definition (matching/events/model.py, rules.py, common/yaml_files.py) ------------
    (r"(?P<n>\d+) unknown id\(s\)", "{n} ID tidak dikenal"),
    (r"not a buyer or IKM of this event", "bukan pembeli atau IKM acara ini"),
    (r"not a buyer of this event", "bukan pembeli acara ini"),
    (r"not an IKM of this event", "bukan IKM acara ini"),
    (
        r"ikm_fixed_tables needs one table per IKM \((?P<n>\d+) IKMs\)",
        "ikm_fixed_tables butuh satu meja per IKM ({n} IKM)",
    ),
    (r"overlaps (?P<o>\S+) \((?P<t>[^)]*)\)", "bertumpang tindih dengan {o} ({t})"),
    (r"a break must lie inside one session", "jeda harus berada di dalam satu sesi"),
    (
        r"no whole slot fits in the sessions outside breaks",
        "tidak ada slot utuh yang muat di sesi, di luar jeda",
    ),
    (r"is more than max_meetings_per_ikm \((?P<n>\d+)\)", "lebih dari max_meetings_per_ikm ({n})"),
    (r"is more than the (?P<n>\d+) slots of the day", "lebih dari {n} slot dalam sehari"),
    (r"covers no whole slot", "tidak mencakup satu slot pun secara utuh"),
    (r"no such table", "meja ini tidak ada"),
    (r"no such table \(tables: (?P<v>.*)\)", "meja ini tidak ada (meja yang ada: {v})"),
    (
        r"table (?P<t>.+) already stands at row (?P<r>\d+), column (?P<c>\d+)",
        "meja {t} sudah berada di baris {r}, kolom {c}",
    ),
    (r'the list is empty \(write "all" for everyone\)', 'daftar kosong (tulis "all" untuk semua peserta)'),
    (r"ids repeat", "ada ID yang berulang"),
    (r"(?P<p>\S+) is already (?P<k>\w+) in (?P<w>\S+)", "{p} sudah {k} di {w}"),
    (r"is not a slot start; nearest: (?P<h>.*)", "bukan awal slot; yang terdekat: {h}"),
    (r"this pair is marked no_thanks", "pasangan ini ditandai no_thanks (tidak berminat)"),
    (r"(?P<p>\S+) is not available at (?P<s>.+)", "{p} tidak hadir pada {s}"),
    (r"(?P<p>\S+) already meets in (?P<w>\S+)", "{p} sudah bertemu di {w}"),
    (r"already used at (?P<s>.+) by (?P<w>\S+)", "sudah dipakai pada {s} oleh {w}"),
    (r"the file must hold a mapping of fields", "file harus berisi pasangan kolom dan nilai"),
    (r"use a \.yaml, \.yml or \.json file", "gunakan file .yaml, .yml atau .json"),
    (r"not valid (?P<k>YAML|JSON) \((?P<w>.*)\)", "bukan {k} yang valid ({w})"),
    (r"cannot be read \((?P<w>.*)\)", "tidak dapat dibaca ({w})"),
    (r"a table is a table number or a table name", "meja ditulis sebagai nomor meja atau nama meja"),
    (
        r"every id in (?P<f>\w+) must be a non-empty text",
        "setiap ID di {f} harus berupa teks yang tidak kosong",
    ),
    (r'(?P<f>\w+) must be "all" or a list of ids', '{f} harus "all" atau daftar ID'),
    (
        r"tables must be a number of tables or a list of table names",
        "tables harus berupa jumlah meja atau daftar nama meja",
    ),
    (r"tables must be at least 1", "tables paling sedikit 1"),
    (
        r"every table name must be a non-empty text or number",
        "setiap nama meja harus berupa teks atau angka yang tidak kosong",
    ),
    (r"the list of table names is empty", "daftar nama meja kosong"),
    (r"table names repeat: (?P<n>.*)", "nama meja berulang: {n}"),
    # -- not found (matching/store, matching/app/events.py) -------------------------------------------
    (rf"event {_q('e')} does not exist", "acara '{e}' tidak ada"),
    (rf"(?P<k>IKM|ikm|product|buyer) {_q('i')} does not exist", "{k!kind} '{i}' tidak ada"),
    (
        rf"event {_q('e')} has no plan yet; plan it first",
        "acara '{e}' belum punya rencana; susun rencananya dulu",
    ),
    (
        rf"event {_q('e')} has no plan (?P<n>\d+) \(plans: (?P<r>[^)]*)\)",
        "acara '{e}' tidak punya rencana {n} (rencana: {r})",
    ),
    (rf"plan of event {_q('e')} has no file {_q('f')}", "rencana acara '{e}' tidak punya file '{f}'"),
]

_COMPILED = [(re.compile(pattern), template) for pattern, template in PATTERNS]
# an event problem line: "path: message (value: ...)"; the path has no spaces
_LINE = re.compile(r"(?P<path>[^\s:]+): (?P<message>.*?)(?: \(value: (?P<value>.*)\))?")
_FIELD = re.compile(r"\{(\w+)(?:!(\w+))?\}")


def _convert(kind: str | None, value: str) -> str:
    """A value put back into a template: as it is, translated again (``p``) or its "or" in Indonesian."""
    if kind == "p":
        return _message(value) or value
    if kind == "or":
        return value.replace(" or ", " atau ")
    if kind == "kind":
        return {"product": "produk", "buyer": "pembeli"}.get(value, "IKM")
    return value


def _fill(template: str, groups: dict[str, str | None]) -> str:
    return _FIELD.sub(lambda f: _convert(f.group(2), groups[f.group(1)] or ""), template)


def _message(text: str) -> str | None:
    """One message in Indonesian, or None when no pattern knows it."""
    for pattern, template in _COMPILED:
        found = pattern.fullmatch(text)
        if found is not None:
            return _fill(template, found.groupdict())
    return None


def problem(line: object, lang: str = "id") -> str:
    """``line`` (one problem of the engine) in ``lang``: Indonesian when a pattern knows it, else as it is."""
    text = str(line)
    if lang != "id":
        return text
    whole = _message(text)
    if whole is not None:
        return whole
    parts = _LINE.fullmatch(text)
    if parts is None:
        return text
    message = _message(parts["message"])
    if message is None:
        return text
    value = parts["value"]
    return f"{parts['path']}: {message}" + (f" (nilai: {value})" if value is not None else "")
