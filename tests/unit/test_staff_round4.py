"""Issue 11, fourth round: causes found with blind staff sets final 3 and dev 4, each tested
in other words than the sets' (facts from the seed and ../shared/clinical-reference.md)."""

from __future__ import annotations

import pytest

from bot.kb import KnowledgeBase
from bot.staff import ask
from bot.staff.answers import answer_question


def leads_with_emergency(text: str) -> bool:
    first = text.split("\n")[0].lower()
    return "stop the infusion" in first and "emergency" in first and "epinephrine" in first


# --- out of scope: declined, never answered with the nearest passage


@pytest.mark.parametrize(
    "intent, text, asked",
    [
        ("ask_optional_premedication", "highest dose of cetirizine we can give", "cetirizine"),
        ("ask_manage_reaction", "siltuximab dosing for cytokine storm after lemtrada", "siltuximab"),
        ("ask_manage_reaction", "how much ibuprofen for the rigors", "ibuprofen"),
    ],
)
def test_the_dose_of_another_drug_is_not_covered(
    kb: KnowledgeBase, intent: str, text: str, asked: str
) -> None:
    reply = answer_question(kb, intent, [], text)
    assert reply.kind == "outside" and asked in reply.asked, reply


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_iar_trend", "does lemtrada cut the annual relapse rate much"),
        ("ask_patient_preparation", "expanded disability status scale for subject 12"),
        ("ask_infusion_administration", "how many vials come in a carton"),
        ("ask_delayed_reactions", "who holds the randomization list"),
        ("nlu_fallback", "what's my login for the eCRF password reset"),
    ],
)
def test_subjects_outside_the_protocol_are_declined(kb: KnowledgeBase, intent: str, text: str) -> None:
    assert answer_question(kb, intent, [], text, confidence=0.7).kind == "outside"


def test_asking_which_drug_is_better_is_declined(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_iar_trend", [], "kesimpta or lemtrada, which one is better for her")
    assert reply.kind == "other_drug"


def test_a_dose_of_alemtuzumab_or_its_premedication_is_still_answered(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_premedication", [], "methylpred dose before lemtrada?")
    assert reply.kind == "answer" and "1,000 mg" in reply.text


# --- a question naming anaphylaxis leads with its management, whatever it asks


@pytest.mark.parametrize(
    "intent, text",
    [
        ("nlu_fallback", "anaphylaxis steps, short version"),
        ("ask_vital_signs", "oxygen sats to aim for in anaphylaxis"),
        ("ask_premedication", "serious allergic reaction happening - hydrocortisone as well?"),
        ("ask_manage_reaction", "how do you tell anaphylaxis from plain hives"),
    ],
)
def test_questions_naming_anaphylaxis_lead_with_its_management(
    kb: KnowledgeBase, intent: str, text: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.6)
    assert leads_with_emergency(reply.text), reply


def test_how_common_anaphylaxis_is_stays_a_figure(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_serious_iars", [], "how often is there anaphylaxis")
    assert not leads_with_emergency(reply.text)


# --- quiz requests in other words


@pytest.mark.parametrize(
    "text",
    ["could you ask me a few things on premeds", "give me a few qs on grading", "one q about restarting"],
)
def test_quiz_requests_in_other_words(text: str) -> None:
    from bot.staff.shorthand import expand

    assert ask.asks_for_quiz(expand(text))


@pytest.mark.parametrize(
    "text", ["quick question on premeds", "a question about grading", "qualifying criteria"]
)
def test_questions_are_not_quiz_requests(text: str) -> None:
    assert not ask.asks_for_quiz(text)


# --- small talk words (bot.rasa.components.StaffSmallTalkGuard)


@pytest.mark.parametrize(
    "intent, text, without",
    [
        ("greet", "dose for a 9 year old", True),
        ("greet", "infusion time for a 12 yo", True),  # "yo" is years old here
        ("greet", "yo", False),
        ("greet", "morning, quick question", False),
        ("my_progress", "EDSS score for pt 7", True),
        ("my_progress", "how did I do", False),
        ("thank", "ta", False),
        ("skip_question", "work out creatinine clearance for me", True),
        ("skip_question", "no idea, next one", False),
        ("ask_grading", "grade 2?", False),
    ],
)
def test_small_talk_without_its_words(intent: str, text: str, without: bool) -> None:
    assert ask.small_talk_without_cue(intent, text) is without


# --- a reaction told by its course is graded (CTCAE v5.0 infusion related reaction)


def grade_line(text: str) -> str:
    return next(line for line in text.split("\n") if "CTCAE grade" in line)


@pytest.mark.parametrize(
    "intent, text, grade",
    [
        ("ask_grading", "went to intensive care after the reaction - what grade is that", "grade 4"),
        ("ask_grading", "she needed intubating, grade?", "grade 4"),
        ("ask_grading", "kept in hospital overnight for the reaction, what grade", "grade 3"),
        ("ask_grading", "symptoms returned once they'd settled, does that change the grade?", "grade 3"),
        ("ask_grading", "the hives needed no treatment and no pause - grade?", "grade 1"),
        ("ask_restart_rate", "grade 2 earlier, settled, but it recurred now on restarting", "grade 3"),
    ],
)
def test_reaction_told_by_its_course_is_graded(kb: KnowledgeBase, intent: str, text: str, grade: str) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.7)
    assert reply.kind == "reaction" and grade in grade_line(reply.text).lower(), reply.text


def test_recurrence_is_named_with_the_grade_3_criteria(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_grading", [], "flushing came back after it had gone - what grade?")
    assert "recurrence" in reply.text and "grade 3" in reply.text.lower()


def test_a_grade_2_answer_names_no_other_grade(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_grading", [], "rash, paused 10 min and piriton, gone - which grade?")
    assert "grade 2" in reply.text and "grade 3" not in reply.text.lower()


# --- delayed events relayed by staff get their own entry (clinical reference, US label)


@pytest.mark.parametrize(
    "symptom, entry",
    [("palpitations", "delayed-heart-rhythm"), ("swollen_glands", "delayed-hlh")],
)
def test_delayed_signs_point_to_their_entry(symptom: str, entry: str) -> None:
    from bot.staff import reaction

    assert entry in reaction.delayed_event_entries([symptom])


@pytest.mark.parametrize(
    "intent, text, fact",
    [
        ("ask_delayed_reactions", "warning signs of PML for the leaflet", "clumsiness"),
        ("ask_delayed_reactions", "fever cut-off for phoning the site in fahrenheit", "100.4"),
    ],
)
def test_delayed_event_questions_get_their_facts(
    kb: KnowledgeBase, intent: str, text: str, fact: str
) -> None:
    assert fact in answer_question(kb, intent, [], text, confidence=0.7).text


def test_epinephrine_route_and_daily_steroid_dose_are_stated(kb: KnowledgeBase) -> None:
    anaphylaxis = answer_question(kb, "ask_manage_reaction", [], "where does the adrenaline go in")
    assert "thigh" in anaphylaxis.text and "airway" in anaphylaxis.text
    steroid = answer_question(kb, "ask_premedication", [], "methylpred 1 g - every day of the course?")
    assert "once a day" in steroid.text


# --- of equally close passages, the one titled by the question's words


@pytest.mark.parametrize(
    "text, entry",
    [
        ("HLH - signs?", "delayed-hlh"),
        ("aciclovir - how long for", "delayed-herpes-prophylaxis"),
        ("antiviral cover with each course?", "delayed-herpes-prophylaxis"),
    ],
)
def test_equally_close_passages_go_to_the_one_titled_by_the_question(
    kb: KnowledgeBase, text: str, entry: str
) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text, confidence=0.4)
    assert reply.entry_ids[:1] == (entry,), reply


# --- shorthand, blood pressure falls and cues in other words


@pytest.mark.parametrize(
    "text, expanded",
    [
        ("lip swelling and diff breathing", "lip swelling and difficulty breathing"),
        ("no resp sx", "no respiratory symptoms"),
        ("red pee 2 yrs post", "red urine 2 years after the infusion"),
        ("hives in the 3rd hr", "hives in the third hour"),
        ("bruises 8 mo after c2", "bruises 8 months after course 2"),
    ],
)
def test_more_shorthand(text: str, expanded: str) -> None:
    from bot.staff.shorthand import expand

    assert expand(text) == expanded


def test_a_fall_written_with_an_arrow_is_more_than_30_percent(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], "itchy, BP 150/90 -> 98/60 after a fluid bolus")
    assert reply.kind == "reaction" and leads_with_emergency(reply.text), reply.text


def test_difficulty_breathing_in_shorthand_leads_with_the_emergency(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], "puffy face and diff breathing on day 2")
    assert leads_with_emergency(reply.text), reply.text


def test_quiz_request_read_on_the_expanded_words(kb: KnowledgeBase) -> None:
    assert answer_question(kb, "ask_grading", [], "can you ask me some qs on grading").kind == "quiz"


def test_carrying_on_later_the_same_day_after_a_severe_reaction_is_a_restart(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb,
        "ask_delayed_reactions",
        [{"entity": "grade", "value": "severe"}],
        "severe one this am - ok later today?",
    )
    assert "that day" in reply.text and "grade 3" in reply.text, reply


def test_a_follow_up_asking_overall_drops_the_course(kb: KnowledgeBase) -> None:
    first = answer_question(kb, "ask_incidence", [], "IAR % course 2 at 24mg")
    reply = answer_question(kb, "ask_incidence", [], "and in total?", confidence=0.6, previous=first.context)
    assert "96.9" in reply.text and "course" not in (reply.context or {})["constraints"], reply.text


@pytest.mark.parametrize(
    "intent, text",
    [
        ("ask_grading", "hives treated with IV antihistamine - which grade?"),
        ("ask_grading", "grade 2 allergic reaction means what"),
    ],
)
def test_allergic_or_iv_treated_reactions_get_the_allergic_reaction_grades(
    kb: KnowledgeBase, intent: str, text: str
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=0.7)
    assert "grading-allergic-reaction-v6" in reply.entry_ids and "oral intervention" in reply.text, reply


# --- descriptions in other words


def test_a_heart_rate_in_a_description_does_not_make_it_a_rate_question(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "ask_vital_signs", [], "red face + HR 110 + itchy arms, BP ok", confidence=0.6
    )
    assert reply.kind == "reaction" and "grade 1" in reply.text.lower(), reply


def test_a_rising_temperature_is_a_fever_to_treat(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_vital_signs", [], "temp spiking an hour in - what do we give")
    assert reply.kind == "reaction" and "antipyretic" in reply.text, reply


def test_sleeplessness_after_the_infusion_is_the_steroid_effect(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_delayed_reactions", [], "pt rang, couldn't sleep the night after")
    assert "steroid" in reply.text, reply


def test_grade_2_what_to_do_is_its_management(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_grading", [], "gr 2 IRR - what to do", confidence=0.8)
    assert "50 %" in reply.text, reply


def test_the_stroke_signs_before_discharge_name_arm_and_leg(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_delayed_reactions", [], "stroke signs to teach before they go home")
    assert "arm or leg" in reply.text, reply
