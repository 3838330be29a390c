"""QR codes of the agenda pages' links, each made once and drawn as a vector path.

:func:`qr_path` makes one code and keeps it in this process. :class:`QrCodes` makes the codes of many links
in a process of its own while the caller goes on: planning an event keeps one core busy (scoring, the match
list and the scheduler run one after the other on one thread), so a big event's 2,500 codes (about 3 s) are
made on the other core before the exports need them. The agenda PDF workers are then handed the codes
(:func:`matching.events.agenda_pdf.start_agenda_pdfs`) instead of each making all of them again.
"""

from __future__ import annotations

import json
import weakref
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from matching.common.processes import process_context

__all__ = ["BACKGROUND_MIN_LINKS", "QrCodes", "cached_codes", "keep_codes", "qr_path"]

Code = tuple[int, str]  # (size in modules with the quiet zone, PDF path of the dark modules)

_QR: dict[str, Code] = {}  # url -> qr_path(url): kept for the next export (re-schedules)
_QR_KEEP = 50_000
BACKGROUND_MIN_LINKS = 200  # below this, starting a process costs more than making the codes here


def qr_path(url: str) -> Code:
    """A QR code of ``url`` as (size in modules with the quiet zone, PDF path of its dark modules).

    The path is in module units, y up, one rectangle per run of dark modules in a row; drawn with a ``cm``
    transform it prints crisp at any size. segno is pure Python: mask 0 instead of trying all eight makes
    a code about 4x faster (every mask is valid; the choice only tunes contrast patterns), and codes are
    kept for the next export of the same event (re-schedules) in this process.
    """
    found = _QR.get(url)
    if found is None:
        found = _make_qr(url)
        keep_codes({url: found})
    return found


def keep_codes(codes: Mapping[str, Code]) -> None:
    """Keep codes made elsewhere (a background process, the parent of a worker) for :func:`qr_path`."""
    for url, code in codes.items():
        if len(_QR) >= _QR_KEEP:
            _QR.clear()
        _QR[url] = code


def cached_codes(urls: Iterable[str]) -> dict[str, Code]:
    """The codes of ``urls`` this process already has (no code is made)."""
    return {url: _QR[url] for url in urls if url in _QR}


def _make_qr(url: str) -> Code:
    import segno

    matrix = segno.make(url, error="m", micro=False, mask=0, boost_error=False).matrix
    n = len(matrix)
    size = n + 8
    parts: list[str] = []
    for r, row in enumerate(matrix):
        y = size - 4 - r - 1
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                parts.append(f"{start + 4} {y} {c - start} 1 re")
            else:
                c += 1
    return size, " ".join(parts)


def _make_all(packed: bytes, conn: Any) -> None:
    """The background process: the codes of the packed links, in order, sent back as one message."""
    try:
        conn.send([_make_qr(url) for url in json.loads(zlib.decompress(packed))])
    finally:
        conn.close()


def _stop(process: Any, conn: Any) -> None:
    conn.close()
    if process.is_alive():
        process.terminate()
    process.join()


class QrCodes:
    """The QR codes of ``urls``: started now, in a background process when at least ``min_background``
    (default :data:`BACKGROUND_MIN_LINKS`) of them are not yet in this process, else made when asked for;
    :meth:`result` waits for them.

    The codes are the ones :func:`qr_path` makes; :meth:`result` keeps them in this process too, so a later
    export of the same links (a re-schedule in the running service) makes none. If the background process
    fails, the missing codes are made here. Pickled, it carries the finished codes.
    """

    def __init__(self, urls: Iterable[str], *, min_background: int | None = None) -> None:
        self.urls = list(dict.fromkeys(urls))
        self._codes: dict[str, Code] | None = None
        self._todo: list[str] = []
        self._process: Any = None
        self._conn: Any = None
        todo = [url for url in self.urls if url not in _QR]
        least = BACKGROUND_MIN_LINKS if min_background is None else min_background
        if todo and len(todo) >= least:
            context = process_context()
            receive, send = context.Pipe(duplex=False)
            # packed: links share their start, and a fork server's child is handed its arguments through a
            # pipe that holds the starting thread until the child reads them unless they fit its buffer
            packed = zlib.compress(json.dumps(todo).encode())
            process = context.Process(target=_make_all, args=(packed, send), name="qr-codes", daemon=True)
            try:
                process.start()
            except (OSError, RuntimeError):  # no process to be had: the codes are made here when asked for
                receive.close()
                return
            finally:
                send.close()
            self._todo, self._process, self._conn = todo, process, receive
            self._finalizer = weakref.finalize(self, _stop, process, receive)

    def covers(self, urls: Iterable[str]) -> bool:
        """Whether every one of ``urls`` is among this object's links."""
        return set(urls) <= set(self.urls)

    def result(self) -> dict[str, Code]:
        """url -> :func:`qr_path` (url) for every link, waiting for the background process if one runs."""
        if self._codes is None:
            if self._process is not None:
                try:
                    made = self._conn.recv()
                except (EOFError, OSError):  # the process died: what it did not send is made below
                    made = []
                self._finalizer()
                received = dict(zip(self._todo, made, strict=False))
                keep_codes(received)
                self._process = self._conn = None
            else:
                received = {}
            self._codes = {url: received.get(url) or qr_path(url) for url in self.urls}
        return self._codes

    def __getstate__(self) -> dict[str, Any]:
        return {"urls": self.urls, "codes": self.result()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.urls, self._codes = state["urls"], state["codes"]
        self._todo, self._process, self._conn = [], None, None
