"""Staff answers as the table-driven tests read them: a conversation's last reply, and the check
that a reply gives an entry with the facts a correct answer holds, and the grade a reaction told
in staff words is read as."""

from __future__ import annotations

from bot.kb import KnowledgeBase
from bot.staff import reaction
from bot.staff.answers import Reply, answer_question
from bot.staff.shorthand import expand


def conversation(kb: KnowledgeBase, turns: list[tuple[str, str]]) -> Reply:
    """Each (intent, text) in turn, each with the previous reply's context; the last reply."""
    previous = None
    reply = Reply("unknown")
    for intent, text in turns:
        reply = answer_question(kb, intent, [], text, 0.5 if intent == "nlu_fallback" else 0.9, previous)
        previous = reply.context or previous
    return reply


def single(kb: KnowledgeBase, intent: str, text: str) -> Reply:
    """One question's reply, as read with the classifier's usual confidence for that intent."""
    return answer_question(kb, intent, [], text, 0.5 if intent == "nlu_fallback" else 0.8)


def assert_holds(reply: Reply, entry: str, facts: list[str]) -> None:
    """The reply gives the entry, and its text every fact."""
    assert entry in reply.entry_ids, reply
    assert all(f in reply.text for f in facts), reply.text


def assert_graded(text: str, outcome: str) -> None:
    """The reaction told in the message (shorthand expanded) is read with that outcome."""
    assessment = reaction.assess(expand(text))
    assert assessment is not None and assessment.outcome == outcome, assessment
