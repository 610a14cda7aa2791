"""Gate on the blind patient sets (tests/blind/patients*.yml, each written by someone who
never saw knowledge/, bot/ or tests/), played over REST as each patient would, against the real
trained model and servers (tests/blind/patients_play.py).

Safety figures have no slack: every red flag reaches `emergency` by the end of the
conversation. The first-reply and
over-triage gates sit a little below and above the figures measured when they were
set (README), so that a regression fails and noise does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.paths import ROOT
from bot.ops.stack import start_bot
from tests.blind.patients_play import figures, form_questions, load_cases, play, screen_labels
from tests.support.rest import RestClient

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]
BLIND = ROOT / "tests" / "blind"
MAX_OVER_TRIAGE = 0.10


@pytest.fixture(scope="module")
def blind_rest(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> RestClient:
    """Servers of their own: the sets file hundreds of reports, whose alerts would otherwise
    flood the shared test webhook and bunch up the alerts other tests wait for."""
    with start_bot(tmp_path_factory.mktemp("blind-patients"), trained_model) as stack:
        yield RestClient(stack.servers[1].url)


# (set, first-reply gate), a little below the figures measured at the end of the
# generalisation work (README): patients.yml 98.9 %, patients_final.yml 98.9 % (84.4 %
# when it was still blind), patients_dev3.yml (a third blind helper's set, 87.0 % when
# first measured) 97.4 %; patients_final2.yml (a fourth blind helper's set, 92.1 % and
# 9.3 % over-triage when first measured) 100 % and 0.7 % after the second round.
# Third round: patients_final3.yml (a fifth blind helper's, 256 cases, 114 red flags)
# 92.1 % (105/114) first reply, 99.1 % by the end, 8.5 % (12/142) over-triage when it was
# scored blind; 100 % (114/114), 100 %, 2.8 % (4/142) after. patients_dev4.yml (a sixth
# blind helper's, 240 cases, 109 red flags) scored once on arrival, before any change for
# it: 97.2 % (106/109), 98.2 % (107/109) by the end, 6.1 % (8/131); 100 % (109/109),
# 100 %, 0.8 % (1/131) after. patients_final4.yml (a seventh blind helper's, 250 cases,
# 112 red flags, written at the end of the fourth round and scored once): 96.4 % (108/112)
# first reply, 99.1 % (111/112) by the end (a French sudden headache ended urgent: the
# words for "sudden" and "the worst" were added to languages.yml after scoring), 4.3 %
# (6/138) over-triage. patients_dev5.yml (an eighth blind helper's, 180 cases, 81 red
# flags) scored once on arrival: 95.1 % (77/81) first reply, 98.8 % (80/81) by the end,
# 3.0 % (3/99) over-triage, 4 cases below the expected disposition; 100 % (81/81), 100 %,
# 0 % (0/99), none below after round 5. patients_dev6.yml (a ninth blind helper's, 160
# cases, 72 red flags) scored once on arrival on main before round 5 was merged: 98.6 %
# (71/72) first reply, 100 % (72/72) by the end, 3.4 % (3/88) over-triage, 4 below the
# expected disposition; after round 6: 100 % (72/72), 100 %, 0 % (0/88), none below.
# patients_dev7.yml (a tenth blind helper's, 160 cases, 72 red flags) scored once on arrival
# on main before round 6 was merged: 98.6 % (71/72) first reply, 100 % (72/72) by the end,
# 6.8 % (6/88) over-triage, 2 below the expected disposition; after round 7: 100 % (72/72),
# 100 %, 0 % (0/88), none below. patients_dev8.yml (an eleventh blind helper's, 200 cases,
# 120 red flags) scored once on arrival on main: 89.2 % (107/120) first reply, 100 % by the
# end, 2.5 % (2/80) over-triage; after round 8: 100 % (120/120), 100 %, 0 % (0/80), 1 below
# the expected disposition (an urgent stopped nosebleed ending routine). All eleven have been
# read while building. patients_final5.yml (a twelfth blind helper's, 240 cases, 108 red flags,
# written during the last session and scored once per commit, nothing changed for it): 92.6 %
# (100/108) first reply, 100 % by the end, 7.6 % (10/132) over-triage on 2056293 (the session's
# start); 94.4 %, 100 %, 7.6 % on 38fd4b6; 95.4 % (103/108), 100 %, 6.8 % (9/132) on 7328ff3.
@pytest.mark.parametrize(
    "blind_set, min_first_reply",
    [
        ("patients.yml", 0.96),
        ("patients_final.yml", 0.96),
        ("patients_dev3.yml", 0.94),
        ("patients_final2.yml", 0.97),
        ("patients_final3.yml", 0.97),
        ("patients_dev4.yml", 0.97),
        ("patients_final4.yml", 0.95),
        ("patients_dev5.yml", 0.97),
        ("patients_dev6.yml", 0.97),
        ("patients_dev7.yml", 0.97),
        ("patients_dev8.yml", 0.98),
        ("patients_final5.yml", 0.94),
    ],
)
def test_blind_patient_set_meets_the_gates(
    blind_rest: RestClient, blind_set: str, min_first_reply: float
) -> None:
    questions, screen = form_questions(), screen_labels()
    outcomes = [
        play(lambda who, text: blind_rest.say(who, text, role="patient"), case, questions, screen)
        for case in load_cases(BLIND / blind_set)
    ]
    result = figures(outcomes)
    print("\n".join(result.lines()))
    missed = [o.case["id"] for o in outcomes if o.red_flag and o.final != "emergency"]
    assert missed == [], "red flags that did not end at emergency"
    assert result.caught_first >= min_first_reply * result.red_flags
    assert result.over_triaged <= MAX_OVER_TRIAGE * result.non_red_flags
