"""Patients' own words, fifth round of issue 9: families the blind patient set dev5
(patients_dev5.yml) showed, each with our own sentences (not the blind set's).

Missed in the first reply: a carer's words about the patient ("he's holding his chest",
"she doesn't seem to know where she is" with a fever), wheezing in Polish, a Portuguese
message written without accents. Ended below the expected disposition: a carer's
non-red-flag sign read as someone else's and dropped (routine), fluids that will not stay
down told without "keep … down", hives back all over next to "breathing fine now". Read
as an emergency but not one: a family member's past stroke with the risk question in the
next sentence, a sign "had on and off for years", a metallic taste in Dutch.

The figures that count are on the blind sets (bench/red_flag_rules.py).
"""

from __future__ import annotations

import pytest

from bot.patient.findings import entities_from
from bot.patient.intake import Turn, progress
from bot.patient.nlp.extract import extract
from bot.patient.nlp.language import detect_language, names_red_flag
from tests.support.first_reply import TODAY, assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    # a carer tells chest pain by what they see
    ("my dad is clutching his chest and sweating buckets", "someone-else-red-flag"),
    ("she's pale and holding her chest, says it's nothing", "heart-signs"),
    ("I keep holding my chest, it feels wrong", "heart-signs"),
    # fever with confusion, told by a carer without "my"
    ("she's boiling hot and doesn't seem to know where she is", "stroke-signs"),
    ("temp 39 and he doesnt really know where he is", "stroke-signs"),
]


@pytest.mark.parametrize("text, rules", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rules: str) -> None:
    assert_reads(text, "emergency", rules)


# (message, disposition): a carer's sign is the patient's; fluids that will not stay down
# and hives back all over are same-day
SAME_DAY = [
    # a carer's non-red-flag sign, told in the present
    ("my husband can't keep anything down, he's been sick all morning", "persistent-vomiting"),
    ("my wife's skin has gone yellow", "liver-signs"),
    ("my son is covered in hives, lips are fine", "widespread-hives"),
    ("my mum has little purple spots all over her shins", "bleeding-bruising"),
    # fluids that will not stay down
    ("every drink comes straight back up since this morning", "persistent-vomiting"),
    ("cant even hold water down today", "persistent-vomiting"),
    ("nothing stays down, not even tea", "persistent-vomiting"),
    ("puked 6 times since midnight", "persistent-vomiting"),
    ("throwing up everything I drink", "persistent-vomiting"),
    # hives back all over, whatever is fine now
    ("the hives have come back tonight all over, throat fine now", "widespread-hives"),
    ("hives bad all over again, breathing ok now", "widespread-hives"),
    ("welts literally everywhere today, lips are fine", "widespread-hives"),
    ("the rash has spread all over me since lunch, throat ok", "widespread-hives"),
    ("covered from head to toe in red lumps, breathing ok", "widespread-hives"),
    # the liver: pain under the right ribs with nausea, looking yellowish
    ("aching under my right ribs and I feel queasy", "liver-stomach"),
    ("pain in the upper right of my belly, feel sick", "liver-stomach"),
    ("my partner says I'm looking a bit yellowish", "liver-signs"),
    # the glass test in the patient's words, purple blotches
    ("red dots on my ankles, they don't fade when I press a glass on them", "bleeding-bruising"),
    ("a few purple blotches on my arms this week", "bleeding-bruising"),
]


@pytest.mark.parametrize("text, rule", SAME_DAY)
def test_same_day_signs_are_urgent(text: str, rule: str) -> None:
    assert_reads(text, "urgent", rule)


# messages with no red flag: never an emergency
NOT_EMERGENCY = [
    # a family member's past sign, the risk question in its own sentence
    ("My father had a stroke when he was 65. Am I at higher risk on Lemtrada?", "routine"),
    ("My sister had a heart attack at 50. Could that happen to me with this treatment?", "routine"),
    # a sign had for years, on and off
    ("tingling in my right hand, had it on and off for 5 years, nothing new", "routine"),
    ("my left foot is numb, I've had it for several years", "routine"),
]


@pytest.mark.parametrize("text, expected", NOT_EMERGENCY)
def test_not_red_flags_are_not_an_emergency(text: str, expected: str) -> None:
    disposition, rule_id, found = read(text)
    assert disposition == expected, (rule_id, found)


# someone else's sign told now, or a sudden sign next to a long-standing one, stays an emergency
STILL_EMERGENCY = [
    "My husband is having chest pain now. Am I more likely to get it?",
    "my leg has been numb on and off for 3 years, but suddenly my face is drooping",
    "my arm went numb all of a sudden, I've had MS for 3 years",
]


@pytest.mark.parametrize("text", STILL_EMERGENCY)
def test_present_and_sudden_signs_stay_an_emergency(text: str) -> None:
    disposition, rule_id, found = read(text)
    assert disposition == "emergency", (rule_id, found)


# (message, language, names a warning sign)
LANGUAGES = [
    ("nie mogę złapać oddechu od rana", "pl", True),
    ("świszczę przy każdym oddechu, mam wysypkę", "pl", True),
    ("a minha mae de repente ficou com a boca torta", "pt", True),
    ("o meu pai nao consegue mexer o braço, foi de repente", "pt", True),
    # a long message written without accents: "nao", "mae" are Portuguese too
    (
        "a minha irma de repente ficou com a cara torta, nao consegue mexer a mao esquerda, fez a infusao anteontem",
        "pt",
        True,
    ),
    ("ik proef een metaalsmaak in mijn mond, verder gaat het goed", "nl", False),
    ("ich habe einen Metallgeschmack im Mund seit gestern", "de", False),
]


@pytest.mark.parametrize("text, code, red_flag", LANGUAGES)
def test_other_languages_place_and_name_the_sign(text: str, code: str, red_flag: bool) -> None:
    assert detect_language(text) == code
    assert names_red_flag(text, code) == red_flag


# Something read but nothing present, and a complaint outside all of it: part of the
# message was not understood, never routine (it ended "nothing-present")
PART_NOT_UNDERSTOOD = [
    "temp 37.2, and my gums feel weird",
    "had a headache yesterday, gone now, but my wee burns and smells odd",
    "had hives yesterday but they went away, now my knee is swollen",
    "temp 36.9 this morning, my side hurts when I breathe in",
]


@pytest.mark.parametrize("text", PART_NOT_UNDERSTOOD)
def test_a_complaint_outside_what_was_read_is_not_routine(text: str) -> None:
    disposition, rule_id, found = read(text)
    assert (disposition, rule_id) == ("urgent", "not-understood-part"), found


# ...while a message that only says what is not wrong, or what has passed, stays routine
ALL_UNDERSTOOD = [
    "temp 37.3, feel fine otherwise",
    "had a headache yesterday, the pain has gone now",
    "the hives from yesterday are all gone, no pain, no swelling",
]


@pytest.mark.parametrize("text", ALL_UNDERSTOOD)
def test_what_was_read_and_denied_stays_routine(text: str) -> None:
    disposition, rule_id, found = read(text)
    assert disposition == "routine", (rule_id, found)


# A patient message with content never ends routine after the red-flag screen: a carer's
# same-day sign was read as someone else's and the report ended "nothing-present"; a
# complaint the lexicon does not know next to a temperature did too.
@pytest.mark.parametrize(
    "text",
    [
        "my husband keeps vomiting, even a sip of water comes back up",
        "my wife's eyes have gone yellow since the weekend",
        "temperature 37.1 and my gums feel weird since the drip",
    ],
)
def test_a_carers_report_is_not_routine_after_the_screen(text: str) -> None:
    turn = Turn("m1", text, tuple(entities_from(extract(text, TODAY))))
    decision = progress([turn], asked=["red_flag_screen"], screen="none").decision
    assert decision.disposition != "routine", (decision.rule_id, decision.present)
