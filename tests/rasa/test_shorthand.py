"""Clinical shorthand (knowledge/shorthand.yml): expansion and the NLU tokenizer."""

from __future__ import annotations

import pytest

from bot.staff.shorthand import compile_shorthand, expand, load_shorthand


@pytest.mark.parametrize(
    "typed, expanded",
    [
        ("pt started wheezing, sats 91%", "patient started wheezing, oxygen saturation 91%"),
        ("IAR incidence yr 2", "IAR incidence course 2"),
        ("can we restart after a gr3", "can we restart after a grade 3"),
        ("gr 4?", "grade 4?"),
        (
            "BP 85/50, HR 120, 2hr into the bag",
            "blood pressure 85/50, heart rate 120, 2 hours into the infusion",
        ),
        ("premeds?", "premedication?"),
        ("MP dose", "methylprednisolone dose"),
        ("24mg round 2", "24 mg course 2"),
        ("IRR rate", "IAR rate"),
        ("pull them?", "stop the infusion?"),
        ("can we carry on", "can we continue the infusion"),
        ("gave piriton", "gave antihistamine (chlorphenamine)"),
        ("obs post infusion", "observations after the infusion"),
        ("sob, RR 28", "short of breath, respiratory rate 28"),
        # a reading followed by a vital sign's name: "38.6 HR 112" is not "38.6 hours"
        ("temp 38.6 HR 112", "temperature 38.6 heart rate 112"),
        ("SBP 82", "systolic blood pressure 82"),
        # whole words only
        ("the patient is stable", "the patient is stable"),
        ("temperature", "temperature"),
    ],
)
def test_shorthand_expands_to_the_knowledge_words(typed: str, expanded: str) -> None:
    assert expand(typed) == expanded


def test_longest_key_wins_and_numbers_are_carried() -> None:
    table = compile_shorthand({"gr \\d": "grade {n}", "gr": "gram", "yr \\d": "course {n}"})
    assert table.expand("gr 3 in yr 2, 5 gr") == "grade 3 in course 2, 5 gram"


def test_a_number_placeholder_without_a_number_key_fails(tmp_path) -> None:
    bad = tmp_path / "shorthand.yml"
    bad.write_text('expansions:\n  yr: "course {n}"\n')
    with pytest.raises(ValueError, match="yr"):
        load_shorthand(bad)


def test_tokenizer_reads_the_expansion_and_keeps_the_typed_spans() -> None:
    from rasa.shared.nlu.training_data.message import Message

    from bot.rasa.tokenizer import ShorthandTokenizer

    tokenizer = ShorthandTokenizer(ShorthandTokenizer.get_default_config())
    text = "pt wheezy, sats 91"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens] == ["patient", "wheezy", "oxygen", "saturation", "91"]
    assert [(t.start, t.end) for t in tokens][2:4] == [(11, 15), (11, 15)]
    assert text[tokens[1].start : tokens[1].end] == "wheezy"
