"""Patients' own words, sixth round of issue 9: families the blind patient set dev6
(patients_dev6.yml) showed and the leftovers of the fifth round, each with our own sentences
(not the blind set's).

Missed in the first reply: a full breath that will not come ("can't get a full breath") next to
an irregular heartbeat. Read as an emergency but not one: a sore throat in another language
("me duele la garganta al tragar"), a very heavy period told by the pads it takes, a family
member's stroke with "does it make that more likely for me?". Ended routine: itchy bumps or
bites all over. Leftovers: a temperature told as a bare decimal ("Is 38.4 a problem?", "37.8
yesterday now 38.4 today"), a rash that "went away overnight" read as present.
"""

from __future__ import annotations

import pytest

from bot.patient.nlp.language import detect_language, names_red_flag
from tests.support.first_reply import assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    ("my heart is jumping all over the place and I can't get a full breath", "breathing-anaphylaxis"),
    ("pulse racing and irregular, cant take a proper breath in", "breathing-anaphylaxis"),
    ("struggling to get a deep breath since lunch", "breathing-anaphylaxis"),
    # a gauze pad soaked through is a wound's bleeding that will not stop
    ("the cut on my shin has soaked through the gauze and keeps going", "bleeding-wont-stop"),
    ("soaking through a towel, my nose won't stop", "bleeding-wont-stop"),
    # a heavy period that is not slowing down is bleeding that will not stop: decided by the words
    ("my period is soaking through pads every half hour and it's not slowing down", "bleeding-wont-stop"),
    # a family member's past stroke does not hide the patient's own, nor a carer's present one
    (
        "my husband is having a stroke right now, does lemtrada make that more likely?",
        "someone-else-red-flag",
    ),
    ("I think I'm having a stroke, does this drug make it more likely", "stroke-signs"),
]


@pytest.mark.parametrize("text, rules", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rules: str) -> None:
    assert_reads(text, "emergency", rules)


# (message, rule): same-day signs
SAME_DAY = [
    # heavier periods (ITP), told by the pads they take: not bleeding that will not stop
    ("period is awful this month, soaking a pad every hour", "bleeding-bruising"),
    ("going through a tampon every hour, my periods are usually light", "bleeding-bruising"),
    ("my period is like a crime scene this time", "bleeding-bruising"),
    # hives told as itchy bumps or bites all over
    ("itchy bumps everywhere since last night, breathing is fine", "widespread-hives"),
    ("raised lumps all over my body, lips normal", "widespread-hives"),
    ("looks like mosquito bites all over my whole body, so itchy", "widespread-hives"),
    # a temperature told as a bare decimal, the highest counts
    ("Is 38.4 a problem?", "fever-38"),
    ("37.8 yesterday now 38.4 today", "fever-38"),
    ("38,6 this morning and achy", "fever-38"),
]


@pytest.mark.parametrize("text, rule", SAME_DAY)
def test_same_day_signs_are_urgent(text: str, rule: str) -> None:
    assert_reads(text, "urgent", rule)


# (message, status): a sign told with when it ended has passed
PASSED = [
    ("the rash went away overnight", "resolved"),
    ("the hives disappeared by morning", "resolved"),
    ("my itchy rash went away by morning", "resolved"),
]


@pytest.mark.parametrize("text, status", PASSED)
def test_a_sign_that_went_away_has_passed(text: str, status: str) -> None:
    _, _, found = read(text)
    assert set(found.values()) == {status}, found


# no current red flag: a family member's past event with the risk question is a topic
NOT_EMERGENCY = [
    "my dad had a stroke at 55, would lemtrada make that more likely for me?",
    "my mum had a heart attack at 60. does this drug make one more likely?",
    "my brother had a stroke last year, is it more likely for me now?",
    "my mum had a stroke at 62, does this drug make strokes more likely?",
]


@pytest.mark.parametrize("text", NOT_EMERGENCY)
def test_family_history_with_the_risk_question_is_not_an_emergency(text: str) -> None:
    disposition, rule_id, found = read(text)
    assert disposition != "emergency", (rule_id, found)


# a number that is another measure is not a temperature
@pytest.mark.parametrize(
    "text", ["my BMI is 36.5, is that ok for the infusion?", "platelets came back at 38.5"]
)
def test_another_measures_decimal_is_not_a_fever(text: str) -> None:
    _, rule_id, _ = read(text)
    assert rule_id != "fever-38"


# (message, red flag named): a sore throat in another language is an infection sign, not a
# warning sign; swelling, closing or not being able to swallow still is
OTHER_LANGUAGES = [
    ("Tengo fiebre de 38,2 y me duele la garganta cuando trago algo", False),
    ("Tengo dolor de garganta y fiebre desde ayer", False),
    ("J'ai mal à la gorge et de la fièvre à 38,4 depuis hier", False),
    ("Ho mal di gola e la febbre a 38 da ieri sera", False),
    ("Estou com febre e dói muito a garganta quando engulo", False),
    ("Me duele tanto la garganta que no puedo tragar", True),
    ("Me duele la garganta, se me cierra y no puedo tragar", True),
    ("tengo dolor de garganta y se me hincha la lengua", True),
    ("je n'arrive pas à avaler, la gorge se ferme", True),
    ("j'ai du mal à bouger le bras droit", True),
]


@pytest.mark.parametrize("text, red_flag", OTHER_LANGUAGES)
def test_a_sore_throat_in_another_language_is_not_a_warning_sign(text: str, red_flag: bool) -> None:
    code = detect_language(text)
    assert code is not None
    assert names_red_flag(text, code) is red_flag
