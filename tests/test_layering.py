"""The dependency direction of STYLE.md: services import none of the outer packages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTER = ("graphql_schema", "admin_ui", "workers")
# the one module that mounts the admin console beside GraphQL and wires the job queue
WIRING = {Path("graphql_schema/app.py")}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def violations(package: str, forbidden: set[str]) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel in WIRING:
            continue
        hits = imported_packages(path) & forbidden
        if hits:
            bad.append(f"{rel} imports {sorted(hits)}")
    return bad


def test_services_import_none_of_graphql_admin_or_workers():
    assert violations("services", set(OUTER)) == []


def test_outer_packages_import_services_not_each_other():
    for package in OUTER:
        assert violations(package, set(OUTER) - {package}) == []


def test_the_walker_sees_imports():
    assert "services" in imported_packages(ROOT / "workers" / "settings.py")


# The packages of services/ -----------------------------------------------------------------
#
# Below every package sit the base modules (services/<module>.py: errors, clock, config, …) and
# the data: each package's Tortoise models, which reference each other's tables, and the pure
# rule facts they store (refunds.kinds, refunds.bands: the names under which the refunds code
# imports services.refund_kinds and services.approval_bands, R-12's bands, which the permission
# table reads from there). The rest of each package is one node; those nodes must form no
# cycle. Events after a step go up through services.events (complaints and refunds publish,
# notices and audit react, services.wiring subscribes), never by importing the package above.
DATA = {"services.refunds.kinds", "services.refunds.bands"}


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _is_data(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return module in DATA or last == "models" or last.endswith("_models")


def node_of(module: str) -> str:
    """The node a module belongs to: its package, or `<package>.data`, or a base module."""
    parts = module.split(".")
    if len(parts) <= 2:
        return module  # a base module (services/clock.py) or a package's __init__
    return f"services.{parts[1]}.data" if _is_data(module) else f"services.{parts[1]}"


def services_imports() -> dict[str, set[str]]:
    """module -> the services modules it imports (a name imported from a package counts as
    the submodule when there is one)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if not node.module.startswith("services"):
                    continue
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    as_file = ROOT / Path(*sub.split("."))
                    is_module = as_file.with_suffix(".py").exists() or as_file.is_dir()
                    targets.add(sub if is_module else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("services.")}
        found[_module_name(path)] = targets
    return found


def package_graph(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in imports.items():
        source = node_of(module)
        for target in targets:
            other = node_of(target)
            if other != source and other != "services":
                graph.setdefault(source, set()).add(other)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def test_the_packages_of_services_import_each_other_without_a_cycle():
    graph = package_graph(services_imports())
    found = cycles(graph)
    detail = [
        f"{a} -> {b}"
        for component in found
        for a in component
        for b in graph.get(a, ())
        if b in component
    ]
    assert found == [], f"import cycles between packages: {found}; edges: {sorted(detail)}"


def test_the_data_below_the_packages_imports_only_base_modules_and_data():
    imports = services_imports()
    bad = [
        f"{module} imports {target}"
        for module, targets in imports.items()
        if _is_data(module)
        for target in sorted(targets)
        if node_of(target).count(".") > 1 and not node_of(target).endswith(".data")
    ]
    assert bad == []


def test_the_cycle_finder_finds_a_cycle():
    graph = package_graph(
        {
            "services.complaints.service": {"services.notices.service"},
            "services.notices.service": {"services.complaints.models", "services.complaints.rules"},
        }
    )
    assert cycles(graph) == [["services.complaints", "services.notices"]]


def test_the_permission_package_imports_none_of_the_packages_it_guards():
    """services.permissions decides for every package's use cases, so it imports none of them,
    not even their models: its facts are read by loaders services.wiring registers
    (services.permission_facts), its rule data sits in base modules (roles, approval_bands)."""
    imports = services_imports()
    reached = {
        f"{module} imports {target}"
        for module, targets in imports.items()
        if module.startswith("services.permissions")
        for target in targets
        if target.count(".") > 1
        and not target.startswith(("services.permissions", "services.customers"))
    }
    assert reached == set()
