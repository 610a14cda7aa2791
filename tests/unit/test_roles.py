"""Who is writing (bot/core/roles.py): metadata first, then staff cues in the text, else a patient."""

from __future__ import annotations

import pytest

from bot.core.roles import bare_answer, reports_symptoms, role_of, staff_intent

# (message, metadata, role)
ROLE_CASES = [
    # patients about themselves
    ("I have a rash", None, "patient"),
    ("my face is drooping", None, "patient"),
    ("I've had a mild headache since my infusion yesterday", None, "patient"),
    ("what if I get chest pain?", None, "patient"),
    ("my husband's face is drooping", None, "patient"),
    ("I'm one of the patients in the trial and I have a rash", None, "patient"),
    ("do other patients get headaches like mine?", None, "patient"),
    ("I'm the patient, my wife is typing for me", None, "patient"),
    ("I’m the patient", None, "patient"),
    ("38.6", None, "patient"),
    ("hello", None, "patient"),
    # staff about a patient
    ("my patient has a rash", None, "staff"),
    ("My patient has a rash", None, "staff"),
    ("the patient has a fever of 38.6", None, "staff"),
    ("our patient is short of breath", None, "staff"),
    ("a patient of mine rang with hives", None, "staff"),
    ("pt c/o headache after the infusion", None, "staff"),
    ("pt has chest pain", None, "staff"),
    ("my pts keep getting rashes", None, "staff"),
    ("patient in anaphylaxis", None, "staff"),
    ("patient short of breath during the infusion", None, "staff"),
    ("how many patients get a rash?", None, "staff"),
    ("how long do we watch the patient after?", None, "staff"),
    # the channel's metadata wins
    ("my patient has a rash", {"role": "patient"}, "patient"),
    ("I have a rash", {"role": "staff"}, "staff"),
    ("I have a rash", {"role": "STAFF "}, "staff"),
    ("my patient has a rash", {"role": "nurse"}, "staff"),  # unknown role: ignored
    ("I have a rash", {"role": None}, "patient"),
    ("I have a rash", {"display_name": "Sam"}, "patient"),
    ("I have a rash", {}, "patient"),
    ("", None, "patient"),
    (None, None, "patient"),
]


@pytest.mark.parametrize("text, metadata, role", ROLE_CASES, ids=[str(c[0]) for c in ROLE_CASES])
def test_role(text: str | None, metadata: dict | None, role: str) -> None:
    assert role_of(text, metadata) == role


# (intent, text, entities, staff intent)
STAFF_INTENT_CASES = [
    ("report_symptoms", "my patient has a rash", [], "ask_manage_reaction"),
    ("report_symptoms", "pt rang from home with a rash", [], "ask_delayed_reactions"),
    (
        "report_symptoms",
        "my patient has a rash",
        [{"entity": "days_since_infusion", "value": "2"}],
        "ask_delayed_reactions",
    ),
    (
        "report_symptoms",
        "my patient has a rash",
        [{"entity": "days_since_infusion", "value": "0"}],
        "ask_manage_reaction",
    ),
    ("inform", "the patient has had a fever since yesterday", [], "ask_delayed_reactions"),
    # "since" the restart or the bag is at the chair, not after the infusion
    ("report_symptoms", "pt rigors again since we restarted", [], "ask_manage_reaction"),
    ("report_symptoms", "sats dropping since the restart", [], "ask_manage_reaction"),
    ("inform", "patient flushed since the bag went up", [], "ask_manage_reaction"),
    ("inform", "pt itchy since 20 mins in", [], "ask_manage_reaction"),
    ("inform", "my patient has had a rash since Tuesday", [], "ask_delayed_reactions"),
    ("ask_premedication", "premeds?", [], "ask_premedication"),
    (None, "hello", [], None),
]


@pytest.mark.parametrize("intent, text, entities, expected", STAFF_INTENT_CASES)
def test_staff_intent(intent: str | None, text: str, entities: list, expected: str | None) -> None:
    assert staff_intent(intent, text, entities) == expected


@pytest.mark.parametrize(
    "entities, expected",
    [
        ([{"entity": "symptom", "value": "rash", "role": "present"}], True),
        ([{"entity": "symptom", "value": "face_droop", "role": "family"}], True),
        ([{"entity": "symptom", "value": "rash"}], True),  # no role: present
        # the patient's usual sign is still a report to triage, not a "Goodbye."
        ([{"entity": "symptom", "value": "vision_loss", "role": "usual"}], True),
        ([{"entity": "symptom", "value": "chest_pain", "role": "hypothetical"}], False),
        ([{"entity": "symptom", "value": "chest_pain", "role": "negated"}], False),
        ([{"entity": "symptom", "value": "stroke", "role": "historical"}], False),
        ([{"entity": "temperature", "value": "38.6"}], False),
        ([], False),
    ],
)
def test_reports_symptoms(entities: list, expected: bool) -> None:
    assert reports_symptoms(entities) is expected


@pytest.mark.parametrize(
    "text, entities, bare",
    [
        ("no", [], True),
        ("no thanks, I'm fine", [], True),
        ("ok yes", [], True),
        # read as yes/no, but a report the triage must see
        ("Temperature 38C, thats it", [{"entity": "temperature", "value": "38.0"}], False),
        ("cough for weeks that won't go away, no blood", [], False),
        (
            "no, my usual numbness",
            [{"entity": "symptom", "value": "limb_weakness_one_side", "role": "usual"}],
            False,
        ),
        ("non riesco", [{"entity": "language", "value": "it"}], False),
    ],
)
def test_bare_answer(text: str, entities: list, bare: bool) -> None:
    assert bare_answer(text, entities) is bare
