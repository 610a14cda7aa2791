"""Issue 11, staff protocol answers: causes found with the premedication, delayed, incidence and
administration failures of staff_dev6 (development material), each tested in other words than
the set's, with the question type a classifier read there (facts from the seed and
../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question


@pytest.mark.parametrize(
    "intent, text, first, facts",
    [
        # measures other than the drugs before the infusion: hydration and education
        (
            "nlu_fallback",
            "apart from the medication, anything else to do beforehand so they react less?",
            "problem1-patient-preparation",
            ["hydration", "educate"],
        ),
        # sleeplessness told on the nights after an infusion, asked whether it is the drug's
        (
            "nlu_fallback",
            "he cant sleep the night after each infusion - is it the alemtuzumab?",
            "delayed-expected-symptoms",
            ["trouble sleeping", "steroid"],
        ),
        # the course 1 figure at the higher dose, the dose given in brackets and the course as a round
        (
            "ask_serious_iars",
            "on the higher dose (24), how many actually had a reaction during the first cycle?",
            "incidence-course1-24mg",
            ["96.3"],
        ),
        # which days of a course the steroid is given
        (
            "nlu_fallback",
            "what days of each course does the patient get the IV steroid?",
            "protocol1-premedication",
            ["first 3 days", "each treatment course"],
        ),
        # how late a reaction may begin
        (
            "ask_iar_trend",
            "reactions - how late can they come on?",
            "delayed-overview",
            ["24 hours"],
        ),
        # what patients may manage themselves in the first days at home
        (
            "ask_delayed_reactions",
            "which symptoms are fine for pts to manage at home in the days after?",
            "delayed-expected-symptoms",
            ["headache", "trouble sleeping", "flushing"],
        ),
    ],
)
def test_the_question_gets_the_entry_holding_its_facts(
    kb: KnowledgeBase, intent: str, text: str, first: str, facts: list[str]
) -> None:
    reply = answer_question(kb, intent, [], text, 0.78)
    assert reply.entry_ids[:1] == (first,), reply
    assert all(f in reply.text for f in facts), reply.text
    assert "84.7" not in reply.text or "96.3" not in facts


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # a figure of serious reactions stays the serious one
        ("ask_serious_iars", "how many actually had a serious reaction on the higher dose (24)?", None),
        # which days of a course, without the steroid, is the schedule
        (
            "ask_course_schedule",
            "which days of course 1 is the infusion given?",
            "protocol1-course1-schedule",
        ),
        # the other drugs given besides the steroid are the optional premedication
        (
            "ask_optional_premedication",
            "besides the steroid, which antihistamine do we give?",
            "protocol1-optional-premedication",
        ),
    ],
)
def test_cues_do_not_take_what_they_do_not_name(
    kb: KnowledgeBase, intent: str, text: str, entry: str | None
) -> None:
    reply = answer_question(kb, intent, [], text, 0.78)
    assert reply.entry_ids[:1] != ("incidence-course1-24mg",), reply
    assert entry is None or reply.entry_ids[:1] == (entry,), reply
    assert "problem1-patient-preparation" not in reply.entry_ids


@pytest.mark.parametrize(
    "text, found",
    [
        ("the higher dose (24) in the first round", {"dose": "24", "course": "1"}),
        ("12 mg arm, second cycle", {"dose": "12", "course": "2"}),
        ("dose 2 of the third round", {"course": "3"}),
    ],
)
def test_constraints_read_a_round_and_a_bracketed_dose(text: str, found: dict[str, str]) -> None:
    assert ask.constraints(text) == found
