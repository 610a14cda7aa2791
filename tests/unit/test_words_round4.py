"""Patients' own words, fourth round of issue 9: families the final blind patient set 4
(patients_final4.yml) showed, each with our own sentences (not the blind set's).

Missed in the first reply: speech that will not come out, an arm or leg hanging
limp, sudden confusion told as not understanding or not knowing where one is. Read as
an emergency but not one: yellow eyes next to dark urine (liver, same day), a denied
"sudden", a heavy leg said to be the usual MS one after a "but".

The figures that count are on the blind sets (bench/red_flag_rules.py).
"""

from __future__ import annotations

import pytest

from tests.support.first_reply import assert_reads, read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    # speech that will not come out
    ("my husband suddenly can't get his words out", "someone-else-red-flag"),
    ("all of a sudden I cant get my words out properly", "stroke-signs"),
    ("out of nowhere her words won't come, she's trying to speak", "stroke-signs"),
    ("dad is suddenly talking nonsense since 20 minutes ago", "stroke-signs"),
    # an arm or leg hanging limp
    ("suddenly his left arm is just hanging by his side", "stroke-signs"),
    ("my right arm is dangling, it came on suddenly 10 mins ago", "stroke-signs"),
    ("her leg went limp all of a sudden", "stroke-signs"),
    ("my hand suddenly went floppy and I dropped my tea", "stroke-signs"),
    ("out of nowhere my arm feels like a dead weight", "stroke-signs"),
    # a sudden cue after a sign that crept on: the new sign is sudden
    ("my leg has got weaker over the last two weeks, now suddenly my arm is dead", "stroke-signs"),
    # and without one: a sign told after one that crept on may be a new, sudden one (a
    # tried rule that read it as the same slow course was reverted for this)
    ("my left leg got weaker over the last two weeks, now my right arm is dead", "stroke-signs"),
    # "nothing" denies a sign word after it, but completes "nothing stops the bleeding"
    ("nothing stops the bleeding from my gums", "bleeding-wont-stop"),
    ("my gums have bled all day and nothing stops it", "bleeding-wont-stop"),
    # sudden confusion told as not understanding or not knowing where one is
    ("my wife suddenly can't understand what I'm saying to her", "someone-else-red-flag"),
    ("mum suddenly doesn't know where she is", "stroke-signs"),
    ("all of a sudden he doesn't know where he is, keeps asking what's going on", "stroke-signs"),
    ("grandad keeps asking what's going on, it started suddenly an hour ago", "stroke-signs"),
]


@pytest.mark.parametrize("text, rule", RED_FLAGS)
def test_red_flags_in_new_words_are_an_emergency(text: str, rule: str) -> None:
    assert_reads(text, "emergency", rule)


# messages with no red flag: never an emergency, never routine when a same-day sign
NOT_EMERGENCY = [
    # yellow eyes and dark urine: the liver, same day; "dark" belongs to the urine
    ("the whites of his eyes have gone yellow and his pee is dark", "urgent"),
    ("eyes look yellow and my pee is dark brown", "urgent"),
    ("her eyes are yellow, her wee is dark", "urgent"),
    ("my eyes look a bit yellow today and my urine is dark like tea", "urgent"),
    # a denied "sudden"
    ("nothing sudden about it, an ordinary headache since this morning", None),
    ("mild headache, comes and goes, nothing sudden", None),
    # the usual MS sign after a "but"
    ("my arms feel heavy but that's my normal ms, no change", None),
    ("left leg is a bit numb but thats my usual, same as always", None),
    # an arm resting in a sling; words of an email that will not come right
    ("my arm is hanging in a sling since the fall, it's sore", None),
    ("I can't get the words right in my email, just tired", None),
]


@pytest.mark.parametrize("text, expected", NOT_EMERGENCY)
def test_not_red_flags_are_not_an_emergency(text: str, expected: str | None) -> None:
    disposition, rule_id, found = read(text)
    assert disposition != "emergency", (rule_id, found)
    if expected:
        assert disposition == expected, (rule_id, found)
