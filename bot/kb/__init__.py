"""Knowledge base: cited protocol content loaded from knowledge/*.yml into SQLite."""

from bot.kb.loader import KnowledgeError, build
from bot.kb.queries import KnowledgeBase, SearchHit

__all__ = ["KnowledgeError", "build", "KnowledgeBase", "SearchHit"]
