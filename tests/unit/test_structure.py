"""The house rules of the package, read from its source: no import cycles
(counting imports inside functions and for type checking), no stage
imports the build, and no module but variants.py knows a variant by name."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pamphlet_builder"
VARIANT_NAMES = {"standard", "photocopy", "large-print", "flyer", "shop"}
COMMANDS = {"cli", "preview", "__init__", "__main__"}     # may run a build


def imports() -> dict[str, set[str]]:
    """Module -> the package modules it imports, anywhere in the file."""
    graph = {}
    for path in PACKAGE.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pamphlet_builder."):
                found.add(node.module.split(".")[1])
        graph[path.stem] = found - {path.stem}
    return graph


def test_the_package_has_no_import_cycles():
    graph = imports()
    assert {"build", "documents", "schedule", "sheets", "model"} <= set(graph)   # it read the package
    state: dict[str, str] = {}
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                cycles.append(trail[trail.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_stage_imports_the_build():
    importers = {m for m, deps in imports().items() if "build" in deps}
    assert importers <= COMMANDS, importers


def test_only_variants_py_knows_variants_by_name():
    """A variant's behaviour lives on its object: nothing compares, looks up
    or branches on a variant's name as a string."""
    found = []
    for path in PACKAGE.glob("*.py"):
        if path.name == "variants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in VARIANT_NAMES:
                found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert found == []
