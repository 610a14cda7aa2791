"""The process-wide knowledge base, opened on first use."""
from __future__ import annotations

from functools import lru_cache

from bot.kb.queries import KnowledgeBase
from bot.core.paths import KB_PATH


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """Open the built knowledge database (build/knowledge.db unless IAR_KB_PATH is set)."""
    return KnowledgeBase(KB_PATH)
