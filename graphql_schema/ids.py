"""Ids arrive as strings; anything that is not one of ours is simply not found."""

from __future__ import annotations

from services.errors import NotFound


def parse_id(value: str | int | None, *, field: str = "id") -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise NotFound(f"No record has the id {value!r}.", field=field) from None
    if not 0 < number < 2**31:
        raise NotFound(f"No record has the id {value!r}.", field=field)
    return number


def parse_optional_id(value: str | int | None, *, field: str) -> int | None:
    return None if value is None else parse_id(value, field=field)
