"""Turn a user's reply to a quiz question into an option index, SKIP, or None (not understood).

Accepted: a letter ('b', 'B)', '(b)', 'option b', or a copied button title
'B) 1,000 mg IV'), a number ('2', '2.'), or the option's words, exactly or
clearly (one option contains them, or they closely resemble one option).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Final, Sequence

SKIP: Final = "skip"
LETTERS = "abcde"  # option letters; a question has 3 to 5 options
_LEAD = (
    r"(?:(?:i think|i'd say|i'll go with|i go with|it's|it is|my answer is|the answer is|"
    r"answer|option|choice|letter|number|no\.?)\s*:?\s*)?"
)
_LETTER = re.compile(_LEAD + r"[(\[]?([a-e])(?:\s*$|[)\].:,]\s*(.*))$")
_NUMBER = re.compile(_LEAD + r"#?([1-5])[.)]?\s*$")
_SKIP = re.compile(
    r"^(?:(?:can i|could i|let's|lets|let me|i'll|i will|honestly|um+|erm+|hmm+)"
    r",?\s+)*(?:skip\w*|pass|next|dunno|idk|no (?:idea|clue)|not sure|"
    r"i (?:do not|don't|dont) know|(?:do not|don't|dont) know)\b"
)
_NON_WORD = re.compile(r"[^\w%./≥≤+-]+")
FUZZY_MIN, FUZZY_MARGIN = 0.8, 0.1


def _normal(text: str) -> str:
    """Lower-case words without punctuation or thousands commas: '1,000 mg IV' → '1000 mg iv'."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())
    return " ".join(_NON_WORD.sub(" ", text).split()).strip(" .")


def _by_words(text: str, options: Sequence[str]) -> int | None:
    """The one option the (normalised) words name: exactly, by containment, or closely."""
    normal = [_normal(o) for o in options]
    if text in normal:
        return normal.index(text)
    if len(text) >= 3:
        containing = [i for i, o in enumerate(normal) if f" {text} " in f" {o} "]
        if len(containing) == 1:
            return containing[0]
        contained = [i for i, o in enumerate(normal) if f" {o} " in f" {text} "]
        if len(contained) == 1:
            return contained[0]
    ratios = sorted(((SequenceMatcher(None, text, o).ratio(), i) for i, o in enumerate(normal)), reverse=True)
    best, runner_up = ratios[0], ratios[1] if len(ratios) > 1 else (0.0, -1)
    if best[0] >= FUZZY_MIN and best[0] - runner_up[0] >= FUZZY_MARGIN:
        return best[1]
    return None


def reads_as_choice(text: str) -> bool:
    """The reply picks an option by its letter or number, or skips ("b", "the answer is c",
    "2.", "pass"), whatever the question: with no question open it can only be a quiz reply,
    while a sentence the classifier read as an answer may be a question."""
    raw = " ".join(text.lower().split())
    return bool(raw) and bool(_SKIP.match(raw) or _LETTER.match(raw) or _NUMBER.match(raw))


def parse_answer(text: str, options: Sequence[str]) -> int | str | None:
    """The chosen option's index, SKIP, or None when the reply does not pick one option."""
    raw = " ".join(text.lower().split())
    if not raw:
        return None
    if _SKIP.match(raw):
        return SKIP
    letter = _LETTER.match(raw)
    if letter:
        index = LETTERS.index(letter.group(1))
        rest = _normal(letter.group(2) or "")
        if index < len(options) and (not rest or _by_words(rest, options) in (index, None)):
            return index
        return None
    number = _NUMBER.match(raw)
    if number:
        index = int(number.group(1)) - 1
        return index if index < len(options) else None
    words = _normal(raw)
    return _by_words(words, options) if words else None
