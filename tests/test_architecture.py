"""The import graph of homelint: no cycle between modules, counting imports inside functions too
(they are for start-up time, never a way around a cycle), and each layer imports only the layers
below it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "homelint"
# bottom to top; a module of the package root (homelint/__init__.py: the version) sits below all
LAYERS = ("core", "loading", "model", "rules", "engine", "report", "cli")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The homelint modules `path` imports anywhere (module level or in a function), except under
    `if TYPE_CHECKING:` (annotations only)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in child.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("homelint"):
                    found.add(target)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def import_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    return {_module_name(f): _imports(f, modules) for f in files}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (as a path that returns to its start), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def layer_of(module: str) -> int:
    """The index of the module's layer in LAYERS; -1 for the package root."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return -1 if len(parts) == 1 else len(LAYERS)
    return LAYERS.index(parts[1])


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back():
    assert _cycle(import_graph()) == []


def test_each_layer_imports_only_layers_below():
    graph = import_graph()
    outside = sorted(m for m in graph if m not in ("homelint", "homelint.__main__") and m.split(".")[1] not in LAYERS)
    assert outside == []
    upward = sorted(
        f"{module} -> {target}" for module, targets in graph.items() for target in targets if layer_of(target) > layer_of(module)
    )
    assert upward == []


def test_the_architecture_page_lists_every_module_under_its_layer():
    """docs/architecture.md is the module map a newcomer reads: no module is missing or misplaced."""
    text = (PACKAGE.parent.parent / "docs" / "architecture.md").read_text()
    sections = {part.split("`", 2)[1].rstrip("/"): part for part in text.split("\n### ")[1:]}
    assert set(sections) == set(LAYERS)
    for layer in LAYERS:
        listed = sorted(line.split("`")[1] for line in sections[layer].splitlines() if line.startswith("- `"))
        assert listed == sorted(p.name for p in (PACKAGE / layer).glob("*.py")), layer
