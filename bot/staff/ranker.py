"""A learned ranker of knowledge-base entries for staff questions the rules cannot place.

WHY: the cue rules, the intent and the word search (bot.staff.answers) miss questions worded
unlike any entry ("pt asks if the reaction lasts after the drip comes out"). A classifier
trained on how staff actually word their questions (data/staff_questions.yml, labelled by
bench/staff_question_labels.py) plus each entry's own title and answer names the entry a
question is most likely about, and how sure it is. bot.staff.answers uses it only where the
rules would say "I don't know" or offer titles, and only when it is sure enough.

Training takes seconds, so it runs at build time (`make kb`, `python -m bot.staff.ranker`),
keyed by its inputs, and writes build/staff_ranker.joblib; the action server loads that file
on first use (LazyRanker). A missing file is an error naming the command that builds it.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from bot.core.paths import BUILD_DIR, KB_PATH, ROOT
from bot.core.yamlfile import read_yaml
from bot.kb.queries import KbEntry, KnowledgeBase
from bot.staff.shorthand import SHORTHAND_FILE, expand

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

LABELS_FILE = ROOT / "data" / "staff_questions.yml"
ARTIFACT_FILE = BUILD_DIR / "staff_ranker.joblib"
# Changes with the model's features or learner: a new version retrains even on unchanged data.
MODEL_VERSION = "tfidf-word12-charwb34-df2-sgdlog-1e-5-noentry"
# The class of questions no entry answers ("can you do my timesheet"): not an entry id.
NO_ENTRY = "(no entry)"


class RankerMissing(RuntimeError):
    """The ranker's build artifact is absent: `make kb` builds it."""


@dataclass(frozen=True)
class Ranked:
    """The entry a question is most likely about (or NO_ENTRY: none), and its probability."""

    entry_id: str
    probability: float


class Ranks(Protocol):
    """What bot.staff.answers needs of a ranker: the top entry for an expanded question."""

    def top(self, text: str) -> Ranked: ...


def _pipeline() -> Pipeline:
    """Word 1-2 grams (the terms) and 3-4 character grams within words (misspellings, word
    forms), each seen at least twice; a logistic loss fitted by stochastic gradient descent,
    lightly regularised: 1.5 s to train, where a multinomial LogisticRegression took 37-72 s
    and fixed fewer held-out failures (README). scikit-learn is imported here, not with the
    module: answering staff questions imports this module, and most never need a ranker."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline, make_union

    return make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, min_df=2),
        ),
        SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, random_state=0),
    )


class EntryRanker:
    """A trained classifier from an expanded question to an entry id."""

    def __init__(self, model: Pipeline) -> None:
        self.model = model
        self._classes = [str(c) for c in model.classes_]

    @classmethod
    def train(
        cls, questions: Iterable[tuple[str, str]], entries: Iterable[KbEntry], no_entry: Iterable[str] = ()
    ) -> EntryRanker:
        """Learn from (question, entry id) pairs, from each entry's own title and answer (so
        that an entry no question names yet can still be ranked) and from questions no entry
        answers (class NO_ENTRY, so that an off-topic question is not given the entry it
        happens to resemble); texts are expanded (bot.staff.shorthand) as answers reads them."""
        pairs = [(expand(q), e) for q, e in questions]
        pairs += [(expand(f"{e.title}. {e.answer}"), e.id) for e in entries]
        pairs += [(expand(q), NO_ENTRY) for q in no_entry]
        model = _pipeline().fit([t for t, _ in pairs], [e for _, e in pairs])
        return cls(model)

    def top(self, text: str) -> Ranked:
        """The most probable entry for an already expanded question."""
        probabilities = self.model.predict_proba([text])[0]
        best = int(np.argmax(probabilities))
        return Ranked(self._classes[best], float(probabilities[best]))


class LazyRanker:
    """The built ranker, loaded on first use (most staff questions never need it). Its absence
    is told when the service is built, not on the first question that needs it."""

    def __init__(self, path: Path = ARTIFACT_FILE) -> None:
        if not path.exists():
            raise RankerMissing(f"staff ranker {path} not found: build it with 'make kb'")
        self._path = path
        self._ranker: EntryRanker | None = None
        self._lock = threading.Lock()

    def top(self, text: str) -> Ranked:
        with self._lock:
            if self._ranker is None:
                self._ranker = load(self._path)
        return self._ranker.top(text)


def load_questions(path: Path = LABELS_FILE) -> list[tuple[str, str]]:
    """The labelled staff questions as (question, entry id)."""
    return [(str(q["question"]), str(q["entry"])) for q in read_yaml(path)["questions"]]


def load_no_entry(path: Path = LABELS_FILE) -> list[str]:
    """The staff questions no entry answers."""
    return [str(q["question"]) for q in read_yaml(path).get("no_entry") or []]


def cache_key(labels: Path, entries: Sequence[KbEntry]) -> str:
    """Hash of everything the model is trained from: the labels, the entries' titles and
    answers, the shorthand list and the model's version."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    digest.update(labels.read_bytes())
    digest.update(SHORTHAND_FILE.read_bytes())
    for e in sorted(entries, key=lambda e: e.id):
        digest.update(f"\0{e.id}\0{e.title}\0{e.answer}".encode())
    return digest.hexdigest()


def load(path: Path = ARTIFACT_FILE) -> EntryRanker:
    """The ranker `build` wrote."""
    if not path.exists():
        raise RankerMissing(f"staff ranker {path} not found: build it with 'make kb'")
    return EntryRanker(_read(path)["model"])


def _read(path: Path) -> dict[str, Any]:
    import joblib

    stored: dict[str, Any] = joblib.load(path)
    return stored


def build(kb: KnowledgeBase, labels: Path = LABELS_FILE, artifact: Path = ARTIFACT_FILE) -> bool:
    """Train and save the ranker unless the artifact already matches its inputs; True if trained."""
    entries = list(kb.entries.values())
    key = cache_key(labels, entries)
    if artifact.exists() and _read(artifact).get("key") == key:
        return False
    import joblib

    ranker = EntryRanker.train(load_questions(labels), entries, load_no_entry(labels))
    artifact.parent.mkdir(parents=True, exist_ok=True)
    partial = artifact.with_name(artifact.name + ".partial")
    joblib.dump({"key": key, "model": ranker.model}, partial)
    partial.replace(artifact)
    return True


if __name__ == "__main__":
    trained = build(KnowledgeBase(KB_PATH))
    print(f"staff ranker {'trained' if trained else 'unchanged'}: {ARTIFACT_FILE}", file=sys.stderr)
