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
