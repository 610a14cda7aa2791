"""The sentence-embedding red-flag detector (bot/patient/nlp/red_flag_similarity.py).

Gates on tests/fixtures/red_flag_dev.yml (the thresholds were chosen on it) and
tests/fixtures/red_flag_check.yml (held out, never tuned on), a few points below
the figures measured when the thresholds were set (README.md):

                      recall at name_first / strong   false positives at name_first / strong
  dev   (103 + 60)      96/103 0.932 / 61/103 0.592      3/60 0.050 / 1/60 0.017
  check (31 + 20)       31/31  1.000 / 18/31  0.581      5/20 0.250 / 0/20 0.000

"Recall" counts a red-flag message as caught when one of its expected signs
scores at or above the threshold; a false positive is a message without a red
flag where any sign does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.patient.nlp.embedding import encoder
from bot.patient.nlp.red_flag_similarity import (
    PARAPHRASES_FILE,
    ParaphraseError,
    RedFlagDetector,
    build_cache,
    detector,
    load_detector,
    load_paraphrases,
    segments,
    similar_signs,
)
from bot.patient.symptoms import load_lexicon

pytestmark = pytest.mark.slow  # loads the sentence-embedding model (make test-fast skips it)

FIXTURES = Path(__file__).parents[1] / "fixtures"
NEW_SIGNS = {"palpitations_with_red_flag"}

# (set, threshold name, minimum recall, maximum false-positive rate)
GATES = [
    ("red_flag_dev.yml", "name_first", 0.90, 0.08),
    ("red_flag_dev.yml", "strong", 0.55, 0.04),
    ("red_flag_check.yml", "name_first", 0.93, 0.30),
    ("red_flag_check.yml", "strong", 0.50, 0.05),
]


def _cases(name: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def scored() -> dict[str, list[tuple[dict, dict[str, float]]]]:
    """Every fixture message with its sign scores, computed once."""
    return {
        name: [(c, {m.sign: m.score for m in similar_signs(c["text"])}) for c in _cases(name)]
        for name in ("red_flag_dev.yml", "red_flag_check.yml")
    }


@pytest.mark.parametrize("name,level,min_recall,max_fpr", GATES)
def test_recall_and_false_positives_stay_above_the_measured_figures(
    scored: dict, name: str, level: str, min_recall: float, max_fpr: float
) -> None:
    threshold = getattr(detector().thresholds, level)
    positives = [(c, s) for c, s in scored[name] if c["signs"]]
    negatives = [(c, s) for c, s in scored[name] if not c["signs"]]
    missed = [c["text"] for c, s in positives if max(s.get(sign, 0.0) for sign in c["signs"]) < threshold]
    flagged = [c["text"] for c, s in negatives if max(s.values(), default=0.0) >= threshold]
    assert 1 - len(missed) / len(positives) >= min_recall, missed
    assert len(flagged) / len(negatives) <= max_fpr, flagged


def test_fixture_signs_are_the_detector_signs() -> None:
    signs = set(detector().signs)
    for name in ("red_flag_dev.yml", "red_flag_check.yml"):
        for case in _cases(name):
            assert set(case["signs"]) <= signs, case


def test_sign_keys_are_lexicon_ids_or_the_three_new_signs() -> None:
    lexicon_ids = set(load_lexicon().symptoms)
    assert set(detector().signs) - lexicon_ids == NEW_SIGNS


# (message, sign that must come first, words its span must contain) — the examples
TOP_SIGN_CASES = [
    ("my throat feels like its closing up and my tongue is huge", "throat_lip_swelling", "throat"),
    ("crushing feeling in my chest, going down into my left arm", "chest_pain", "chest"),
    ("there was blood when I coughed this morning", "coughing_blood", "coughed"),
    ("lost the sight in my right eye all of a sudden", "vision_loss", "sight"),
    ("heart is pounding really fast since the drip yesterday", "palpitations_with_red_flag", "heart"),
    (
        "Hi. I had my infusion on Monday and felt tired for a day, then fine. Today I'm "
        "making dinner and I can't lift my right arm at all, it's just hanging there.",
        "limb_weakness_one_side",
        "lift my right arm",
    ),
]


@pytest.mark.parametrize("text,sign,span_words", TOP_SIGN_CASES)
def test_the_sign_comes_first_above_name_first_with_its_span(text: str, sign: str, span_words: str) -> None:
    top = similar_signs(text)[0]
    assert top.sign == sign
    assert top.score >= detector().thresholds.name_first
    assert span_words in text[top.start : top.end]


def test_a_red_flag_at_the_end_of_a_5000_character_message_is_found() -> None:
    filler = "Yesterday was fine, I had a walk and some soup and watched television. "
    text = filler * 70 + "Now I suddenly have the worst headache of my life."
    assert len(text) > 5000
    top = similar_signs(text)[0]
    assert top.sign == "headache_sudden_severe" and top.score >= detector().thresholds.strong
    assert text[top.start : top.end].startswith("Now I suddenly have the worst headache")


@pytest.mark.parametrize("text", ["", "   ", "?!", "12345", "ok"])
def test_messages_without_words_or_red_flags_give_no_strong_sign(text: str) -> None:
    assert all(m.score < detector().thresholds.strong for m in similar_signs(text))


def test_segments_cover_sentences_and_clauses_without_the_decimal_point() -> None:
    text = "Temp 38.5 today. My chest hurts, and my left arm aches"
    pieces = [text[a:b] for a, b in segments(text)]
    assert "Temp 38.5 today" in pieces
    assert "My chest hurts" in pieces and "my left arm aches" in pieces
    assert text in pieces  # a short message is also read whole


def test_long_sentences_are_read_in_overlapping_windows() -> None:
    words = [f"w{i}" for i in range(60)]
    spans = segments(" ".join(words))
    assert (0, len(" ".join(words))) not in spans
    assert all(len(" ".join(words)[a:b].split()) <= 24 for a, b in spans)
    covered = {w for a, b in spans for w in " ".join(words)[a:b].split()}
    assert covered == set(words)


def _copy_knowledge(tmp_path: Path) -> Path:
    shutil.copy(PARAPHRASES_FILE, tmp_path / "red_flag_paraphrases.yml")
    return tmp_path / "red_flag_paraphrases.yml"


def test_the_cache_is_rebuilt_when_the_paraphrases_change(tmp_path: Path) -> None:
    path, cache = _copy_knowledge(tmp_path), tmp_path / "vectors.npz"
    build_cache(path, cache)
    assert "bananas" not in {m.sign for m in load_detector(path, cache).similar_signs("x")}
    text = path.read_text(encoding="utf-8").replace(
        "signs:\n",
        'signs:\n  bananas:\n    source: "test"\n    cites: [us-label]\n'
        '    paraphrases: ["I ate too many bananas"]\n',
        1,
    )
    path.write_text(text, encoding="utf-8")
    fresh: RedFlagDetector = load_detector(path, cache)
    assert fresh.similar_signs("I have eaten far too many bananas")[0].sign == "bananas"


def test_a_cache_from_other_paraphrases_is_not_used(tmp_path: Path) -> None:
    path, cache = _copy_knowledge(tmp_path), tmp_path / "vectors.npz"
    build_cache(path, cache)
    before = cache.stat().st_mtime_ns
    build_cache(path, cache)
    assert cache.stat().st_mtime_ns == before  # unchanged inputs: nothing recomputed
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    build_cache(path, cache)
    assert cache.stat().st_mtime_ns != before


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("  name_first: 0.55\n", "", "thresholds"),
        ("  strong: 0.75\n", "  strong: 0.50\n", "name_first <= strong"),
        ("cites: [us-label, rcuk-2021]", "cites: [no-such-source]", "unknown sources"),
        (
            "signs:\n  face_droop:\n",
            "signs:\n  empty_sign:\n    source: x\n    cites: [us-label]\n"
            "    paraphrases: []\n  face_droop:\n",
            "non-empty paraphrases",
        ),
    ],
)
def test_an_invalid_paraphrase_file_is_refused_with_the_reason(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _copy_knowledge(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ParaphraseError, match=message):
        load_paraphrases(path)


def test_every_sign_has_15_to_40_paraphrases_and_a_source() -> None:
    data = yaml.safe_load(PARAPHRASES_FILE.read_text(encoding="utf-8"))
    for sign, entry in data["signs"].items():
        assert 15 <= len(entry["paraphrases"]) <= 40, sign
        assert entry["cites"], sign


def test_the_detector_uses_the_shared_encoder() -> None:
    assert detector().model is encoder()
