"""A complaint no symptom was read from (knowledge/symptoms.yml `complaints`).

Why: a patient message the bot does not understand is never routine. A message whose
only findings are past, denied or asked about, or that gives only a temperature, was
understood in part; a word such as "hurts", "swollen" or "weird" outside everything
read from it is a complaint the lexicon does not know, so the report is not
"nothing present" (knowledge/triage.yml not-understood-part). Light: no spaCy.
"""

from __future__ import annotations

import re
from typing import Iterable

from bot.patient.symptoms import load_lexicon

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_BEFORE = 3  # a denial this many words before the complaint word denies it ("no pain at all")
_AFTER = 4  # an ending this many words after it ends it ("the pain has gone now")


def unplaced_complaint(text: str, read: Iterable[tuple[int, int]]) -> bool:
    """Whether `text` says something is wrong outside the character spans `read` (the
    symptoms, temperature and dates read from it), neither denied nor said to have ended."""
    complaints = load_lexicon().complaints
    if complaints is None:
        return False
    spans = list(read)
    words = [(m.group(), m.start()) for m in _WORD.finditer(text.lower().replace("\u2019", "'"))]
    for i, (word, start) in enumerate(words):
        if word not in complaints.words or any(s <= start < e for s, e in spans):
            continue
        before = {w for w, _ in words[max(0, i - _BEFORE) : i]}
        after = {w for w, _ in words[i + 1 : i + 1 + _AFTER]}
        if not (before & complaints.denials or after & complaints.endings):
            return True
    return False
