"""Patients' own words, third round of issue 9: families of lay descriptions the fifth
blind set (patients_final3.yml) showed missing, each with our own sentences (not the
blind set's): swelling of any part of the face, the eyes included; breathing effort
told through speech, walking or stairs; a home blood-pressure reading; vertigo and
balance; a sudden sign next to a usual one; a message in Polish. And the other way
round: someone else's sign in a question about the patient's own risk, suppositions,
a faint at the cannula, a sign left by an old palsy, puffy eyes, and denied signs in
German and Dutch.

The figures that count are on the blind sets (bench/red_flag_rules.py,
tests/e2e/test_blind_patients.py).
"""

from __future__ import annotations

import pytest

from bot.patient.nlp.language import detect_language, names_red_flag
from bot.patient.nlp.quantities import parse_blood_pressure
from tests.support.first_reply import assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    # swelling of any part of the face, the eyes included
    ("both my eyes are swelling up and my skin is itchy", "breathing-anaphylaxis"),
    ("my eyelids have swollen so much i can hardly open them", "breathing-anaphylaxis"),
    ("my cheeks and chin are swelling since the drip", "breathing-anaphylaxis"),
    ("my face has got really big around my lips", "breathing-anaphylaxis"),
    ("my mouth is going huge, itchy all over", "breathing-anaphylaxis"),
    # breathing effort told through speech, walking, stairs
    ("I have to stop for breath after every few words", "breathing-anaphylaxis"),
    ("I can't get to the end of a sentence, pausing for air all the time", "breathing-anaphylaxis"),
    ("cant finish my sentences since this afternoon", "breathing-anaphylaxis"),
    ("I'm puffed out just walking to the bathroom", "breathing-anaphylaxis"),
    ("got winded climbing four steps, never like this", "breathing-anaphylaxis"),
    # a collapse told by where the patient ended up or how long they were out
    ("my knees just gave way under me in the shop", "breathing-anaphylaxis"),
    ("I came round on the bathroom floor, no idea how long", "breathing-anaphylaxis"),
    ("my wife says I was out for about 20 seconds after standing", "breathing-anaphylaxis"),
    # a home blood-pressure reading below 90 systolic
    ("my blood pressure cuff says 80/50 and I'm clammy", "breathing-anaphylaxis"),
    ("bp 86 over 52 on the home monitor, feel awful", "breathing-anaphylaxis"),
    ("normally my bp is 130/85, tonight it reads 84/49", "breathing-anaphylaxis"),
    # vertigo and balance in plain words
    ("the whole room is whirling round and round", "stroke-signs"),
    ("when I walk I keep veering off to the left", "stroke-signs"),
    ("I can't stand up without toppling over", "stroke-signs"),
    # a sudden sign next to a usual one
    (
        "my left side went numb out of nowhere 10 mins ago, my usual numbness is only in my feet",
        "stroke-signs",
    ),
    ("my hand went weak suddenly, the tingling in my legs is my normal ms", "stroke-signs"),
    # a simile is not a usual sign ("like it's ...")
    ("suddenly my sight on the left is blank, like it's torn away", "stroke-signs"),
    # bleeding from a tooth socket that will not stop
    ("my tooth socket has bled since the dentist this morning, I can't stop it", "bleeding-wont-stop"),
    ("been bleeding from the gap where my tooth was taken out for 3 hrs, cant stop it", "bleeding-wont-stop"),
    # "I suppose" hedges what came before; it is no supposition of what follows (a coughed-up
    # blood after it was read as hypothetical in the final blind set 4)
    ("bit achy, the usual I suppose, and there was blood when I coughed just now", "coughing-blood"),
    ("tired, normal for me i suppose, but i spat out blood twice this morning", "coughing-blood"),
]


@pytest.mark.parametrize("text, rule", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rule: str) -> None:
    assert_reads(text, "emergency", rule)


# messages with no red flag of the patient's own now: never an emergency
NOT_EMERGENCY = [
    # someone else's sign in a question about the patient's own risk
    "my dad had a heart attack at 55, does that put me at higher risk on this drug?",
    "my neighbour had a stroke after the same treatment, how likely is it for me",
    "my cousin had anaphylaxis to it, am I at risk too",
    "my uncle had a stroke at 64, will I get one too on this?",
    "my sister had anaphylaxis to a wasp sting, should I worry about my next infusion",
    # suppositions
    "in theory, if I coughed blood would that be an emergency",
    "hypothetically if my throat swelled up would I get an ambulance",
    # a faint at the cannula, seen to there
    "I went faint while they were putting the cannula in, the nurses sorted me out",
    "I passed out when they put the needle in at the unit yesterday",
    # a sign left by an old palsy
    "my drooping eyelid is from a Bell's palsy years back, no change",
    "my mouth droops on the left since Bell's palsy",
    # puffy eyes are not a swelling face
    "my eyes look puffy from crying last night",
    # a size word before the part is not the part swelling
    "huge itchy hives on my face and neck since this morning",
    # readings that are not a low blood pressure
    "bp 122/78 this morning, all good",
    "pain is about 7/10 in my knees, 50/50 whether to take paracetamol",
    # light-headed on standing up: postural, not the dizziness of a stroke
    "I get a head rush every time I stand up since the infusion",
    "got up too quickly and felt woozy, sat down and it passed",
    # a sign read about in the leaflet
    "what is the bleeding thing on the leaflet about? I'm fine",
    "what does the heart attack bit in the leaflet mean for me?",
    # signs creeping on over more than a week (PML: same day)
    "for the last 9 days my left hand has been weaker each day",
    "my right leg is heavier by the day, no sudden change",
]


@pytest.mark.parametrize("text", NOT_EMERGENCY)
def test_others_signs_and_suppositions_are_not_an_emergency(text: str) -> None:
    disposition, rule_id, found = read(text)
    assert disposition != "emergency", (rule_id, found)


# the patient's own sign with the same risk question stays an emergency
OWN_SIGN_WITH_RISK_QUESTION = [
    "I have chest pain, does that put me at higher risk of a heart attack?",
    "my husband has crushing chest pain right now, how common is that after lemtrada",
]


@pytest.mark.parametrize("text", OWN_SIGN_WITH_RISK_QUESTION)
def test_a_present_sign_with_a_risk_question_stays_an_emergency(text: str) -> None:
    assert read(text)[0] == "emergency"


@pytest.mark.parametrize(
    "text, systolic",
    [
        ("BP machine says 79/48", 79.0),
        ("blood pressure was 88 over 60", 88.0),
        ("usual bp 140/90, now 85/50", 85.0),
        ("cuff reads 101 / 67", 101.0),
        ("pain 8/10", None),
        ("bp 50/50", None),
        ("my pressure is fine", None),
    ],
)
def test_blood_pressure_pairs_are_read(text: str, systolic: float | None) -> None:
    read_pair = parse_blood_pressure(text, ("bp", "blood pressure", "pressure", "cuff", "machine"))
    assert (read_pair[0] if read_pair else None) == systolic


@pytest.mark.parametrize(
    "text, code, red_flag",
    [
        ("nagle nie czuję lewej ręki i nogi", "pl", True),
        ("Ich habe seit gestern Fieber, keine Atemnot, sonst alles gut", "de", False),
        ("ik heb geen benauwdheid, alleen een beetje koorts sinds gisteren", "nl", False),
        ("Ich bekomme keine Luft mehr", "de", True),
        # an itchy arm or leg, a sore throat: not a weak limb nor a closing throat
        ("me pica mucho el brazo desde ayer por la tarde", "es", False),
        ("ik heb sinds gisteren keelpijn en een beetje koorts", "nl", False),
        ("no puedo mover el brazo izquierdo desde hace una hora", "es", True),
        # an Italian message with few of the common words placed as Italian
        ("stanotte vomito sempre, anche adesso", "it", False),
        ("ancora vomito dopo la flebo, tutta la notte", "it", False),
    ],
)
def test_other_languages_place_and_deny_the_sign(text: str, code: str, red_flag: bool) -> None:
    assert detect_language(text) == code
    assert names_red_flag(text, code) == red_flag


@pytest.mark.parametrize(
    "text, rule",
    [
        ("dizzy whenever I stand up, have been all day", "postural-dizziness"),
        ("I go light headed when I get up from the sofa", "postural-dizziness"),
    ],
)
def test_light_headed_on_standing_is_same_day(text: str, rule: str) -> None:
    assert read(text)[:2] == ("urgent", rule)
