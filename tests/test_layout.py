"""The shape of `portal/`: small modules, no import cycles, and the shared layers (`requests`,
`domain`) kept below the features that use them.

Read from the source with `ast`, so a new module is covered without being listed here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
MAX_LINES = 500

# Modules allowed over MAX_LINES, each with its reason. Remove an entry when its module shrinks.
TOO_LONG_FOR_NOW: dict[str, str] = {}

FEATURES = (
    "auth",
    "admin",
    "customer",
    "inbox",
    "procedures",
    "insights",
    "reference_group",
    "workspace",
    "invitations",
    "handoffs",
    "main",
    "follow_ups",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PORTAL.rglob("*.py"))}


def _named(name: str, nodes) -> set[str]:
    """The modules the import statements among `nodes` (of module `name`) name: a
    submodule when `from package import submodule`, else the module itself."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    imported: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                imported.add(submodule if submodule in MODULES else module)
    return imported


def _top_level_imports(name: str) -> set[str]:
    """The portal modules `name` imports when it is imported: statements at module level
    (inside `if`/`try` too, not under `if TYPE_CHECKING`), and the packages above each one,
    which Python imports first. Imports inside functions run later and are left out."""
    statements: list[ast.stmt] = []
    pending = list(ast.parse(MODULES[name].read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            pending += [stmt for handler in node.handlers for stmt in handler.body]
        else:
            statements.append(node)
    imported = _named(name, statements)
    found = set()
    for module in imported:
        parts = module.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    # A module's own packages are already being imported when it runs, in the one order
    # Python always takes (package first): `from . import bp` in a view is not a cycle.
    return {m for m in found if m in MODULES and m != name and not name.startswith(m + ".")}


GRAPH = {name: _top_level_imports(name) for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
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
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _reachable(name: str) -> set[str]:
    seen, pending = set(), [name]
    while pending:
        for target in GRAPH[pending.pop()] - seen:
            seen.add(target)
            pending.append(target)
    return seen


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    described = [
        "\n".join(f"  {m} -> {sorted(GRAPH[m] & set(cycle))}" for m in cycle) for cycle in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n\n".join(described)


def _every_import(name: str) -> set[str]:
    """The portal modules `name` names in any import, at module level or inside a function
    (not the packages above them): a cycle "broken" by importing inside a function is still
    two modules that each need the other."""
    imported = _named(name, ast.walk(ast.parse(MODULES[name].read_text())))
    return {m for m in imported if m in MODULES and m != name and not name.startswith(m + ".")}


def test_no_import_cycles_hidden_inside_functions():
    cycles = _cycles({name: _every_import(name) for name in MODULES})
    assert not cycles, f"modules that import each other (some inside a function): {cycles}"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_every_module_imports_alone():
    """Each module imported first, with no other portal module loaded: an import that works
    only after something else was imported fails here (see tests/import_alone.py)."""
    result = subprocess.run(  # noqa: S603 (our own interpreter, script and module names)
        [sys.executable, str(Path(__file__).with_name("import_alone.py")), *sorted(MODULES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", result.stderr


def test_no_module_over_500_lines():
    lengths = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}
    too_long = {
        name: lines
        for name, lines in lengths.items()
        if lines > MAX_LINES and name not in TOO_LONG_FOR_NOW
    }
    assert not too_long, f"over {MAX_LINES} lines, split by responsibility: {too_long}"
    shrunk = [name for name in TOO_LONG_FOR_NOW if lengths.get(name, 0) <= MAX_LINES]
    assert not shrunk, f"now short enough, drop from TOO_LONG_FOR_NOW: {shrunk}"


def test_requests_and_domain_import_no_feature_package():
    features = {f"portal.{feature}" for feature in FEATURES}
    for name in MODULES:
        if name.split(".")[1:2] in (["requests"], ["domain"]):
            reached = {m for m in _reachable(name) if ".".join(m.split(".")[:2]) in features}
            assert not reached, f"{name} imports feature code: {sorted(reached)}"


def test_domain_is_pure():
    """The domain rules import the standard library and each other only: no Flask, no
    database, nothing else of the portal, at module level or inside a function."""
    for name, path in MODULES.items():
        if not name.startswith("portal.domain"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                modules = [node.module]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 1, f"{name} imports from outside portal.domain"
                continue
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", (
                    f"{name} imports {module}"
                )
