"""Reading a reply to a quiz question: letters, numbers, the option's words, skips, junk."""

from __future__ import annotations

import pytest

from bot.quiz.answers import SKIP, parse_answer

OPTIONS = [
    "Prednisolone 5 mg orally",
    "Dexamethasone 4 mg IM",
    "Hydrocortisone cream",
    "Methylprednisolone 1,000 mg IV",
]


@pytest.mark.parametrize(
    "reply, expected",
    [
        # letters, as typed or from a button payload
        ("b", 1),
        ("B", 1),
        ("B)", 1),
        ("(b)", 1),
        ("b.", 1),
        (" d ", 3),
        ("option c", 2),
        ("answer: d", 3),
        ("I think a", 0),
        ("it's c", 2),
        ("the answer is b", 1),
        ("B) Dexamethasone 4 mg IM", 1),
        # numbers
        ("2", 1),
        ("2.", 1),
        ("4)", 3),
        ("number 3", 2),
        ("option 1", 0),
        # the option's words: exact, any case, without the thousands comma, or clearly one option
        ("Methylprednisolone 1,000 mg IV", 3),
        ("methylprednisolone 1000 mg iv", 3),
        ("methylprednisolone", 3),
        ("prednisolone", 0),
        ("hydrocortisone", 2),
        ("dexamethazone 4 mg im", 1),
        # skips
        ("skip", SKIP),
        ("Skip this one", SKIP),
        ("pass", SKIP),
        ("I don't know", SKIP),
        ("no idea", SKIP),
        ("next", SKIP),
        ("no clue, next", SKIP),
        ("idk", SKIP),
        ("skipping", SKIP),
        ("can I skip", SKIP),
        ("honestly not sure, skip it", SKIP),
        # junk or ambiguous
        ("", None),
        ("   ", None),
        ("?", None),
        ("hello", None),
        ("e", None),
        ("f", None),
        ("7", None),
        ("0", None),
        ("mg", None),
        ("a lot", None),
        ("mg iv or im", None),
        ("B) Methylprednisolone 1,000 mg IV", None),
    ],
)
def test_parse_answer(reply: str, expected: int | str | None) -> None:
    assert parse_answer(reply, OPTIONS) == expected


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("68.6 %", 0),
        ("68.6%", 0),
        ("84.7", 1),
        ("90", None),
        ("3", 2),
    ],
)
def test_figures_as_options(reply: str, expected: int | None) -> None:
    assert parse_answer(reply, ["68.6 %", "84.7 %", "90.1 %", "96.3 %"]) == expected


def test_letter_beyond_the_options_is_not_an_answer() -> None:
    assert parse_answer("d", ["Grade 1–2", "Grade 3–4", "Grade 5"]) is None
    assert parse_answer("4", ["Grade 1–2", "Grade 3–4", "Grade 5"]) is None
