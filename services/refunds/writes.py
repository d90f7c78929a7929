"""A refund step's rows written in one statement (issue 14: a step's round trips).

`write` sends one `WITH u0 AS (UPDATE …), i0 AS (INSERT …) INSERT … RETURNING id`: the
fields a step changed on rows it holds locked, and its new rows, in one round trip inside the
caller's transaction (or as a transaction of its own when there is none: one statement is
atomic). Rows are Tortoise model instances; values go through each field's `to_db_value`, as
`save` would send them (an `auto_now` time from the domain clock included). New rows whose
primary key is unset are those of the last table: PostgreSQL returns theirs in order.

PostgreSQL runs the parts as one command on one snapshot: no part sees another's rows (each
part here touches its own), foreign keys are checked at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.connection import get_connection
from tortoise.models import Model


def _insert(rows: Sequence[Model], values: list[Any]) -> str:
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


def _update(row: Model, fields: Sequence[str], values: list[Any]) -> str:
    """`UPDATE t SET … WHERE pk = …` of the named fields (and an `auto_now` time)."""
    meta = type(row)._meta
    names = list(fields) + [
        n for n, f in meta.fields_map.items() if getattr(f, "auto_now", False) and n not in fields
    ]
    sets = []
    for name in names:
        values.append(meta.fields_map[name].to_db_value(getattr(row, name), row))
        sets.append(f'"{meta.fields_db_projection[name]}" = ${len(values)}')
    values.append(row.pk)
    pk = meta.fields_db_projection[meta.pk_attr]
    return f'UPDATE "{meta.db_table}" SET {", ".join(sets)} WHERE "{pk}" = ${len(values)}'


async def write(
    *,
    updated: Sequence[tuple[Model, Sequence[str]]] = (),
    created: Sequence[Sequence[Model]] = (),
    unless_present: Sequence[str] = (),
) -> None:
    """Update the named fields of each `updated` row and insert every row of `created` (each a
    list of one model's rows; empty lists skipped) in one statement. `unless_present`: the
    fields of a unique index of the last table; a row whose values there are taken is not
    inserted (and keeps no primary key)."""
    values: list[Any] = []
    parts = [_update(row, fields, values) for row, fields in updated]
    inserts = [list(rows) for rows in created if rows]
    last: list[Model] = inserts.pop() if inserts else []
    parts += [_insert(rows, values) for rows in inserts]
    keys: list[str] = []
    if last:
        meta = type(last[0])._meta
        pk = meta.fields_db_projection[meta.pk_attr]
        keys = [meta.fields_db_projection[n] for n in unless_present]
        final = _insert(last, values)
        if keys:
            final += " ON CONFLICT (" + ", ".join(f'"{k}"' for k in keys) + ") DO NOTHING"
        final += " RETURNING " + ", ".join(f'"{c}"' for c in [pk, *keys])
    elif parts:
        final = parts.pop()
    else:
        return
    ctes = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(parts))
    sql = (f"WITH {ctes} " if ctes else "") + final
    returned = await get_connection("default").execute_query_dict(sql, values)
    if keys:  # some rows may not have gone in: found by their values in the unique index
        ids = {tuple(record[k] for k in keys): record[pk] for record in returned}
        for row in last:
            fields = type(row)._meta.fields_map
            key = tuple(fields[n].to_db_value(getattr(row, n), row) for n in unless_present)
            row.pk = ids.get(key)
    else:  # one VALUES list: PostgreSQL inserts and returns its rows in order
        for row, record in zip(last, returned, strict=True):
            if row.pk is None:
                row.pk = record[pk]
    for rows in inserts:
        for row in rows:
            row._saved_in_db = True
    for row in last:
        row._saved_in_db = row.pk is not None
