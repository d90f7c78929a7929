"""The raw peer of `bench_peers`: Tousu's own SQL on asyncpg, no framework, no GraphQL.

An ASGI app (`uvicorn bench.peer_raw:app`) over `RAW_DATABASE_URL`. Each POST names a workload
(`{"w": "page"}`, `{"w": "one", "id": 7}`, `{"w": "due"}`, `{"w": "me"}`) and is answered with
the same rows Tousu reads for it, by the same statements (the caller's staff row, the page,
then one statement per relation), encoded as JSON. It is the floor: what the database and
the driver cost when nothing else runs in Python.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from typing import Any

import asyncpg

STAFF_ID = int(os.environ.get("RAW_STAFF_ID", "1"))

CALLER = (
    "SELECT id, username, display_name, roles, track, department_id, is_department_head,"
    " is_active, token_version FROM staff WHERE id = $1 AND is_active"
)
COMPLAINT_COLUMNS = (
    "c.id, c.customer_id, c.contact_name, c.contact_phone, c.contact_preference, c.channel,"
    " c.category, c.service_code, c.sp_code, c.province, c.city, c.occurred_at, c.location,"
    " c.staff_involved, c.summary, c.details, c.customer_request, c.matter_key, c.status,"
    " c.severity, c.warning_colour, c.first_handler_id, c.owner_id, c.department_id, c.plan,"
    " c.result_cause, c.result_solution, c.result_prevention, c.revisit_satisfied,"
    " c.revisit_note, c.reopen_count, c.plan_extended, c.paused_since, c.paused_reason,"
    " c.created_at, c.updated_at, c.acknowledged_at, c.investigation_started_at,"
    " c.plan_proposed_at, c.resolution_started_at, c.resolved_at, c.revisited_at, c.archived_at"
)
PAGE = f"SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE true ORDER BY c.id DESC LIMIT $1"
DUE = (
    f"SELECT {COMPLAINT_COLUMNS}, c.next_due_at AS next_due FROM complaints c"
    " WHERE c.next_due_at IS NOT NULL ORDER BY c.next_due_at, c.id LIMIT $1"
)
ONE = f"SELECT {COMPLAINT_COLUMNS} FROM complaints c WHERE c.id = $1"
CUSTOMERS = (
    "SELECT id, msisdn, name, tier, province, city, joined_on, credit_standing, status,"
    " sensitive FROM customers WHERE id = ANY($1::int[])"
)
STAFF = (
    "SELECT id, username, display_name, roles, track, is_department_head, department_id"
    " FROM staff WHERE id = ANY($1::int[])"
)
DEPARTMENTS = "SELECT id, code, name FROM departments WHERE id = ANY($1::int[])"
URGENCIES = (
    "SELECT complaint_id, reason, note, evidence, created_at FROM complaint_urgencies"
    " WHERE complaint_id = ANY($1::int[]) ORDER BY id"
)
DEADLINES = (
    "SELECT complaint_id, kind, key, due_at, state, met_at, breached_at, provisional, note"
    " FROM complaint_deadlines WHERE complaint_id = ANY($1::int[]) ORDER BY due_at, id"
)
EVENTS = (
    "SELECT id, complaint_id, at, action, field, from_value, to_value, reason, actor_id"
    " FROM complaint_events WHERE complaint_id = ANY($1::int[]) ORDER BY id"
)

_pool: asyncpg.Pool | None = None


def _grouped(rows: list[asyncpg.Record]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["complaint_id"], []).append(dict(row))
    return found


async def _me(conn: asyncpg.Connection, body: dict[str, Any]) -> Any:
    staff = await conn.fetchrow(CALLER, STAFF_ID)
    return {"me": {"username": staff["username"]}}


async def _full(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """Each complaint with its customer, owner (and department), first handler, urgency,
    deadlines and history (with actors): one statement per relation."""
    ids = [r["id"] for r in rows]
    customers = {
        r["id"]: dict(r)
        for r in await conn.fetch(CUSTOMERS, list({r["customer_id"] for r in rows}))
    }
    urgencies = _grouped(await conn.fetch(URGENCIES, ids))
    deadlines = _grouped(await conn.fetch(DEADLINES, ids))
    events = _grouped(await conn.fetch(EVENTS, ids))
    staff_ids = {r["owner_id"] for r in rows} | {r["first_handler_id"] for r in rows}
    staff_ids |= {e["actor_id"] for es in events.values() for e in es if e["actor_id"]}
    staff = {r["id"]: dict(r) for r in await conn.fetch(STAFF, list(staff_ids))}
    department_ids = [s["department_id"] for s in staff.values() if s["department_id"]]
    departments = {r["id"]: dict(r) for r in await conn.fetch(DEPARTMENTS, department_ids)}

    def person(staff_id: int | None) -> Any:
        if staff_id is None:
            return None
        s = staff[staff_id]
        return {"username": s["username"], "department": departments.get(s["department_id"])}

    out = []
    for r in rows:
        c = dict(r)
        c["customer"] = customers[r["customer_id"]]
        c["owner"] = person(r["owner_id"])
        c["firstHandler"] = person(r["first_handler_id"])
        c["urgency"] = urgencies.get(r["id"], [])
        c["deadlines"] = deadlines.get(r["id"], [])
        c["history"] = [{**e, "actor": person(e["actor_id"])} for e in events.get(r["id"], [])]
        out.append(c)
    return out


async def _page(conn: asyncpg.Connection, body: dict[str, Any]) -> Any:
    await conn.fetchrow(CALLER, STAFF_ID)
    rows = (await conn.fetch(PAGE, 51))[:50]
    return {"complaints": {"edges": [{"node": c} for c in await _full(conn, rows)]}}


async def _one(conn: asyncpg.Connection, body: dict[str, Any]) -> Any:
    await conn.fetchrow(CALLER, STAFF_ID)
    rows = await conn.fetch(ONE, int(body["id"]))
    return {"complaint": (await _full(conn, rows))[0] if rows else None}


async def _due(conn: asyncpg.Connection, body: dict[str, Any]) -> Any:
    await conn.fetchrow(CALLER, STAFF_ID)
    rows = (await conn.fetch(DUE, 51))[:50]
    deadlines = _grouped(await conn.fetch(DEADLINES, [r["id"] for r in rows]))
    edges = [{"node": {**dict(r), "deadlines": deadlines.get(r["id"], [])}} for r in rows]
    return {"complaints": {"edges": edges}}


WORKLOADS = {"me": _me, "page": _page, "one": _one, "due": _due}


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(type(value))


async def _lifespan(receive: Any, send: Any) -> None:
    global _pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _pool = await asyncpg.create_pool(os.environ["RAW_DATABASE_URL"], max_size=16)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _pool is not None:
                await _pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    status, payload = 200, b'{"ok":true}'
    if scope["method"] == "POST":
        body = json.loads(b"".join(chunks) or b"{}")
        assert _pool is not None
        async with _pool.acquire() as conn:
            data = await WORKLOADS[body["w"]](conn, body)
        payload = json.dumps({"data": data}, default=_default, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
