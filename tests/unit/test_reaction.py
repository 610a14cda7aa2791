"""Grading a reaction in progress from its description: table-driven cases from the
thresholds in knowledge/reaction_grading.yml (CTCAE v5.0, Resus Council UK 2021,
NIAID/FAAN 2006), and the data's own consistency."""

from __future__ import annotations

import pytest
import yaml

from bot.core.paths import KNOWLEDGE_DIR
from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question, reaction_text
from bot.staff.reaction import Assessment, assess, assess_unnamed, load_rules, rules
from bot.staff.shorthand import expand

CASES = [
    # airway, breathing, circulation: grade 3-4, treated as anaphylaxis
    ("pt started wheezing 30 min in, sats 91%, what now", "3-4"),
    ("sats 91", "3-4"),
    ("BP 85/50", "3-4"),
    ("lips swelling", "3-4"),
    ("stridor 20 min in", "3-4"),
    ("tongue feels swollen and her voice has gone hoarse", "3-4"),
    ("flushed, BP 100/60, was 150/90 at baseline", "3-4"),  # a 33 % fall
    ("hives and wheeze", "3-4"),
    # life-threatening: grade 4
    ("pt collapsed and unresponsive", "4"),
    ("barely responding, BP 70/30", "4"),
    # thresholds not crossed: not an emergency on their own
    ("flushed, sats 92", "1-2"),
    ("flushed, BP 90/60", "1-2"),
    ("flushed, BP 110/70, was 150/90 at baseline", "1-2"),  # a 27 % fall
    # skin and general signs: grade 1-2, narrowed by how it responded
    ("hives all over, itchy", "1-2"),
    ("rigors and temp 38.9", "1-2"),
    ("febrile 38.6C, shivering", "1-2"),
    ("desatting to 89 on air", "3-4"),
    ("passed out briefly", "3-4"),
    ("flushed and a headache", "1-2"),
    ("rash, we paused and gave piriton, settled in 20 min", "2"),
    ("temp 39.4, paused and gave paracetamol, still not settling", "3"),
    ("rash came back after we restarted", "3"),
    ("mild itch on forearms only", "1"),
    ("metallic taste in mouth", "1"),
    # negation in the same clause
    ("hives all over, itchy, no sob", "1-2"),
    ("eyes puffy and itchy, no breathing problems, sats 99", "1-2"),
    # other emergencies
    ("sudden slurred speech and arm weakness", "stroke"),
    ("central chest pain going into the jaw", "severe"),
    ("temp 38.5, bad headache and a stiff neck on day 4 after", "meningitis"),
    ("left hand gone numb", "1-2"),
    # systolic written as SBP, or as a fall "from X to Y"; a soft BP is hypotension
    ("urticaria and an SBP of 78", "3-4"),
    ("systolic went from 160 to 100 in ten minutes", "3-4"),  # a 37 % fall
    ("flushed, bp came down from 130 to 110", "1-2"),  # a 15 % fall
    ("flushed and BP soft", "3-4"),
    # prolonged, recurring or needing admission: grade 3
    ("pyrexial 38.9 an hour after the pause, paracetamol not helping", "3"),
    ("rigors eased with pethidine, then spiked again to 39", "3"),
    ("temp 39 after the pause, the registrar wants her admitted", "3"),
    ("shivering, temp 38.4 HR 118 and the fever is persisting", "3"),
    ("temp still 39.4 after paracetamol and a 1h pause, rigors continuing", "3"),
    # a circulation sign that responded promptly to treatment: CTCAE grade 2, not anaphylaxis
    ("BP dropped to 84/50 30 min in, paused and 500ml saline, back to 118/70 in 10 minutes", "2-prompt"),
    ("sbp 130 -> 82, pale, fluid bolus and now back to 125, nothing else", "2-prompt"),
    ("needed IV fluids for low bp but responded quickly, grade?", "2-prompt"),
    ("felt faint, lay flat with fluids running and recovered within minutes", "2-prompt"),
    # ... unless it goes on, comes back, or comes with skin, airway or breathing signs
    ("BP 78/40 after 500ml bolus still low, clammy", "3-4"),
    ("BP 85/50, came up with fluids but dropped again", "3-4"),
    ("hives and BP 80/50, back to 110 after fluids", "3-4"),
    ("wheeze and BP 85, settled with fluids", "3-4"),
    ("collapsed, BP back to 100 after fluids", "4"),
    ("BP 80/50, back to 115 after IM adrenaline", "3-4"),  # the anaphylaxis management itself
    ("BP 82/50, no adrenaline needed, back to 120 with a fluid bolus", "2-prompt"),
    ("wheeze eased after adrenaline", "3-4"),
    ("BP 70/40, needed a noradrenaline infusion, now back to 100", "3-4"),
    # a fever with confusion, drowsiness or a stiff neck: possible Listeria meningitis
    ("temp 39 and she seems confused, 3 h in", "meningitis"),
    ("febrile 38.7, drowsy and neck stiff on day 4", "meningitis"),
    ("BP 80/50, temp 39.5, confused", "3-4"),  # the circulation sign leads
    ("temp 38.6 with a headache", "1-2"),  # headache with a fever: a common reaction
    # swelling told apart from where it is, within one stretch of text
    ("face puffy around eyes and lips, no breathing issue yet", "3-4"),
    ("her mouth is swollen up", "3-4"),
    ("puffy eyes, lips fine", "1-2"),
    ("no swelling of the lips, hives on arms", "1-2"),
    # airway or breathing signs easing with the pause: anaphylaxis first, grade 2 if settled
    ("mild chest tightness and flushing, sats 96, paused it and it's easing", "settling"),
    ("bit wheezy, gave salbutamol and it settled", "settling"),
    ("wheezy, sats 89, improving with oxygen", "3-4"),  # a reading below its threshold
    ("chest tight, paused but getting worse", "3-4"),
    # a new irregular heartbeat: a possible arrhythmia
    ("HR 150 irregular, pt c/o palpitations, BP 108/70", "rhythm"),
    ("pulse irregular and racing, 2 h in", "rhythm"),
    ("new AF on the monitor", "rhythm"),
    ("heart racing, temp 38.4", "1-2"),  # a fast heartbeat with a fever, regular
    ("HR 140 irregular, chest pain", "severe"),
    ("temp 39, HR 140 irregular, confused", "meningitis"),  # the emergency first
]


@pytest.mark.parametrize("text, outcome", CASES)
def test_description_gets_the_grade_it_supports(text: str, outcome: str) -> None:
    assessment = assess(expand(text))
    assert assessment is not None and assessment.outcome == outcome, (text, assessment)


@pytest.mark.parametrize(
    "text", ["what BP counts as hypotension", "premeds?", "no rash, no sob", "IAR numbers by course"]
)
def test_no_sign_no_assessment_or_only_a_question(text: str) -> None:
    assessment = assess(expand(text))
    assert assessment is None or not assessment.findings or text.startswith("what")


@pytest.mark.parametrize(
    "text", ["drowsy after the antihistamine, obs normal", "bit confused about the rota"]
)
def test_confusion_or_drowsiness_without_a_fever_is_no_meningitis(text: str) -> None:
    assessment = assess(expand(text))
    assert assessment is None or assessment.outcome != "meningitis"


def test_prompt_response_reply_is_grade_2_and_says_what_would_make_it_3(kb: KnowledgeBase) -> None:
    text = "sbp went 128 -> 85 over 10 min, pt pale, got 500ml bolus and back to 120 within 10 min"
    reply = answer_question(kb, "report_symptoms", [], text)
    head = reply.text.split("\n")[0]
    assert reply.kind == "reaction" and head.startswith("CTCAE grade 2"), reply.text
    assert "epinephrine" not in head and "grade 3" in reply.text and "50 %" in reply.text
    assert "prompt response" in reply.text and reply.context["constraints"]["grade"] == "2"


def test_fever_with_confusion_at_the_chair_says_stop_and_emergency(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "report_symptoms", [], "pt drowsy + confused 3h in, temp 38.9")
    assert reply.kind == "reaction" and "meningitis" in reply.text.lower()
    assert "stop the infusion" in reply.text and "emergency" in reply.text


def test_easing_breathing_signs_lead_with_anaphylaxis_and_say_when_it_is_grade_2(kb: KnowledgeBase) -> None:
    text = "pt c/o mild chest tightness + flushing, no wheeze, sats 96. paused it and it's easing"
    reply = answer_question(kb, "report_symptoms", [], text)
    head = reply.text.split("\n")[0].lower()
    assert reply.kind == "reaction" and "epinephrine" in head and "stop the infusion" in head
    assert "it is grade 2" in reply.text and "grade 3–4" in reply.text


def test_irregular_heartbeat_at_the_chair_says_stop_and_emergency_signs(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "report_symptoms", [], "HR 140 irregular, pt c/o palpitations, BP 102/70")
    assert reply.kind == "reaction" and "arrhythmia" in reply.text
    assert "stop" in reply.text and "grade 2" in reply.text and "fainting" in reply.text


def test_irregular_heartbeat_after_the_infusion_gets_the_delayed_entry(kb: KnowledgeBase) -> None:
    reply = answer_question(
        kb, "report_symptoms", [], "pt rang, heart irregular since yesterday after her infusion"
    )
    assert reply.entry_ids[0] == "delayed-heart-rhythm", reply


def test_headache_reply_names_the_sudden_severe_headache_to_watch_for(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "report_symptoms", [], "bad headache only, 7/10, vitals normal")
    assert reply.kind == "reaction" and "grade 1–2" in reply.text
    assert "sudden, severe" in reply.text and "stroke" in reply.text
    assert "[FDA DSC 2018]" in reply.text or "FDA" in reply.text.split("Source: ")[1]


def test_recurrence_asked_as_a_grade_is_grade_3(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_restart_rate", [], "if symptoms come back after we restart is that gr 3")
    assert reply.kind == "reaction" and "recurrence" in reply.text


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("reaction needed pressors, what grade", "4"),
        ("pt needed hospitalisation after the reaction - grade?", "3"),
        ("IRR with no interruption needed, which grade", "1"),
        ("symptoms recurred after initial improvement, what grade", "3"),
        ("prolonged reaction not responding to meds, grade?", "3"),
        ("needed a pause and an antihistamine and it went within 20 min - grade?", "2"),
    ],
)
def test_a_reaction_told_by_its_course_gets_its_grade(text: str, outcome: str) -> None:
    assessment = assess_unnamed(expand(text))
    assert assessment is not None and assessment.outcome == outcome, (text, assessment)


def test_stated_grade_is_kept_unless_the_signs_support_a_higher_one() -> None:
    assert assess(expand("rash, gr 3"), "3").outcome == "3"
    assert assess(expand("gr 1 i think, sats 88"), "1").outcome == "3-4"


@pytest.mark.parametrize(
    "text",
    [
        "pt started wheezing 30 min in, sats 91%, what now",
        "BP 85/50",
        "lips swelling",
        "pt collapsed, unresponsive, cant get a BP",
        "urticaria and wheezy, sats 94",
        # ways of saying airway, breathing or circulation that a final blind set showed missing
        "her airway is swelling up, 40 min into the bag",
        "breathing is compromised and he has hives",
        "patient has stopped breathing",
        "BP falling and she looks grey",
        "says something bad is about to happen, flushed",
    ],
)
def test_emergency_reply_leads_with_stop_emergency_team_epinephrine(kb: KnowledgeBase, text: str) -> None:
    reply = answer_question(kb, "nlu_fallback", [], text)
    head = reply.text.split("\n")[0].lower()
    assert reply.kind == "reaction"
    assert "stop the infusion" in head and "emergency" in head and "epinephrine" in head
    assert "Source: " in reply.text
    assert "grade 3" in reply.text.lower() or "grade 4" in reply.text.lower()


def test_range_reply_names_the_question_that_decides_it(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "report_symptoms", [], "pt flushed and a headache")
    assert reply.kind == "reaction"
    assert "grade 1–2" in reply.text and "did it settle" in reply.text.lower()
    assert "50 %" in reply.text and reply.text.count("Source: ") == 2


def test_question_about_a_sign_is_not_read_as_a_reaction(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_grading", [], "what BP counts as hypotension for grading")
    assert reply.kind == "answer" and "90 mmHg" in reply.text and "30 %" in reply.text


def test_every_outcome_entry_and_citation_exists(kb: KnowledgeBase) -> None:
    grading = rules()
    sources = {s["id"] for s in yaml.safe_load((KNOWLEDGE_DIR / "sources.yml").read_text())["sources"]}
    for name, outcome in grading.outcomes.items():
        assert set(outcome["entries"]) <= kb.entries.keys(), name
        assert set(outcome["cites"]) <= sources, name
        assert "Source: " in reaction_text(kb, Assessment(name, ()))
    for sign in grading.signs:
        assert set(sign["cites"]) <= sources, sign["id"]
    for vital in grading.vitals.values():
        assert set(vital["cites"]) <= sources
    for entries in grading.after_infusion.values():
        assert set(entries) <= kb.entries.keys()


def test_malformed_grading_file_fails_loudly(tmp_path) -> None:
    bad = tmp_path / "reaction_grading.yml"
    bad.write_text("vitals: {}\nsigns: []\n")
    with pytest.raises(ValueError, match="missing"):
        load_rules(bad)


@pytest.mark.parametrize(
    "intent, text, entry",
    [
        (
            "report_symptoms",
            "pt rang this morning, temp 38.3 the day after her infusion",
            "delayed-same-day-contact",
        ),
        (
            "ask_delayed_reactions",
            "mild headache and tired the day after, normal?",
            "delayed-expected-symptoms",
        ),
        (
            "report_symptoms",
            "pt says legs tingly the day after but it's her usual MS",
            "delayed-new-versus-usual-ms",
        ),
    ],
)
def test_signs_after_the_infusion_get_the_delayed_advice(
    kb: KnowledgeBase, intent: str, text: str, entry: str
) -> None:
    reply = answer_question(kb, intent, [], text)
    assert reply.kind == "answer" and reply.entry_ids[0] == entry


def test_emergency_after_the_infusion_is_still_an_emergency(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "report_symptoms", [], "pt rang, lips swelling since last night")
    assert reply.kind == "reaction" and "stop the infusion" in reply.text.split("\n")[0]


@pytest.mark.parametrize(
    "intent, confidence, text",
    [
        ("nlu_fallback", 0.3, "urticaria on both arms and itchy, obs all normal"),
        ("ask_vital_signs", 0.4, "nausea and a headache an hour in, observations stable"),
        ("ask_optional_premedication", 0.8, "rash cleared with a pause plus cetirizine, what grade"),
        ("ask_vital_signs", 0.9, "urticaria and itch on the chest, obs normal"),
    ],
)
def test_a_description_that_only_tells_or_asks_its_grade_is_graded(
    kb: KnowledgeBase, intent, confidence, text
) -> None:
    reply = answer_question(kb, intent, [], text, confidence=confidence)
    assert reply.kind == "reaction" and "CTCAE grade" in reply.text, reply


def test_stroke_signs_during_the_infusion_say_stop_and_emergency_team(kb: KnowledgeBase) -> None:
    reply = answer_question(kb, "ask_manage_reaction", [], "sudden facial droop and slurring mid infusion")
    assert reply.kind == "reaction" and "life-threatening" in reply.text
    assert "stop the infusion" in reply.text and "emergency" in reply.text
