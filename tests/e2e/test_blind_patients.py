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

from bot.core.paths import ROOT
from tests.blind.patients_play import figures, form_questions, load_cases, play, screen_labels
from tests.support.rest import RestClient

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]
BLIND = ROOT / "tests" / "blind"
MAX_OVER_TRIAGE = 0.10


# (set, first-reply gate), a little below the figures measured at the end of the
# generalisation work (README): patients.yml 98.9 %, patients_final.yml 98.9 % (84.4 %
# when it was still blind), patients_dev3.yml (a third blind helper's set, 87.0 % when
# first measured) 97.4 %. All three have been read while building: the figure that
# counts is on a set nobody here has seen.
@pytest.mark.parametrize(
    "blind_set, min_first_reply",
    [("patients.yml", 0.96), ("patients_final.yml", 0.96), ("patients_dev3.yml", 0.94)],
)
def test_blind_patient_set_meets_the_gates(rest: RestClient, blind_set: str, min_first_reply: float) -> None:
    questions, screen = form_questions(), screen_labels()
    outcomes = [
        play(lambda who, text: rest.say(who, text, role="patient"), case, questions, screen)
        for case in load_cases(BLIND / blind_set)
    ]
    result = figures(outcomes)
    print("\n".join(result.lines()))
    missed = [o.case["id"] for o in outcomes if o.red_flag and o.final != "emergency"]
    assert missed == [], "red flags that did not end at emergency"
    assert result.caught_first >= min_first_reply * result.red_flags
    assert result.over_triaged <= MAX_OVER_TRIAGE * result.non_red_flags
