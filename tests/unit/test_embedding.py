"""The numpy all-MiniLM-L6-v2 (bot/patient/nlp/embedding.py) against the reference.

tests/fixtures/minilm_reference.json holds token ids and embeddings computed with
HF transformers + torch (scripts/minilm_reference.py), for sentences chosen to
exercise the tokenizer: contractions, accents, CJK, emoji, control characters,
an over-long word, the empty string and a text past the 256-token limit.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.patient.nlp.embedding import MAX_TOKENS, ModelError, encoder, load_encoder, model_zip_path

pytestmark = pytest.mark.slow  # loads the sentence-embedding model (make test-fast skips it)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "minilm_reference.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:30] or "empty")
def test_token_ids_match_the_reference_tokenizer(case: dict) -> None:
    assert encoder().tokenizer.encode(case["text"]) == case["ids"]


def test_embeddings_match_the_reference_model() -> None:
    vectors = encoder().embed([c["text"] for c in CASES])
    reference = np.array([c["embedding"] for c in CASES], dtype=np.float32)
    assert vectors.shape == (len(CASES), 384)
    assert np.abs(vectors - reference).max() < 1e-4
    assert (vectors * reference).sum(axis=1).min() > 1 - 1e-4


def test_a_batch_gives_the_same_vectors_as_one_text_at_a_time() -> None:
    """Padding in a batch must not leak into the pooled vector."""
    texts = [c["text"] for c in CASES]
    alone = np.vstack([encoder().embed([t]) for t in texts])
    assert np.abs(encoder().embed(texts) - alone).max() < 1e-5


def test_long_text_is_truncated_to_256_tokens() -> None:
    ids = encoder().tokenizer.encode("chest pain " * 500)
    assert len(ids) == MAX_TOKENS and ids[-1] == encoder().tokenizer.sep_id


def test_weights_with_another_hash_are_refused() -> None:
    with pytest.raises(ModelError, match="sha256"):
        load_encoder(sha256="0" * 64, cache=None)


def test_a_tampered_weights_copy_is_replaced_from_the_zip(tmp_path: Path) -> None:
    """The copy in build/ is only a cache: a wrong copy is re-extracted and verified."""
    cache = tmp_path / "weights.safetensors"
    cache.write_bytes(b"not the weights")
    model = load_encoder(cache=cache)
    with zipfile.ZipFile(model_zip_path()) as archive:
        assert cache.read_bytes() == archive.read("model.safetensors")
    assert np.allclose(model.embed([CASES[0]["text"]])[0], CASES[0]["embedding"], atol=1e-4)
