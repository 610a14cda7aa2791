"""Play a blind patient set against a running bot over REST, as the patient would.

Each case is a patient's first message plus how that patient answers follow-up
questions (`followups`). The player sends the message with the web chat's
patient role, then answers whatever the bot asks — the red-flag screen (by
pressing the button whose option covers the patient's sign, or "none of these";
the writers' sign names are mapped to symptom ids in SIGN_SYMPTOMS), temperature,
how bad, when the infusion was, anything else — until a triage payload arrives
or the turn budget runs out. It recognises the form's questions by the
`utter_ask_*` texts of domain.yml and the screen by its buttons, so it follows
the dialogue without reading the bot's internals.

Used by bench/blind_patients.py (figures) and tests/e2e/test_blind_patients.py (gates).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from bot.core.paths import ROOT

ORDER = ("routine", "urgent", "emergency")
# The writers' sign names -> the symptom ids whose screen option the patient presses.
SIGN_SYMPTOMS = {
    "stroke": "face_droop",
    "chest_pain": "chest_pain",
    "coughing_blood": "coughing_blood",
    "breathing_or_swelling": "shortness_of_breath",
    "fainting": "fainting",
    "vision_loss": "vision_loss",
    "severe_headache": "headache_sudden_severe",
    "neck_pain": "neck_pain",
    "meningitis": "stiff_neck",
    "heartbeat_with_chest_or_faint": "chest_pain",
    "bleeding_wont_stop": "bleeding_wont_stop",
}
FOLLOWUP_FOR_SLOT = {
    "temperature_c": "temperature",
    "severity": "severity",
    "days_since_infusion": "infusion",
    "anything_else": "other",
}
MAX_TURNS = 8
Say = Callable[[str, str], list[dict[str, Any]]]


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The cases of a blind set file."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"])


def form_questions(domain: Path = ROOT / "domain.yml") -> dict[str, str]:
    """Question text -> form slot, from the domain's utter_ask_<slot> responses."""
    responses = yaml.safe_load(domain.read_text(encoding="utf-8"))["responses"]
    return {
        " ".join(v["text"].split()): name[len("utter_ask_") :]
        for name, variants in responses.items()
        if name.startswith("utter_ask_")
        for v in variants
        if "text" in v
    }


@dataclass
class Outcome:
    """What the bot did with one case."""

    case: dict[str, Any]
    first: str | None  # disposition in the reply to the first message, if any
    final: str | None  # disposition the conversation ended with, if any
    turns: int
    asked: list[str] = field(default_factory=list)  # what the bot asked, in order
    rule: str | None = None

    @property
    def red_flag(self) -> bool:
        return bool(self.case.get("red_flag"))

    @property
    def under_triaged(self) -> bool:
        """Ended below the expected disposition (or with none at all)."""
        return self.final is None or ORDER.index(self.final) < ORDER.index(self.case["expected"])


def _disposition(replies: Iterable[dict[str, Any]]) -> tuple[str | None, str | None]:
    for reply in replies:
        triage = (reply.get("custom") or {}).get("triage")
        if triage:
            return triage["disposition"], triage.get("rule")
    return None, None


def _screen_buttons(replies: list[dict[str, Any]], screen: ScreenLabels) -> list[dict[str, Any]]:
    return [b for r in replies for b in r.get("buttons") or [] if b.get("payload") in screen.labels]


def _screen_answer(buttons: list[dict[str, Any]], case: dict[str, Any], screen: ScreenLabels) -> str:
    """The payload of the button this patient presses on the red-flag screen."""
    if case.get("red_flag"):
        wanted = SIGN_SYMPTOMS.get(str(case.get("sign")), "")
        for button in buttons:
            if wanted in screen.labels.get(button["payload"], ()):
                return button["payload"]
        return buttons[0]["payload"]  # a sign the player cannot place: the first option
    return screen.none


def play(say: Say, case: dict[str, Any], questions: dict[str, str], screen: ScreenLabels) -> Outcome:
    """One conversation for one case."""
    sender = f"blind-{case['id']}-{uuid.uuid4().hex[:10]}"
    replies = say(sender, case["text"])
    first, rule = _disposition(replies)
    final, turns, asked = first, 1, []
    followups = case.get("followups") or {}
    while final is None and turns < MAX_TURNS:
        buttons = _screen_buttons(replies, screen)
        if buttons:
            asked.append("red_flag_screen")
            answer = _screen_answer(buttons, case, screen)
        else:
            text = " ".join(" ".join(r.get("text", "") for r in replies).split())
            slot = next((s for q, s in questions.items() if q and q in text), None)
            if slot is None:
                asked.append("?")
                break
            asked.append(slot)
            # a question the set has no answer for (e.g. confirming an erasure): "no"
            answer = str(followups.get(FOLLOWUP_FOR_SLOT.get(slot, ""), "no"))
        replies = say(sender, answer)
        turns += 1
        final, rule = _disposition(replies)
    return Outcome(case, first, final, turns, asked, rule)


@dataclass(frozen=True)
class ScreenLabels:
    """The red-flag screen's button labels: option label -> its symptom ids, and "none"."""

    labels: dict[str, list[str]]
    none: str


def screen_labels(path: Path = ROOT / "knowledge" / "red_flag_screen.yml") -> ScreenLabels:
    """The screen's labels (none before the screen existed)."""
    if not path.exists():
        return ScreenLabels({}, "")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = {" ".join(o["label"].split()): list(o["symptoms"]) for o in data["options"]}
    return ScreenLabels({**labels, data["none"]: []}, data["none"])


@dataclass(frozen=True)
class Figures:
    """The figures the issue asks for, with their counts."""

    red_flags: int
    caught_first: int
    caught_end: int
    non_red_flags: int
    over_triaged: int
    under_triaged: int
    exact: int
    total: int
    unknown_routine: int  # routine "I could not find a symptom you have now" (rule nothing-present)

    def lines(self) -> list[str]:
        pct = lambda n, d: f"{100 * n / d:.1f} % ({n}/{d})" if d else "n/a"  # noqa: E731
        return [
            f"red flags caught in the first reply:   {pct(self.caught_first, self.red_flags)}",
            f"red flags at emergency by the end:     {pct(self.caught_end, self.red_flags)}",
            f"non-red-flag cases over-triaged to emergency: {pct(self.over_triaged, self.non_red_flags)}",
            f"cases ending below the expected disposition:  {pct(self.under_triaged, self.total)}",
            f"exact disposition:                     {pct(self.exact, self.total)}",
            f"routine, no symptom found (nothing-present): {self.unknown_routine}",
        ]


def figures(outcomes: list[Outcome]) -> Figures:
    flags = [o for o in outcomes if o.red_flag]
    others = [o for o in outcomes if o.case["expected"] != "emergency" and not o.red_flag]
    return Figures(
        red_flags=len(flags),
        caught_first=sum(o.first == "emergency" for o in flags),
        caught_end=sum(o.final == "emergency" for o in flags),
        non_red_flags=len(others),
        over_triaged=sum(o.final == "emergency" for o in others),
        under_triaged=sum(o.under_triaged for o in outcomes),
        exact=sum(o.final == o.case["expected"] for o in outcomes),
        total=len(outcomes),
        unknown_routine=sum(o.final == "routine" and o.rule == "nothing-present" for o in outcomes),
    )
