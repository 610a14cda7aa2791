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
# (88.5 %, 17/17, 0 measured on main); staff_final.yml was written at the end and scored
# once (75.7 %, 12/13, 1: short of the targets, see README), so its gates hold
# today's figures, not the targets.
@pytest.mark.parametrize("blind_set, min_pass_rate, min_lead_rate, max_wrong", [
    ("staff.yml", 0.86, 1.0, 0),
    ("staff_final.yml", 0.73, 0.92, 1),
])
def test_blind_staff_set_meets_the_gate(servers: Stack, blind_set: str, min_pass_rate: float,
                                        min_lead_rate: float, max_wrong: int) -> None:
    outcomes = evaluate(servers.servers[1].url, load_cases(DEFAULT_SET.parent / blind_set))
    summary = summarise(outcomes)
    print(report(summary))
    failed = [f"{o.id}: missing {o.missing} forbidden {o.forbidden}"
              for o in outcomes if not o.passed]
    assert summary.lead_rate >= min_lead_rate, [o.id for o in outcomes if o.leads is False]
    assert summary.wrong_answers <= max_wrong, failed
    assert summary.pass_rate >= min_pass_rate, "\n".join(failed)
