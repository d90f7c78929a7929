"""New rows of several tables written in one statement (issue 14: an intake's round trips).

`write` sends one `WITH a AS (INSERT …), b AS (INSERT …) INSERT … RETURNING id`: every row of
every table in one round trip, inside the caller's transaction. The rows are Tortoise model
instances made in Python (their defaults and `auto_now_add` times filled as `save` would); a
row whose primary key is set (taken from its sequence beforehand) is written with it, the
others get theirs from the sequence and, for the last table, are given them back.

PostgreSQL runs the parts as one command: they see the same snapshot, foreign keys and AFTER
triggers are checked and fired when the whole statement is done (so a deadline's trigger sees
its complaint), but a BEFORE trigger of one part does not see the rows of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.connection import get_connection
from tortoise.models import Model


def _insert(rows: Sequence[Model], values: list[Any]) -> str:
    """`INSERT INTO t (…) VALUES (…), (…)` for rows of one model; their values appended."""
    meta = type(rows[0])._meta
    with_pk = rows[0].pk is not None
    names = [n for n in meta.fields_db_projection if with_pk or n != meta.pk_attr]
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
    tuples = []
    for row in rows:
        at = len(values)
        tuples.append("(" + ", ".join(f"${at + i + 1}" for i in range(len(names))) + ")")
        values += [meta.fields_map[n].to_db_value(getattr(row, n), row) for n in names]
    return f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {", ".join(tuples)}'


async def write(*tables: Sequence[Model]) -> None:
    """Insert every row of `tables` (each a list of one model's rows; empty lists skipped) in
    one statement; the rows of the last table get their ids."""
    parts = [list(rows) for rows in tables if rows]
    if not parts:
        return
    values: list[Any] = []
    ctes = [f"w{i} AS ({_insert(rows, values)})" for i, rows in enumerate(parts[:-1])]
    last = parts[-1]
    meta = type(last[0])._meta
    pk = meta.fields_db_projection[meta.pk_attr]
    sql = ("WITH " + ", ".join(ctes) + " " if ctes else "") + _insert(last, values)
    sql += f' RETURNING "{pk}"'
    returned = await get_connection("default").execute_query_dict(sql, values)
    # one VALUES list: PostgreSQL inserts and returns its rows in order
    for row, record in zip(last, returned, strict=True):
        if row.pk is None:
            row.pk = record[pk]
    for rows in parts:
        for row in rows:
            row._saved_in_db = True
