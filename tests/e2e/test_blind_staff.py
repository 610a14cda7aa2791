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
# any change for it (74.0 %, 24/26, 5; 87.9 % after). staff_final2.yml (225 cases) was
# written blind after the second round and scored 84.9 %, 16/18, 2 wrong; the third round
# used it as dev material: 95.1 %, 18/18, 0 (and 89.4 %, 89.4 %, 91.0 % on the other three).
# staff_final3.yml (281 cases) was written blind after the third round and scored 81.5 %,
# 20/28, 2 wrong on main at the end of it (82.9 %, 24/28, 2 with main's later fixes at the
# start of the fourth round); staff_dev4.yml (200 cases) was written blind during the fourth
# round and measured once before any change for it (86.0 %, 14/15, 0). After the fourth
# round: final3 93.2 % (262/281), 28/28, 0; dev4 91.0 % (182/200), 15/15, 0; staff 92.8 %,
# final 90.5 %, dev3 91.9 %, final2 97.3 %, all leading 100 %, 0 wrong. After the fifth round
# (fixes to causes found with dev4 and final3, both dev material): dev4 98.0 % (196/200), final3
# 97.9 % (275/281), staff 93.3 %, final 93.7 %, dev3 93.3 %, final2 98.2 %, all leading 100 %,
# 0 wrong. staff_final4.yml (220 cases) was written blind at the end of the fifth round and
# scored once: 90.5 % (199/220), 17/18 leading (the one that did not lead is in French: the
# staff side reads English only), 0 wrong; 85.9 % (189/220), 17/18, 0 on main at the start
# of the fourth round. After the sixth round (final4 then dev material): 93.6 % (206/220),
# 18/18 leading (a staff message not in English naming a warning sign leads with the
# anaphylaxis management), 0 wrong.
# staff_dev5.yml (220 cases, two blind writers, this session) scored once on arrival on
# 2056293: 87.7 % (193/220), 15/16 leading, 0 wrong; staff_dev6.yml (200, two writers) on
# arrival 90.5 % (181/200), 12/12, 0; staff_dev7.yml (200, two writers) on arrival 83.5 %
# (167/200), 16/16, 0. All three were development material afterwards (rounds 7-10, README).
# staff_final5.yml (220 cases, two writers who saw only the seed and the reference, written
# during the last session and scored once per commit): 79.5 % (175/220), 16/16, 0 wrong on
# 2056293 (the session's start) and 85.9 % (189/220), 16/16, 0 on a820fa1 (after rounds 7-10).
# After the dev8/final5 round (fifth session, development material): 97.7 % (215/220).
# staff_dev8.yml (200 cases, one writer, fifth session) on arrival at 63883ee: 87.0 % (174/200),
# 13/13, 0 wrong; 200/200 after its round. staff_dev9.yml (220, two writers) on arrival at
# ab1b06b: 94.1 % (207/220), 13/13, 2 wrong (one a scorer artefact, "5 mg" inside "0.5 mg", since
# fixed in bench/blind_staff.py); after its round 98.6 % (217/220), 1 wrong (ib091, see README).
# staff_dev10.yml (220, two writers) on arrival at cbfd397: 94.5 % (208/220), 13/13, 0 wrong;
# after its round 99.5 % (219/220). staff_dev11.yml (220, two writers) on arrival at 0df8e6c:
# 90.0 % (198/220), 10/10, 0 wrong; after its round 98.2 % (216/220).
# staff_final6.yml (220, two writers, written at the start of the fifth session and sealed) on
# f72f4cc 91.4 % (201/220), 12/12, 1 wrong; on 1ae057e 93.2 % (205/220), 12/12, 1 (ga053: the
# case forbids "60 mg", which the reply gives as course 1's total beside 12 mg a day).
# staff_final7.yml (220, two writers, written at the end of the fifth session) on f72f4cc
# 87.3 % (192/220), 9/9, 0; on 1ae057e 89.5 % (197/220), 9/9, 0. Both are development material
# from here on.
# staff_dev12.yml (220, two writers, sixth session) on arrival at 346dc0a: 92.7 % (204/220),
# 13/13, 0 wrong; after its round 97.7 % (215/220).
# staff_dev13.yml (220, two writers, sixth session) on arrival at a042d55: 92.7 % (204/220),
# 14/14, 0 wrong; after its round 99.1 % (218/220).
# staff_dev14.yml (220, two writers, sixth session) on arrival at 5f78505: 96.4 % (212/220),
# 15/16 leading (nb015, no recordable BP, graded 1-2), 0 wrong; after its round 100 % (220/220), 16/16.
# staff_dev15.yml (220, two writers, sixth session) on arrival at 64dbbae: 92.3 % (203/220),
# 15/15, 0 wrong; after its round 98.6 % (217/220).
# staff_dev16.yml (220, two writers, sixth session) on arrival after the entry ranker's merge
# (921923e) and its labels: 93.2 % (205/220), 12/12, 0 wrong; after its round 96.8 % (213/220).
# staff_final8.yml (220, two writers, written at the start of the sixth session and sealed) on
# 346dc0a 90.9 % (200/220), 13/13, 1 wrong; on 13d1a66 92.7 % (204/220), 13/13, 1 wrong (hb032: the
# case forbids "full rate", which the reply says only as "not at the full rate").
# staff_final9.yml (220, two writers, written at the end of the sixth session) on 346dc0a 89.5 %
# (197/220), 16/16, 0 wrong; on 3dfe774 90.9 % (200/220), 16/16, 0 wrong.
# staff_dev17.yml (220, two writers, seventh session) on arrival at 467bf9b: 90.9 % (200/220),
# 13/14 leading (ta059, a thready pulse and collapse, graded 1-2), 1 wrong (tb043: the CTCAE v6
# allergic-reaction grades listed beside the grade 2 told); after its round 98.6 % (217/220), 14/14.
# staff_dev18.yml (300 reactions at the chair, two writers, seventh session: 200 anaphylaxis or
# grade 3-4 told by signs and readings, 100 mild look-alikes) on arrival at 467bf9b: 94.3 %
# (283/300), 186/200 leading, 4 wrong; after its round 97.3 % (292/300), 200/200, 3 wrong (look-alikes
# over-called: a faint at the sight of the needle, readings all within limits).
# staff_dev19.yml (220, two writers weighted to grading, management, re-challenge and delayed
# reactions, seventh session) on arrival at f726d42: 83.2 % (183/220), 10/10, 0 wrong; after its
# round 96.8 % (213/220).
# staff_dev20.yml (220, two writers, seventh session) on arrival at 4870404: 91.8 % (202/220),
# 13/13, 1 wrong (xb002: a course 1 figure asked as "crse 1" got both courses'); after its round
# 100 % (220/220), 13/13, 0 wrong.
# staff_dev21.yml (220, two writers, seventh session) on arrival at 5596114: 92.7 % (204/220),
# 15/15, 0 wrong; after its round 98.6 % (217/220).
# staff_final10.yml (220, two writers, written at the start of the seventh session and sealed) on
# 467bf9b 94.1 % (207/220), 13/14, 0 wrong; on d52a2cb 95.0 % (209/220), 13/14 (sb067, stridor told
# by its sound, fixed after the scoring), 0 wrong.
# staff_final11.yml (220, two writers, written mid-session after the dev17/18 round and sealed)
# scored once on d52a2cb: 95.9 % (211/220), 14/14, 0 wrong.
# staff_final12.yml (220, two writers, written at the end of the seventh session) scored once on
# d52a2cb: 96.8 % (213/220), 14/14, 0 wrong.
# The three final sets of the seventh session are not in the ranker's training data.
# From the ranker merge on, every set here is also the ranker's training data
# (data/staff_questions.yml): these gates guard against regressions, not blind figures.
# The gates hold today's figures a little lower, not the targets (see README).
@pytest.mark.parametrize(
    "blind_set, min_pass_rate, min_lead_rate, max_wrong",
    [
        ("staff.yml", 0.93, 1.0, 0),
        ("staff_final.yml", 0.95, 1.0, 0),
        ("staff_dev3.yml", 0.97, 1.0, 0),
        ("staff_final2.yml", 0.97, 1.0, 0),
        ("staff_final3.yml", 0.97, 1.0, 0),
        ("staff_dev4.yml", 0.97, 1.0, 0),
        ("staff_final4.yml", 0.97, 1.0, 0),
        ("staff_dev5.yml", 0.97, 1.0, 0),
        ("staff_dev6.yml", 0.97, 1.0, 0),
        ("staff_dev7.yml", 0.97, 1.0, 0),
        ("staff_final5.yml", 0.96, 1.0, 0),
        ("staff_dev8.yml", 0.97, 1.0, 0),
        ("staff_dev9.yml", 0.97, 1.0, 1),
        ("staff_dev10.yml", 0.97, 1.0, 0),
        ("staff_dev11.yml", 0.97, 1.0, 0),
        ("staff_final6.yml", 0.92, 1.0, 1),
        ("staff_final7.yml", 0.88, 1.0, 0),
        ("staff_dev12.yml", 0.96, 1.0, 0),
        ("staff_dev13.yml", 0.97, 1.0, 0),
        ("staff_dev14.yml", 0.98, 1.0, 0),
        ("staff_dev15.yml", 0.97, 1.0, 0),
        ("staff_dev16.yml", 0.95, 1.0, 0),
        ("staff_final8.yml", 0.92, 1.0, 1),
        ("staff_final9.yml", 0.90, 1.0, 0),
        ("staff_dev17.yml", 0.97, 1.0, 1),
        ("staff_dev18.yml", 0.96, 1.0, 3),
        ("staff_dev19.yml", 0.95, 1.0, 0),
        ("staff_dev20.yml", 0.97, 1.0, 0),
        ("staff_dev21.yml", 0.97, 1.0, 0),
        ("staff_final10.yml", 0.94, 1.0, 0),
        ("staff_final11.yml", 0.95, 1.0, 0),
        ("staff_final12.yml", 0.96, 1.0, 0),
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
