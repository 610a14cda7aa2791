"""The layout's rules, checked on the source (see docs/architecture.md):

* only the adapters (bot/rasa/ and actions/) import Rasa or the Rasa SDK;
* no import cycle between the packages (bot.core, bot.kb, the journeys, bot.app, the
  adapters, bot.ops), nor between any two modules;
* every action's `run` is a few lines of translation (at most 15), and no action runs another.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.paths import ROOT

ADAPTERS = ("bot.rasa", "actions")
RASA = ("rasa", "rasa_sdk")
MAX_RUN_LINES = 15


def modules() -> dict[str, Path]:
    """Every module of bot/ and actions/ by its dotted name."""
    found = {}
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(path: Path) -> Iterator[str]:
    """The modules a file imports, anywhere in it (also inside functions), as written."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def package_of(module: str) -> str:
    """The package a module belongs to for the layout: bot.X (bot.app on its own), or actions."""
    parts = module.split(".")
    return "actions" if parts[0] == "actions" else ".".join(parts[:2])


def import_graph(of: Callable[[str], str] = lambda m: m) -> dict[str, set[str]]:
    """Who imports whom among our modules, each name mapped through `of` (e.g. to its package)."""
    ours = modules()
    graph: dict[str, set[str]] = {}
    for name, path in ours.items():
        for target in imported(path):
            if target in ours and of(target) != of(name):
                graph.setdefault(of(name), set()).add(of(target))
    return graph


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the path round it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_only_the_adapters_import_rasa() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, path in modules().items()
        if not is_within(name, ADAPTERS)
        for target in imported(path)
        if is_within(target, RASA)
    )
    assert offenders == []


def test_the_checks_see_an_import_inside_a_function(tmp_path: Path) -> None:
    """The rule checker itself can fail: a Rasa import hidden in a function is found."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from rasa.core.agent import Agent\n    return Agent\n")
    assert any(is_within(t, RASA) for t in imported(sample))


def test_no_import_cycle_between_packages() -> None:
    graph = import_graph(package_of)
    seen = set(graph).union(*graph.values())
    assert {"bot.core", "bot.patient", "bot.staff", "bot.quiz", "bot.rasa", "actions"} <= seen
    assert a_cycle(graph) is None


def test_no_import_cycle_between_modules() -> None:
    assert a_cycle(import_graph()) is None


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": {"c"}}) is None


def action_classes() -> Iterator[tuple[str, ast.ClassDef]]:
    for path in sorted((ROOT / "actions").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                yield path.name, node


@pytest.mark.parametrize("file, cls", [pytest.param(f, c, id=f"{f}:{c.name}") for f, c in action_classes()])
def test_an_action_translates_in_a_few_lines_and_runs_no_other_action(file: str, cls: ast.ClassDef) -> None:
    for method in cls.body:
        if isinstance(method, ast.AsyncFunctionDef | ast.FunctionDef) and method.name == "run":
            assert method.end_lineno - method.lineno + 1 <= MAX_RUN_LINES, f"{cls.name}.run"
    action_names = {c.name for _, c in action_classes()}
    calls = [
        n
        for n in ast.walk(cls)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "run"
        and isinstance(n.func.value, ast.Call)
        and isinstance(n.func.value.func, ast.Name)
        and n.func.value.func.id in action_names
    ]
    assert calls == [], f"{cls.name} runs another action"
