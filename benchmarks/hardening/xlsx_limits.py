"""Hostile XLSX uploads against a real service: peak memory, response size and time (issue 14, defect 2).

Builds three files in a work folder, starts ``matching serve`` (uvicorn) on a fresh home with an organiser
key made by ``matching keys create``, posts each file to ``POST /api/v1/imports`` and records the server's
peak resident memory (VmHWM of its process, read from /proc after each upload: a fresh server per file, so
each peak is that file's own), the status, the response size and the wall time:

(a) ``bomb.xlsx``: a shared-strings bomb, 12 KB whose cells all point at one 1 MB string;
(b) ``bad-cells.xlsx``: 100,000 rows with four non-numeric number cells each (400,000 bad cells);
(c) ``million.xlsx``: the largest workbook within the upload limit (20 MiB): up to 1 M IKM rows, scaled
    down until the file fits.

Acceptance: peak RSS < 2 GiB and every error response < 1 MB.

    .venv/bin/python benchmarks/hardening/xlsx_limits.py [--work /tmp/xlsx-limits] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="ikms" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
HEADER = ["ikm_id", "name", "province", "regency", "ovop_stars", "capacity_per_month", "min_order_qty",
          "lead_time_days"]  # fmt: skip


def _col(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def _workbook(path: Path, shared: list[str], rows: Any) -> Path:
    """Write a minimal XLSX: ``rows`` yields lists of cells, each ('s', shared index) or ('str', text)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0" encoding="UTF-8"?>')
            handle.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for text in shared:
                handle.write(b"<si><t>" + text.encode() + b"</t></si>")
            handle.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0" encoding="UTF-8"?>')
            handle.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            handle.write(b'<dimension ref="A1:A1"/><sheetData>')  # a false, small declared size
            chunk: list[bytes] = []
            for number, cells in enumerate(rows, start=1):
                parts = [f'<row r="{number}">']
                for index, (kind, value) in enumerate(cells):
                    ref = f"{_col(index)}{number}"
                    if kind == "s":
                        parts.append(f'<c r="{ref}" t="s"><v>{value}</v></c>')
                    else:
                        parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
                parts.append("</row>")
                chunk.append("".join(parts).encode())
                if len(chunk) == 10_000:
                    handle.write(b"".join(chunk))
                    chunk = []
            handle.write(b"".join(chunk) + b"</sheetData></worksheet>")
    return path


def _header() -> list[tuple[str, str]]:
    return [("str", h) for h in HEADER]


def build_bomb(path: Path) -> Path:
    """Every cell of 400 rows points at one shared string of 1 MB: ~2.8 GB of values from a 12 KB file."""
    rows = [_header()] + [[("str", f"I{n:06d}")] + [("s", "0")] * 7 for n in range(400)]
    return _workbook(path, ["A" * 1_000_000], iter(rows))


def build_bad_cells(path: Path) -> Path:
    """100,000 IKMs, each with four non-numeric number cells: 400,000 issues."""

    def rows() -> Any:
        yield _header()
        for n in range(100_000):
            yield [("str", f"I{n:06d}"), ("s", "0"), ("s", "1"), ("s", "2"), ("s", "3"), ("s", "3"),
                   ("s", "3"), ("s", "3")]  # fmt: skip

    return _workbook(path, ["KUB Anyaman", "Bali", "Karangasem", "banyak"], rows())


def build_million(path: Path, rows: int) -> Path:
    def body() -> Any:
        yield _header()
        for n in range(rows):
            yield [("str", f"I{n:07d}"), ("str", f"KUB {n}"), ("s", "0"), ("s", "1"), ("str", str(n % 6)),
                   ("str", str(100 + n % 900)), ("str", "10"), ("str", "14")]  # fmt: skip

    return _workbook(path, ["Bali", "Karangasem"], body())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _vm(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def run_one(work: Path, name: str, path: Path, matching: str, *, write: bool = False) -> dict[str, Any]:
    """Upload ``path`` to a fresh server: a dry run, or (``write``) a real import."""
    home = work / f"home-{name}"
    env = {
        **os.environ,
        "MATCHING_HOME": str(home),
        "MATCHING_ENCODER": "hashing",
        "MATCHING_RANKER": "weights",
    }
    subprocess.run([matching, "init"], env=env, capture_output=True, check=True)  # a fresh, empty store
    created = subprocess.run(
        [matching, "keys", "create", "--role", "organiser", "--name", "bench"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    key = created.stdout.strip().splitlines()[-1].strip()
    port = _free_port()
    server = subprocess.Popen(
        [matching, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        rss_before = _vm(server.pid, "VmRSS")
        started = time.perf_counter()
        with path.open("rb") as handle:
            response = httpx.post(
                base + "/api/v1/imports",
                headers={"X-API-Key": key},
                files=[("files", (path.name, handle, "application/octet-stream"))],
                data={"dry_run": "false" if write else "true"},
                timeout=1800,
            )
        seconds = time.perf_counter() - started
        peak = _vm(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(30)
    body = response.content
    message = ""
    if response.status_code >= 400:
        message = response.json().get("error", {}).get("message", "")[:300]
    return {
        "file": path.name,
        "file_bytes": path.stat().st_size,
        "status": response.status_code,
        "response_bytes": len(body),
        "seconds": round(seconds, 2),
        "server_rss_before_mib": round(rss_before / 2**20, 1),
        "server_peak_rss_mib": round(peak / 2**20, 1),
        "message": message,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/xlsx-limits"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--million-rows", type=int, default=1_000_000)
    parser.add_argument("--upload-mib", type=float, default=20.0)
    parser.add_argument("--write", action="store_true", help="import for real instead of a dry run")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    matching = str(Path(sys.executable).with_name("matching"))
    rows = args.million_rows
    million = build_million(args.work / "million.xlsx", rows)
    limit = args.upload_mib * 2**20 - 64 * 1024  # room for the multipart envelope
    while million.stat().st_size > limit:  # scale the rows to the upload limit
        rows = int(rows * limit / million.stat().st_size * 0.99)
        million = build_million(args.work / "million.xlsx", rows)
    files = {
        "bomb": build_bomb(args.work / "bomb.xlsx"),
        "bad-cells": build_bad_cells(args.work / "bad-cells.xlsx"),
        "million": million,
    }
    results = []
    for name, path in files.items():
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(m.file_size for m in archive.infolist())
        result = {
            "case": name,
            "unzipped_bytes": unzipped,
            **run_one(args.work, name, path, matching, write=args.write),
        }
        if name == "million":
            result["rows"] = rows
        print(json.dumps(result), flush=True)
        results.append(result)
    ok = all(r["server_peak_rss_mib"] < 2048 for r in results) and all(
        r["response_bytes"] < 1_000_000 for r in results if r["status"] >= 400
    )
    summary = {"results": results, "acceptance": "pass" if ok else "FAIL"}
    print(json.dumps({"acceptance": summary["acceptance"]}))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
