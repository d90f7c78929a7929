"""C-7: every time the domain writes comes from services.clock, so a pinned clock pins them all
(and a test never depends on today's date). Wall time is allowed only where it is security or
transport time, listed here with the reason."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("services", "admin_ui", "graphql_schema", "workers")
WALL_TIME_ALLOWED = {
    "services/clock.py": "the domain clock itself",
    "services/staff/throttle.py": "login back-off is security time",
    "services/staff/service.py": "a cached token signature expires by wall time",
    "services/notices/gateways/http.py": "the gateway signature's timestamp is transport time",
    "graphql_schema/staff/resolvers.py": "a bearer token's expiry is security time",
    "workers/queue.py": "arq's queue reads the machine's clock",
}
WALL_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
SQL_NOW = re.compile(r"\bnow\(\)|CURRENT_TIMESTAMP", re.IGNORECASE)


def wall_time_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in WALL_CALLS:
                found.append(f"{name}.{node.func.attr}() line {node.lineno}")
            if node.func.attr == "DatetimeField" and any(
                k.arg in ("auto_now", "auto_now_add") for k in node.keywords
            ):
                found.append(f"fields.DatetimeField(auto_now…) line {node.lineno}")
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and SQL_NOW.search(node.value):
            found.append(f"SQL now() line {node.lineno}")
    return found


def test_c7_every_domain_timestamp_comes_from_the_domain_clock():
    offenders = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("services/migrations/") or rel in WALL_TIME_ALLOWED:
                continue
            if uses := wall_time_uses(path):
                offenders[rel] = uses
    assert offenders == {}


def test_c7_the_walker_sees_a_wall_clock_call():
    assert "datetime.now() line 20" in wall_time_uses(ROOT / "services" / "clock.py")
