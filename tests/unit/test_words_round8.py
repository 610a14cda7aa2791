"""Patients' own words, eighth round of issue 9: families the blind patient set dev8
(patients_dev8.yml) showed, each with our own sentences (not the blind set's).

Missed in the first reply: a collapse told by where the patient was found, by a fall not
remembered, or by going limp and not answering; half of what one sees gone; words that
mean nothing any more; half the face or lip numb, or feeling like someone else's; the dead
asked for, home not known; clots of blood far along a sentence about a cough; pressure "like
someone pushing" on the chest (a simile, not another person); pain between the shoulder
blades and in the chest; confused "about everything" with a fever; a socket bleeding
through the gauze; a German racing, stumbling heart with blacking out. Over-triaged: a
fading itchy redness on the chest in Italian; legs heavy "like they always are".
"""

from __future__ import annotations

import pytest

from bot.patient.nlp.language import detect_language, names_red_flag
from tests.support.first_reply import assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    ("found me lying on the kitchen floor this morning", "breathing-anaphylaxis"),
    ("i can't remember hitting the floor, woke with a bruise", "breathing-anaphylaxis"),
    ("he went completely limp and wasn't answering us", "breathing-anaphylaxis"),
    ("half of what I look at has vanished since lunch", "stroke-signs"),
    ("the letters on my phone don't make any sense anymore", "stroke-signs"),
    ("it's as if people are speaking a different language to me", "stroke-signs"),
    ("one side of his face went numb an hour ago", "stroke-signs"),
    ("my tongue feels like it belongs to somebody else", "stroke-signs"),
    ("she didn't recognise her own kitchen this morning", "stroke-signs"),
    ("dad keeps calling for his mother who died in 1990", "stroke-signs"),
    ("coughing all night and this morning there were big dark clots", "coughing-blood"),
    ("feels as if somebody is kneeling on my breastbone", "heart-signs"),
    ("a crushing ache between my shoulder blades right through to my chest", "heart-signs"),
    ("temp 38.6 and I'm confused about everything today", "stroke-signs"),
    ("my gum keeps bleeding through the dressing for hours", "bleeding-wont-stop"),
    ("the cut on my hand, I can't get it to stop", "bleeding-wont-stop"),
]


@pytest.mark.parametrize("text, rule", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rule: str) -> None:
    assert_reads(text, "emergency", rule)


# another language: a warning sign named, or a look-alike that is not one
FOREIGN = [
    ("de", "Mein Herz stolpert ständig und mir wird schwarz vor Augen, seit heute früh", True),
    ("it", "ho un rossore che prude sul petto da ieri sera, niente altro, respiro bene", False),
    ("it", "ho un dolore forte al petto e un po' di rossore sul petto", True),
    ("es", "tengo el pecho un poco rojo desde ayer, respiro bien", False),
]


@pytest.mark.parametrize("code, text, warning", FOREIGN)
def test_foreign_warning_signs(code: str, text: str, warning: bool) -> None:
    assert detect_language(text) == code
    assert names_red_flag(text, code) is warning


# widespread hives told with what they look like: the same day, whoever has them
SAME_DAY = [
    "I'm covered in huge raised welts since this morning, breathing ok",
    "my daughter is covered in large red blotches across her chest and arms",
]


@pytest.mark.parametrize("text", SAME_DAY)
def test_widespread_hives_described_are_urgent(text: str) -> None:
    disposition, _, found = read(text)
    assert disposition == "urgent" and "hives_widespread" in found, found


# usual MS signs told "like they always are" are not new
USUAL = [
    "my arms feel weak like they always are with the ms, nothing different",
    "hands numb like they usually are, no change at all",
]


@pytest.mark.parametrize("text", USUAL)
def test_usual_ms_signs_are_not_an_emergency(text: str) -> None:
    disposition, _, found = read(text)
    assert disposition != "emergency", found
