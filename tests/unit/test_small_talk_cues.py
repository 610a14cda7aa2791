"""The staff small-talk guard (bot.staff.ask.small_talk_without_cue) must leave every training
example of a small-talk intent as read: a word list that misses one ("pause the quiz" when
stop_quiz knew only "stop") turns the intent into a question and breaks the flow it starts."""

from __future__ import annotations

import re

import pytest

from bot.core.paths import ROOT
from bot.core.yamlfile import read_yaml
from bot.staff.ask import cues, small_talk_without_cue


def examples(intent: str) -> list[str]:
    """The intent's training examples in data/nlu, annotations removed."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in read_yaml(path).get("nlu") or []:
            if block.get("intent") == intent:
                for line in str(block.get("examples") or "").splitlines():
                    text = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", line.strip()[2:])
                    if text:
                        found.append(text)
    return found


@pytest.mark.parametrize("intent", sorted(cues().small_talk))
def test_every_training_example_keeps_its_small_talk_intent(intent: str) -> None:
    lost = [text for text in examples(intent) if small_talk_without_cue(intent, text)]
    assert examples(intent) and not lost, lost


def test_every_quiz_request_example_stays_a_quiz_request() -> None:
    lost = [text for text in examples("start_quiz") if small_talk_without_cue("start_quiz", text)]
    assert examples("start_quiz") and not lost, lost
