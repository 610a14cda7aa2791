"""The blind staff scorer's matching (bench/blind_staff.py): what counts as a fact named."""

from __future__ import annotations

import pytest

from bench.blind_staff import contains, names


@pytest.mark.parametrize(
    "reply, phrase, named",
    [
        ("give 5 mg now", "5 mg", True),
        ("(5 mg)", "5 mg", True),
        ("epinephrine 0.5 mg IM", "5 mg", False),  # another number, not the forbidden one
        ("15 mg", "5 mg", False),
        ("1,000 mg", "1000 mg", True),
        ("restart at half the rate", "restart at half", True),
        ("grade 3", "grade 2", False),
    ],
)
def test_a_forbidden_figure_is_named_only_as_that_number(reply: str, phrase: str, named: bool) -> None:
    assert names(reply, phrase) is named


def test_a_required_fact_is_a_plain_substring() -> None:
    assert contains("Epinephrine 0.5 mg IM", "0.5 MG") and contains("0.5 mg", "5 mg")
