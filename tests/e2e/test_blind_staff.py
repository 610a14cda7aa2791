"""Gate on the blind staff set (tests/blind/staff.yml, written by someone who never saw
data/, knowledge/ or tests/), played over REST against the real trained model and servers.

The thresholds sit a little below the measured figures so that a regression fails and noise
does not.
"""

from __future__ import annotations

import pytest

from bench.blind_staff import DEFAULT_SET, evaluate, load_cases, report, summarise
from bot.ops.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]


# (set, pass rate, anaphylaxis-lead rate, wrong answers): staff.yml was used while building
# (89.4 %, 17/17, 0); staff_final.yml was written at the end of the first round and scored
# once (75.7 %, 12/13, 1), then used to develop the second round (88.9 %, 13/13, 0);
# staff_dev3.yml (223 cases) was written blind during the second round and measured before
# any change for it (74.0 %, 24/26, 5; now 87.9 %, 26/26, 0). The gates hold today's
# figures a little lower, not the targets (see README).
@pytest.mark.parametrize(
    "blind_set, min_pass_rate, min_lead_rate, max_wrong",
    [
        ("staff.yml", 0.87, 1.0, 0),
        ("staff_final.yml", 0.87, 1.0, 0),
        ("staff_dev3.yml", 0.86, 1.0, 0),
    ],
)
def test_blind_staff_set_meets_the_gate(
    servers: Stack, blind_set: str, min_pass_rate: float, min_lead_rate: float, max_wrong: int
) -> None:
    outcomes = evaluate(servers.servers[1].url, load_cases(DEFAULT_SET.parent / blind_set))
    summary = summarise(outcomes)
    print(report(summary))
    failed = [f"{o.id}: missing {o.missing} forbidden {o.forbidden}" for o in outcomes if not o.passed]
    assert summary.lead_rate >= min_lead_rate, [o.id for o in outcomes if o.leads is False]
    assert summary.wrong_answers <= max_wrong, failed
    assert summary.pass_rate >= min_pass_rate, "\n".join(failed)
