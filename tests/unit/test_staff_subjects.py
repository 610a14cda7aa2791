"""Issue 11, delayed events and the subjects staff name: causes found with the staff failures
of main (development material), each tested in other words than the sets' and with the
neighbouring question type a classifier may read (facts from the seed and
../shared/clinical-reference.md)."""

from __future__ import annotations

import re

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask, subjects
from bot.staff.answers import answer_question

# --- the subject named decides the entry, whatever question type the classifier read


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        ("ask_serious_iars", "how soon after the drip do strokes tend to happen?", "delayed-stroke-timing"),
        ("nlu_fallback", "what did the FDA drug safety communication say", "delayed-stroke-timing"),
        ("ask_common_symptoms", "anti GBM: how often, and what do pts notice", "delayed-kidney"),
        ("ask_manage_reaction", "jaundice two months after course 1, what is it", "delayed-liver"),
        ("ask_incidence", "how often do platelets drop after lemtrada", "delayed-itp"),
        ("ask_incidence", "thyroid problems - how common are they", "delayed-thyroid"),
        ("ask_incidence", "how often is meningitis seen after lemtrada", "delayed-listeria"),
        ("ask_what_is_iar", "what is HLH and what do we look for", "delayed-hlh"),
        (
            "ask_post_infusion_observation",
            "how long do the blood tests go on after the course",
            "delayed-monitoring-tests",
        ),
        ("ask_premedication", "how long are they kept on aciclovir for", "delayed-herpes-prophylaxis"),
        ("nlu_fallback", "what does lemtrada actually target on the cells", "faq-q5-mechanism"),
        (
            "ask_premedication",
            "any non-drug steps to cut reactions before the infusion",
            "problem1-patient-preparation",
        ),
        ("ask_post_infusion_observation", "do reactions ever come on beyond 24 hours", "delayed-overview"),
        ("ask_manage_reaction", "what temp should make a pt call the site", "delayed-same-day-contact"),
        (
            "ask_infusion_administration",
            "we have no ICU on site - can we give it",
            "delayed-administration-setting",
        ),
        ("nlu_fallback", "what does the US label give for any IAR", "incidence-overview"),
    ],
)
def test_the_subject_named_decides_the_entry(kb: KnowledgeBase, intent: str, text: str, entry: str) -> None:
    reply = answer_question(kb, intent, [], text, 0.9)
    assert reply.entry_ids[:1] == (entry,), reply


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        # the subject's entry is already the answer: kept as it is
        (
            "ask_delayed_reactions",
            "what should patients watch for at home after the infusion",
            "delayed-overview",
        ),
        # a target of another kind is not the drug's
        ("nlu_fallback", "what is the sats target in anaphylaxis", "manage-anaphylaxis"),
        # the label named as the source of another subject's fact
        ("nlu_fallback", "what does the us label say about ITP", "delayed-itp"),
    ],
)
def test_a_subject_does_not_take_what_it_does_not_name(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    reply = answer_question(kb, intent, [], text, 0.9)
    assert entry in reply.entry_ids and "faq-q5-mechanism" not in reply.entry_ids[:1], reply


def test_every_subject_names_entries_that_exist(kb: KnowledgeBase) -> None:
    table = subjects.subjects()
    assert table and all(s.entries and set(s.entries) <= set(kb.entries) for s in table)


def test_a_patient_is_not_answered_by_subject(kb: KnowledgeBase) -> None:
    """The subject table serves staff; the patient side decides what patients see."""
    reply = answer_question(kb, "ask_common_symptoms", [], "stroke risk time window", 0.9, staff=False)
    assert "delayed-stroke-timing" not in reply.entry_ids


# --- a question asking whether what it tells is expected is about its subject, not a reaction


@pytest.mark.parametrize(
    "intent, symptoms, text, entry",
    [
        ("ask_premedication", [], "pt can't sleep after her steroids - normal?", "delayed-expected-symptoms"),
        (
            "ask_manage_reaction",
            ["fever"],
            "fever cut-off for pts to call the site",
            "delayed-same-day-contact",
        ),
    ],
)
def test_an_expected_sign_question_is_not_graded(
    kb: KnowledgeBase, intent: str, symptoms: list[str], text: str, entry: str
) -> None:
    entities = [{"entity": "symptom", "value": s} for s in symptoms]
    reply = answer_question(kb, intent, entities, text, 0.6)
    assert reply.kind == "answer" and reply.entry_ids[:1] == (entry,), reply


# --- quoted figures pick the passage that holds them all, side by side with their sources


@pytest.mark.parametrize(
    "text, figures",
    [
        ("68.8 or 68.6 for the second course - which one do we quote?", ["68.6 %", "68.8 %"]),
        ("the label says 92 but the table says 90.1 - which is right", ["92 %", "90.1 %"]),
    ],
)
def test_quoted_figures_get_the_passage_holding_them(
    kb: KnowledgeBase, text: str, figures: list[str]
) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], text, 0.6)
    assert all(f in reply.text for f in figures), reply


def test_a_course_number_is_no_quoted_figure() -> None:
    answers = {"a": "68.6 % in course 2", "b": "2 % and 68.6 %"}
    assert subjects.quoted_figure_entries("is 68.6 right for course 2?", answers) == ["a", "b"]
    assert subjects.quoted_figure_entries("course 2 figure?", answers) == []


# --- facts the entries lacked (seed and reference), where a question reaches them


@pytest.mark.parametrize(
    "intent, text, words",
    [
        ("nlu_fallback", "fda safety communication - what was it about", ["stroke", "dissection", "2018"]),
        ("ask_delayed_reactions", "what do pts watch for once home", ["stroke", "chest", "breathing"]),
        ("ask_restart_rate", "reaction settled, back on at full speed?", ["reduced rate", "full rate"]),
        ("ask_restart_rate", "at half rate does the bag take longer", ["extended"]),
        ("ask_restart_rate", "once restarted at half speed can we turn it back up", ["does not specify"]),
        (
            "ask_post_infusion_observation",
            "ok to send her home as soon as the drip ends?",
            ["not discharge", "2 hours"],
        ),
        ("ask_serious_iars", "anti-GBM frequency and signs", ["0.3 %", "urine"]),
        ("ask_incidence", "which target does alemtuzumab bind", ["cd52"]),
        ("ask_infusion_administration", "labs long term after the course?", ["48 months"]),
        (
            "ask_infusion_administration",
            "what to have on hand in the chair area before we start",
            ["epinephrine", "intensive care"],
        ),
    ],
)
def test_the_fact_is_in_the_answer(kb: KnowledgeBase, intent: str, text: str, words: list[str]) -> None:
    reply = answer_question(kb, intent, [], text, 0.9)
    lowered = reply.text.lower()
    assert all(w.lower() in lowered for w in words), reply


# --- cue words: a restart question with greeting words, the rule of thumb


@pytest.mark.parametrize(
    "intent, text, question",
    [
        ("greet", "grade 3 this morning - can we resume this afternoon?", True),
        ("greet", "good morning", False),
        ("greet", "morning all, hope you're well", False),
    ],
)
def test_a_restart_question_is_no_greeting(intent: str, text: str, question: bool) -> None:
    assert ask.small_talk_without_cue(intent, text) is question


@pytest.mark.parametrize(
    "text, named",
    [("any rule of thumb for when to rechallenge?", True), ("rechallenge after a grade 2?", False)],
)
def test_the_rule_of_thumb_names_the_trial_rule(text: str, named: bool) -> None:
    assert ask.names_trial_rule(text) is named


def test_subject_words_are_whole_words() -> None:
    table = [subjects.Subject("x", re.compile(r"(?<![\w'-])(?:itp)(?![\w-])"), ("e",))]
    assert subjects.named_entries("ITP risk %?", table) == ["e"]
    assert subjects.named_entries("itps are listed", table) == []
