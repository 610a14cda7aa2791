"""Issue 11, fifth round: causes found with blind staff sets final 3 and dev 4, each tested
in other words than the sets' (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.quiz.answers import reads_as_choice
from bot.staff.answers import answer_question
from bot.staff.service import StaffService

# --- premedication questions: the words decide when the classifier is unsure


@pytest.mark.parametrize(
    "intent, confidence, text, entry",
    [
        # a course named: that course's premedication (issue 11, staff_dev5)
        (
            "nlu_fallback",
            0.5,
            "steroid premed for the third infusion of year 2?",
            "protocol1-premedication-course2",
        ),
        (
            "ask_course_schedule",
            0.55,
            "are premeds in cycle 2 different to cycle 1",
            "protocol1-premedication-course2",
        ),
        (
            "nlu_fallback",
            0.4,
            "forgot the MP today and the infusion is ready, go ahead?",
            "protocol1-premedication",
        ),
        (
            "nlu_fallback",
            0.5,
            "H1 or H2 blocker premedication, thoughts?",
            "protocol1-optional-premedication",
        ),
        ("out_of_scope", 0.6, "premedicate with paracetamol, yes or no", "protocol1-optional-premedication"),
    ],
)
def test_premedication_words_decide_when_the_classifier_is_unsure(
    kb: KnowledgeBase, intent: str, confidence: float, text: str, entry: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=confidence)
    assert reply.entry_ids[:1] == (entry,), reply


def test_a_confident_schedule_question_naming_the_premedication_stays_one(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_course_schedule", [], "how many days of MP in cycle 2", confidence=0.95)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_course_schedule", reply


# --- a message read as a quiz reply with no quiz question open


@pytest.mark.parametrize(
    "intent, text, entities",
    [
        ("quiz_answer", "c", []),
        ("quiz_answer", "my answer is a", []),
        ("skip_question", "pass", []),
        ("quiz_answer", '/quiz_answer{"choice": "B"}', [{"entity": "choice", "value": "B"}]),
    ],
)
def test_a_quiz_choice_with_no_question_open_is_told_so(
    kb: KnowledgeBase, intent: str, text: str, entities: list[dict[str, str]]
) -> None:
    assert StaffService(kb, reads_as_choice).answer(intent, text, entities, 0.9, None).kind == "no_quiz"


@pytest.mark.parametrize(
    "text", ["work out creatinine clearance for a 90 kg man", "bmi for 70 kg 1.8 m please"]
)
def test_a_sentence_read_as_a_quiz_reply_is_a_question(kb: KnowledgeBase, text: str) -> None:
    reply = StaffService(kb, reads_as_choice).answer("quiz_answer", text, [], 0.8, None)
    assert reply.kind in ("unknown", "outside", "closest"), reply


# --- search: a typo keeps its first letter


def test_a_word_is_not_corrected_into_one_that_begins_otherwise(kb: KnowledgeBase) -> None:
    assert all("treating" not in h.matched for h in kb.search("pt reacting on the drip", limit=6))
    assert any(h.entry.intent == "ask_manage_reaction" for h in kb.search("iar managment", limit=6))


def test_what_to_do_first_when_someone_reacts_is_the_management(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_manage_reaction", [], "step one when somebody begins reacting?", confidence=0.95
    )
    assert kb.entries[reply.entry_ids[0]].intent == "ask_manage_reaction", reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_common_symptoms", "what do we do as soon as IAR symptoms appear"),
        ("ask_what_is_iar", "an IAR begins - what should i do first"),
    ],
)
def test_asking_what_to_do_read_as_a_description_is_the_management(
    kb: KnowledgeBase, intent: str, text: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.95)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_manage_reaction", reply


def test_signs_of_iars_stay_the_signs(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_common_symptoms", [], "signs of IAR to treat", confidence=0.95)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_common_symptoms", reply


# --- a short follow-up naming no subject of its own asks more of the previous answer


@pytest.mark.parametrize(
    "first, intent, follow, fact",
    [
        ("temperature at which a patient should ring the site", "inform", "and in F", "100.4"),
        ("herpes cover from which day", "ask_infusion_administration", "how long for?", "2 months"),
        ("MP dose", "ask_infusion_administration", "how soon before the drip", "immediately before"),
        ("premeds?", "report_symptoms", "day 5 as well?", "not on days"),
        (
            "signs of a stroke to teach at discharge",
            "nlu_fallback",
            "how soon after the drip would that normally happen",
            "1–3 days",
        ),
    ],
)
def test_a_follow_up_naming_no_subject_asks_more_of_the_previous_answer(
    kb: KnowledgeBase, first: str, intent: str, follow: str, fact: str
) -> None:
    previous = answer_question(kb, "nlu_fallback", [], first, confidence=0.5).context
    reply = answer_question(kb, intent, [], follow, confidence=0.7, previous=previous)
    assert fact in reply.text, reply


def test_a_short_question_naming_its_own_subject_is_answered_for_itself(kb: KnowledgeBase) -> None:
    previous = answer_question(kb, "ask_premedication", [], "MP dose", confidence=0.9).context
    reply = answer_question(kb, "ask_mechanism", [], "why do IARs happen", confidence=0.9, previous=previous)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_mechanism", reply


# --- restart (same day) or re-challenge (another day): the words decide


@pytest.mark.parametrize(
    "intent, text, fact",
    [
        ("ask_rechallenge", "severe IAR, ok to resume later that day?", "for that day"),
        ("ask_delayed_reactions", "grade 3 yesterday - do we give d2 today?", "risk"),
    ],
)
def test_restart_or_rechallenge_by_its_words(kb: KnowledgeBase, intent: str, text: str, fact: str) -> None:
    entities = [{"entity": "grade", "value": "severe" if "severe" in text else "grade 3"}]
    reply = answer_question(kb, intent, entities, text, confidence=0.75)
    assert fact in reply.text, reply


@pytest.mark.parametrize(
    "text",
    ["slight nausea, vitals ok, should we slow down?", "a bit flushed only, obs normal, keep it running?"],
)
def test_asking_whether_to_slow_or_go_on_grades_the_reaction(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.5)
    assert reply.kind == "reaction", reply


def test_dark_urine_after_the_infusion_names_kidney_and_liver(kb: KnowledgeBase) -> None:
    entities = [{"entity": "symptom", "value": "dark_urine", "role": "present"}]
    reply = answer_question(kb, "report_symptoms", entities, "pt texted: urine dark as tea, 8 months after")
    assert {"delayed-kidney", "delayed-liver"} <= set(reply.entry_ids), reply


# --- the published trial rule, named in a question, is stated with its origin


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_infusion_administration", "the two-hour rule, is that a lemtrada thing?"),
        ("nlu_fallback", "what's the evidence behind the withdrawal rule"),
        ("ask_grading", "who wrote the half-rate rule"),
    ],
)
def test_the_trial_rule_is_stated_with_its_origin(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.8)
    assert "not from alemtuzumab" in reply.text, reply


def test_the_one_passage_holding_every_word_is_given_not_offered(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "nlu_fallback", [], "most reactions mild or not", confidence=0.5)
    assert reply.kind == "search" and "mild to moderate" in reply.text, reply


def test_grade_1_management_names_the_symptomatic_drugs(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], "how do we handle a grade 1", confidence=0.9)
    assert "antihistamine" in reply.text and "antipyretic" in reply.text, reply


@pytest.mark.parametrize("text", ["can it go as a slow push", "pump wants ml/hr - what do i set"])
def test_words_name_the_administration_question_the_classifier_missed(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.5)
    assert reply.entry_ids[:1] == ("protocol1-infusion",), reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_what_is_iar", "infusion reaction or allergic reaction - what term do we record"),
        ("ask_manage_reaction", "preventive drugs indicated for no more than a day, which grade"),
    ],
)
def test_how_a_reaction_is_classed_is_a_grading_question(kb: KnowledgeBase, intent: str, text: str) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.95)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_grading", reply


def test_long_term_is_no_grading_term(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_what_is_iar", [], "what is an IAR, long-term", confidence=0.95)
    assert kb.entries[reply.entry_ids[0]].intent == "ask_what_is_iar", reply


def test_a_title_is_told_apart_by_its_informative_words(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "nlu_fallback", [], "alemtuzumab and aciclovir - required?", confidence=0.5)
    assert reply.entry_ids[:1] == ("delayed-herpes-prophylaxis",), reply


# --- more cue words for readings the classifier is unsure of


@pytest.mark.parametrize(
    "text, fact",
    [
        ("steroid first or alemtuzumab first on day 2?", "immediately before"),
        ("she'd like to go home straight after the infusion, fine?", "2 hours"),
        ("moderate IAR, what is the protocol", "50 %"),
        ("still grade 3 after two hours of stopping - now?", "withdraw"),
    ],
)
def test_cue_words_decide_an_unsure_reading(kb: KnowledgeBase, text: str, fact: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.5)
    assert fact in reply.text, reply


def test_where_it_may_be_given_is_the_administration(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "nlu_fallback",
        [],
        "community hospital, no ITU on site - is that allowed for lemtrada",
        confidence=0.5,
    )
    assert "intensive care" in reply.text, reply
