"""Speed patches to Rasa 3.6.21 internals, in one place, each measured (bench/profile_turn.py).

* `Event.resolve_by_type` finds an event's class by walking every subclass of
  `Event` (about 40) for every event it deserialises: a turn that loads a
  150-event session paid about 3 ms of CPU for it, most of the tracker fetch.
  Here the answer for a type name is kept after the first walk (the classes do
  not change while the server runs), so each later lookup is one dict read;
  names Rasa does not know still go through Rasa's own code (and its errors).

`install()` refuses to patch another Rasa version: re-read the patched code first.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

PINNED_RASA = "3.6.21"


def cached_resolver(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """`resolve` (Rasa's Event.resolve_by_type) remembering the class of every known name."""
    classes: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Any:
        found = classes.get(type_name)
        if found is not None:
            return found
        found = resolve(type_name, default)
        if found is not None and found is not default:
            classes[type_name] = found
        return found

    return resolve_by_type


def install() -> None:
    """Apply the patches to this process's Rasa (the Rasa server's, via bot.rasa.run)."""
    import rasa
    from rasa.shared.core.events import Event

    if rasa.__version__ != PINNED_RASA:
        raise RuntimeError(
            f"bot.rasa.speedups patches Rasa {PINNED_RASA}, found {rasa.__version__}: "
            "check Event.resolve_by_type"
        )
    if getattr(Event.resolve_by_type, "iar_cached", False):
        return
    resolver = cached_resolver(Event.resolve_by_type)
    resolver.iar_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolver)
