"""A staff message not in English: the assistant reads English only, so it says so rather
than offering the topic list, and when the message names a warning sign (the patient side's
per-language lists, bot.patient.nlp.language) it leads with the severe reaction's management
entry: a colleague describing an emergency in French must not get "I don't know"."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.yamlfile import read_yaml
from bot.kb.queries import KnowledgeBase
from bot.patient.nlp.language import ENGLISH, detect_language, load_languages, names_red_flag
from bot.staff.answers import ANAPHYLAXIS_ENTRY, Reply, format_entries
from bot.staff.shorthand import expand

REPLIES_FILE = KNOWLEDGE_DIR / "channel_replies.yml"
# Staff write shorthand and short words several languages share ("pt do we give para as
# premed too" has more Portuguese than English words): a staff message is taken as foreign
# only with this many times as many of its language's words as English ones, and this many.
FOREIGN_OVER_ENGLISH, FOREIGN_MIN_WORDS = 2, 3
WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=None)
def lines(path: Path = REPLIES_FILE) -> tuple[str, str]:
    """(the English-only line, the one put before the severe reaction's management)."""
    data = read_yaml(path)
    return (
        " ".join(data["staff_english_only"].split()),
        " ".join(data["staff_english_only_warning"].split()),
    )


def foreign_reply(kb: KnowledgeBase, text: str) -> Reply | None:
    """The reply to a staff message clearly not in English; None for one in English."""
    expanded = expand(text)
    code = detect_language(expanded)
    if code is None:
        return None
    # one-letter words are shorthand as often ("sats 91 w wheeze, resolved w 1 neb": Polish "w")
    words = load_languages().words
    tokens = [t for t in WORD.findall(expanded.lower()) if len(t) > 1]
    foreign = sum(t in words[code] for t in tokens)
    if foreign < max(FOREIGN_MIN_WORDS, FOREIGN_OVER_ENGLISH * sum(t in words[ENGLISH] for t in tokens)):
        return None
    english_only, warning = lines()
    if not names_red_flag(text, code):
        return Reply("answer", english_only)
    entry = kb.entries[ANAPHYLAXIS_ENTRY]
    return Reply(
        "answer",
        f"{warning}\n{format_entries([entry])}",
        (entry.id,),
        context={"intent": entry.intent, "constraints": {"reaction": "anaphylaxis"}},
    )
