"""Patients' own words, seventh round of issue 9: families the blind patient set dev7
(patients_dev7.yml) showed, each with our own sentences (not the blind set's).

Missed in the first reply: a nosebleed told by how long it has gone on, or by a whole towel
soaked. Read as an emergency but not one: bleeding gums or swollen legs in another language
(same-day signs, while swollen lips and bleeding that will not stop stay warning signs);
thinking getting "a bit more" muddled each day (PML, same day); "never passed out" read as a
faint; reading online about strokes; legs heavy "like they do when I'm tired", the patient's MS.
Ended routine: hives told from one part down to another; thyroid signs months later (bulging
eyes, weight lost without trying, hot and shaky all the time).
"""

from __future__ import annotations

import pytest

from bot.patient.nlp.language import detect_language, names_red_flag
from tests.support.first_reply import assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    ("my nosebleed for over an hour now, tried everything", "bleeding-wont-stop"),
    ("nose bleeding for 40 minutes, leaning forward and pinching", "bleeding-wont-stop"),
    ("my gums have soaked the whole towel", "bleeding-wont-stop"),
    # a likeness denied keeps the sign new
    ("my face is drooping, not like it does when im tired", "stroke-signs"),
    ("my left arm is weak, nothing like it does when I'm hot", "stroke-signs"),
    ("my leg went weak suddenly like it does when im tired", "stroke-signs"),
    # an unchanged-looking phrase does not hide a faint that happened
    ("I passed out in the kitchen", "breathing-anaphylaxis"),
    ("she hasn't passed out but she can't breathe", "breathing-anaphylaxis"),
]


@pytest.mark.parametrize("text, rule", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rule: str) -> None:
    assert_reads(text, "emergency", rule)


# (message, rule): same-day signs
SAME_DAY = [
    ("hives from my neck down to my knees, lips fine", "widespread-hives"),
    ("red welts from my chest all the way down to my feet", "widespread-hives"),
    # building up over days: PML, not a sudden stroke sign
    ("getting a little more confused each day this week", "gradual-neuro"),
    ("my husband says I'm muddled a bit more every day", "gradual-neuro"),
    # thyroid months later
    ("my eyes have gone bulgy, had lemtrada last year", "thyroid-signs"),
    ("lost 4 kg without trying and can't stand the heat", "thyroid-signs"),
    ("sweaty and shaky all the time, infusion was 8 months ago", "thyroid-signs"),
    ("heart racing at rest and I never passed out, chest fine", "heartbeat"),
]


@pytest.mark.parametrize("text, rule", SAME_DAY)
def test_same_day_signs_are_urgent(text: str, rule: str) -> None:
    assert_reads(text, "urgent", rule)


# (message, rule): not a sign the patient has now
ROUTINE = [
    ("been reading online about strokes and I'm worried, what do I watch for?", "hypothetical-question"),
    ("googled about strokes after this drug, what are the signs?", "hypothetical-question"),
    ("arms feel heavy like they do when im tired, my MS", "usual-symptoms"),
    ("my legs are numb like they always do when im hot, same as always", "usual-symptoms"),
]


@pytest.mark.parametrize("text, rule", ROUTINE)
def test_questions_and_usual_symptoms_are_routine(text: str, rule: str) -> None:
    assert_reads(text, "routine", rule)


def test_a_denied_faint_is_not_a_faint() -> None:
    _, _, found = read("chest ok, I have never passed out")
    assert found.get("fainting") == "negated", found


# (message, red flag?): other languages. Bleeding gums, swollen legs, blood in the urine are
# same-day signs; swollen lips or face, bleeding that will not stop, a weak leg are not.
FOREIGN = [
    ("Mes gencives saignent depuis hier et j'ai des bleus.", False),
    ("Me sangran las encías y tengo moratones por todo el cuerpo.", False),
    ("Tengo las piernas hinchadas desde hace una semana.", False),
    ("Ich habe seit Tagen geschwollene Beine und wenig Urin.", False),
    ("Mam od tygodnia spuchnięte kostki i ciemny mocz.", False),
    ("Ho le gengive che sanguinano da ieri, non mi fa male.", False),
    ("Mes gencives saignent et ça ne s'arrête pas depuis une heure.", True),
    ("Mein Zahnfleisch blutet und hört nicht auf.", True),
    ("J'ai les lèvres gonflées et les jambes aussi.", True),
    ("Mam spuchnięte usta i nogi.", True),
    ("Tengo la cara hinchada y las piernas hinchadas.", True),
    ("Je ne peux pas bouger la jambe droite depuis ce matin.", True),
]


@pytest.mark.parametrize("text, red_flag", FOREIGN)
def test_same_day_signs_in_other_languages(text: str, red_flag: bool) -> None:
    code = detect_language(text)
    assert code is not None
    assert names_red_flag(text, code) is red_flag
