"""C-7: every time the domain writes comes from services.clock, so a pinned clock pins them all
(and a test never depends on today's date). Wall time is allowed only where it is security or
transport time, listed here with the reason."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


DB_CLOCK = re.compile(
    r"\bnow\(\)|CURRENT_TIMESTAMP|CURRENT_DATE|LOCALTIMESTAMP|clock_timestamp|"
    r"statement_timestamp|transaction_timestamp|timeofday",
    re.IGNORECASE,
)


async def test_c7_no_database_function_or_column_default_reads_the_database_clock():
    """Triggers and column defaults are domain writes too (the migrations are not walked above):
    none may stamp a row with PostgreSQL's clock instead of the domain clock."""
    from tortoise import Tortoise

    conn = Tortoise.get_connection("default")
    functions = await conn.execute_query_dict(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public'"
    )
    defaults = await conn.execute_query_dict(
        "SELECT table_name, column_name, column_default FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_default IS NOT NULL"
    )

    assert len(functions) > 0  # the migrations' triggers are there to be read
    assert [f["proname"] for f in functions if DB_CLOCK.search(f["prosrc"])] == []
    assert [
        f"{d['table_name']}.{d['column_name']}"
        for d in defaults
        if DB_CLOCK.search(d["column_default"])
    ] == []


async def test_c7_model_timestamps_and_history_rows_take_the_domain_clock():
    """Years away from the machine's clock: every time written is the domain clock's."""
    from services import clock
    from services.complaints import service
    from services.complaints.models import Complaint, ComplaintEvent, Deadline
    from services.staff.models import Role
    from tests import factories as f

    taken = datetime(2031, 2, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock.freeze(taken)
    handler = await f.staff(Role.HANDLER)
    complaint = await f.complaint(handler)
    acknowledged = taken + timedelta(hours=2)
    clock.freeze(acknowledged)

    await service.acknowledge(actor=handler, complaint_id=complaint.id)

    saved = await Complaint.get(id=complaint.id)
    assert (saved.created_at, saved.updated_at) == (taken, acknowledged)
    events = await ComplaintEvent.filter(complaint_id=complaint.id).values_list("at", flat=True)
    assert len(events) >= 2 and set(events) <= {taken, acknowledged}
    assert acknowledged in events
    created = await Deadline.filter(complaint_id=complaint.id).values_list("created_at", flat=True)
    assert created and set(created) == {taken}


def test_c7_a_test_runs_on_the_pinned_domain_clock_by_default():
    """Whatever the machine's date (`faketime '2031-02-10 10:00:00' make test`), a test starts
    on Tuesday 10 March 2026 10:00 in Shanghai: it ticks on from there, keeping order."""
    from services import clock
    from tests.conftest import PINNED_AT

    pinned = datetime(*PINNED_AT, tzinfo=ZoneInfo("Asia/Shanghai"))
    now = clock.now()

    assert not clock.is_wall_clock()
    assert timedelta(0) <= now - pinned < timedelta(minutes=5)
    assert clock.now() >= now


def test_c7_a_test_that_asks_for_the_wall_clock_by_name_gets_it(wall_clock: None):
    from services import clock

    assert clock.is_wall_clock()
