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


def variant_name_tests(tree: ast.AST) -> list[ast.AST]:
    """Where code branches on a variant's name: compares with it
    (`variant.name == "shop"`, `entry["variant"] != "standard"`), tests
    membership in a list of names (`n not in ("shop", "flyer")`) or looks
    one up by name (`VARIANTS["flyer"]`)."""
    def named(node) -> bool:
        return isinstance(node, ast.Constant) and node.value in VARIANT_NAMES

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) for op in node.ops) \
                    and any(named(side) for side in sides):
                found.append(node)
            elif any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and any(
                    isinstance(side, (ast.Tuple, ast.List, ast.Set)) and any(map(named, side.elts))
                    for side in node.comparators):
                found.append(node)
        elif isinstance(node, ast.Subscript) and named(node.slice):
            found.append(node)
    return found


def test_the_rule_sees_what_the_old_build_did():
    old = ('if variant.name == "shop": pass\n'
           'names = [n for n in VARIANTS if n not in ("shop", "flyer")]\n'
           'x = VARIANTS["standard"]\n'
           'ok = entry["variant"] != "standard"\n'
           'fine = "flyer" in meta\n')
    assert len(variant_name_tests(ast.parse(old))) == 4


def test_only_variants_py_knows_variants_by_name():
    """A variant's behaviour lives on its object: nothing compares, looks up
    or branches on a variant's name as a string."""
    found, read = [], 0
    for path in PACKAGE.glob("*.py"):
        if path.name == "variants.py":
            continue
        read += 1
        for node in variant_name_tests(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.name}:{node.lineno}")
    assert read > 20
    assert found == []
