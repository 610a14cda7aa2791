"""bot.rasa.speedups: pinned to the Rasa it patches, and the patched code answers as Rasa's."""

from __future__ import annotations

import pytest
import rasa
from rasa.shared.core.events import Event, SlotSet, UserUttered, deserialise_events
from rasa.shared.utils.common import all_subclasses

from bot.rasa import speedups
from bot.rasa.speedups import PINNED_RASA, cached_resolver


def test_the_patches_are_pinned_to_the_rasa_they_were_written_for() -> None:
    assert rasa.__version__ == PINNED_RASA  # re-read Event.resolve_by_type before moving the pin


def test_install_refuses_another_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa, "__version__", "3.6.99")
    with pytest.raises(RuntimeError, match="3.6.21"):
        speedups.install()


def test_the_cached_resolver_finds_the_class_rasa_finds_for_every_event_type() -> None:
    resolve = cached_resolver(Event.resolve_by_type)
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for _ in range(2):  # the first call walks the classes, the second reads the cache
        for name in names:
            assert resolve(name) is Event.resolve_by_type(name)
    assert resolve("topic") is None
    assert resolve("no-such-event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name"):
        resolve("no-such-event")


def test_installed_events_still_deserialise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])  # restored afterwards
    speedups.install()
    speedups.install()  # twice is once
    assert getattr(Event.resolve_by_type, "iar_cached", False)
    events = [SlotSet("role", "staff"), UserUttered("hi", {"name": "greet"})]
    assert deserialise_events([e.as_dict() for e in events]) == events
