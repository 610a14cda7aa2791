"""Second, independent red-flag detector: sentence-embedding similarity.

WHY: the rule-based extraction only finds the phrasings its lexicon spells
out. This detector cuts a patient message into clauses (and windows for long
sentences), embeds them with all-MiniLM-L6-v2 (bot/patient/nlp/embedding.py) and
compares them with lay paraphrases of each emergency sign
(knowledge/red_flag_paraphrases.yml). It reports how close each sign comes and
where; it does not judge negation, history or hypotheticals — ConText does.

The paraphrase vectors are computed once and kept in build/ (`build_cache`,
run by `make kb`), keyed by the YAML and the model's hash, so that start-up
only loads the model and a small .npz file.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.core.paths import BUILD_DIR, KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml
from bot.patient.nlp.embedding import SentenceEncoder, encoder

PARAPHRASES_FILE = KNOWLEDGE_DIR / "red_flag_paraphrases.yml"
SOURCES_FILE = KNOWLEDGE_DIR / "sources.yml"
CACHE_FILE = BUILD_DIR / "red_flag_vectors.npz"
WINDOW_WORDS = 24  # longer sentences are read in overlapping windows of this many words
WINDOW_STEP = 12

# sentence ends: . ! ? ; and line breaks, but not the point of "38.5"
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|[!?;\n\u2026]+")
# clause boundaries inside a sentence: commas, dashes, brackets and linking words
_CLAUSE_BREAK = re.compile(
    r"[,:()\u2013\u2014]|\s-\s|\b(?:but|and|n|so|because|cos|coz|though|although|then|plus"
    r"|also|while|whereas|which|after|since)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S+")
_LETTER = re.compile(r"[^\W\d_]")


class ParaphraseError(ValueError):
    """red_flag_paraphrases.yml is invalid; the message says where."""


@dataclass(frozen=True)
class SignMatch:
    """How close the message comes to one red-flag sign, and where (text[start:end])."""

    sign: str
    score: float
    start: int
    end: int


@dataclass(frozen=True)
class Thresholds:
    """name_first: the screen names the sign first; strong: emergency on its own
    (unless ConText says otherwise); contrast_margin: see the YAML header."""

    name_first: float
    strong: float
    contrast_margin: float


@dataclass(frozen=True)
class Paraphrases:
    thresholds: Thresholds
    signs: dict[str, list[str]]  # sign -> paraphrases, in file order
    contrast: list[str]

    def texts(self) -> list[str]:
        """Every sentence to embed: all paraphrases sign by sign, then the contrast list."""
        return [p for items in self.signs.values() for p in items] + self.contrast


def load_paraphrases(path: Path = PARAPHRASES_FILE, sources_path: Path = SOURCES_FILE) -> Paraphrases:
    """Read and check the paraphrase file: thresholds, every sign cited, no empty lists."""
    data = read_yaml(path)
    known = {s["id"] for s in read_yaml(sources_path)["sources"]}
    try:
        t = data["thresholds"]
        thresholds = Thresholds(float(t["name_first"]), float(t["strong"]), float(t["contrast_margin"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ParaphraseError(f"{path}: thresholds need name_first, strong, contrast_margin") from exc
    if not 0 < thresholds.name_first <= thresholds.strong < 1:
        raise ParaphraseError(f"{path}: need 0 < name_first <= strong < 1")
    signs = {}
    for sign, entry in (data.get("signs") or {}).items():
        items = [str(p).strip() for p in entry.get("paraphrases") or []]
        if not items or not all(items):
            raise ParaphraseError(f"{path}: sign {sign!r} needs non-empty paraphrases")
        if not entry.get("source") or not entry.get("cites"):
            raise ParaphraseError(f"{path}: sign {sign!r} needs source and cites")
        unknown = set(entry["cites"]) - known
        if unknown:
            raise ParaphraseError(f"{path}: sign {sign!r} cites unknown sources {sorted(unknown)}")
        signs[sign] = items
    contrast = [str(p).strip() for p in data.get("contrast") or []]
    if not signs or not contrast:
        raise ParaphraseError(f"{path}: needs signs and contrast sentences")
    return Paraphrases(thresholds, signs, contrast)


def segments(text: str) -> list[tuple[int, int]]:
    """Character spans to embed: each sentence, each clause of a sentence with
    several, the whole message when short, and overlapping word windows over a
    sentence too long to read as one unit."""
    spans: list[tuple[int, int]] = []
    if len(_WORD.findall(text)) <= WINDOW_WORDS:
        spans.append((0, len(text)))
    start = 0
    for end in [m.start() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        spans.extend(_sentence_spans(text, start, end))
        start = end + 1
    seen, out = set(), []
    for a, b in spans:
        a, b = _trim(text, a, b)
        if b > a and (a, b) not in seen and _LETTER.search(text, a, b):
            seen.add((a, b))
            out.append((a, b))
    return out


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]
    if not words:
        return []
    if len(words) <= WINDOW_WORDS:
        spans = [(start, end)]
    else:
        spans = [
            (words[i][0], words[min(i + WINDOW_WORDS, len(words)) - 1][1])
            for i in range(0, max(len(words) - WINDOW_WORDS, 0) + WINDOW_STEP, WINDOW_STEP)
        ]
    cuts = [(m.start() + start, m.end() + start) for m in _CLAUSE_BREAK.finditer(text[start:end])]
    if cuts:
        bounds = [start] + [c for cut in cuts for c in cut] + [end]
        spans.extend(zip(bounds[0::2], bounds[1::2]))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in "'\""):
        end -= 1
    return start, end


class RedFlagDetector:
    """Embeds message segments and scores them against the paraphrase vectors."""

    def __init__(self, model: SentenceEncoder, paraphrases: Paraphrases, vectors: np.ndarray) -> None:
        self.model = model
        self.paraphrases = paraphrases
        self.thresholds = paraphrases.thresholds
        self.signs = list(paraphrases.signs)
        sizes = [len(items) for items in paraphrases.signs.values()]
        n_signs = sum(sizes)
        self._sign_vectors = vectors[:n_signs]
        self._contrast_vectors = vectors[n_signs:]
        self._group_starts = np.cumsum([0] + sizes[:-1])

    def similar_signs(self, text: str) -> list[SignMatch]:
        """For each sign, the best cosine similarity of any segment of `text` and
        that segment's span; best first. A segment nearer to a contrast sentence
        than to the sign by more than contrast_margin does not count for it; a
        sign no segment counts for is left out."""
        spans = segments(text)
        if not spans:
            return []
        units = self.model.embed([text[a:b] for a, b in spans])
        per_paraphrase = units @ self._sign_vectors.T  # (segments, paraphrases)
        per_sign = np.maximum.reduceat(per_paraphrase, self._group_starts, axis=1)
        contrast = (units @ self._contrast_vectors.T).max(axis=1, keepdims=True)
        per_sign = np.where(contrast - per_sign > self.thresholds.contrast_margin, 0.0, per_sign)
        best = per_sign.argmax(axis=0)
        matches = [
            SignMatch(sign, round(float(per_sign[best[j], j]), 4), *spans[best[j]])
            for j, sign in enumerate(self.signs)
            if per_sign[best[j], j] > 0
        ]
        return sorted(matches, key=lambda m: -m.score)

    def signs_at(self, text: str, threshold: float) -> list[SignMatch]:
        """The matches at or above `threshold`, best first."""
        return [m for m in self.similar_signs(text) if m.score >= threshold]


def cache_key(paraphrases_path: Path, model_sha256: str) -> str:
    """Hash of the paraphrase file and the model weights: the cache's validity."""
    digest = hashlib.sha256(paraphrases_path.read_bytes())
    digest.update(model_sha256.encode())
    return digest.hexdigest()


def build_cache(
    path: Path = PARAPHRASES_FILE, cache: Path = CACHE_FILE, model: SentenceEncoder | None = None
) -> Path:
    """Embed every paraphrase and contrast sentence and save them to `cache`
    (skipped when the cache already matches the file and the model)."""
    model = model or encoder()
    key = cache_key(path, model.sha256)
    if _cached_vectors(cache, key) is None:
        vectors = model.embed(load_paraphrases(path).texts())
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(cache.name + ".partial.npz")
        np.savez(partial, key=np.array(key), vectors=vectors)
        partial.replace(cache)
    return cache


def _cached_vectors(cache: Path, key: str) -> np.ndarray | None:
    if not cache.is_file():
        return None
    with np.load(cache) as data:
        if str(data["key"]) != key:
            return None
        return data["vectors"]


def load_detector(
    path: Path = PARAPHRASES_FILE, cache: Path = CACHE_FILE, model: SentenceEncoder | None = None
) -> RedFlagDetector:
    """The detector over `path`, reading vectors from `cache` (rebuilt if stale)."""
    model = model or encoder()
    paraphrases = load_paraphrases(path)
    key = cache_key(path, model.sha256)
    vectors = _cached_vectors(cache, key)
    if vectors is None:
        build_cache(path, cache, model)
        vectors = _cached_vectors(cache, key)
    if vectors is None or len(vectors) != len(paraphrases.texts()):
        raise ParaphraseError(f"{cache}: vectors do not match {path}")
    return RedFlagDetector(model, paraphrases, vectors)


@lru_cache(maxsize=1)
def detector() -> RedFlagDetector:
    """The process-wide detector over knowledge/red_flag_paraphrases.yml."""
    return load_detector()


def similar_signs(text: str) -> list[SignMatch]:
    """Every red-flag sign with its best similarity in `text` and where, best first."""
    return detector().similar_signs(text)


if __name__ == "__main__":
    print(f"red-flag paraphrase vectors → {build_cache()}")
    sys.exit(0)
