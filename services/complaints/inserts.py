"""New rows of several tables written in one statement (issue 14: an intake's round trips).

`write` sends one `WITH a AS (INSERT …), b AS (INSERT …) INSERT … RETURNING id`: every row of
every table in one round trip, inside the caller's transaction; with `locks`, the advisory
locks the caller takes next are taken by that statement too (`locking.Lock`). The rows are
Tortoise model instances made in Python (their defaults and `auto_now_add` times filled as
`save` would); a row whose primary key is set (taken from its sequence beforehand) is written
with it, the others get theirs from the sequence and, for the last table, are given them back.

PostgreSQL runs the parts as one command: they see the same snapshot, foreign keys and AFTER
triggers are checked and fired when the whole statement is done (so a deadline's trigger sees
its complaint), but a BEFORE trigger of one part does not see the rows of another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from tortoise.connection import get_connection
from tortoise.fields import Field
from tortoise.models import Model

from services.complaints.locking import Lock


@cache
def _columns(model: type[Model], with_pk: bool) -> tuple[str, list[tuple[str, Field[Any]]]]:
    """The column list of a model's INSERT, and each column's attribute and field."""
    meta = model._meta
    names = [n for n in meta.fields_db_projection if with_pk or n != meta.pk_attr]
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
    return columns, [(n, meta.fields_map[n]) for n in names]


def _insert(rows: Sequence[Model], values: list[Any], extra: Mapping[str, Any]) -> str:
    """`INSERT INTO t (…) VALUES (…), (…)` for rows of one model; their values appended.
    `extra`: columns that are not fields of the model, and their value in every row."""
    model = type(rows[0])
    columns, fields = _columns(model, rows[0].pk is not None)
    if extra:
        columns += "".join(f', "{column}"' for column in extra)
    width = len(fields) + len(extra)
    tuples = []
    for row in rows:
        at = len(values)
        tuples.append("(" + ", ".join(f"${at + i + 1}" for i in range(width)) + ")")
        values += [field.to_db_value(getattr(row, name), row) for name, field in fields]
        values += extra.values()
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES {", ".join(tuples)}'


async def write(
    *tables: Sequence[Model],
    locks: Sequence[Lock] = (),
    columns: Mapping[type[Model], Mapping[str, Any]] | None = None,
) -> None:
    """Insert every row of `tables` (each a list of one model's rows; empty lists skipped) in
    one statement; the rows of the last table get their ids. `locks` are taken in the same
    statement, in their order (the rows' foreign keys are checked when it ends, after them).
    `columns`: by model, columns that are not its fields (kept by triggers) and their value."""
    parts = [list(rows) for rows in tables if rows]
    if not parts:
        for lock in locks:
            await lock.take()
        return
    values: list[Any] = []
    extra = columns or {}
    ctes = [
        f"w{i} AS ({_insert(rows, values, extra.get(type(rows[0]), {}))})"
        for i, rows in enumerate(parts[:-1])
    ]
    last = parts[-1]
    meta = type(last[0])._meta
    pk = meta.fields_db_projection[meta.pk_attr]
    returning = f'{_insert(last, values, extra.get(type(last[0]), {}))} RETURNING "{pk}"'
    if locks:
        # one row: the ids (the last part read whole, as RETURNING gives them), then each
        # lock, the select list evaluated in order
        ctes.append(f"w{len(parts) - 1} AS ({returning})")
        calls = []
        for n, lock in enumerate(locks):
            calls.append(f"{lock.numbered_from(len(values) + 1)} AS lock{n}")
            values += lock.args
        sql = f'WITH {", ".join(ctes)} SELECT ARRAY(SELECT "{pk}" FROM w{len(parts) - 1}) AS ids'
        sql += ", " + ", ".join(calls)
    else:
        sql = ("WITH " + ", ".join(ctes) + " " if ctes else "") + returning
    returned = await get_connection("default").execute_query_dict(sql, values)
    ids = returned[0]["ids"] if locks else [r[pk] for r in returned]
    # one VALUES list: PostgreSQL inserts and returns its rows in order
    for row, new_id in zip(last, ids, strict=True):
        if row.pk is None:
            row.pk = new_id
    for rows in parts:
        for row in rows:
            row._saved_in_db = True
