"""The shape of core/: imports point one way (no circle, counting imports inside functions too),
core never imports Streamlit, and only the registry reads a checkpoint's weights by name."""

import ast
from pathlib import Path

from tests.conftest import ROOT

CORE = ROOT / "core"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in CORE.rglob("*.py")}


def imported_names(path: Path) -> set[str]:
    """Every module an import in the file names, at module level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from core import data`
    return names


def core_imports(path: Path) -> set[str]:
    """The core modules a file imports (its own package's __init__ excluded when empty)."""
    return {name for name in imported_names(path) if name in MODULES} - {module_name(path)}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a list of nodes, or None (depth-first search)."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node], _ = "done", stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_in_core_counting_imports_inside_functions():
    graph = {name: core_imports(path) for name, path in MODULES.items()}
    assert find_cycle(graph) is None
    assert "core.registry" in graph["core.train"]  # the graph sees real edges


def test_core_never_imports_streamlit_or_the_app():
    for name, path in MODULES.items():
        outside = {n for n in imported_names(path) if n.split(".")[0] in ("streamlit", "ui", "app_pages")}
        assert not outside, (name, outside)


def test_only_the_registry_loads_weights_by_name_and_recipes_never_reach_for_a_judge():
    for name, path in MODULES.items():
        text = path.read_text()
        if name not in ("core.registry", "core.checkpoints"):
            assert "load_checkpoint(" not in text, name
        if name.startswith("core.recipes") or name.startswith("core.models"):
            assert "core.registry" not in imported_names(path) and "registry" not in {
                n.rsplit(".", 1)[-1] for n in imported_names(path)}, name
