"""The layering of style.md B.1 holds: each app imports only the layers below it, no two
modules import each other, no `import *` (each package's __init__ names its exports), and
no import hides inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lower layers first; an app may import only the apps before it.
LAYERS = ["aftersales", "standards", "customers", "tickets", "feedback", "portal"]

# aftersales is both the lowest layer and the project package: these modules assemble or
# combine every layer (settings, URLconfs, the API router, the home page, demo data and the
# command that runs the whole system), so they may import any app.
PROJECT_MODULES = {
    "aftersales.settings",
    "aftersales.settings_test",
    "aftersales.urls",
    "aftersales.api.urls",
    "aftersales.views",
    "aftersales.demo",
    "aftersales.management.commands.demo_data",
    "aftersales.management.commands.runall",
}
# The settings of the tests extend the settings with `import *`: style.md B.1 prescribes it.
STAR_ALLOWED = {"aftersales.settings_test"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    sources = {}
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            sources[_module_name(path)] = (path, ast.parse(path.read_text("utf-8")))
    return sources


SOURCES = _sources()


def _imports(module: str, tree: ast.Module) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the module, at any depth; for
    `from pkg import name` the submodule `pkg.name` when it is one of ours."""
    found = []
    package = (
        module
        if SOURCES[module][0].name == "__init__.py"
        else module.rpartition(".")[0]
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append((node.lineno, candidate if candidate in SOURCES else base))
    return found


def _layer(module: str) -> int | None:
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def test_every_app_imports_only_the_layers_below_it():
    violations = []
    for module, (path, tree) in SOURCES.items():
        if module in PROJECT_MODULES:
            continue
        own = _layer(module)
        for line, imported in _imports(module, tree):
            other = _layer(imported)
            if other is not None and other > own:
                violations.append(
                    f"{path.relative_to(ROOT)}:{line}: {module.split('.')[0]} may not "
                    f"import {imported} (a higher layer)"
                )
    assert violations == []


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, (_path, tree) in SOURCES.items():
        targets = set()
        for _line, imported in _imports(module, tree):
            # `import a.b.c` also runs a and a.b; count the deepest module of ours.
            while imported and imported not in SOURCES:
                imported = imported.rpartition(".")[0]
            if imported and imported != module:
                targets.add(imported)
        graph[module] = targets
    return graph


def _is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_no_import_cycles():
    graph = _graph()
    cycles = []
    # Tarjan's strongly connected components: every component of more than one module is
    # a cycle. A package's __init__ importing its own submodules is not a cycle of ours
    # unless a submodule imports the package back.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []


def test_no_star_imports():
    """Each package's __init__ names what it exports; nothing arrives unseen."""
    violations = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for module, (path, tree) in SOURCES.items()
        if module not in STAR_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]
    assert violations == []


def _late_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Imports inside a function body, outside AppConfig.ready() (Django's documented
    place for start-up imports) and `if TYPE_CHECKING:` blocks."""
    found = []

    def walk(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                if function is not None and function != "ready":
                    found.append((child.lineno, function))
            else:
                walk(child, function)

    walk(tree, None)
    return found


def test_no_imports_inside_functions():
    violations = [
        f"{path.relative_to(ROOT)}:{line} (in {function})"
        for module, (path, tree) in SOURCES.items()
        if module not in {"aftersales.settings", "aftersales.settings_test"}
        for line, function in _late_imports(tree)
    ]
    assert violations == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from x import y\n", [(2, "f")]),
        ("class C:\n    def ready(self):\n        import x\n", []),
        ("import x\n", []),
    ],
)
def test_the_late_import_check_finds_what_it_should(source, expected):
    assert _late_imports(ast.parse(source)) == expected
