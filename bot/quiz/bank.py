"""Load and validate the quiz bank (knowledge/quiz.yml) against the knowledge base.

Every question cites a knowledge entry, so the quiz and the bot's answers come
from the same reviewed content; a question citing a missing entry stops the load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml
from bot.kb.queries import KnowledgeBase
from bot.quiz.answers import LETTERS

QUIZ_FILE = KNOWLEDGE_DIR / "quiz.yml"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUESTION_KEYS = {"id", "topic", "entry", "question", "options", "answer", "explanation"}
MIN_OPTIONS, MAX_OPTIONS = 3, len(LETTERS)
# Slack buttons show at most 75 characters; "B) " is added in front of the option.
MAX_OPTION_CHARS = 72


class QuizBankError(ValueError):
    """quiz.yml is invalid; the message names the file and every question at fault."""


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; `answer` is the index of the correct option."""

    id: str
    topic: str
    entry: str
    text: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    source: str

    def label(self, index: int) -> str:
        """The option as shown and on its button, e.g. 'B) 1,000 mg IV'."""
        return f"{LETTERS[index].upper()}) {self.options[index]}"


@dataclass(frozen=True)
class QuizBank:
    """The validated questions (in file order) and the quiz settings."""

    questions: dict[str, Question]
    questions_per_quiz: int
    pass_mark: float
    topic_labels: dict[str, str]
    topic_words: dict[str, tuple[str, ...]]

    def resolve_topic(self, text: str) -> str | None:
        """The topic id that words such as 'premeds' or 'delayed reactions' ask for, if any."""
        text = text.lower()
        best: tuple[int, int, str] | None = None
        for topic, words in self.topic_words.items():
            for word in (topic, *words):
                match = re.search(rf"\b{re.escape(word)}", text)
                if match and (best is None or (match.start(), -len(word)) < best[:2]):
                    best = (match.start(), -len(word), topic)
        return best[2] if best else None


def _check_question(raw: Any, index: int, kb: KnowledgeBase, errors: list[str]) -> Question | None:
    if not isinstance(raw, dict):
        errors.append(f"question #{index + 1}: must be a mapping")
        return None
    qid = raw.get("id")
    where = f"question '{qid}'" if isinstance(qid, str) else f"question #{index + 1}"
    problems = []
    if raw.keys() - QUESTION_KEYS:
        problems.append(f"unknown key(s) {', '.join(sorted(raw.keys() - QUESTION_KEYS))}")
    if QUESTION_KEYS - raw.keys():
        problems.append(f"missing {', '.join(sorted(QUESTION_KEYS - raw.keys()))}")
    if "id" in raw and not (isinstance(qid, str) and ID_PATTERN.match(qid)):
        problems.append("id must be lower-case letters, digits and '-'")
    if "topic" in raw and raw["topic"] not in dict(kb.topics):
        problems.append(f"unknown topic '{raw['topic']}'")
    if "entry" in raw and raw["entry"] not in kb.entries:
        problems.append(f"cites missing knowledge entry '{raw['entry']}'")
    for key in ("question", "explanation"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            problems.append(f"{key} must be non-empty text")
    if isinstance(raw.get("explanation"), str) and "\n" in raw["explanation"].strip():
        problems.append("explanation must be one line")
    options = raw.get("options")
    if "options" in raw:
        if not (isinstance(options, list) and MIN_OPTIONS <= len(options) <= MAX_OPTIONS):
            problems.append(f"needs {MIN_OPTIONS}-{MAX_OPTIONS} options")
            options = None
        elif not all(isinstance(o, str) and o.strip() for o in options):
            problems.append("options must be non-empty text")
            options = None
        elif len({o.strip().lower() for o in options}) < len(options):
            problems.append("options must differ")
        elif any(len(o) > MAX_OPTION_CHARS for o in options):
            problems.append(f"options must be at most {MAX_OPTION_CHARS} characters")
    answer = raw.get("answer")
    if "answer" in raw and options is not None:
        if not (isinstance(answer, str) and answer.lower() in set(LETTERS[: len(options)])):
            problems.append(
                f"answer must be one of the letters {', '.join(LETTERS[: len(options)])}, not {answer!r}"
            )
    if problems:
        errors.append(f"{where}: {'; '.join(problems)}")
        return None
    return Question(
        id=str(qid),
        topic=raw["topic"],
        entry=raw["entry"],
        text=raw["question"].strip(),
        options=tuple(o.strip() for o in options or ()),
        answer=LETTERS.index(str(answer).lower()),
        explanation=raw["explanation"].strip(),
        source=kb.entries[raw["entry"]].source_line,
    )


def _check_settings(
    data: dict[str, Any], kb: KnowledgeBase, errors: list[str]
) -> tuple[int, float, dict[str, tuple[str, ...]]]:
    settings = data.get("settings") or {}
    count, mark = settings.get("questions_per_quiz", 10), settings.get("pass_mark", 0.8)
    if not (isinstance(count, int) and count > 0):
        errors.append("settings: questions_per_quiz must be a positive whole number")
    if not (isinstance(mark, (int, float)) and 0 < mark <= 1):
        errors.append("settings: pass_mark must be a fraction between 0 and 1, e.g. 0.8")
    words: dict[str, tuple[str, ...]] = {}
    for topic, values in (data.get("topic_words") or {}).items():
        if topic not in dict(kb.topics):
            errors.append(f"topic_words: unknown topic '{topic}'")
        elif not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            errors.append(f"topic_words: '{topic}' must be a list of words")
        else:
            words[topic] = tuple(v.lower() for v in values)
    return count, float(mark), words


def load_bank(path: Path, kb: KnowledgeBase) -> QuizBank:
    """Read and validate quiz.yml; raise QuizBankError listing every problem at once."""
    try:
        data = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise QuizBankError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuizBankError(f"{path.name}: needs a top-level 'questions:' list")
    errors: list[str] = []
    unknown = data.keys() - {"settings", "topic_words", "questions"}
    if unknown:
        errors.append(f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    count, mark, words = _check_settings(data, kb, errors)
    questions: dict[str, Question] = {}
    for index, raw in enumerate(data["questions"]):
        question = _check_question(raw, index, kb, errors)
        if question and question.id in questions:
            errors.append(f"question '{question.id}': duplicate id")
        elif question:
            questions[question.id] = question
    if not data["questions"]:
        errors.append("no questions")
    if errors:
        raise QuizBankError(f"invalid quiz bank {path.name}:\n  " + "\n  ".join(errors))
    return QuizBank(questions, count, mark, dict(kb.topics), words)
