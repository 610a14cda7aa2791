"""Issue 11, staff protocol answers: causes found with the failures of staff_dev17 (220 questions)
and staff_dev18 (300 reactions at the chair: anaphylaxis and grade 3-4 told by signs and
readings, and mild look-alikes) on arrival (development material; 1 + 14 descriptions of
anaphylaxis or a grade 4 reaction did not lead with its management), each tested in other
words than the sets' (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask, reaction
from bot.staff.shorthand import expand
from tests.support.staff_answers import assert_graded, assert_holds, conversation, single


@pytest.mark.parametrize(
    "text, outcome",
    [
        # circulation: a weak or thready pulse, a grey patient, a slumped one, a mean pressure fallen
        ("pulse thready and she has gone grey", "3-4"),
        ("weak radial, peripherally shut down", "3-4"),
        ("he's slumped over in the chair, rash on his chest", "3-4"),
        ("MAP 50 now, baseline MAP 85, itchy", "3-4"),
        ("syst 70s on the manual cuff", "3-4"),
        ("she says she feels like she's dying, flushed", "3-4"),
        ("only responding to pain, BP 70/40", "4"),
        # airway: the throat closing, a muffled voice, drooling, lips or tongue swollen huge
        ("says his throat is closing up", "3-4"),
        ("voice is muffled and she's drooling", "3-4"),
        ("her lips are huge, hives everywhere", "3-4"),
        ("tongue feels too big for his mouth", "3-4"),
        # breathing: gasping, a whistling breath, a falling saturation written as a change
        ("gasping for air 20 min in", "3-4"),
        ("whistly noise when she breathes", "3-4"),
        ("sats 96->87 on air", "3-4"),
        # mild: queasy, retching
        ("pt queasy and retched once, obs fine", "1-2"),
    ],
)
def test_signs_in_new_words_are_graded(text: str, outcome: str) -> None:
    assert_graded(text, outcome)


@pytest.mark.parametrize(
    "text",
    [
        "MAP 80, baseline MAP 85, feels fine otherwise, flushed",
        "sats 95, went 97->95 when she stood up, flushed",
        "pt says she's dying for a cup of tea, bit flushed",
    ],
)
def test_look_alikes_are_not_an_emergency(text: str) -> None:
    assessment = reaction.assess(expand(text))
    assert assessment is not None and not assessment.emergency, assessment


def test_a_concentration_is_no_dose_but_a_daily_dose_is() -> None:
    assert "dose" not in ask.constraints(expand("IM adrenaline for anaphylaxis, we have 1mg/ml amps"))
    assert ask.constraints(expand("can we give 36 mg/day in course 3"))["dose"] == "36"


def test_beyond_a_course_is_the_next_course() -> None:
    assert ask.constraints(expand("any IAR numbers past c2?"))["course"] == "3"


def test_a_reaction_told_on_an_earlier_day_with_the_next_dose_asked_is_a_rechallenge(
    kb: KnowledgeBase,
) -> None:
    reply = single(kb, "inform", "she had a grade 3 wheeze yesterday on day 1. ok to give day 2 today?")
    assert reply.kind != "reaction"
    assert_holds(reply, "manage-rechallenge-grade-3-4", ["risk"])


def test_a_sign_told_today_beside_an_earlier_day_is_a_reaction_now(kb: KnowledgeBase) -> None:
    reply = single(
        kb,
        "inform",
        "had a rash yesterday, today 20 min in she is wheezy, sats 88. can we give today's dose?",
    )
    assert reply.kind == "reaction" and reply.entry_ids[0] == "manage-anaphylaxis", reply


def test_life_threatening_signs_under_a_grading_question_lead_with_the_emergency(kb: KnowledgeBase) -> None:
    reply = single(kb, "ask_grading", "grade 4?? no pulse, unresponsive, day 1")
    assert reply.kind == "reaction" and reply.entry_ids[0] == "manage-anaphylaxis", reply


def test_a_grade_asked_beside_a_hospital_stay_names_hospitalisation(kb: KnowledgeBase) -> None:
    reply = single(
        kb, "nlu_fallback", "kept overnight as the low BP would not settle - automatically grade 3?"
    )
    assert "hospitalisation" in (reply.text or ""), reply


@pytest.mark.parametrize(
    "intent, text, entry, facts",
    [
        # two grades compared, though "getting" reads like a patient
        (
            "ask_grading",
            "whats the difference between gr 2 and gr 3, keep getting confused",
            "grading-overview",
            [],
        ),
        # the grades listed
        ("nlu_fallback", "list the grades for me pls, teaching tomorrow", "grading-overview", ["grade 4"]),
        # what to do in order, asked in the words of a "what is" question
        ("ask_common_symptoms", "grade 3-4 reaction - what's the checklist?", "manage-grade-3-4", ["stop"]),
        # when the emergency team is called
        ("nlu_fallback", "emergency buzzer or just pause - when?", "manage-emergency-team", ["grade 3"]),
        # drinking before the infusion day
        (
            "ask_delayed_reactions",
            "should he drink extra water before tomorrow?",
            "problem1-patient-preparation",
            [],
        ),
        # the label's figure beside the trials'
        (
            "ask_mechanism",
            "why does the label says 92% when CARE-MS says 90.1?",
            "incidence-overview",
            ["92 %"],
        ),
        # a grade asked as a tag question
        (
            "nlu_fallback",
            "held it, gave piriton, settled in 15 - that's gr 2 yeah?",
            "manage-grade-1-2",
            ["grade 2"],
        ),
    ],
)
def test_a_question_in_staff_words_gets_its_entry(
    kb: KnowledgeBase, intent: str, text: str, entry: str, facts: list[str]
) -> None:
    assert_holds(single(kb, intent, text), entry, facts)


def test_the_days_plan_gives_each_part(kb: KnowledgeBase) -> None:
    reply = single(kb, "ask_premedication", "c2 d1, plan for today pls - premed, infusion, obs")
    assert {"protocol1-infusion", "problem3-post-infusion-observation"} <= set(reply.entry_ids), reply


def test_a_practice_request_in_txt_speak_is_a_quiz(kb: KnowledgeBase) -> None:
    assert single(kb, "report_symptoms", "cpl qs on premeds for the new starters?").kind == "quiz"


def test_txt_speak_and_opens_a_follow_up(kb: KnowledgeBase) -> None:
    reply = conversation(kb, [("ask_manage_reaction", "gr 1 irr mgmt?"), ("ask_grading", "n gr 4?")])
    assert_holds(reply, "manage-grade-3-4", ["stop"])


def test_a_flare_after_the_restart_is_graded_3(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_restart_rate", "what rate after a gr 1 pause?"),
            ("ask_restart_rate", "what if it flares up after the restart?"),
        ],
    )
    assert reply.kind == "reaction" and "manage-grade-3-4" in reply.entry_ids, reply


def test_an_unsure_follow_up_naming_a_course_keeps_the_topic(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("ask_post_infusion_observation", "how long do we observe after?"),
            ("nlu_fallback", "same on the final day of course 2 as well?"),
        ],
    )
    assert_holds(reply, "problem3-post-infusion-observation", ["2 hours"])


def test_readings_and_a_pause_after_a_sign_regrade_the_case(kb: KnowledgeBase) -> None:
    reply = conversation(
        kb,
        [
            ("report_symptoms", "chair 4 temp 38.6"),
            ("report_symptoms", "obs otherwise ok, sats 97, paused. next?"),
        ],
    )
    assert reply.kind == "reaction" and "manage-grade-1-2" in reply.entry_ids, reply
