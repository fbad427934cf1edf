"""The layering of style.md B.1 holds, read from the source with `ast` (no database):

- layers: each app imports only the layers below it
  (aftersales ← standards ← customers ← tickets ← feedback ← portal ← dashboards);
- cycles: no two modules import each other, and no longer ring of imports either
  (every import counts, top-level or not);
- `import *`: nowhere but the test settings (each package's __init__ names its exports);
- late imports: no import inside a function (the usual way to dodge a cycle), except in
  `AppConfig.ready()`.

Each check is a plain function over parsed sources, so the tests at the bottom feed it small
made-up modules and see it fail; the tests above run it over the real apps. Every violation
names the file, the line and the rule.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lower layers first; an app may import only the apps before it.
LAYERS = [
    "aftersales",
    "standards",
    "customers",
    "tickets",
    "feedback",
    "portal",
    "dashboards",
]

# aftersales is both the lowest layer and the project package. These modules assemble or
# combine every layer, as style.md B.1 allows ("pages that combine apps live in
# aftersales/"), so they alone in aftersales may import the apps above it:
LAYER_EXCEPTIONS = {
    # settings name every installed app; settings_test extends settings.
    "aftersales.settings*": "settings list every app",
    # the URLconfs mount every app's URLs and API routes.
    "aftersales.urls": "the root URLconf mounts every app",
    "aftersales.api.urls": "the API router assembles every app's endpoints",
    # the home page and the manager dashboards read every layer.
    "aftersales.views": "the home page combines every app",
    # demo data fills every app; the commands run or seed the whole system.
    "aftersales.demo": "demo data fills every app",
    "aftersales.management.commands.*": "commands that seed or run the whole system",
}

# `from .settings import *` plus overrides is the pattern style.md B.1 prescribes for the
# test settings; no other module may import *, a package's __init__ included.
STAR_EXCEPTIONS = {
    "aftersales.settings_test": "style.md B.1: settings + test overrides"
}

# Imports inside functions: only AppConfig.ready() (Django's documented place to import
# signal receivers and registries once the app registry is ready). No module needs more.
LATE_IMPORT_EXCEPTIONS: dict[str, str] = {}


@dataclass(frozen=True)
class Source:
    """One parsed module of ours."""

    module: str
    path: str
    tree: ast.Module
    is_package: bool


def _module_name(relative: Path) -> tuple[str, bool]:
    """The dotted module name of a file relative to the root, and whether it is a
    package's __init__."""
    parts = list(relative.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def parse_sources(files: dict[str, str]) -> dict[str, Source]:
    """Parse {relative path: source text} into {module name: Source}."""
    sources = {}
    for path, text in files.items():
        module, is_package = _module_name(Path(path))
        sources[module] = Source(module, path, ast.parse(text, path), is_package)
    return sources


def load_sources() -> dict[str, Source]:
    """Every .py file of the apps, migrations excepted."""
    files = {}
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            files[str(path.relative_to(ROOT))] = path.read_text("utf-8")
    return parse_sources(files)


def imports_of(source: Source, sources: dict[str, Source]) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement of the module, at any depth.

    Relative imports are resolved. `from pkg import name` counts as importing `pkg.name`
    when that is one of our modules, else `pkg`; an import of a module of ours is reduced
    to the deepest module of ours it names (`import a.b.c` with only `a.b` ours → `a.b`).
    """
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    found = []
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in sources else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            ours = name
            while ours and ours not in sources:
                ours = ours.rpartition(".")[0]
            found.append((node.lineno, ours or name))
    return found


def _app(module: str) -> str:
    return module.split(".")[0]


def layer_violations(sources: dict[str, Source]) -> list[str]:
    """Imports of a higher layer than the module's own."""
    violations = []
    for source in sources.values():
        own = _app(source.module)
        if own not in LAYERS:
            continue
        if own == "aftersales" and any(
            fnmatch(source.module, pattern) for pattern in LAYER_EXCEPTIONS
        ):
            continue
        for line, imported in imports_of(source, sources):
            other = _app(imported)
            if other in LAYERS and LAYERS.index(other) > LAYERS.index(own):
                violations.append(
                    f"{source.path}:{line}: layering: {own} may not import {other} "
                    f"({source.module} imports {imported})"
                )
    return sorted(set(violations))


def import_graph(sources: dict[str, Source]) -> dict[str, dict[str, int]]:
    """{module: {imported module of ours: first line}}; self-imports left out."""
    graph: dict[str, dict[str, int]] = {}
    for module, source in sources.items():
        edges: dict[str, int] = {}
        for line, imported in imports_of(source, sources):
            if imported in sources and imported != module:
                edges[imported] = min(line, edges.get(imported, line))
        graph[module] = edges
    return graph


def _strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (each holds a
    cycle), iteratively so a deep import chain cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def _shortest_cycle(
    graph: dict[str, dict[str, int]], start: str, members: set[str]
) -> list[str]:
    """The shortest ring of imports from `start` back to itself inside `members`."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node]):
            if target not in members:
                continue
            if target == start:
                ring = [node]
                while ring[-1] != start:
                    ring.append(previous[ring[-1]])
                return [*reversed(ring), start]
            if target not in previous:
                previous[target] = node
                queue.append(target)
    raise AssertionError(f"{start} is in no cycle")  # pragma: no cover


def cycle_violations(sources: dict[str, Source]) -> list[str]:
    """Every pair of modules that import each other, and one ring for each knot of
    imports that has no such pair."""
    graph = import_graph(sources)

    def edge(a: str, b: str) -> str:
        return f"{sources[a].path}:{graph[a][b]} ({a} imports {b})"

    violations = []
    for component in _strongly_connected(graph):
        members = set(component)
        pairs = [
            (a, b)
            for a in component
            for b in component
            if a < b and b in graph[a] and a in graph[b]
        ]
        for a, b in pairs:
            violations.append(
                f"{sources[a].path}:{graph[a][b]}: import cycle: {a} <-> {b}: "
                f"{edge(a, b)}; {edge(b, a)}"
            )
        if not pairs:
            ring = _shortest_cycle(graph, component[0], members)
            first, second = ring[0], ring[1]
            steps = "; ".join(edge(a, b) for a, b in zip(ring, ring[1:], strict=False))
            violations.append(
                f"{sources[first].path}:{graph[first][second]}: import cycle: "
                f"{' -> '.join(ring)}: {steps}"
            )
    return violations


def star_violations(sources: dict[str, Source]) -> list[str]:
    """Any `from x import *` in app code: each package's __init__ names what it exports,
    so nothing arrives unseen (only the test settings extend the settings with one)."""
    return [
        f"{source.path}:{node.lineno}: import *: from "
        f"{'.' * node.level}{node.module or ''} import * (name what you import)"
        for source in sources.values()
        if source.module not in STAR_EXCEPTIONS
        for node in ast.walk(source.tree)
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]


def _is_app_config(node: ast.ClassDef) -> bool:
    return any(
        (isinstance(base, ast.Name) and base.id == "AppConfig")
        or (isinstance(base, ast.Attribute) and base.attr == "AppConfig")
        for base in node.bases
    )


def late_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, function) of every import inside a function body, except inside the
    `ready()` method of an AppConfig subclass."""
    found = []

    def walk(node: ast.AST, function: str | None, app_config: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                walk(child, function, _is_app_config(child))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if function is None and app_config and child.name == "ready":
                    continue  # AppConfig.ready(): Django's place for start-up imports
                walk(child, child.name, False)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                if function is not None:
                    found.append((child.lineno, function))
            else:
                walk(child, function, app_config)

    walk(tree, None, False)
    return found


def late_import_violations(sources: dict[str, Source]) -> list[str]:
    """Imports inside functions, outside AppConfig.ready()."""
    return [
        f"{source.path}:{line}: late import: import inside {function}() "
        f"(import at the top; break a cycle by moving code down a layer)"
        for source in sources.values()
        if source.module not in LATE_IMPORT_EXCEPTIONS
        for line, function in late_imports(source.tree)
    ]


# --- the real apps ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    """Every module of the apps, parsed once."""
    return load_sources()


def test_every_app_imports_only_the_layers_below_it(sources):
    assert layer_violations(sources) == []


def test_no_two_modules_import_each_other_nor_any_ring(sources):
    assert cycle_violations(sources) == []


def test_no_star_imports(sources):
    assert star_violations(sources) == []


def test_no_imports_inside_functions(sources):
    assert late_import_violations(sources) == []


def test_the_exceptions_name_modules_that_exist(sources):
    """An exception for a module that is gone would silently allow a new one."""
    for pattern in [*LAYER_EXCEPTIONS, *STAR_EXCEPTIONS, *LATE_IMPORT_EXCEPTIONS]:
        assert any(fnmatch(module, pattern) for module in sources), pattern


def test_the_walk_sees_every_app(sources):
    assert {_app(module) for module in sources} == set(LAYERS)
    assert not any(".migrations" in module for module in sources)


# --- the checks themselves fail when they should ---------------------------------------


def test_an_upward_import_is_named_with_file_line_and_rule():
    made_up = parse_sources(
        {
            "customers/__init__.py": "",
            "customers/services.py": "import os\n\nfrom tickets.models import Ticket\n",
            "tickets/__init__.py": "",
            "tickets/models.py": "from customers import services\n",
            "standards/selectors.py": "from feedback import tasks\n",
            "aftersales/services.py": "import portal.selectors\n",
            "aftersales/views.py": "from portal import selectors\n",
            "aftersales/management/commands/seed.py": "import tickets.models\n",
        }
    )
    assert layer_violations(made_up) == [
        "aftersales/services.py:1: layering: aftersales may not import portal "
        "(aftersales.services imports portal.selectors)",
        "customers/services.py:3: layering: customers may not import tickets "
        "(customers.services imports tickets.models)",
        "standards/selectors.py:1: layering: standards may not import feedback "
        "(standards.selectors imports feedback)",
    ]


def test_a_relative_import_is_resolved():
    made_up = parse_sources(
        {
            "tickets/__init__.py": "",
            "tickets/cases/__init__.py": "",
            "tickets/cases/services.py": "from ..ownership import services\n",
            "tickets/ownership/__init__.py": "",
            "tickets/ownership/services.py": "def f():\n    from ..cases.services import g\n",
        }
    )
    assert cycle_violations(made_up) == [
        "tickets/cases/services.py:1: import cycle: tickets.cases.services <-> "
        "tickets.ownership.services: tickets/cases/services.py:1 (tickets.cases.services "
        "imports tickets.ownership.services); tickets/ownership/services.py:2 "
        "(tickets.ownership.services imports tickets.cases.services)"
    ]


def test_a_ring_of_three_is_a_cycle():
    made_up = parse_sources(
        {
            "feedback/a.py": "from feedback import b\n",
            "feedback/b.py": "import feedback.c\n",
            "feedback/c.py": "\n\nfrom feedback.a import x\n",
            "feedback/d.py": "from feedback import a\n",
        }
    )
    assert cycle_violations(made_up) == [
        "feedback/a.py:1: import cycle: feedback.a -> feedback.b -> feedback.c -> "
        "feedback.a: feedback/a.py:1 (feedback.a imports feedback.b); feedback/b.py:1 "
        "(feedback.b imports feedback.c); feedback/c.py:3 (feedback.c imports feedback.a)"
    ]


def test_a_package_reexporting_its_submodules_is_no_cycle():
    made_up = parse_sources(
        {
            "feedback/voice/services/__init__.py": (
                "from feedback.voice.services.items import a\n"
                "from feedback.voice.services.qa import b\n"
                "__all__ = ['a', 'b']\n"
            ),
            "feedback/voice/services/items.py": "from feedback.voice.services.qa import b\n",
            "feedback/voice/services/qa.py": "b = 1\n",
        }
    )
    assert cycle_violations(made_up) == []
    assert star_violations(made_up) == []


def test_star_imports_are_refused_even_in_an_init_with_all():
    made_up = parse_sources(
        {
            "feedback/listed/__init__.py": "from .items import *\n\n__all__ = ['a']\n",
            "feedback/listed/items.py": "a = 1\n",
            "feedback/unlisted/__init__.py": "from .items import *\n",
            "feedback/unlisted/items.py": "a = 1\n",
            "feedback/views.py": "__all__ = []\nfrom feedback.listed import *\n",
            "aftersales/settings.py": "DEBUG = False\n",
            "aftersales/settings_test.py": "from .settings import *  # noqa\n",
        }
    )
    assert star_violations(made_up) == [
        "feedback/listed/__init__.py:1: import *: from .items import * (name what you "
        "import)",
        "feedback/unlisted/__init__.py:1: import *: from .items import * (name what you "
        "import)",
        "feedback/views.py:2: import *: from feedback.listed import * (name what you "
        "import)",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from x import y\n", [(2, "f")]),
        ("async def f():\n    if True:\n        import x\n", [(3, "f")]),
        (
            "class C:\n    def m(self):\n        def g():\n            import x\n",
            [(4, "g")],
        ),
        ("class C(AppConfig):\n    def ready(self):\n        import x\n", []),
        ("class C(apps.AppConfig):\n    def ready(self):\n        import x\n", []),
        # ready() of anything but an AppConfig is an ordinary function.
        ("class C:\n    def ready(self):\n        import x\n", [(3, "ready")]),
        (
            "class C(AppConfig):\n    def other(self):\n        import x\n",
            [(3, "other")],
        ),
        ("import x\nif x:\n    import y\nclass C:\n    import z\n", []),
    ],
)
def test_the_late_import_check_finds_what_it_should(source, expected):
    assert late_imports(ast.parse(source)) == expected


def test_a_late_import_is_named_with_file_line_and_rule():
    made_up = parse_sources(
        {"feedback/tasks.py": "def run():\n    from feedback import services\n"}
    )
    assert late_import_violations(made_up) == [
        "feedback/tasks.py:2: late import: import inside run() (import at the top; "
        "break a cycle by moving code down a layer)"
    ]
