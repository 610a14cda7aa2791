"""Issue 11, staff protocol answers: causes found with the follow-up, administration,
premedication, incidence, delayed, quiz and out-of-scope failures of staff_dev8 and
staff_final5 (development material), each tested in other words than the sets', with a question
type a classifier may read there (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question


@pytest.mark.parametrize(
    "intent, text, entities, first, facts",
    [
        # whether the premedication prevents reactions: what it does and how many still react
        (
            "ask_premedication",
            "if we give the methylpred will pts still get IARs?",
            [],
            "protocol1-premedication",
            ["reduces the incidence", "90 %"],
        ),
        # how long the infusion may run, in words the classifier is unsure of
        (
            "nlu_fallback",
            "is it ok to run it longer than 4 hours when she's slow to tolerate it",
            [],
            "protocol1-infusion",
            ["may be extended"],
        ),
        # where it may be given: a ward with or without intensive care
        (
            "ask_manage_reaction",
            "can we give it on the ward or only with icu access?",
            [],
            "delayed-administration-setting",
            ["intensive care"],
        ),
        # the antiviral in shorthand, with its stopping count
        (
            "report_symptoms",
            "CD4 threshold to stop the ppx?",
            [{"entity": "symptom", "value": "shingles_cold_sores"}],
            "delayed-herpes-prophylaxis",
            ["200"],
        ),
        # the antiviral asked for the second course
        (
            "nlu_fallback",
            "does the second course also need antiviral cover",
            [],
            "delayed-herpes-prophylaxis",
            ["each course"],
        ),
        # what to watch for continuously: the common signs named
        (
            "ask_vital_signs",
            "during the drip what signs do i keep watching for continuously?",
            [],
            "protocol1-vital-signs",
            ["headache", "rash", "flushing"],
        ),
        # the monthly tests named as monitoring
        (
            "ask_vital_signs",
            "how long does monthly monitoring go on for?",
            [],
            "delayed-monitoring-tests",
            ["48 months", "last infusion"],
        ),
        # how late a reaction may start, for the discharge talk
        (
            "nlu_fallback",
            "after the end of the infusion, can reactions still kick off?",
            [],
            "delayed-overview",
            ["24 hours or longer"],
        ),
        # the steroid on a day of the course named in shorthand
        ("nlu_fallback", "steroid day 5?", [], "protocol1-premedication", ["first 3 days"]),
        # the steroid's total over a course, for pharmacy
        (
            "ask_premedication",
            "how much methylpred in total for course 2?",
            [{"entity": "course", "value": "course 2"}],
            "protocol1-premedication-course2",
            ["3,000 mg"],
        ),
        # the fever to call the site for, as a threshold for patients
        (
            "report_symptoms",
            "what temp threshold do we give patients to call us about fever?",
            [{"entity": "symptom", "value": "fever"}],
            "delayed-same-day-contact",
            ["100.4"],
        ),
        # the higher dose's figure asked as patients who reacted
        (
            "nlu_fallback",
            "at 24 mg how many reacted at least once over the trials?",
            [{"entity": "dose", "value": "24 mg"}],
            "incidence-24mg",
            ["96.9"],
        ),
        # why the steroid is needed, as a patient asks it
        (
            "out_of_scope",
            "my pt wants to know why he needs the big steroid dose first, how do i explain",
            [],
            "problem1-cause",
            ["cytokine"],
        ),
        # the serious reactions' figure for one dose, in words the classifier is unsure of
        (
            "nlu_fallback",
            "do we have a serious reaction rate for the 24mg group?",
            [{"entity": "dose", "value": "24mg"}],
            "incidence-serious-24mg",
            ["not specified"],
        ),
        # a patient wanting to leave before the observation time is up
        (
            "report_symptoms",
            "she wants to go home early, says she feels great",
            [],
            "problem3-post-infusion-observation",
            ["at least 2 hours"],
        ),
        # a sign a day and more after the bag: whether it still is an IAR
        (
            "nlu_fallback",
            "hives 28 hours after the bag came down, is that still an IAR?",
            [{"entity": "symptom", "value": "rash"}],
            "delayed-overview",
            ["24 hours or longer"],
        ),
        # signs told with whether to ring the site: the patient is at home, the event they point to
        (
            "report_symptoms",
            "heart racing on its own, nothing else - should he phone the site?",
            [{"entity": "symptom", "value": "palpitations"}],
            "delayed-heart-rhythm",
            ["same day", "chest pain"],
        ),
    ],
)
def test_the_question_gets_the_entry_holding_its_facts(
    kb: KnowledgeBase,
    intent: str,
    text: str,
    entities: list[dict[str, Any]],
    first: str,
    facts: list[str],
) -> None:
    reply = answer_question(kb, intent, entities, text, 0.5)
    assert reply.entry_ids[:1] == (first,), reply
    assert all(f in reply.text for f in facts), reply.text


def test_a_follow_up_naming_its_own_subject_gets_its_entry(kb: KnowledgeBase) -> None:
    first = answer_question(kb, "ask_incidence", [], "what % get ITP?", 0.6)
    reply = answer_question(kb, "nlu_fallback", [], "and GBM?", 0.5, previous=first.context)
    assert reply.entry_ids[:1] == ("delayed-kidney",), reply


def test_a_count_in_a_name_is_no_course(kb: KnowledgeBase) -> None:
    first = answer_question(kb, "ask_delayed_reactions", [], "aciclovir: how long do we give it?", 0.6)
    reply = answer_question(kb, "nlu_fallback", [], "which CD4 level is enough?", 0.5, previous=first.context)
    assert reply.kind != "not_covered" and "200" in reply.text, reply


def test_another_drug_in_short_is_declined(kb: KnowledgeBase) -> None:
    assert (
        answer_question(kb, "nlu_fallback", [], "vanc level due before the 4th dose?", 0.5).kind
        == "other_drug"
    )


@pytest.mark.parametrize(
    "text, quiz",
    [
        ("can you throw a grading question or two at me", True),
        ("a q or two on premeds before my shift please", True),
        ("two questions about the steroid dose", False),
    ],
)
def test_a_question_or_two_asks_for_a_quiz(text: str, quiz: bool) -> None:
    assert ask.asks_for_quiz(text) is quiz


@pytest.mark.parametrize(
    "text, question",
    [
        ("why does she need the steroid every day - how to explain?", True),
        ("stop the quiz", False),
        ("i want to quit", False),
    ],
)
def test_a_question_read_as_stopping_the_quiz_is_a_question(text: str, question: bool) -> None:
    assert ask.small_talk_without_cue("stop_quiz", text) is question


@pytest.mark.parametrize(
    "text", ["seen 2 yrs post, urine like tea", "a year after, puffy ankles", "1 mo post: bruising"]
)
def test_a_time_after_the_course_in_short_is_after_the_infusion(text: str) -> None:
    assert ask.after_infusion(text)


@pytest.mark.parametrize(
    "first, then, entries",
    [
        # the observation during the infusion asked after the one afterwards
        (
            ("ask_post_infusion_observation", "obs after the bag finishes - how long?"),
            ("nlu_fallback", "and how often during the drip?"),
            ("protocol1-vital-signs",),
        ),
        # how long the infusion may run, read unsurely as what to do
        (
            ("ask_infusion_administration", "how long does the infusion run?"),
            ("ask_manage_reaction", "ok to let it run longer if she needs it?"),
            ("protocol1-infusion",),
        ),
        # when the events of the previous answer appear: that answer again
        (
            ("nlu_fallback", "liver problems %?"),
            ("nlu_fallback", "when do they tend to appear"),
            ("delayed-liver",),
        ),
        # a detail of the patient asked to change the dose: the dose again
        (
            ("ask_premedication", "steroid dose?"),
            ("nlu_fallback", "she's only 40 kg, is it weight-based?"),
            ("protocol1-premedication",),
        ),
        # a grade compared with the previous one: both definitions
        (
            ("ask_grading", "grade 2 definition?"),
            ("nlu_fallback", "and how does 1 differ from it"),
            ("grading-grade2", "grading-grade1"),
        ),
    ],
)
def test_a_follow_up_gets_what_it_asks_of_the_previous_answer(
    kb: KnowledgeBase, first: tuple[str, str], then: tuple[str, str], entries: tuple[str, ...]
) -> None:
    before = answer_question(kb, first[0], [], first[1], 0.9)
    reply = answer_question(kb, then[0], [], then[1], 0.55, previous=before.context)
    assert reply.entry_ids == entries, reply
