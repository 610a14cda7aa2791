"""Gate on the blind patient set (tests/blind/patients.yml, written by someone who never
saw knowledge/, bot/ or tests/), played over REST as each patient would, against the real
trained model and servers (tests/blind/patients_play.py).

Safety figures have no slack: every red flag reaches `emergency` by the end of the
conversation. The first-reply and
over-triage gates sit a little below and above the figures measured when they were
set (README), so that a regression fails and noise does not.
"""
from __future__ import annotations

import pytest

from bot.paths import ROOT
from tests.blind.patients_play import figures, form_questions, load_cases, play, screen_labels
from tests.conftest import RestClient

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]
BLIND_SET = ROOT / "tests" / "blind" / "patients.yml"
MIN_FIRST_REPLY = 0.93
MAX_OVER_TRIAGE = 0.10


def test_blind_patient_set_meets_the_gates(rest: RestClient) -> None:
    questions, screen = form_questions(), screen_labels()
    outcomes = [play(lambda who, text: rest.say(who, text, role="patient"), case, questions, screen)
                for case in load_cases(BLIND_SET)]
    result = figures(outcomes)
    print("\n".join(result.lines()))
    missed = [o.case["id"] for o in outcomes if o.red_flag and o.final != "emergency"]
    assert missed == [], "red flags that did not end at emergency"
    assert result.caught_first >= MIN_FIRST_REPLY * result.red_flags
    assert result.over_triaged <= MAX_OVER_TRIAGE * result.non_red_flags
