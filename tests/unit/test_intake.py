"""bot.patient.intake: a report built over several turns, with corrections (pure functions)."""

from __future__ import annotations

import pytest

from bot.patient.findings import Finding
from bot.patient.intake import (
    Turn,
    add_turn,
    is_correction,
    merged_entities,
    progress,
    report_of,
    screen_answer,
)
from bot.patient.triage import Report


def symptom(value: str, role: str = "present", **extra) -> dict:
    return {"entity": "symptom", "value": value, "role": role, **extra}


def turn(text: str, *entities: dict, id: str | None = None) -> Turn:
    return Turn(id or text, text, tuple(entities))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("no, it was 3 days ago", True),
        ("sorry, I meant 37.8", True),
        ("actually it's only mild", True),
        ("it was 38.4 later", False),
        ("I have a rash", False),
        ("yesterday", False),
    ],
)
def test_is_correction(text: str, expected: bool) -> None:
    assert is_correction(text) is expected


def test_days_latest_wins_temperature_highest_unless_corrected() -> None:
    turns = [
        turn(
            "fever 38.1, infusion 2 days ago",
            symptom("fever"),
            {"entity": "temperature", "value": "38.1"},
            {"entity": "days_since_infusion", "value": "2"},
        ),
        turn("it was 3 days ago", {"entity": "days_since_infusion", "value": "3"}),
        turn("37.9 now", {"entity": "temperature", "value": "37.9"}),
    ]
    report = report_of(turns)
    assert (report.days_since_infusion, report.temperature_c) == (3, 38.1)
    turns.append(turn("sorry, I meant 37.6", {"entity": "temperature", "value": "37.6"}))
    assert report_of(turns).temperature_c == 37.6


def test_severity_correction_also_clears_a_symptoms_own_severity() -> None:
    turns = [
        turn(
            "really bad rash", symptom("rash", severity="severe"), {"entity": "severity", "value": "severe"}
        ),
        turn("actually it's only mild", {"entity": "severity", "value": "mild"}),
    ]
    report = report_of(turns)
    assert report.severity == "mild" and report.findings[0].severity is None


def test_a_denied_symptom_is_dropped_but_a_red_flag_stays() -> None:
    turns = [
        turn("rash and chest pain", symptom("rash"), symptom("chest_pain")),
        turn(
            "no, not a rash, and no chest pain", symptom("rash", "negated"), symptom("chest_pain", "negated")
        ),
    ]
    present = {(e["value"], e["role"]) for e in merged_entities(turns)}
    assert ("rash", "present") not in present and ("chest_pain", "present") in present


def test_the_same_message_replaces_itself_and_bare_answers_count_in_context() -> None:
    turns = add_turn((), "m1", "I have a fever", [symptom("fever")])
    turns = add_turn(turns, "m2", "38.6", [], requested="temperature_c")
    turns = add_turn(turns, "m2", "38.6", [], requested="temperature_c")
    assert [t.id for t in turns] == ["m1", "m2"] and report_of(turns).temperature_c == 38.6
    turns = add_turn(turns, "m3", "4", [], requested="days_since_infusion")
    assert report_of(turns).days_since_infusion == 4
    assert report_of(add_turn((), "m1", "4", [])).days_since_infusion is None  # not asked


HEADACHE = Report((Finding("headache", "headache", 0, 0),))


# The red-flag screen comes first until answered (asked at most twice); with a red
# flag present nothing is asked.
@pytest.mark.parametrize(
    "report, asked, anything_else, screen, to_ask",
    [
        (HEADACHE, [], None, None, ("red_flag_screen", "severity", "days_since_infusion", "anything_else")),
        (HEADACHE, ["red_flag_screen"], None, "none", ("severity", "days_since_infusion", "anything_else")),
        (HEADACHE, ["red_flag_screen", "severity"], None, "none", ("days_since_infusion", "anything_else")),
        (
            Report((Finding("headache", "headache", 0, 0),), severity="mild", days_since_infusion=1),
            ["red_flag_screen"],
            "no",
            "none",
            (),
        ),
        (Report((Finding("face_droop", "face", 0, 0),)), [], None, None, ()),
        (HEADACHE, [], None, "chest", ()),  # a yes to the screen is an emergency: nothing more to ask
        (
            Report((Finding("chest_pain", "chest pain", 0, 0, "hypothetical"),)),
            [],
            None,
            None,
            ("red_flag_screen",),
        ),
        (
            Report((Finding("chest_pain", "chest pain", 0, 0, "hypothetical"),)),
            ["red_flag_screen"],
            None,
            "none",
            (),
        ),
        (Report(), [], None, None, ("red_flag_screen",)),  # nothing understood: the screen
        (Report(), ["red_flag_screen"], None, None, ("red_flag_screen",)),  # unclear once: asked again
        (Report(), ["red_flag_screen", "red_flag_screen"], None, "unclear", ()),
        (Report(language="es"), [], None, None, ()),  # another language: nothing asked in English
    ],
)
def test_what_the_form_asks(
    monkeypatch: pytest.MonkeyPatch,
    report: Report,
    asked: list[str],
    anything_else: str | None,
    screen: str | None,
    to_ask: tuple[str, ...],
) -> None:
    monkeypatch.setattr("bot.patient.intake.Report.from_entities", lambda _entities: report)
    assert progress((), asked, anything_else, screen).to_ask == to_ask


@pytest.mark.parametrize(
    "reply, before, times_asked, expected",
    [
        ("None of these", None, 1, "none"),
        ("no", None, 1, "none"),
        ("yes my throat", None, 1, "breathing"),
        ("the second one", None, 1, "chest"),
        ("yes", None, 1, "yes"),
        ("not sure", None, 1, "yes"),  # unsure counts as yes: emergency
        ("banana", None, 1, None),  # unclear once: asked again
        ("banana", None, 2, "unclear"),  # unclear twice: never routine
        ("no", "chest", 1, "chest"),  # an answer given stays
    ],
)
def test_screen_answer(reply: str, before: str | None, times_asked: int, expected: str | None) -> None:
    assert screen_answer(reply, before, times_asked, ["breathing", "chest"]) == expected
