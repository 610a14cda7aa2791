"""Answer a staff protocol question from the knowledge base, with its source line.

Plain functions, free of Rasa, so the same logic serves every channel and can
be reviewed on its own. All clinical wording comes from the knowledge base.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from bot.entities import normalize_entities
from bot.kb.queries import KbEntry, KnowledgeBase
from bot.scope import other_drug_mentioned


@dataclass(frozen=True)
class Reply:
    """What the bot should say.

    kind: "answer" (selected by intent), "search" (best full-text passage),
    "other_drug" (declined: names another drug) or "unknown" (nothing relevant).
    """

    kind: str
    text: str = ""
    entry_ids: tuple[str, ...] = ()
    drug: str | None = None
    topics: tuple[str, ...] = field(default=())


def format_entries(entries: Iterable[KbEntry]) -> str:
    """Answer texts, each followed by its source line."""
    return "\n\n".join(f"{e.answer}\n{e.source_line}" for e in entries)


def answer_question(
    kb: KnowledgeBase, intent: str | None, entities: Iterable[Mapping[str, Any]], text: str
) -> Reply:
    """Pick the reply for a staff question: intent-selected entry, search hit, or honest unknown."""
    drug = other_drug_mentioned(
        text, kb.vocabulary("this_drug"), kb.vocabulary("other_drugs"),
        kb.vocabulary("other_drug_suffixes"))
    if drug:
        return Reply(kind="other_drug", drug=drug)
    values = normalize_entities(entities, kb.vocabulary("severity_words"))
    entries = kb.answers_for(intent, values) if intent else []
    if entries:
        return Reply("answer", format_entries(entries), tuple(e.id for e in entries))
    hit = next((h for h in kb.search(text, limit=3) if h.relevant), None)
    if hit:
        return Reply("search", format_entries([hit.entry]), (hit.entry.id,))
    return Reply("unknown", topics=tuple(label for _, label in kb.topics))
