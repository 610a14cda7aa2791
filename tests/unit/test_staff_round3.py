"""Issue 11, third round: causes found with blind staff set final 2, each tested in other
words than the set's (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot.core.paths import ROOT
from bot.core.roles import staff_intent
from bot.kb import KnowledgeBase
from bot.staff import reaction
from bot.staff.answers import answer_question
from bot.staff.shorthand import expand


def head(text: str) -> str:
    return text.split("\n")[0].lower()


def leads_with_emergency(text: str) -> bool:
    first = head(text)
    return "stop the infusion" in first and "emergency" in first and "epinephrine" in first


def symptoms(*ids: str) -> list[dict[str, Any]]:
    return [{"entity": "symptom", "value": i} for i in ids]


# --- anaphylaxis, airway, circulation: always lead with stop + emergency + epinephrine


def test_circulation_collapse_naming_a_rate_still_leads_with_the_emergency(kb: KnowledgeBase) -> None:
    # "heart rate" holds "rate", a word of general questions; the signs are an emergency
    reply = answer_question(
        kb,
        "ask_vital_signs",
        [],
        "heart rate 140, blood pressure unrecordable, hives all over",
        confidence=0.6,
    )
    assert reply.kind == "reaction" and leads_with_emergency(reply.text), reply


@pytest.mark.parametrize(
    "text", ["anaphylaxis: what is the pathway", "anaphylactic reaction, algorithm please"]
)
def test_anaphylaxis_asking_what_to_do_is_its_management_not_its_rate(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "ask_serious_iars", [], text, confidence=0.6)
    assert leads_with_emergency(reply.text), reply


def test_epinephrine_question_is_about_anaphylaxis(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], "what strength of epinephrine for the IM shot")
    assert "1 mg/mL" in reply.text and leads_with_emergency(reply.text)


def test_restarting_after_anaphylaxis_is_the_grade_3_4_rechallenge(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_rechallenge", [], "she had anaphylaxis on day 1 - ok to give the day 2 infusion?"
    )
    assert leads_with_emergency(reply.text)
    assert "manage-rechallenge-grade-3-4" in reply.entry_ids and "risk" in reply.text


# --- wrong grade, course or dose


def test_serious_rate_at_24_mg_does_not_quote_the_12_mg_figure(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_serious_iars", [{"entity": "dose", "value": "24 mg"}], "serious ones on 24mg"
    )
    assert "not specified" in reply.text and "3.0 %" not in reply.text


def test_the_usual_dose_is_12_mg(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_incidence", [], "chance of a reaction in the first course on the usual dose"
    )
    assert "84.7 %" in reply.text and "96.3" not in reply.text


def test_the_grade_regex_does_not_read_iv_fluids_as_grade_4() -> None:
    data = yaml.safe_load((ROOT / "data" / "nlu" / "entities.yml").read_text())
    pattern = next(e["examples"] for e in data["nlu"] if e.get("regex") == "grade").strip()[2:]
    grade = re.compile(pattern, re.IGNORECASE)
    assert not grade.search("settled after running IV fluids")
    assert not grade.search("bruising and bleeding 3 weeks on")
    assert grade.search("a grade IV reaction") and grade.search("gr 3 earlier")


# --- grading a reaction told by its course alone


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("needed a pause and fluids, settled fast - what grade", "2"),
        ("reaction still not settling despite meds, what grade", "3"),
        ("prolonged reaction, slow to respond to treatment, grade?", "3"),
    ],
)
def test_a_reaction_told_only_by_its_course_is_graded(kb: KnowledgeBase, text: str, outcome: str) -> None:
    assessment = reaction.assess_unnamed(expand(text))
    assert assessment is not None and assessment.outcome == outcome
    reply = answer_question(kb, "ask_grading", [], text)
    assert reply.kind == "reaction" and f"grade {outcome}" in reply.text.lower()


# --- premedication days, follow-up on a day


def test_premedication_says_it_is_only_the_first_three_days(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_premedication", [], "is methylpred given on day 5 as well")
    assert "first 3 days" in reply.text and "only" in reply.text


def test_a_day_in_a_follow_up_is_not_a_course(kb: KnowledgeBase) -> None:
    first = answer_question(kb, "ask_premedication", [], "premeds for the infusion?")
    reply = answer_question(kb, "nlu_fallback", [], "and on day 5?", confidence=0.4, previous=first.context)
    assert reply.kind == "answer" and "first 3 days" in reply.text, reply


# --- restart and re-challenge


def test_resume_after_a_mild_reaction_is_a_restart_question_whatever_the_intent(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_common_symptoms",
        [{"entity": "grade", "value": "mild"}],
        "mild reaction has gone, can we resume now?",
        confidence=0.8,
    )
    assert reply.entry_ids == ("manage-restart-grade-1-2",) and "can be restarted" in reply.text


def test_tomorrow_after_a_grade_3_is_a_rechallenge(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "nlu_fallback", [], "gr 3 today, is tomorrow still on?", confidence=0.4)
    assert "manage-rechallenge-grade-3-4" in reply.entry_ids


# --- delayed events relayed by staff


@pytest.mark.parametrize(
    "text, found, entry",
    [
        ("patient phoned: new bruises two weeks after", symptoms("bruising"), "delayed-itp"),
        (
            "pt messaged, legs puffy and urine dark red, months after",
            symptoms("leg_swelling"),
            "delayed-kidney",
        ),
    ],
)
def test_delayed_events_relayed_by_staff_get_their_entry(
    kb: KnowledgeBase, text: str, found: list[dict[str, Any]], entry: str
) -> None:
    reply = answer_question(kb, staff_intent("report_symptoms", text, found), found, text)
    assert reply.entry_ids[0] == entry, reply


def test_discharge_emergency_signs_name_chest_pain(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_delayed_reactions", [], "what do we tell patients going home")
    assert "chest pain" in reply.text and "facial droop" in reply.text


def test_course_schedule_counts_the_infusions(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_course_schedule", [], "how many infusions altogether")
    assert "8 infusions" in reply.text


def test_asking_for_a_question_is_a_quiz(kb: KnowledgeBase) -> None:
    assert answer_question(kb, "ask_manage_reaction", [], "give me a question about reactions").kind == "quiz"


def test_two_grades_named_constrain_neither(kb: KnowledgeBase) -> None:
    grades = [{"entity": "grade", "value": "mild"}, {"entity": "grade", "value": "severe"}]
    reply = answer_question(
        kb, "ask_grading", grades, "handling mild compared with severe reactions, what do we do"
    )
    assert "50 %" in reply.text and "emergency" in reply.text, reply


@pytest.mark.parametrize(
    "text, entry",
    [
        # "figure" and "stay" name no fact; the rarer words do
        ("thyroid risk figure", "delayed-thyroid"),
        ("how long does the patient stay on acyclovir", "delayed-herpes-prophylaxis"),
    ],
)
def test_question_frame_words_do_not_pick_the_passage(kb: KnowledgeBase, text: str, entry: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.3)
    assert entry in reply.entry_ids or entry in [i for i, _ in reply.offers], reply


def test_giving_the_infusion_names_where_it_may_be_given(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_infusion_administration", [], "can we run it in a day unit")
    assert "intensive care" in reply.text and "anaphylaxis" in reply.text


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_optional_premedication", "lips swelling up, should we give more antihistamine?"),
        ("ask_vital_signs", "sats dropped to 88, how often should we check obs?"),
        ("ask_restart_rate", "she's wheezy and the blood pressure is 80/40, can we slow it down instead?"),
    ],
)
def test_airway_breathing_circulation_signs_lead_whatever_the_question(
    kb: KnowledgeBase, intent: str, text: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.9)
    assert leads_with_emergency(reply.text), reply


def test_a_question_about_a_sign_itself_is_not_led_by_anaphylaxis(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_serious_iars", [], "how common is wheeze with these infusions", confidence=0.9
    )
    assert not leads_with_emergency(reply.text)


@pytest.mark.parametrize(
    "intent, text, fact",
    [
        ("nlu_fallback", "for a gr 2 do we pull them", "50 %"),
        ("ask_grading", "grade 4 managment", "emergency"),
    ],
)
def test_asking_what_to_do_with_a_grade_is_its_management(
    kb: KnowledgeBase, intent: str, text: str, fact: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.5)
    assert reply.entry_ids[0].startswith("manage-") and fact in reply.text, reply


def test_a_grade_criteria_question_read_as_management_gets_the_definition(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_manage_reaction",
        [],
        "CTCAE grade 2 - how long can preventive meds be needed",
        confidence=0.9,
    )
    assert reply.entry_ids == ("grading-grade2",) and "24 h" in reply.text, reply


def test_a_reaction_back_after_improving_asked_by_ctcae_is_grade_3(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "nlu_fallback", [], "symptoms returned after getting better - ctcae?", confidence=0.4
    )
    assert reply.kind == "reaction" and "grade 3" in reply.text.lower(), reply


def test_symptom_shorthand_and_post_drug_are_expanded() -> None:
    assert expand("which sx post lemtrada") == "which symptoms after alemtuzumab"
    assert expand("aciclovir or acyclovir") == "aciclovir or aciclovir"


def test_multiple_choice_questions_asked_for_are_a_quiz(kb: KnowledgeBase) -> None:
    assert answer_question(kb, "ask_manage_reaction", [], "some MCQs about grade 3 handling").kind == "quiz"
    assert answer_question(kb, "ask_grading", [], "multiple choice on CTCAE grading please").kind == "quiz"
