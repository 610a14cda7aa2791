"""The staff entry ranker: its labels, training, build artifact, and its use in staff answers.

The rankers here are real ones, trained in the test from a handful of made-up questions (plus
every entry's own text, as in production), so that what they rank is known."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.staff_question_labels import LABEL_MAX_HOLDERS, label, labelled
from bot.kb import KnowledgeBase
from bot.staff.answers import answer_question
from bot.staff.ranker import NO_ENTRY, EntryRanker, LazyRanker, RankerMissing, build, load
from bot.staff.service import StaffService
from bot.staff.shorthand import expand

# Made-up words and one word the target holds, too common to place it: the rules cannot place
# the question, so only the ranker can.
ODD = "zorblax frobnicate patients"
TARGET = "incidence-course3"  # written for course 3 (its `when`)
QUESTIONS = [
    (ODD, TARGET),
    (f"{ODD} please", TARGET),
    (f"the {ODD} again", TARGET),
    (f"{ODD} rate", TARGET),
    ("how common are IARs", "faq-q1-what-is-iar"),
    ("what is an IAR", "faq-q1-what-is-iar"),
]
# Off-topic questions sharing the made-up word: without them the ranker would place these.
NO_ENTRY_QUESTIONS = ["zorblax timesheet please", "my zorblax timesheet", "fill in the zorblax timesheet"]

TEXTS = {
    "short": "Fact A and fact B.",
    "long": "Fact A and fact B, and much more besides.",
    "other": "Fact C.",
}


def case(*groups: object, turns: int = 1, category: str = "incidence") -> dict[str, object]:
    return {"id": "x", "category": category, "turns": ["q?"] * turns, "must_include": list(groups)}


def test_a_case_whose_facts_sit_in_entries_gets_the_shortest_holder() -> None:
    assert label(case("fact a", ["fact b", "fact z"]), TEXTS) == "short"
    assert label(case("fact c"), TEXTS) == "other"


def test_a_case_no_entry_holds_is_skipped() -> None:
    assert label(case("fact a", "fact c"), TEXTS) is None


def test_forbidden_words_rule_a_holder_out() -> None:
    forbidden = {**case("fact a"), "must_not_include": ["much more"]}
    assert label(forbidden, TEXTS) == "short"
    assert label({**case("fact a"), "must_not_include": ["fact b"]}, TEXTS) is None


def test_follow_ups_quiz_and_facts_every_entry_holds_are_skipped() -> None:
    assert label(case("fact a", turns=2), TEXTS) is None
    assert label(case("fact a", category="quiz"), TEXTS) is None
    everywhere = {str(i): "Fact A." for i in range(LABEL_MAX_HOLDERS)}
    assert label(case("fact a"), everywhere) is None


def test_single_turn_out_of_scope_questions_are_kept_as_no_entry(tmp_path: Path) -> None:
    cases = [
        {**case("fact c"), "id": "a"},
        {**case("fact a", category="out_of_scope"), "id": "b", "turns": ["do my timesheet"]},
        {**case("fact a", category="out_of_scope", turns=2), "id": "c"},
        {**case("fact z"), "id": "d"},
    ]
    path = tmp_path / "staff_x.yml"
    path.write_text(yaml.safe_dump({"cases": cases}))
    rows = labelled([path], TEXTS)
    assert [(r["case"], r["entry"]) for r in rows["questions"]] == [("a", "other")]
    assert rows["no_entry"] == [{"question": "do my timesheet", "set": "staff_x", "case": "b"}]


@pytest.fixture(scope="module")
def ranker(kb: KnowledgeBase) -> EntryRanker:
    return EntryRanker.train(QUESTIONS, kb.entries.values(), NO_ENTRY_QUESTIONS)


def test_the_ranker_puts_the_entry_its_questions_name_first(ranker: EntryRanker) -> None:
    best = ranker.top(expand(f"{ODD} now?"))
    assert best.entry_id == TARGET
    assert 0.3 <= best.probability <= 1.0


def test_an_unplaced_staff_question_gets_the_ranked_entry(kb: KnowledgeBase, ranker: EntryRanker) -> None:
    assert answer_question(kb, "nlu_fallback", [], ODD, 0.3).kind == "unknown"
    reply = answer_question(kb, "nlu_fallback", [], ODD, 0.3, ranker=ranker)
    assert (reply.kind, reply.entry_ids) == ("search", (TARGET,))
    assert kb.entries[TARGET].answer in reply.text
    via_service = StaffService(kb, ranker=ranker).answer("nlu_fallback", ODD, [], 0.3, None)
    assert via_service.entry_ids == (TARGET,)


def test_an_off_topic_question_like_the_no_entry_ones_stays_unknown(
    kb: KnowledgeBase, ranker: EntryRanker
) -> None:
    text = "zorblax timesheet"
    assert ranker.top(expand(text)).entry_id == NO_ENTRY
    assert answer_question(kb, "nlu_fallback", [], text, 0.3, ranker=ranker).kind == "unknown"


def test_an_entry_sharing_no_word_with_the_question_is_refused(
    kb: KnowledgeBase, ranker: EntryRanker
) -> None:
    text = "zorblax frobnicate"
    assert ranker.top(expand(text)).entry_id == TARGET
    assert answer_question(kb, "nlu_fallback", [], text, 0.3, ranker=ranker).kind == "unknown"


def test_an_offer_is_narrowed_to_one_of_its_entries_only(kb: KnowledgeBase) -> None:
    text = "the discharge thing"
    offered = answer_question(kb, "nlu_fallback", [], text, 0.4)
    assert offered.kind == "offer" and "problem3-discharge" in dict(offered.offers)
    assert "delayed-overview" not in dict(offered.offers)
    for entry_id, kind in (("problem3-discharge", "search"), ("delayed-overview", "offer")):
        examples = [(f"{text}{end}", entry_id) for end in ("", "?", " please", " again")]
        reply = answer_question(
            kb, "nlu_fallback", [], text, 0.4, ranker=EntryRanker.train(examples, kb.entries.values())
        )
        assert reply.kind == kind, entry_id


def test_below_the_threshold_the_reply_stays_unknown(kb: KnowledgeBase, ranker: EntryRanker) -> None:
    text = "qwerty uiop asdf"
    assert ranker.top(expand(text)).probability < float(kb.vocabulary("ranker")["min_probability"])
    assert answer_question(kb, "nlu_fallback", [], text, 0.3, ranker=ranker).kind == "unknown"


def test_an_entry_for_another_course_than_the_one_asked_is_refused(
    kb: KnowledgeBase, ranker: EntryRanker
) -> None:
    asked = f"{ODD} in course 1"
    assert ranker.top(expand(asked)).entry_id == TARGET
    assert answer_question(kb, "nlu_fallback", [], asked, 0.3, ranker=ranker).kind == "unknown"
    same = answer_question(kb, "nlu_fallback", [], f"{ODD} in course 3", 0.3, ranker=ranker)
    assert same.entry_ids == (TARGET,)


def test_patients_never_get_the_ranked_entry(kb: KnowledgeBase, ranker: EntryRanker) -> None:
    alone = answer_question(kb, "nlu_fallback", [], ODD, 0.3, staff=False)
    ranked = answer_question(kb, "nlu_fallback", [], ODD, 0.3, staff=False, ranker=ranker)
    assert ranked == alone
    assert ranked.kind == "unknown"


def test_a_missing_artifact_says_to_run_make_kb(tmp_path: Path) -> None:
    with pytest.raises(RankerMissing, match="make kb"):
        LazyRanker(tmp_path / "absent.joblib")
    with pytest.raises(RankerMissing, match="make kb"):
        load(tmp_path / "absent.joblib")


def test_build_trains_once_per_inputs_and_the_artifact_ranks(kb: KnowledgeBase, tmp_path: Path) -> None:
    labels, artifact = tmp_path / "labels.yml", tmp_path / "ranker.joblib"
    labels.write_text(yaml.safe_dump({"questions": [{"question": q, "entry": e} for q, e in QUESTIONS]}))
    assert build(kb, labels, artifact) is True
    assert build(kb, labels, artifact) is False
    assert LazyRanker(artifact).top(expand(ODD)).entry_id == TARGET
    labels.write_text(yaml.safe_dump({"questions": [{"question": q, "entry": e} for q, e in QUESTIONS[1:]]}))
    assert build(kb, labels, artifact) is True
