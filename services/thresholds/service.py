"""Current thresholds, from the database, visible to every process within seconds.

A key without a stored version has its shipped default (DOMAIN.md). Values are JSON; each
key has a validator that refuses a bad value with a clear message before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from services.errors import InvalidInput, NotFound
from services.thresholds.models import ThresholdVersion

CACHE_SECONDS = 3.0


@dataclass(frozen=True)
class Threshold:
    key: str
    default: Any
    description: str
    validate: Callable[[Any], None]


_registry: dict[str, Threshold] = {}
_cache: dict[str, Any] = {}
_cache_marker: int | None = None
_checked_at = 0.0
_memos: dict[str, dict[Any, Any]] = {}  # see `memo`: emptied whenever the thresholds change


def register(key: str, default: Any, description: str, validate: Callable[[Any], None]) -> None:
    """Declare a threshold (at import time of the domain module that owns it)."""
    validate(default)
    _registry[key] = Threshold(key, default, description, validate)


def registered() -> dict[str, Threshold]:
    return dict(_registry)


def forget() -> None:
    global _cache_marker, _checked_at
    _cache.clear()
    _memos.clear()
    _cache_marker = None
    _checked_at = 0.0


async def _refresh() -> None:
    """One cheap query per CACHE_SECONDS decides whether anything changed anywhere."""
    global _cache_marker, _checked_at
    now = time.monotonic()
    if _cache_marker is not None and now - _checked_at < CACHE_SECONDS:
        return
    latest = await ThresholdVersion.all().order_by("-id").only("id").first()
    marker = latest.id if latest else 0
    if marker != _cache_marker:
        _cache.clear()
        _memos.clear()
        rows = await ThresholdVersion.all().order_by("key", "version")
        for row in rows:
            _cache[row.key] = row.value  # the last version of each key wins
        _cache_marker = marker
    _checked_at = now


async def memo(name: str) -> dict[Any, Any]:
    """A per-process dictionary for values derived from the thresholds (e.g. the department
    a routing rule names), emptied whenever any threshold changes (and by `forget`)."""
    await _refresh()
    return _memos.setdefault(name, {})


async def current(key: str) -> Any:
    if key not in _registry:
        raise NotFound(f"No threshold is called {key!r}.", field="key")
    await _refresh()
    return _cache.get(key, _registry[key].default)


async def change(
    *, key: str, value: Any, reason: str, changed_by_id: int | None
) -> ThresholdVersion:
    """Store a new version after validating it; the reason is required."""
    if key not in _registry:
        raise NotFound(f"No threshold is called {key!r}.", field="key")
    if not reason.strip():
        raise InvalidInput("Say why the threshold changes.", field="reason")
    _registry[key].validate(value)
    async with in_transaction():
        last = (
            await ThresholdVersion.filter(key=key).select_for_update().order_by("-version").first()
        )
        row = await ThresholdVersion.create(
            key=key,
            version=(last.version + 1) if last else 1,
            value=value,
            reason=reason.strip(),
            changed_by_id=changed_by_id,
        )
    forget()
    return row


def positive_int(value: Any, *, field: str = "value") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidInput(f"{field} must be a whole number above zero.", field=field)


# history and restore (the admin console) ------------------------------------------------------


async def change_many(
    *, values: dict[str, Any], reason: str, changed_by_id: int | None
) -> list[ThresholdVersion]:
    """Several keys changed together for one reason (one form), all or none: one transaction."""
    for key, value in values.items():
        if key not in _registry:
            raise NotFound(f"No threshold is called {key!r}.", field="key")
        _registry[key].validate(value)
    if not reason.strip():
        raise InvalidInput("Say why the threshold changes.", field="reason")
    async with in_transaction():
        rows = [
            await change(key=key, value=value, reason=reason, changed_by_id=changed_by_id)
            for key, value in sorted(values.items())
        ]
    forget()
    return rows


async def history(key: str) -> list[ThresholdVersion]:
    """Every stored version of one key, newest first, with who changed it."""
    if key not in _registry:
        raise NotFound(f"No threshold is called {key!r}.", field="key")
    rows: list[ThresholdVersion] = (
        await ThresholdVersion.filter(key=key).order_by("-version").select_related("changed_by")
    )
    return rows


async def latest_versions() -> dict[str, ThresholdVersion]:
    """The newest stored version of every key that has one (keys at their default are absent)."""
    rows = await ThresholdVersion.all().order_by("key", "version").select_related("changed_by")
    return {row.key: row for row in rows}


async def restore(
    *, key: str, version: int, reason: str, changed_by_id: int | None
) -> ThresholdVersion:
    """Make an old version (0: the shipped default) current again, as a new version."""
    if key not in _registry:
        raise NotFound(f"No threshold is called {key!r}.", field="key")
    if version == 0:
        value = _registry[key].default
    else:
        old = await ThresholdVersion.get_or_none(key=key, version=version)
        if old is None:
            raise NotFound(f"{key} has no version {version}.", field="version")
        value = old.value
    return await change(key=key, value=value, reason=reason, changed_by_id=changed_by_id)
