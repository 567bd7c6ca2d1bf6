"""The import graph of the three packages, as the README's layout section draws it.

Read from the source (every ``import`` and ``from … import``, lazy ones inside
functions included), so the test sees what a reader of the code sees.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("normalizers", "timeline", "exports")
#: The modules of ``timeline`` that ``exports`` may read: the table's contract and
#: the leaves it needs (atomic file writes, feed names, the collector paused). None
#: imports the project.
CONTRACT = (
    "timeline.schema",
    "timeline.files",
    "timeline.slugs",
    "timeline.cells",  # formula neutralising, used by the schema's writers
    "timeline.faults",  # numbered write steps, counted by the atomic writer
    "timeline.collector",  # the cyclic collector paused while the writers make objects
    "timeline.arrow_pool",  # Arrow's memory pool of a build, the site alone included
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """Module → the project modules it imports."""
    modules = {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            targets.update(t for t in found if t in modules and t != name)
        graph[name] = targets
    return graph


GRAPH = _graph()


def _package(module: str) -> str:
    return module.split(".")[0]


def test_no_import_circles() -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if target.startswith(module + "."):
                continue  # a package re-exporting its own modules is no circle
            if state.get(target) == 1:
                cycle = trail[trail.index(target) :] if target in trail else trail
                pytest.fail("import circle: " + " -> ".join([*cycle, target]))
            if state.get(target) is None:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_normalizers_import_neither_timeline_nor_exports() -> None:
    bad = {
        (module, target)
        for module, targets in GRAPH.items()
        if _package(module) == "normalizers"
        for target in targets
        if _package(target) != "normalizers"
    }
    assert not bad


def test_exports_read_timeline_only_through_the_contract() -> None:
    bad = {
        (module, target)
        for module, targets in GRAPH.items()
        if _package(module) == "exports"
        for target in targets
        if _package(target) == "timeline" and target not in (*CONTRACT, "timeline")
    }
    assert not bad


def test_the_contract_imports_nothing_of_the_project_but_itself() -> None:
    for module in CONTRACT:
        assert set(GRAPH[module]) <= set(CONTRACT), (module, GRAPH[module])


def test_timeline_does_not_import_exports_except_the_cli() -> None:
    bad = {
        (module, target)
        for module, targets in GRAPH.items()
        if _package(module) == "timeline" and module != "timeline.cli"
        for target in targets
        if _package(target) == "exports"
    }
    assert not bad


def test_only_the_cli_sees_all_three_packages() -> None:
    for module, targets in GRAPH.items():
        seen = {_package(module)} | {_package(t) for t in targets}
        if seen >= set(PACKAGES):
            assert module == "timeline.cli", module


@pytest.mark.parametrize(
    "name", ["timeline.schema", "timeline.merge", "exports.chronology", "normalizers.publication"]
)
def test_documentation_examples_hold(name: str) -> None:
    import doctest
    import importlib

    failures, _ = doctest.testmod(importlib.import_module(name))
    assert failures == 0
